"""The row rules one row at a time: each rule fires on the row that breaks it and on no other."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import REPO

from coalition_data.package import open_package
from coalition_data.validation.csv_reading import ParsedTable
from coalition_data.validation.row_rules import (
    DATE_COLUMNS,
    check_dates,
    check_reference_basis,
    check_sorted,
    check_speech,
)

PACKAGE = open_package(REPO)
EVENTS = PACKAGE.table("events")
NOTE = "Worked out from the text."

# (start, end, precision, basis, note) -> the (rule, column) problems expected for that row
CASES = [
    (("2024-05-01", "2024-05-01", "day", "stated", None), set()),
    (("2024-05-01", "2024-05-02", "day", "stated", None), {("date-precision", "date_end")}),
    (("2024-02-01", "2024-02-29", "month", "stated", None), set()),
    (("2024-02-01", "2024-02-28", "month", "stated", None), {("date-precision", "date_end")}),
    (("2024-02-02", "2024-02-29", "month", "stated", None), {("date-precision", "date_end")}),
    (("2024-01-01", "2024-12-31", "year", "stated", None), set()),
    (("2024-01-02", "2024-12-31", "year", "stated", None), {("date-precision", "date_end")}),
    (("2024-02-01", "2024-12-31", "year", "stated", None), {("date-precision", "date_end")}),
    (("2024-01-01", "2024-12-30", "year", "stated", None), {("date-precision", "date_end")}),
    (("2024-01-01", "2024-10-31", "year", "stated", None), {("date-precision", "date_end")}),
    (("2024-01-01", "2025-12-31", "year", "stated", None), {("date-precision", "date_end")}),
    (("2024-01-01", None, "year", "stated", None), {("date-precision", "date_precision")}),
    (("2024-05-01", "2024-05-03", "range", "bounded", NOTE), set()),
    (("2024-05-01", None, "range", "bounded", NOTE), set()),
    (("2024-05-01", None, "range", "stated", None), {("date-precision", "date_precision")}),
    (("2024-05-03", "2024-05-03", "range", "stated", None), {("date-precision", "date_end")}),
    (("2024-05-03", "2024-05-01", "range", "stated", None), {("date-precision", "date_end"), ("date-order", "date_end")}),
    (("2024-05-01", "2024-05-01", None, "stated", None), {("date-precision", "date_precision")}),
    ((None, None, "range", "bounded", NOTE), {("date-range", "date_start")}),
    (("2024-05-01", "2024-05-01", "day", "unknown", None), {("date-unknown", "date_basis")}),
    ((None, None, None, "unknown", None), set()),
    (("2024-05-01", "2024-05-01", "day", "inferred", None), {("date-note", "date_note_en")}),
    (("2024-05-01", "2024-05-01", "day", "inferred", NOTE), set()),
    (("2024-05-01", "2024-05-03", "range", "bounded", None), {("date-note", "date_note_en")}),
]


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@pytest.mark.parametrize("bad_row", range(len(CASES)))
def test_each_date_rule_fires_on_its_row_only(bad_row: int) -> None:
    """The row under test sits among valid rows (so a rule reporting every row, or the wrong one, fails)."""
    good = CASES[0][0]
    rows = [good, CASES[bad_row][0], good]
    frame = pl.DataFrame(
        {"date_start": [_date(r[0]) for r in rows], "date_end": [_date(r[1]) for r in rows],
         "date_precision": [r[2] for r in rows], "date_basis": [r[3] for r in rows],
         "date_note_en": [r[4] for r in rows]},
        schema={"date_start": pl.Date, "date_end": pl.Date, "date_precision": pl.String,
                "date_basis": pl.String, "date_note_en": pl.String})
    assert tuple(frame.columns) == DATE_COLUMNS
    parsed = ParsedTable(EVENTS, "data/events.csv", frame, record_lines=[2, 3, 4])
    check_dates(parsed)
    assert {(p.line, p.rule, p.column) for p in parsed.problems} == {(3, rule, column) for rule, column in CASES[bad_row][1]}


def _parsed(table: str, columns: dict[str, list], schema: dict[str, pl.DataType]) -> ParsedTable:
    frame = pl.DataFrame(columns, schema=schema)
    return ParsedTable(PACKAGE.table(table), f"data/{table}.csv", frame, record_lines=list(range(2, frame.height + 2)))


def _reported(parsed: ParsedTable) -> set[tuple[int | None, str, str | None]]:
    return {(p.line, p.rule, p.column) for p in parsed.problems}


BASIS = "Reference knowledge (not from the articles): a test value."

# (latitude, longitude, geo_precision, reference_basis_en) -> the (rule, column) problems expected
COORDINATES = [
    ((33.3, 44.4, "city", BASIS), set()),
    ((None, None, None, None), set()),
    ((0.0, 44.4, "site", BASIS), set()),
    ((33.3, None, "city", BASIS), {("coordinates", "longitude")}),
    ((None, 44.4, "city", BASIS), {("coordinates", "longitude"), ("coordinates", "geo_precision")}),
    ((33.3, 44.4, None, BASIS), {("coordinates", "geo_precision")}),
    ((None, None, "city", None), {("coordinates", "geo_precision")}),
    ((0.0, 0.0, "site", BASIS), {("coordinates", "latitude")}),
    ((33.3, 44.4, "city", None), {("reference-basis", "reference_basis_en")}),
]


@pytest.mark.parametrize("bad_row", range(len(COORDINATES)))
def test_each_coordinate_rule_fires_on_its_row_only(bad_row: int) -> None:
    good = COORDINATES[0][0]
    rows = [good, COORDINATES[bad_row][0], good]
    names = ("latitude", "longitude", "geo_precision", "reference_basis_en")
    parsed = _parsed("locations", {n: [r[i] for r in rows] for i, n in enumerate(names)},
                     {"latitude": pl.Float64, "longitude": pl.Float64, "geo_precision": pl.String,
                      "reference_basis_en": pl.String})
    check_reference_basis(parsed)
    assert _reported(parsed) == {(3, rule, column) for rule, column in COORDINATES[bad_row][1]}


# (min_latitude, max_latitude, min_longitude, max_longitude) -> the columns a bounding-box problem names
BOXES = [
    ((29.0, 38.0, 38.0, 49.0), set()),
    ((-1.0, 0.0, -0.5, 0.5), set()),
    ((38.0, 38.0, 38.0, 49.0), {"max_latitude"}),
    ((39.0, 38.0, 38.0, 49.0), {"max_latitude"}),
    ((29.0, 38.0, 49.0, 49.0), {"max_longitude"}),
    ((29.0, 38.0, 50.0, 49.0), {"max_longitude"}),
    ((38.0, 29.0, 49.0, 38.0), {"max_latitude", "max_longitude"}),
]


@pytest.mark.parametrize("bad_row", range(len(BOXES)))
def test_a_bounding_box_must_have_extent(bad_row: int) -> None:
    good = BOXES[0][0]
    rows = [good, BOXES[bad_row][0], good]
    names = ("min_latitude", "max_latitude", "min_longitude", "max_longitude")
    columns: dict[str, list] = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    columns["reference_basis_en"] = [BASIS] * 3
    parsed = _parsed("countries", columns, {**{n: pl.Float64 for n in names}, "reference_basis_en": pl.String})
    check_reference_basis(parsed)
    assert _reported(parsed) == {(3, "bounding-box", column) for column in BOXES[bad_row][1]}


@pytest.mark.parametrize(("speech", "actor", "bad"), [
    ("direct", "AC0001", False), ("reported", "AC0001", False), ("narration", None, False),
    ("narration", "AC0001", True), ("direct", None, True), ("reported", None, True),
])
def test_speech_and_speaker_agree(speech: str, actor: str | None, bad: bool) -> None:
    parsed = _parsed("claims", {"speech": ["direct", speech, "narration"], "actor_id": ["AC0002", actor, None]},
                     {"speech": pl.String, "actor_id": pl.String})
    check_speech(parsed)
    assert _reported(parsed) == ({(3, "speaker", "actor_id")} if bad else set())


@pytest.mark.parametrize(("keys", "first_out_of_place"), [
    ([("CL0001", "CL0002"), ("CL0002", "CL0001")], None),
    ([("CL0002", "CL0001"), ("CL0001", "CL0003")], (2, "CL0002")),
    ([("CL0001", "CL0005"), ("CL0001", "CL0003")], (2, "CL0001")),
    ([("CL0001", "CL0002"), ("CL0003", "CL0001"), ("CL0002", "CL0001")], (3, "CL0003")),
    ([("CL0001", "CL0002"), ("CL0001", "CL0002")], None),  # a duplicate key is the unique check's to report
    ([("CL0002", "CL0001"), (None, "CL0003")], None),  # a missing key is the required check's to report
    ([("CL0001", "CL0003"), (None, "CL0002"), ("CL0002", "CL0001")], None),
    ([("CL0003", "CL0001"), (None, "CL0002"), ("CL0001", "CL0003")], (2, "CL0003")),  # the others still in order
    ([("CL0001", "CL0001"), ("CL0004", "CL0001"), (None, "CL0001"), ("CL0002", "CL0001")], (3, "CL0004")),
])
def test_rows_sorted_by_primary_key(keys: list[tuple[str | None, str]], first_out_of_place: tuple[int, str] | None) -> None:
    parsed = _parsed("claim_links", {"claim_id": [k[0] for k in keys], "other_claim_id": [k[1] for k in keys]},
                     {"claim_id": pl.String, "other_claim_id": pl.String})
    check_sorted(parsed)
    expected = [] if first_out_of_place is None else [(*first_out_of_place, "sort-order")]
    assert [(p.line, p.value, p.rule) for p in parsed.problems] == expected
    assert all(p.column == "claim_id" for p in parsed.problems)
