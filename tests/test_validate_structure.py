"""Files broken as files (not as values): header-only tables, truncation, quoting, NUL bytes, files that are
not CSV at all, huge cells and paths leaving the package. Each is reported with its file, line and rule."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable

import pytest
from conftest import REPO, PackageCopy, assert_reported, find
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from coalition_data.package import open_package

PACKAGE = open_package(REPO)
ORPHAN_CHECKED = {"sources": "source_id", "actors": "actor_id", "locations": "location_id"}
DESCRIBING = {"actor_names", "location_names"}  # spellings do not keep a row from being an orphan


def _rows(table: str) -> list[dict[str, str]]:
    with PACKAGE.table(table).path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _references() -> list[tuple[str, str, str, str]]:
    """(table, field, referenced table, referenced field) for every foreign key of every schema."""
    out = []
    for table in PACKAGE.tables.values():
        for fk in table.schema.get("foreignKeys", []):
            out.append((table.name, fk["fields"][0], fk["reference"].get("resource") or table.name,
                        fk["reference"]["fields"][0]))
    return out


def _expected_when_emptied(emptied: str) -> list[tuple[str, int, str, str]]:
    """(rule, row, table, column) problems that must follow from leaving only ``emptied``'s header."""
    expected = []
    for table, field, target, _ in _references():
        if target == emptied and table != emptied:
            expected += [("foreign-key", row, table, field) for row, r in enumerate(_rows(table)) if r[field]]
    for target, key in ORPHAN_CHECKED.items():
        if target == emptied:
            continue
        users = {(t, f) for t, f, ref, _ in _references() if ref == target and t not in DESCRIBING and t != emptied}
        used = {r[f] for t, f in users for r in _rows(t) if r[f]}
        expected += [("orphan", row, target, key) for row, r in enumerate(_rows(target)) if r[key] not in used]
    if emptied == "event_claims":
        expected += [("unsupported-event", row, "events", "event_id") for row in range(len(_rows("events")))]
    return expected


@pytest.mark.parametrize("name", list(PACKAGE.tables))
def test_header_only_table(package: PackageCopy, name: str) -> None:
    """A header-only file is valid CSV. Where rows of other tables refer to it, it is reported first as an empty
    table, and what they then miss follows it, row by row; a table nothing refers to may be empty."""
    package.csv(name).write_text(",".join(PACKAGE.table(name).field_names) + "\n", encoding="utf-8")
    problems = package.validate()
    expected = _expected_when_emptied(name)
    for rule, row, table, column in expected:
        assert_reported(problems, rule, file=f"data/{table}.csv", line=package.line_of(table, row), column=column)
    referred = any(rule == "foreign-key" for rule, *_ in expected)
    empty = [(f"data/{name}.csv", None, "empty-table")] if referred else []
    assert [(p.file, p.line, p.rule) for p in problems[:1] if p.rule == "empty-table"] == empty
    assert len(find(problems, "empty-table")) == len(empty)
    if not expected:  # nothing depends on its rows: claim_links, actor_names, location_names, furniture, retired_ids
        assert len(problems) == len(empty)
        assert name in {"claim_links", "actor_names", "location_names", "furniture", "retired_ids"}
    else:
        assert name not in {"claim_links", "actor_names", "location_names", "furniture", "retired_ids"}
        referring = len(find(problems, "foreign-key"))
        if referring:
            assert f"; {referring} references to it from " in problems[0].message


TRUNCATABLE = [name for name in PACKAGE.tables if _rows(name)]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(TRUNCATABLE), st.floats(0, 1, exclude_min=True, exclude_max=True))
@example("actor_names", 0.609375)  # cut right after the last comma: the optional last column reads as null
def test_truncated_last_line(tmp_path_factory, name: str, where: float) -> None:
    """A file cut inside its last line is reported on that line, unless the cut only shortens free text in
    the last column (then it reads as a shorter text, or an empty optional one, in a file without final
    newline: no check can tell it from a curated value)."""
    package = PackageCopy(tmp_path_factory.mktemp("cut") / "p")
    data = package.csv(name).read_bytes().rstrip(b"\n")
    last = data.rindex(b"\n") + 1
    cut = max(last + 1, last + int((len(data) - last) * where))  # at least one byte of the line stays
    while cut < len(data) and data[cut] & 0xC0 == 0x80:  # cut between characters, not inside one
        cut += 1
    package.csv(name).write_bytes(data[:cut])
    line = data[:last].count(b"\n") + 1
    here = [p for p in package.validate() if p.file == f"data/{name}.csv" and p.line == line]
    whole, kept = next(csv.reader([data[last:].decode()])), next(csv.reader([data[last:cut].decode()]), [])
    last_field = PACKAGE.table(name).fields[-1]
    required = last_field.get("constraints", {}).get("required", False)
    # Cut right after the last comma, an optional last column reads as empty (null): just as undetectable.
    free_text_cut = (len(kept) == len(whole) and kept[:-1] == whole[:-1] and (kept[-1] or not required)
                     and not data[last:cut].count(b'"') % 2
                     and set(last_field.get("constraints", {})) <= {"required"} and last_field["type"] == "string")
    assert here or free_text_cut, f"cut at {cut - last} of {len(data) - last} bytes: {kept}"


def test_well_formed_quotes_and_line_breaks_are_harmless_and_lines_still_right(package: PackageCopy) -> None:
    """Doubled quotes inside a quoted field are fine; a line break in a quoted field is one record over two
    lines, and the rows after it are still reported on their own lines."""
    rows = package.rows("events")
    rows[0]["summary_en"] = 'They said "yes, ""fine"", at once", then left.'
    rows[1]["summary_en"] = "First line.\nSecond line."
    rows[2]["status"] = "finished"
    package.write_rows("events", rows)
    assert package.csv("events").read_text(encoding="utf-8").count("\n") == len(rows) + 2
    problems = package.validate()
    assert_reported(problems, "control-character", file="data/events.csv", line=3, column="summary_en")
    assert_reported(problems, "enum", file="data/events.csv", line=5, column="status", value="finished")
    assert {(p.rule, p.line) for p in problems} == {("control-character", 3), ("enum", 5)}


def test_line_break_inside_a_verbatim_quote_is_checked_against_the_source(package: PackageCopy) -> None:
    row = next(i for i, r in enumerate(package.rows("claims")) if " " in r["quote_ar"] and "\n" not in r["quote_ar"])
    quote = package.rows("claims")[row]["quote_ar"]
    line = package.set_cell("claims", row, "quote_ar", quote.replace(" ", "\n", 1))
    problems = package.validate()
    assert_reported(problems, "verbatim", file="data/claims.csv", line=line, column="quote_ar")
    assert not find(problems, "csv-syntax")


@pytest.mark.parametrize("change", ["unclosed", "quote-after-closing"])
def test_unbalanced_quote(package: PackageCopy, change: str) -> None:
    path = package.csv("actors")
    lines = path.read_text(encoding="utf-8").split("\n")
    fields = lines[4].split(",")
    fields[1] = '"' + fields[1] if change == "unclosed" else f'"{fields[1]}"x'
    lines[4] = ",".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")
    problems = package.validate()
    assert_reported(problems, "csv-syntax", file="data/actors.csv", line=5)


def test_nul_byte_names_its_line(package: PackageCopy) -> None:
    path = package.csv("claims")
    lines = path.read_bytes().split(b"\n")
    lines[6] = lines[6][:20] + b"\x00" + lines[6][20:]
    path.write_bytes(b"\n".join(lines))
    assert_reported(package.validate(), "encoding", file="data/claims.csv", line=7)


NOT_CSV = {
    "random bytes": (random.Random(7).randbytes(4096), "encoding"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "encoding"),
    "zip": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "encoding"),
    "json": (json.dumps([{"event_id": "EV0001", "status": "occurred"}]).encode(), "header"),
    "html": (b"<!DOCTYPE html>\n<html><body>Not found</body></html>\n", "header"),
    "tsv": ("\t".join(PACKAGE.table("events").field_names).encode() + b"\n", "header"),
}


@pytest.mark.parametrize("kind", list(NOT_CSV))
def test_file_that_is_not_csv(package: PackageCopy, kind: str) -> None:
    content, rule = NOT_CSV[kind]
    package.csv("events").write_bytes(content)
    problems = package.validate()
    assert_reported(problems, rule, file="data/events.csv")
    assert all(p.line in (None, 1, content[: content.find(b"\x00")].count(b"\n") + 1) for p in find(problems, rule))


def test_a_directory_where_the_csv_should_be(package: PackageCopy) -> None:
    package.csv("furniture").unlink()
    package.csv("furniture").mkdir()
    assert_reported(package.validate(), "descriptor", file="datapackage.json", value="data/furniture.csv")


@pytest.mark.parametrize(("table", "column", "value", "rule"), [
    ("events", "summary_en", "x" * 10_000_000, "cell-size"),
    ("claims", "quote_ar", "ب" * 2_000_000, "cell-size"),
    ("events", "fatalities", "9" * 1_000_000, "type"),
])
def test_huge_cell(package: PackageCopy, table: str, column: str, value: str, rule: str) -> None:
    line = package.set_cell(table, 0, column, value)
    problems = find(package.validate(), rule, file=f"data/{table}.csv", line=line, column=column)
    assert problems and len(problems[0].value) < 200  # the report shows the start of the value, not 10 MB


@pytest.mark.parametrize(("value", "too_long"), [
    ("x" * 32_767, False), ("\u00e9" * 32_767, False), ("x" * 32_768, True), ("\u00e9" * 32_768, True),
])
def test_cell_size_limit_counts_characters(package: PackageCopy, value: str, too_long: bool) -> None:
    """The limit is a spreadsheet cell's, 32,767 characters (not bytes: é takes two)."""
    line = package.set_cell("events", 0, "summary_en", value)
    problems = package.validate()
    assert [(p.line, p.column, p.rule) for p in problems] == ([(line, "summary_en", "cell-size")] if too_long else [])


@pytest.mark.parametrize("path", ["../outside.schema.json", "schemas/../../outside.schema.json", "/etc/passwd"])
def test_schema_path_outside_the_package(package: PackageCopy, path: str) -> None:
    descriptor_file = package.root / "datapackage.json"
    descriptor = json.loads(descriptor_file.read_text(encoding="utf-8"))
    descriptor["resources"][1]["schema"] = path
    descriptor_file.write_text(json.dumps(descriptor), encoding="utf-8")
    assert_reported(package.validate(), "descriptor", file="datapackage.json", value=path)


@pytest.mark.parametrize("table", ["events", "claims", "actors"])
def test_quotes_no_field_needs_are_valid_csv(package: PackageCopy, table: str) -> None:
    """A file Polars would write differently (here, one quoted ID on the last line) is still valid CSV:
    it fails the write-back comparison and is read record by record, with nothing to report."""
    path = package.csv(table)
    lines = path.read_text(encoding="utf-8").split("\n")
    last = max(i for i, line in enumerate(lines) if line)
    first, rest = lines[last].split(",", 1)
    lines[last] = f'"{first}",{rest}'
    path.write_text("\n".join(lines), encoding="utf-8")
    assert package.validate() == []


@pytest.mark.parametrize(("edit", "rule"), [
    pytest.param(lambda last: last + ",", "field-count", id="extra-empty-field"),  # Polars drops it
    pytest.param(lambda last: last.rsplit(",", 1)[0] + ',"""', "csv-syntax", id="open-quote"),  # Polars reads ""
])
def test_a_last_line_polars_misreads_is_reported_though_it_writes_back_as_long(
        package: PackageCopy, edit: Callable[[str], str], rule: str) -> None:
    """Without its final line break, these last lines are read by Polars without complaint and written back
    with as many bytes, so only comparing the bytes themselves sends the file to the record-by-record pass."""
    path = package.csv("events")
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    lines[-1] = edit(lines[-1])
    path.write_text("\n".join(lines), encoding="utf-8")
    assert_reported(package.validate(), rule, file="data/events.csv", line=len(lines))


@pytest.mark.parametrize(("chunks", "same"), [
    ([b"a,b\n", b"1,2\n"], True), ([b"a,b\n1,2\n"], True), ([b"a,b\n"], False), ([b"a,b\n", b"1,2"], False),
    ([b"a,b\n", b"1,2\n", b"\n"], False), ([b"a,c\n", b"1,2\n"], False), ([b"a,b\n", b"1,3\n"], False),
])
def test_the_write_back_must_equal_the_file_to_its_last_byte(chunks: list[bytes], same: bool) -> None:
    """A write-back that stops short of the file (or runs past it) is not the same bytes, even if it matches so far."""
    from coalition_data.validation.csv_reading import _SameBytes

    written = _SameBytes(b"a,b\n1,2\n")
    for chunk in chunks:
        written.write(chunk)
    assert written.same() is same


def test_a_misread_early_in_a_file_written_back_in_several_chunks_is_reported(package: PackageCopy) -> None:
    """Polars writes a large table back in several chunks: a difference in the first one must count even when
    the last one matches. Two rows short of a field (+1 byte each) and a needlessly quoted ID (-2) keep the
    length; the file is large enough to be written in many chunks."""
    path = package.csv("actor_names")
    header, *lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    lines = (lines * (60_000 // len(lines) + 1))[:60_000]
    lines[8] = lines[9] = "AC0001,بغداد"  # two fields of three
    first, rest = lines[10].split(",", 1)
    lines[10] = f'"{first}",{rest}'
    text = "\n".join([header, *lines]) + "\n"
    path.write_text(text, encoding="utf-8")
    assert len(text.encode()) > 2_000_000
    problems = package.validate()
    assert_reported(problems, "field-count", file="data/actor_names.csv", line=10)
    assert_reported(problems, "field-count", file="data/actor_names.csv", line=11)


def test_crlf_inside_a_quoted_field_only(package: PackageCopy) -> None:
    rows = package.rows("claim_links")
    rows[3]["note_en"] = "One.\r\nTwo."
    package.write_rows("claim_links", rows)
    problems = package.validate()
    assert_reported(problems, "line-endings", file="data/claim_links.csv", line=5)
    assert_reported(problems, "control-character", file="data/claim_links.csv", line=5, column="note_en")


def test_a_blank_line_is_a_record_of_empty_fields(package: PackageCopy) -> None:
    """A blank line between rows is read as a row with every cell empty, reported on its own line; the rows
    after it keep their line numbers and are still checked."""
    bad = package.set_cell("claim_links", 5, "relation", "bogus")
    path = package.csv("claim_links")
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(3, "")  # between the second and third data rows: line 4
    path.write_text("\n".join(lines), encoding="utf-8")
    problems = package.validate()
    assert {(p.line, p.column, p.rule) for p in problems if p.file == "data/claim_links.csv"} == {
        (4, "claim_id", "required"), (4, "other_claim_id", "required"), (4, "relation", "required"),
        (bad + 1, "relation", "enum")}


def test_csv_writer_quoting_every_field_turns_nulls_into_empty_strings(package: PackageCopy) -> None:
    """Empty field = null; a quoted empty field "" is an empty string, which no column accepts."""
    for table in ("sources", "events"):
        rows = package.rows(table)
        out = io.StringIO()
        writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
        package.csv(table).write_text(out.getvalue(), encoding="utf-8")
    text_row = next(i for i, r in enumerate(package.rows("sources")) if not r["headline_ar"])
    date_row = next(i for i, r in enumerate(package.rows("events")) if not r["date_start"])
    problems = package.validate()
    assert_reported(problems, "empty-string", file="data/sources.csv", line=text_row + 2, column="headline_ar")
    assert_reported(problems, "type", file="data/events.csv", line=date_row + 2, column="date_start")
    # headline_ar must occur in an article, but the empty string is the empty-string rule's to report
    assert not find(problems, "attested", file="data/sources.csv", line=text_row + 2)


def test_an_unreadable_table_makes_no_row_an_orphan(package: PackageCopy) -> None:
    """Which sources, actors and places the claims refer to is unknown when claims.csv cannot be read."""
    package.csv("claims").write_bytes(b"")
    problems = package.validate()
    assert_reported(problems, "empty-file", file="data/claims.csv")
    assert not [p for p in problems if p.rule == "orphan"], problems
