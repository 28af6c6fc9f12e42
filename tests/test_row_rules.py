"""The date rules one row at a time: each rule fires on the row that breaks it and on no other."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import REPO

from coalition_data.package import open_package
from coalition_data.validation.csv_reading import ParsedTable
from coalition_data.validation.row_rules import DATE_COLUMNS, check_dates

EVENTS = open_package(REPO).table("events")
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
