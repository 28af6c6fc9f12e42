"""Each invariant, broken in exactly one way in a copy of the real data, is reported at the right place."""

from __future__ import annotations

import json
import random
import unicodedata

import pytest
from conftest import PackageCopy, assert_reported, find

from coalition_data.validation import validate


def test_shipped_data_is_valid() -> None:
    assert validate() == []


def test_copy_is_valid(package: PackageCopy) -> None:
    assert package.validate() == []


def _first_row(package: PackageCopy, table: str, **equal: str) -> int:
    for index, row in enumerate(package.rows(table)):
        if all(row[k] == v for k, v in equal.items()):
            return index
    raise LookupError(f"no row in {table} with {equal}")


def _row_with(package: PackageCopy, table: str, column: str) -> int:
    """The first row whose ``column`` is filled."""
    for index, row in enumerate(package.rows(table)):
        if row[column]:
            return index
    raise LookupError(f"no row in {table} with {column} filled")


# (table, column, new value, rule): the cell of the first row with that column filled gets the new value.
CELL_CORRUPTIONS = [
    ("events", "date_start", "2024-02-30", "type"),
    ("events", "date_end", "2024-9-30", "type"),
    ("events", "fatalities", "4.0", "type"),
    ("events", "fatalities", "-1", "minimum"),
    ("events", "date_start", "0025-01-01", "minimum"),
    ("events", "status", "Occurred", "enum"),
    ("events", "status", "occurred ", "enum"),
    ("events", "event_id", "EV12", "pattern"),
    ("events", "event_id", "xEV0001", "pattern"),
    ("claims", "text_en", "", "required"),
    ("claims", "speech", "quoted", "enum"),
    ("claims", "char_start", "abc", "type"),
    ("claims", "source_id", "999_0000000000000000", "foreign-key"),
    ("claims", "text_en", " leading space", "whitespace"),
    ("claims", "text_en", "=HYPERLINK(\"x\")", "formula-prefix"),
    ("claims", "text_en", "@SUM(A1)", "formula-prefix"),
    ("claims", "text_en", "text with \u202e override", "control-character"),
    ("claims", "text_en", "zero\u200bwidth", "control-character"),
    ("claims", "text_en", "بالعربية", "script"),
    ("actors", "name_ar", "Iraq", "script"),
    ("actors", "actor_type", "State", "enum"),
    ("actors", "country_code", "iq", "pattern"),
    ("actors", "country_code", "ZZZ", "foreign-key"),
    ("actors", "parent_actor_id", "AC9999", "foreign-key"),
    ("locations", "latitude", "NaN", "finite"),
    ("locations", "latitude", "inf", "finite"),
    ("locations", "latitude", "91", "maximum"),
    ("locations", "longitude", "-181", "minimum"),
    ("sources", "sha256", "0" * 64, "source-hash"),
    ("sources", "bytes", "1", "source-size"),
    ("sources", "chars", "1", "source-size"),
    ("sources", "path", "../outside.txt", "source-path"),
    ("sources", "path", "/etc/passwd", "source-path"),
]


@pytest.mark.parametrize(("table", "column", "value", "rule"), CELL_CORRUPTIONS,
                         ids=[f"{t}.{c}={v!r}->{r}" for t, c, v, r in CELL_CORRUPTIONS])
def test_cell_corruption_is_reported_where_it_is(package: PackageCopy, table: str, column: str, value: str, rule: str) -> None:
    row = _row_with(package, table, column)
    line = package.set_cell(table, row, column, value)
    assert_reported(package.validate(), rule, file=f"data/{table}.csv", line=line, column=column)


def test_duplicate_primary_key(package: PackageCopy) -> None:
    rows = package.rows("claims")
    rows.insert(1, dict(rows[0]))
    package.write_rows("claims", rows)
    problems = package.validate()
    assert_reported(problems, "unique", file="data/claims.csv", line=package.line_of("claims", 1), column="claim_id")


def test_duplicate_composite_key(package: PackageCopy) -> None:
    rows = package.rows("event_claims")
    rows.insert(1, dict(rows[0]))
    package.write_rows("event_claims", rows)
    assert_reported(package.validate(), "primary-key", file="data/event_claims.csv", line=package.line_of("event_claims", 1),
                    column="event_id, claim_id")


@pytest.mark.parametrize("missing_key", [False, True])
def test_rows_out_of_order(package: PackageCopy, missing_key: bool) -> None:
    rows = package.rows("events")
    rows[0], rows[1] = rows[1], rows[0]
    if missing_key:  # reported as missing, and the rows around it are still checked for order
        rows[5]["event_id"] = ""
    package.write_rows("events", rows)
    problems = package.validate()
    assert_reported(problems, "sort-order", file="data/events.csv", line=2, column="event_id", value=rows[0]["event_id"])
    assert bool(find(problems, "required", file="data/events.csv", line=7, column="event_id")) is missing_key


@pytest.mark.parametrize(("table", "key", "parent_key"), [("actors", "actor_id", "parent_actor_id"),
                                                           ("locations", "location_id", "parent_location_id")])
def test_cyclic_parent_chain(package: PackageCopy, table: str, key: str, parent_key: str) -> None:
    rows = package.rows(table)
    child = next(r for r in rows if r[parent_key])
    parent = next(r for r in rows if r[key] == child[parent_key])
    parent[parent_key] = child[key]
    package.write_rows(table, rows)
    problems = find(package.validate(), "cycle", file=f"data/{table}.csv", column=parent_key)
    assert len(problems) == 1, "one loop, reported once (not once per member)"
    assert child[key] in problems[0].message and parent[key] in problems[0].message
    assert problems[0].line in {package.line_of(table, rows.index(child)), package.line_of(table, rows.index(parent))}


def test_date_end_before_start(package: PackageCopy) -> None:
    row = _first_row(package, "events", date_precision="day")
    rows = package.rows("events")
    rows[row].update(date_precision="range", date_basis="bounded", date_start="2024-05-02", date_end="2024-05-01")
    package.write_rows("events", rows)
    assert_reported(package.validate(), "date-order", file="data/events.csv", line=package.line_of("events", row), column="date_end")


def test_month_precision_must_span_the_month(package: PackageCopy) -> None:
    row = _first_row(package, "events", date_precision="month")
    line = package.set_cell("events", row, "date_end", package.rows("events")[row]["date_start"])
    assert_reported(package.validate(), "date-precision", file="data/events.csv", line=line, column="date_end")


def test_day_precision_needs_one_day(package: PackageCopy) -> None:
    row = _first_row(package, "events", date_precision="day")
    start = package.rows("events")[row]["date_start"]
    line = package.set_cell("events", row, "date_end", start[:8] + ("28" if start[8:] != "28" else "27"))
    assert_reported(package.validate(), "date-precision", file="data/events.csv", line=line, column="date_end")


def test_inferred_date_needs_its_note(package: PackageCopy) -> None:
    row = _first_row(package, "claims", date_basis="inferred")
    line = package.set_cell("claims", row, "date_note_en", "")
    assert_reported(package.validate(), "date-note", file="data/claims.csv", line=line, column="date_note_en")


def test_unknown_date_must_be_empty(package: PackageCopy) -> None:
    row = _first_row(package, "events", date_precision="day")
    line = package.set_cell("events", row, "date_basis", "unknown")
    assert_reported(package.validate(), "date-unknown", file="data/events.csv", line=line, column="date_basis")


@pytest.mark.parametrize("shift", [-1, 1])
def test_quote_offsets_off_by_one(package: PackageCopy, shift: int) -> None:
    row = 3
    start = int(package.rows("claims")[row]["char_start"])
    line = package.set_cell("claims", row, "char_start", str(start + shift))
    assert_reported(package.validate(), "verbatim", file="data/claims.csv", line=line, column="quote_ar")


def test_quote_past_the_end_of_the_source(package: PackageCopy) -> None:
    line = package.set_cell("claims", 0, "char_end", "999999")
    assert_reported(package.validate(), "span-bounds", file="data/claims.csv", line=line, column="char_end")


def test_quote_edited(package: PackageCopy) -> None:
    quote = package.rows("claims")[2]["quote_ar"]
    line = package.set_cell("claims", 2, "quote_ar", quote.replace("ا", "أ", 1))
    assert_reported(package.validate(), "verbatim", file="data/claims.csv", line=line, column="quote_ar")


def test_quote_in_nfd_is_reported(package: PackageCopy) -> None:
    row = next(i for i, r in enumerate(package.rows("claims")) if unicodedata.normalize("NFD", r["quote_ar"]) != r["quote_ar"])
    quote = package.rows("claims")[row]["quote_ar"]
    line = package.set_cell("claims", row, "quote_ar", unicodedata.normalize("NFD", quote))
    problems = package.validate()
    assert_reported(problems, "nfc", file="data/claims.csv", line=line, column="quote_ar")


def test_changed_source_text(package: PackageCopy) -> None:
    source = package.rows("sources")[0]
    text_file = package.root / source["path"]
    text_file.write_text(text_file.read_text(encoding="utf-8").replace("العراق", "العرق", 1), encoding="utf-8")
    problems = package.validate()
    assert_reported(problems, "source-hash", file="data/sources.csv", line=2, column="sha256")


def test_source_text_not_utf8(package: PackageCopy) -> None:
    """An article saved as Windows Arabic is reported where it is listed, its spans are left unchecked, and the
    articles after it are still matched to their own spans (a quote edited in one of them is found)."""
    sources = package.rows("sources")
    broken, other = sources[0], sources[-1]
    text_file = package.root / broken["path"]
    text = text_file.read_text(encoding="utf-8")
    text_file.write_bytes(text.encode("cp1256", errors="replace"))
    claims = package.rows("claims")
    row = next(i for i, r in enumerate(claims) if r["source_id"] == other["source_id"])
    line = package.set_cell("claims", row, "quote_ar", claims[row]["quote_ar"].replace("ا", "أ", 1))
    problems = package.validate()
    assert_reported(problems, "encoding", file="data/sources.csv", line=2, column="path", value=broken["path"])
    assert_reported(problems, "span-unchecked", file="data/claims.csv", column="source_id", value=broken["source_id"])
    assert [(p.line, p.column) for p in problems if p.rule == "verbatim"] == [(line, "quote_ar")]


def test_spans_and_articles_checked_in_small_passes(package: PackageCopy, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large packages are checked a bounded number of articles and spans at a time; with passes of a few rows
    (one source's spans split between passes), every span is still matched to its own article."""
    from coalition_data.validation import provenance

    monkeypatch.setattr(provenance, "_FILES_PER_PASS", 2)
    monkeypatch.setattr(provenance, "_SPANS_PER_PASS", 3)
    assert package.validate() == []
    row = len(package.rows("claims")) - 1
    line = package.set_cell("claims", row, "quote_ar", package.rows("claims")[row]["quote_ar"].replace("ا", "أ", 1))
    assert [(p.line, p.rule) for p in package.validate()] == [(line, "verbatim")]


def test_missing_source_file(package: PackageCopy) -> None:
    source = package.rows("sources")[0]
    (package.root / source["path"]).unlink()
    problems = package.validate()
    assert_reported(problems, "source-missing", file="data/sources.csv", line=2, column="path")
    first_claim = next(i for i, r in enumerate(package.rows("claims")) if r["source_id"] == source["source_id"])
    assert_reported(problems, "span-unchecked", file="data/claims.csv", line=first_claim + 2, column="source_id",
                    value=source["source_id"])


def test_event_without_claim(package: PackageCopy) -> None:
    event = package.rows("events")[0]["event_id"]
    package.write_rows("event_claims", [r for r in package.rows("event_claims") if r["event_id"] != event])
    assert_reported(package.validate(), "unsupported-event", file="data/events.csv", line=2, column="event_id", value=event)


def test_orphan_actor(package: PackageCopy) -> None:
    rows = package.rows("actors")
    rows.append({**rows[0], "actor_id": "AC9999", "parent_actor_id": ""})
    package.write_rows("actors", rows)
    assert_reported(package.validate(), "orphan", file="data/actors.csv", line=package.line_of("actors", len(rows) - 1), value="AC9999")


def test_orphan_location(package: PackageCopy) -> None:
    rows = package.rows("locations")
    rows.append({**rows[0], "location_id": "LO9999", "parent_location_id": ""})
    package.write_rows("locations", rows)
    assert_reported(package.validate(), "orphan", file="data/locations.csv", line=package.line_of("locations", len(rows) - 1),
                    column="location_id", value="LO9999")


def test_orphan_source(package: PackageCopy) -> None:
    sources = package.rows("sources")
    source = sources[-1]["source_id"]
    package.write_rows("claims", [r for r in package.rows("claims") if r["source_id"] != source])
    assert_reported(package.validate(), "orphan", file="data/sources.csv", line=package.line_of("sources", len(sources) - 1),
                    column="source_id", value=source)


def test_name_not_in_any_source(package: PackageCopy) -> None:
    line = package.set_cell("actors", 0, "name_ar", "اسم لا يرد في أي مقال")
    assert_reported(package.validate(), "attested", file="data/actors.csv", line=line, column="name_ar")


@pytest.mark.parametrize("column", ["headline_ar", "outlet_ar", "syndication_ar"])
def test_what_a_source_prints_must_be_in_its_own_article(package: PackageCopy, column: str) -> None:
    """002's own headline, outlet and credit line occur in 002, not in 001: on 001's row each is reported."""
    rows = package.rows("sources")
    printed, other = _first_row(package, "sources", source_id="002_8cb95a9eb40e0622"), _row_with(package, "sources", "headline_ar")
    assert (package.root / rows[printed]["path"]).read_text(encoding="utf-8").count(rows[printed][column]) >= 1
    assert rows[printed][column] not in (package.root / rows[other]["path"]).read_text(encoding="utf-8")
    line = package.set_cell("sources", other, column, rows[printed][column])
    problems = package.validate()
    assert_reported(problems, "attested", file="data/sources.csv", line=line, column=column)
    assert [(p.line, p.column) for p in find(problems, "attested")] == [(line, column)]
    assert rows[other]["path"] in find(problems, "attested")[0].message


def test_an_unreadable_article_is_not_also_said_to_lack_its_headline(package: PackageCopy) -> None:
    row = _row_with(package, "sources", "headline_ar")
    path = package.root / package.rows("sources")[row]["path"]
    path.write_bytes(path.read_bytes() + b"\xff")
    problems = package.validate()
    assert_reported(problems, "encoding", file="data/sources.csv", line=package.line_of("sources", row), column="path")
    assert not find(problems, "attested", file="data/sources.csv")


# Iraq's box in countries.csv: latitude 29 to 38, longitude 38 to 49; its edges count as inside
@pytest.mark.parametrize(("latitude", "longitude", "outside"), [
    ("-33.9", "151.2", True), ("33.3", "50.5", True), ("33.3", "37.99", True), ("38.01", "44.0", True),
    ("28.99", "44.0", True), ("38.0", "49.0", False), ("29.0", "38.0", False), ("33.3", "44.4", False),
])
def test_coordinates_outside_their_country(package: PackageCopy, latitude: str, longitude: str, outside: bool) -> None:
    rows = package.rows("locations")
    row = next(i for i, r in enumerate(rows) if r["latitude"] and r["country_code"] == "IRQ")
    rows[row]["latitude"], rows[row]["longitude"] = latitude, longitude
    package.write_rows("locations", rows)
    problems = find(package.validate(), "outside-country")
    assert [(p.file, p.line, p.column, p.value) for p in problems] == (
        [("data/locations.csv", package.line_of("locations", row), "latitude", f"{float(latitude)},{float(longitude)}")]
        if outside else [])


def test_coordinates_without_basis(package: PackageCopy) -> None:
    row = _row_with(package, "locations", "latitude")
    line = package.set_cell("locations", row, "reference_basis_en", "")
    assert_reported(package.validate(), "reference-basis", file="data/locations.csv", line=line, column="reference_basis_en")


def test_narration_with_a_speaker(package: PackageCopy) -> None:
    row = _first_row(package, "claims", speech="narration")
    line = package.set_cell("claims", row, "actor_id", package.rows("actors")[0]["actor_id"])
    assert_reported(package.validate(), "speaker", file="data/claims.csv", line=line, column="actor_id")


def test_claim_linked_to_itself(package: PackageCopy) -> None:
    line = package.set_cell("claim_links", 0, "other_claim_id", package.rows("claim_links")[0]["claim_id"])
    assert_reported(package.validate(), "self-link", file="data/claim_links.csv", line=line, column="other_claim_id")


@pytest.mark.parametrize("change", ["missing", "extra", "renamed", "reordered"])
def test_header_does_not_match_schema(package: PackageCopy, change: str) -> None:
    path = package.csv("events")
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    names = header.split(",")
    names = {"missing": names[:-1], "extra": names + ["extra"], "renamed": ["id"] + names[1:],
             "reordered": [names[1], names[0]] + names[2:]}[change]
    path.write_text(",".join(names) + "\n" + rest, encoding="utf-8")
    assert_reported(package.validate(), "header", file="data/events.csv", line=1)


def test_short_row(package: PackageCopy) -> None:
    path = package.csv("event_claims")
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2].split(",")[0]
    path.write_text("\n".join(lines), encoding="utf-8")
    assert_reported(package.validate(), "field-count", file="data/event_claims.csv", line=3)


def test_byte_order_mark(package: PackageCopy) -> None:
    path = package.csv("actors")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert_reported(package.validate(), "bom", file="data/actors.csv", line=1)


def test_crlf_line_endings(package: PackageCopy) -> None:
    path = package.csv("actors")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert_reported(package.validate(), "line-endings", file="data/actors.csv", line=1)


def test_invalid_utf8_names_the_line(package: PackageCopy) -> None:
    path = package.csv("actors")
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3] + b"\xff"
    path.write_bytes(b"\n".join(lines))
    assert_reported(package.validate(), "encoding", file="data/actors.csv", line=4)


@pytest.mark.parametrize("codec", ["utf-16", "cp1256"])
def test_other_encodings(package: PackageCopy, codec: str) -> None:
    """A file saved as UTF-16 or as Windows Arabic (cp1256) is not UTF-8."""
    path = package.csv("actors")
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_bytes("\n".join(lines).encode(codec))
    # UTF-16 puts a NUL byte on the first line; cp1256 bytes first fail as UTF-8 on the first line with Arabic.
    line = 1 if codec.startswith("utf-16") else next(i for i, text in enumerate(lines, 1) if not text.isascii())
    assert_reported(package.validate(), "encoding", file="data/actors.csv", line=line)


def test_arabic_lost_to_a_latin_codepage(package: PackageCopy) -> None:
    """Saving through Latin-1 turns every Arabic letter into '?': valid UTF-8, but no longer the name."""
    path = package.csv("actors")
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    problems = package.validate()
    assert_reported(problems, "script", file="data/actors.csv", line=2, column="name_ar")
    assert_reported(problems, "attested", file="data/actors.csv", line=2, column="name_ar")


def test_empty_file(package: PackageCopy) -> None:
    package.csv("actor_names").write_bytes(b"")
    assert_reported(package.validate(), "empty-file", file="data/actor_names.csv")


def test_missing_file(package: PackageCopy) -> None:
    package.csv("claim_links").unlink()
    assert_reported(package.validate(), "file-missing", file="data/claim_links.csv")


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d.update(version=3), "version"),
    (lambda d: d["resources"][0].pop("encoding"), "encoding"),
    (lambda d: d["resources"][0].update(path="../../etc/passwd"), "inside the package"),
    (lambda d: d["resources"][0].update(path="/etc/passwd"), "inside the package"),
    (lambda d: d["resources"][0].update(schema="schemas/nope.schema.json"), "not found"),
])
def test_descriptor_problems(package: PackageCopy, change, expected: str) -> None:
    path = package.root / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    change(descriptor)
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    problems = package.validate()
    assert problems and any(expected in p.message for p in problems), problems


@pytest.mark.parametrize("field", [None, 3, "event_id", []])
def test_schema_field_that_is_not_an_object(package: PackageCopy, field) -> None:
    """Found by the edit fuzzer: a null field made frictionless itself crash inside validate."""
    path = package.root / "schemas" / "events.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"][0] = field
    path.write_text(json.dumps(schema), encoding="utf-8")
    assert_reported(package.validate(), "schema", file="schemas/events.schema.json")


@pytest.mark.parametrize(("schema_file", "field", "key", "value"), [
    ("countries", "min_latitude", "minimum", ""),  # found by the edit fuzzer: crashed the column checks
    ("countries", "min_latitude", "maximum", None),
    ("countries", "min_latitude", "minimum", True),
    ("events", "fatalities", "minimum", 0.5),
    ("events", "date_start", "minimum", "2000-02-30"),
    ("events", "date_start", "maximum", 2099),
    ("events", "date_start", "minimum", "20000101"),  # Python's date.fromisoformat accepts it; Table Schema does not
    ("events", "status", "enum", "occurred"),
    ("events", "status", "enum", []),
    ("events", "fatalities", "enum", ["1"]),
    ("events", "event_id", "pattern", 7),
    ("events", "event_id", "pattern", "EV[0-9{4}"),
    # found by the fuzzer: Python's re reads "[]...]" as a class, Polars' regex engine refuses it and crashed validate
    ("retired_ids", "id", "pattern", "(CL|EV)[]{4,}|[0-9]{3,}_[0-9a-f]{16}"),
    ("events", "event_id", "pattern", "EV[0-9]{4})|(x"),  # would escape the ^(?:...)$ that makes it a full match
    ("events", "event_id", "pattern", "[[](]])|([[])]]"),  # balanced for Python's re, not for Polars: the same escape
    ("events", "event_id", "required", "yes"),
    ("events", "event_id", "unique", 1),
    ("events", "title_en", "maxLength", 200),  # a real Table Schema constraint, but validate would not enforce it
])
def test_a_constraint_validate_cannot_enforce_is_refused(package: PackageCopy, schema_file, field, key, value) -> None:
    package.set_constraints(schema_file, field, **{key: value})
    problems = package.validate()
    assert_reported(problems, "schema", file=f"schemas/{schema_file}.schema.json", column=field)


def test_constraints_that_are_not_an_object_are_refused(package: PackageCopy) -> None:
    path = package.root / "schemas" / "events.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["fields"][0]["constraints"] = ["required"]
    path.write_text(json.dumps(schema), encoding="utf-8")
    assert_reported(package.validate(), "schema", file="schemas/events.schema.json", column=schema["fields"][0]["name"])


@pytest.mark.parametrize(("change", "file", "rule"), [
    # found by the whole-package fuzzer: frictionless accepts it, and the cross-table joins crashed
    (lambda fk: fk["reference"].update(fields=" vent_id"), "schemas/event_claims.schema.json", "schema"),
    # found by the whole-package fuzzer: a misspelt "resource" makes the key point at itself, and crashed the cycle check
    (lambda fk: fk["reference"].update(esource=fk["reference"].pop("resource")), "schemas/event_claims.schema.json", "schema"),
    # these frictionless reports, named by the schema file that holds the fault (not by datapackage.json)
    (lambda fk: fk.update(fields="evnt_id"), "schemas/event_claims.schema.json", "schema"),
    (lambda fk: fk.update(fields=["event_id", "claim_id"]), "schemas/event_claims.schema.json", "schema"),
])
def test_a_foreign_key_to_a_field_that_does_not_exist_is_refused(package: PackageCopy, change, file: str, rule: str) -> None:
    path = package.root / "schemas" / "event_claims.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    change(next(fk for fk in schema["foreignKeys"] if fk["reference"]["resource"] == "events"))
    path.write_text(json.dumps(schema), encoding="utf-8")
    assert_reported(package.validate(), rule, file=file)


def test_schema_with_categories_is_refused(package: PackageCopy) -> None:
    path = package.root / "schemas" / "events.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    status = next(f for f in schema["fields"] if f["name"] == "status")
    status["categories"] = status["constraints"].pop("enum")
    path.write_text(json.dumps(schema), encoding="utf-8")
    assert_reported(package.validate(), "schema", file="schemas/events.schema.json", column="status")


def test_an_allowed_value_that_breaks_a_text_rule_is_still_reported(package: PackageCopy) -> None:
    """Enum columns check each allowed value once, not every row: an allowed value can still fail a rule."""
    allowed = json.loads((package.root / "schemas" / "events.schema.json").read_text(encoding="utf-8"))
    status = next(f for f in allowed["fields"] if f["name"] == "status")["constraints"]["enum"]
    package.set_constraints("events", "status", enum=[*status, "=cmd"])
    line = package.set_cell("events", 3, "status", "=cmd")
    problems = package.validate()
    assert [(p.line, p.column, p.value, p.rule) for p in problems] == [(line, "status", "=cmd", "formula-prefix")]


@pytest.mark.parametrize("field", ["subdivision_code", "geo_precision"])  # a pattern column, an enum column
def test_unique_on_an_optional_column_counts_repeated_values_not_repeated_nulls(package: PackageCopy, field: str) -> None:
    package.set_constraints("locations", field, unique=True)
    values = [row[field] for row in package.rows("locations")]
    repeated = {package.line_of("locations", i) for i, v in enumerate(values) if v and values.count(v) > 1}
    assert repeated and values.count("") > 1
    problems = package.validate()
    assert {p.line for p in problems} == repeated
    assert {(p.column, p.rule) for p in problems} == {(field, "unique")}


def test_every_problem_is_listed_not_just_the_first(package: PackageCopy) -> None:
    package.set_cell("events", 0, "status", "bogus")
    package.set_cell("actors", 0, "actor_type", "bogus")
    package.set_cell("claims", 0, "speech", "bogus")
    files = {p.file for p in find(package.validate(), "enum")}
    assert files == {"data/events.csv", "data/actors.csv", "data/claims.csv"}


def test_harmless_variations_pass(package: PackageCopy) -> None:
    path = package.root / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(dict(reversed(list(descriptor.items())))), encoding="utf-8")
    events = package.csv("events")
    events.write_bytes(events.read_bytes().rstrip(b"\n"))
    assert package.validate() == []


def _shuffled(value, rng: random.Random):
    """The same JSON value with the keys of every object, at every depth, in a random order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: _shuffled(item, rng) for key, item in items}
    if isinstance(value, list):
        return [_shuffled(item, rng) for item in value]
    return value


@pytest.mark.parametrize("seed", range(3))
def test_any_key_order_in_the_descriptor_and_schemas_passes(package: PackageCopy, seed: int) -> None:
    rng = random.Random(seed)
    for path in [package.root / "datapackage.json", *sorted((package.root / "schemas").glob("*.json"))]:
        value = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(_shuffled(value, rng), ensure_ascii=False, indent=rng.choice([None, 1, 4])),
                        encoding="utf-8")
    assert package.validate() == []


@pytest.mark.parametrize("name", ["005_0000000000000000.txt", "notes.md", "README"])
def test_source_file_without_a_row(package: PackageCopy, name: str) -> None:
    (package.root / "data" / "sources" / name).write_text("نص", encoding="utf-8")
    problems = package.validate()
    assert [(p.file, p.rule) for p in problems] == [(f"data/sources/{name}", "source-unlisted")]


def test_span_of_an_unknown_source_is_the_foreign_key_rule_s_to_report(package: PackageCopy) -> None:
    line = package.set_cell("claims", 0, "source_id", "009_0000000000000000")
    problems = package.validate()
    assert_reported(problems, "foreign-key", file="data/claims.csv", line=line, column="source_id")
    assert not find(problems, "span-unchecked"), problems


def test_inverted_offsets_are_reported_once_not_also_as_a_wrong_quote(package: PackageCopy) -> None:
    rows = package.rows("claims")
    row = next(i for i, r in enumerate(rows) if int(r["char_start"]) > 0)
    rows[row]["char_start"], rows[row]["char_end"] = rows[row]["char_end"], rows[row]["char_start"]
    package.write_rows("claims", rows)
    problems = package.validate()
    assert [(p.line, p.column, p.rule) for p in problems] == [(package.line_of("claims", row), "char_end", "offsets")]


def test_schema_field_without_a_type_is_refused(package: PackageCopy) -> None:
    """Found by the CLI fuzz test: a field with its "type" key garbled used to crash the reader."""
    path = package.root / "schemas" / "events.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    status = next(f for f in schema["fields"] if f["name"] == "status")
    status["tpye"] = status.pop("type")
    path.write_text(json.dumps(schema), encoding="utf-8")
    assert_reported(package.validate(), "schema", file="schemas/events.schema.json", column="status")
