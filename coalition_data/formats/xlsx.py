"""The Excel workbook: a README sheet, then one sheet per table, typed as the Table Schemas say.

Dates are date cells, integers and numbers numeric cells, a null an empty cell, and every text (enum
values included) a text cell, written as text even where it looks like a number or a formula. Each
column's name carries its description as a note. The
file's creation time is the package's, so the same package gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from coalition_data.formats.about import FormatError, about
from coalition_data.loader import load_file
from coalition_data.package import Package

README_SHEET = "README"
DATE_FORMAT = "yyyy-mm-dd"
_BAD_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_MAX_WIDTH = 60


def _created(package: Package) -> dt.datetime:
    created = package.descriptor.get("created")
    if not created:
        return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(created.replace("Z", "+00:00"))


def _sheet_names(package: Package) -> None:
    seen = {README_SHEET.lower()}
    for name in package.tables:
        if len(name) > 31 or _BAD_SHEET_NAME.search(name) or name.lower() in seen:
            raise FormatError(f"table {name!r} cannot be an Excel sheet name (at most 31 characters, none of "
                              f"[]:*?/\\, not {README_SHEET!r} and no other table's name in another case)")
        seen.add(name.lower())


def write_xlsx(package: Package, path: Path) -> Path:
    """Write the workbook to ``path``."""
    import xlsxwriter

    _sheet_names(package)
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_numbers": False,
                                               "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"title": package.descriptor.get("title", ""), "author": "",
                             "created": _created(package).replace(tzinfo=None)})
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    date = workbook.add_format({"num_format": DATE_FORMAT})
    _readme_sheet(package, workbook.add_worksheet(README_SHEET), bold, wrap)
    for name, table in package.tables.items():
        sheet = workbook.add_worksheet(name)
        frame = load_file(table)
        writers = [_cell_writer(sheet, spec, date) for spec in table.fields]
        for column, spec in enumerate(table.fields):
            sheet.write_string(0, column, spec["name"], bold)
            if spec.get("description"):  # shown when the pointer rests on the column's name
                sheet.write_comment(0, column, spec["description"], {"author": "", "x_scale": 3, "y_scale": 2})
            sheet.set_column(column, column, _width(spec, frame[spec["name"]]))
        for row, values in enumerate(frame.iter_rows(), start=1):
            for column, value in enumerate(values):
                if value is not None and writers[column](row, column, value) != 0:
                    raise FormatError(f"{table.path}: row {row} column {table.fields[column]['name']!r} "
                                      "does not fit an Excel cell")
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, frame.height, len(table.fields) - 1)
    workbook.close()
    return path


def _cell_writer(sheet: Any, spec: dict[str, Any], date: Any) -> Any:
    kind = spec["type"]
    if kind == "date":
        return lambda row, column, value: sheet.write_datetime(row, column, value, date)
    if kind in ("integer", "number"):
        return sheet.write_number
    if kind == "boolean":
        return sheet.write_boolean
    return lambda row, column, value: sheet.write_string(row, column, str(value))


def _width(spec: dict[str, Any], values: Any) -> int:
    if spec["type"] == "date":
        return 12
    longest = values.cast(str).str.len_chars().max() if len(values) else 0
    return max(len(spec["name"]) + 2, min(_MAX_WIDTH, (longest or 0) + 2))


def _readme_sheet(package: Package, sheet: Any, bold: Any, wrap: Any) -> None:
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 100)
    row = 0
    for what, value in about(package):
        sheet.write_string(row, 0, what, bold)
        sheet.write_string(row, 1, value, wrap)
        row += 1
    row += 1
    sheet.write_string(row, 0, "sheet", bold)
    sheet.write_string(row, 1, "what it holds", bold)
    for name, table in package.tables.items():
        row += 1
        sheet.write_string(row, 0, name)
        sheet.write_string(row, 1, table.description, wrap)
    row += 2
    sheet.write_string(row, 1, "Dates are date cells, counts and coordinates numbers, and an empty cell is a missing "
                               "value. Each column's meaning is in the note on its name (and in the codebook).", wrap)
