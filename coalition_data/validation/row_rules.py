"""Rules inside one table that span several columns (Table Schema cannot express them)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from coalition_data.validation.column_checks import follows_previous
from coalition_data.validation.csv_reading import ParsedTable

DATE_COLUMNS = ("date_start", "date_end", "date_precision", "date_basis", "date_note_en")


Flag = tuple[pl.Expr, str, str, str]  # (true on a bad row, column to show, rule, message)


def _flag(parsed: ParsedTable, *flags: Flag) -> None:
    """Report every row where a flag's expression is true, showing its column's value. One query finds
    which flags hold anywhere; only those are filtered for their rows."""
    found = parsed.frame.select(bad.fill_null(False).any().alias(str(i)) for i, (bad, *_) in enumerate(flags)).row(0)
    frame = parsed.frame.with_row_index("_row")
    for (bad, column, rule, message), anywhere in zip(flags, found, strict=True):
        if anywhere:
            for row, value in frame.filter(bad.fill_null(False)).select("_row", column).iter_rows():
                parsed.problem(row, column, value, rule, message)


def check_dates(parsed: ParsedTable) -> None:
    """Date ranges agree with their precision and basis."""
    if not set(DATE_COLUMNS) <= set(parsed.frame.columns):
        return
    start, end = pl.col("date_start"), pl.col("date_end")
    precision, basis = pl.col("date_precision"), pl.col("date_basis")
    unknown = basis == "unknown"
    fixed = precision.is_in(["day", "month", "year"])
    _flag(
        parsed,
        (unknown & (start.is_not_null() | end.is_not_null() | precision.is_not_null()), "date_basis",
         "date-unknown", "basis 'unknown' needs date_start, date_end and date_precision empty"),
        (~unknown & precision.is_null(), "date_precision", "date-precision", "a date with a basis needs a precision"),
        (~unknown & start.is_null() & end.is_null(), "date_start", "date-range",
         "a date with a basis needs date_start or date_end"),
        (start > end, "date_end", "date-order", "date_end is before date_start"),
        (fixed & (start.is_null() | end.is_null()), "date_precision", "date-precision",
         "day, month and year precision need both date_start and date_end (only a bounded 'range' may be open)"),
        ((precision == "day") & (start != end), "date_end", "date-precision", "day precision needs date_end equal to date_start"),
        ((precision == "month") & ((start.dt.day() != 1) | (end != start.dt.month_end())), "date_end", "date-precision",
         "month precision needs date_start on the 1st and date_end on the last day of the same month"),
        ((precision == "year") & ((start.dt.ordinal_day() != 1) | (end.dt.month() != 12) | (end.dt.day() != 31)
                                  | (start.dt.year() != end.dt.year())), "date_end", "date-precision",
         "year precision needs 1 January to 31 December of one year"),
        ((precision == "range") & (start >= end), "date_end", "date-precision", "a range needs date_start before date_end"),
        ((precision == "range") & (basis != "bounded") & (start.is_null() | end.is_null()), "date_precision",
         "date-precision", "only a 'bounded' range may leave date_start or date_end open"),
        (basis.is_in(["inferred", "bounded"]) & pl.col("date_note_en").is_null(), "date_note_en", "date-note",
         "an inferred or bounded date needs date_note_en saying how it was worked out"),
    )


def check_offsets(parsed: ParsedTable) -> None:
    if {"char_start", "char_end"} <= set(parsed.frame.columns):
        _flag(parsed, (pl.col("char_end") <= pl.col("char_start"), "char_end", "offsets",
                       "char_end must be greater than char_start"))


def check_reference_basis(parsed: ParsedTable) -> None:
    """Values no article states need their basis; coordinates come in pairs with a precision."""
    columns = set(parsed.frame.columns)
    if "reference_basis_en" not in columns:
        return
    flags: list[Flag] = []
    reference = [c for c in ("country_code", "subdivision_code", "latitude", "longitude") if c in columns]
    if reference:
        any_set = pl.any_horizontal([pl.col(c).is_not_null() for c in reference])
        flags.append((any_set & pl.col("reference_basis_en").is_null(), "reference_basis_en", "reference-basis",
                      f"{', '.join(reference)} are reference knowledge, not from the articles: say where they come from"))
    if {"latitude", "longitude", "geo_precision"} <= columns:
        lat, lon, precision = pl.col("latitude"), pl.col("longitude"), pl.col("geo_precision")
        flags += [
            (lat.is_null() != lon.is_null(), "longitude", "coordinates", "latitude and longitude come together or not at all"),
            (lat.is_null() != precision.is_null(), "geo_precision", "coordinates",
             "coordinates need geo_precision, and only coordinates may have it"),
            ((lat == 0) & (lon == 0), "latitude", "coordinates", "0,0 is not a place here: leave unknown coordinates empty"),
        ]
    if {"min_latitude", "max_latitude"} <= columns:
        flags += [
            (pl.col("min_latitude") >= pl.col("max_latitude"), "max_latitude", "bounding-box", "max_latitude must exceed min_latitude"),
            (pl.col("min_longitude") >= pl.col("max_longitude"), "max_longitude", "bounding-box",
             "max_longitude must exceed min_longitude"),
        ]
    if flags:
        _flag(parsed, *flags)


def check_speech(parsed: ParsedTable) -> None:
    if {"speech", "actor_id"} <= set(parsed.frame.columns):
        narration = pl.col("speech") == "narration"
        _flag(parsed,
              (narration & pl.col("actor_id").is_not_null(), "actor_id", "speaker",
               "narration is the outlet's own voice: actor_id must be empty"),
              (~narration & pl.col("actor_id").is_null(), "actor_id", "speaker",
               "direct or reported speech needs the speaker's actor_id"))


def check_self_link(parsed: ParsedTable) -> None:
    if {"claim_id", "other_claim_id"} <= set(parsed.frame.columns):
        _flag(parsed, (pl.col("claim_id") == pl.col("other_claim_id"), "other_claim_id", "self-link",
                       "a claim cannot be linked to itself"))


def check_sorted(parsed: ParsedTable) -> None:
    """Rows sorted by primary key keep diffs reviewable. A row without its key is the required rule's to
    report; the rows around it must still be in order."""
    key = parsed.table.primary_key
    if not key:
        return
    keys = parsed.frame.select(key).with_row_index("_row")
    if any(keys[c].null_count() for c in key):
        keys = keys.drop_nulls(key)
    if keys.height < 2 or not keys.select((~follows_previous(key, strictly=False)).any()).item():
        return  # each row's key is at or after the one before: sorted, and no sort needed to prove it
    out_of_place = (keys.sort(key, maintain_order=True)["_row"] != keys["_row"]).arg_true()
    if out_of_place.len():
        row = keys["_row"][out_of_place[0]]
        parsed.problem(row, key[0], keys[key[0]][out_of_place[0]], "sort-order",
                       f"rows are not sorted by the primary key ({', '.join(key)}); first row out of place")


ALL: tuple[Callable[[ParsedTable], None], ...] = (
    check_dates, check_offsets, check_reference_basis, check_speech, check_self_link, check_sorted,
)
