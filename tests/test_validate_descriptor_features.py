"""Whatever the descriptor or a Table Schema says is enforced or refused, never ignored; and each problem
names the file that holds its cause (the schema file, the article, the line of a stray quote)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from conftest import PackageCopy, assert_reported, find

DESCRIPTOR = "datapackage.json"


def _edit_json(package: PackageCopy, relative: str, change: Callable[[Any], object]) -> None:
    path = package.root / relative
    value = json.loads(path.read_text(encoding="utf-8"))
    change(value)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _resource(descriptor: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in descriptor["resources"] if r["name"] == name)


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in schema["fields"] if f["name"] == name)


def _add_boolean_column(package: PackageCopy, values: list[str], **properties: object) -> None:
    """Give event_types a last column ``official`` of type boolean, holding ``values`` row by row."""
    _edit_json(package, "schemas/event_types.schema.json",
               lambda s: s["fields"].append({"name": "official", "type": "boolean", "description": "x.", **properties}))
    rows = package.rows("event_types")
    for row, value in zip(rows, values * len(rows), strict=False):
        row["official"] = value
    package.write_rows("event_types", rows, header=list(rows[0]))  # the header without reading the schema


# --- boolean fields -------------------------------------------------------------------------------------

def test_boolean_values_frictionless_and_polars_both_read_pass(package: PackageCopy) -> None:
    _add_boolean_column(package, ["true", "false", "True", "FALSE", ""])
    assert package.validate() == []


@pytest.mark.parametrize("value", ["yes", "1", "0", "tRuE", "t"])
def test_a_boolean_cell_that_is_not_true_or_false_is_reported(package: PackageCopy, value: str) -> None:
    _add_boolean_column(package, ["true"])
    line = package.set_cell("event_types", 3, "official", value)
    problems = package.validate()
    assert_reported(problems, "type", file="data/event_types.csv", line=line, column="official", value=value)
    assert len(problems) == 1


@pytest.mark.parametrize("key", ["trueValues", "falseValues"])
def test_declared_true_or_false_values_are_refused(package: PackageCopy, key: str) -> None:
    _add_boolean_column(package, ["true"], **{key: ["yes"]})
    assert_reported(package.validate(), "schema", file="schemas/event_types.schema.json", column="official")


# --- dialect, missingValues, format: only what the reader implements ----------------------------------

@pytest.mark.parametrize(("key", "value"), [
    ("delimiter", ";"), ("header", False), ("quoteChar", "'"), ("doubleQuote", False), ("escapeChar", "\\"),
    ("skipInitialSpace", True), ("nullSequence", "NA"), ("commentChar", "#"), ("lineTerminator", "\r\n"),
])
def test_a_dialect_the_reader_does_not_implement_is_refused(package: PackageCopy, key: str, value: object) -> None:
    _edit_json(package, DESCRIPTOR, lambda d: _resource(d, "events")["dialect"].update({key: value}))
    problems = package.validate()
    assert_reported(problems, "descriptor", file=DESCRIPTOR)
    assert all("resource 'events'" in p.message and key in p.message for p in problems)


def test_a_dialect_in_another_file_is_refused(package: PackageCopy) -> None:
    _edit_json(package, DESCRIPTOR, lambda d: _resource(d, "events").update(dialect="dialect.json"))
    assert_reported(package.validate(), "descriptor", file=DESCRIPTOR, value="dialect.json")


@pytest.mark.parametrize(("key", "value", "shown"), [
    ("format", "tsv", "tsv"), ("mediatype", "text/tab-separated-values", "text/tab-separated-values"),
    ("compression", "gz", "compression"), ("data", [["EV0001"]], "data"),
])
def test_a_resource_format_the_reader_does_not_implement_is_refused(package: PackageCopy, key: str, value: object,
                                                                     shown: str) -> None:
    _edit_json(package, DESCRIPTOR, lambda d: _resource(d, "events").update({key: value}))
    assert_reported(package.validate(), "descriptor", file=DESCRIPTOR, value=shown)


@pytest.mark.parametrize("where", ["package", "resource", "schema", "field"])
def test_missing_values_other_than_the_empty_field_are_refused(package: PackageCopy, where: str) -> None:
    missing = ["", "NA"]
    if where in ("package", "resource"):
        _edit_json(package, DESCRIPTOR, lambda d: (d if where == "package" else _resource(d, "events"))
                   .update(missingValues=missing))
        assert_reported(package.validate(), "descriptor", file=DESCRIPTOR, value='["", "NA"]')
    else:
        _edit_json(package, "schemas/events.schema.json", lambda s: (s if where == "schema" else _field(s, "date_end"))
                   .update(missingValues=missing))
        assert_reported(package.validate(), "schema", file="schemas/events.schema.json",
                        column=None if where == "schema" else "date_end", value='["", "NA"]')


@pytest.mark.parametrize(("key", "value"), [("uniqueKeys", [["title_en"]]), ("fieldsMatch", "subset")])
def test_schema_properties_validate_does_not_enforce_are_refused(package: PackageCopy, key: str, value: object) -> None:
    _edit_json(package, "schemas/events.schema.json", lambda s: s.update({key: value}))
    assert_reported(package.validate(), "schema", file="schemas/events.schema.json", value=value if isinstance(value, str) else json.dumps(value))


@pytest.mark.parametrize(("field", "value"), [("date_start", "%d/%m/%Y"), ("date_start", "any"), ("title_en", "email")])
def test_a_field_format_other_than_default_is_refused(package: PackageCopy, field: str, value: str) -> None:
    _edit_json(package, "schemas/events.schema.json", lambda s: _field(s, field).update(format=value))
    problems = package.validate()
    assert_reported(problems, "schema", file="schemas/events.schema.json", column=field, value=value)


@pytest.mark.parametrize(("key", "value"), [("decimalChar", ","), ("groupChar", " "), ("bareNumber", False)])
def test_number_notations_the_reader_does_not_implement_are_refused(package: PackageCopy, key: str, value: object) -> None:
    _edit_json(package, "schemas/locations.schema.json", lambda s: _field(s, "latitude").update({key: value}))
    assert_reported(package.validate(), "schema", file="schemas/locations.schema.json", column="latitude")


# --- inline schemas get the same rules, named by the descriptor and the resource ----------------------

def _inline_schemas(package: PackageCopy, change: Callable[[dict[str, Any]], object] = lambda s: None) -> None:
    def inline(descriptor: dict[str, Any]) -> None:
        for resource in descriptor["resources"]:
            resource["schema"] = json.loads((package.root / resource["schema"]).read_text(encoding="utf-8"))
        change(_resource(descriptor, "events")["schema"])
    _edit_json(package, DESCRIPTOR, inline)


def test_inline_schemas_as_a_release_writes_them_pass(package: PackageCopy) -> None:
    _inline_schemas(package)
    assert package.validate() == []


@pytest.mark.parametrize(("change", "column"), [
    (lambda s: _field(s, "title_en")["constraints"].update(minLength=3), "title_en"),  # frictionless would enforce it
    (lambda s: _field(s, "title_en").update(categories=["a"]), "title_en"),
    (lambda s: _field(s, "date_start").update(format="%d/%m/%Y"), "date_start"),
    (lambda s: s.update(missingValues=["NA"]), None),
])
def test_an_inline_schema_gets_the_conventions_check(package: PackageCopy, change: Callable, column: str | None) -> None:
    _inline_schemas(package, change)
    problems = package.validate()
    assert_reported(problems, "schema", file=DESCRIPTOR, column=column)
    assert all(p.message.startswith("resource 'events' schema: ") for p in problems)


# --- a schema fault names the schema file -------------------------------------------------------------

@pytest.mark.parametrize(("change", "column"), [
    (lambda s: s.update(primaryKey=["no_such_field"]), None),
    (lambda s: _field(s, "title_en").update(title=5), "title_en"),  # frictionless' complaint about one field
    (lambda s: s["foreignKeys"][0].update(fields=3), None),
])
def test_a_fault_frictionless_finds_in_a_schema_names_the_schema_file(package: PackageCopy, change: Callable,
                                                                       column: str | None) -> None:
    _edit_json(package, "schemas/events.schema.json", change)
    problems = package.validate()
    assert_reported(problems, "schema", file="schemas/events.schema.json", column=column)
    assert not find(problems, "descriptor")


# --- files the descriptor does not name are reported --------------------------------------------------

def _drop_resource(package: PackageCopy, name: str) -> None:
    _edit_json(package, DESCRIPTOR, lambda d: d.update(resources=[r for r in d["resources"] if r["name"] != name]))


def test_a_csv_under_data_that_no_resource_names_is_reported(package: PackageCopy) -> None:
    (package.root / "data" / "events_old.csv").write_bytes(package.csv("events").read_bytes())
    problems = package.validate()
    assert [(p.file, p.line, p.rule) for p in problems] == [("data/events_old.csv", None, "table-unlisted")]


@pytest.mark.parametrize("table", ["events", "claim_links", "retired_ids"])
def test_dropping_a_resource_does_not_switch_off_its_checks(package: PackageCopy, table: str) -> None:
    _drop_resource(package, table)
    assert_reported(package.validate(), "table-unlisted", file=f"data/{table}.csv")


def test_dropping_the_sources_resource_reports_every_article(package: PackageCopy) -> None:
    articles = sorted(p.relative_to(package.root).as_posix() for p in (package.root / "data" / "sources").glob("*.txt"))
    _drop_resource(package, "sources")
    problems = package.validate()
    assert_reported(problems, "table-unlisted", file="data/sources.csv")
    assert sorted(p.file for p in find(problems, "source-unlisted")) == articles


# --- a retired ID's replacement exists -------------------------------------------------------------------

@pytest.mark.parametrize(("table", "exists"), [("events", True), ("events", False), ("actors", False), ("sources", True)])
def test_a_retired_id_is_replaced_by_one_that_exists(package: PackageCopy, table: str, exists: bool) -> None:
    key = {"events": "event_id", "actors": "actor_id", "sources": "source_id"}[table]
    current = package.rows(table)[0][key]
    retired = {"events": "EV9999", "actors": "AC9999", "sources": "999_0123456789abcdef"}[table]
    replacement = current if exists else {"events": "EV9998", "actors": "AC9998", "sources": "998_0123456789abcdef"}[table]
    package.write_rows("retired_ids", [{"id": retired, "table_name": table, "retired_in": "0.1.0",
                                        "reason_en": "A duplicate.", "replaced_by": replacement}])
    problems = package.validate()
    if exists:
        assert not find(problems, "replaced-by")
    else:
        assert [(p.file, p.line, p.column, p.value) for p in find(problems, "replaced-by")] == [
            ("data/retired_ids.csv", 2, "replaced_by", replacement)]


def test_a_replacement_must_be_in_the_table_the_retired_row_names(package: PackageCopy) -> None:
    event = package.rows("events")[0]["event_id"]  # an event ID given as the replacement of a claim
    package.write_rows("retired_ids", [{"id": "CL9999", "table_name": "claims", "retired_in": "0.1.0",
                                        "reason_en": "A duplicate.", "replaced_by": event}])
    assert_reported(package.validate(), "replaced-by", file="data/retired_ids.csv", line=2, column="replaced_by")


# --- a changed article is named -------------------------------------------------------------------------

def test_a_changed_article_names_the_article_file(package: PackageCopy) -> None:
    source = package.rows("sources")[1]
    article = package.root / source["path"]
    article.write_text(article.read_text(encoding="utf-8").replace("العراق", "العرق", 1), encoding="utf-8")
    problems = package.validate()
    assert_reported(problems, "source-hash", file=source["path"])
    assert_reported(problems, "source-hash", file="data/sources.csv", line=package.line_of("sources", 1), column="sha256")


# --- a stray quote names its line ------------------------------------------------------------------------

@pytest.mark.parametrize(("table", "row"), [("actors", 3), ("events", 0), ("claims", 40)])
def test_a_stray_quote_inside_an_unquoted_field_names_its_line(package: PackageCopy, table: str, row: int) -> None:
    """Python's csv module reads the quote as text; Polars then fails on the file without saying where."""
    line = package.line_of(table, row)
    lines = package.csv(table).read_text(encoding="utf-8").split("\n")
    first, rest = lines[line - 1].split(",", 1)
    lines[line - 1] = f'{first[:2]}"{first[2:]},{rest}'  # inside the ID, which is never quoted
    package.csv(table).write_text("\n".join(lines), encoding="utf-8")
    problems = package.validate()
    assert [(p.file, p.line, p.rule) for p in problems if p.file == f"data/{table}.csv"] == [
        (f"data/{table}.csv", line, "csv-syntax")]


# --- the size and hash a resource declares (as a release's descriptor does) are checked -------------------

def _declare_sizes(package: PackageCopy, **override: object) -> None:
    import hashlib

    def declare(descriptor: dict[str, Any]) -> None:
        for resource in descriptor["resources"]:
            raw = (package.root / resource["path"]).read_bytes()
            resource.update(bytes=len(raw), hash=f"sha256:{hashlib.sha256(raw).hexdigest()}")
        _resource(descriptor, "events").update(override)
    _edit_json(package, DESCRIPTOR, declare)


def test_declared_sizes_and_hashes_that_match_pass(package: PackageCopy) -> None:
    _declare_sizes(package)
    assert package.validate() == []


@pytest.mark.parametrize(("override", "rule"), [
    ({"bytes": 12}, "resource-bytes"), ({"hash": "sha256:" + "0" * 64}, "resource-hash"),
    ({"hash": "0" * 32}, "resource-hash"), ({"hash": "crc32:0"}, "resource-hash"),
])
def test_a_declared_size_or_hash_the_file_does_not_have_is_reported(package: PackageCopy, override: dict,
                                                                     rule: str) -> None:
    _declare_sizes(package, **override)
    problems = package.validate()
    assert [(p.file, p.rule) for p in problems] == [("data/events.csv", rule)]


def test_a_table_edited_after_its_hash_was_declared_is_reported(package: PackageCopy) -> None:
    _declare_sizes(package)
    package.set_cell("events", 2, "title_en", "A corrected title")
    assert {(p.file, p.rule) for p in package.validate()} == {("data/events.csv", "resource-bytes"),
                                                             ("data/events.csv", "resource-hash")}


def test_a_required_boolean_left_empty_is_reported_on_its_line(package: PackageCopy) -> None:
    _add_boolean_column(package, ["false"], constraints={"required": True})
    line = package.set_cell("event_types", 5, "official", "")
    problems = package.validate()
    assert [(p.file, p.line, p.column, p.rule) for p in problems] == [
        ("data/event_types.csv", line, "official", "required")]


def test_quotes_inside_an_unquoted_field_are_reported_even_where_every_reader_agrees(package: PackageCopy) -> None:
    """`Iraq "and" US` unquoted: Python's csv and Polars both keep the quotes as text, RFC 4180 forbids them."""
    line = package.line_of("events", 0)
    lines = package.csv("events").read_text(encoding="utf-8").split("\n")
    assert ",Iraq and US agree" in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(",Iraq and US agree", ',Iraq "and" US agree', 1)
    package.csv("events").write_text("\n".join(lines), encoding="utf-8")
    problems = package.validate()
    assert [(p.file, p.line, p.rule) for p in problems] == [("data/events.csv", line, "csv-syntax")]
