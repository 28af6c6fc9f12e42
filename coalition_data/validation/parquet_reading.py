"""Read one Parquet table for the same checks as a CSV: its columns, their stored types, then each cell.

A Parquet file has no lines, so a problem's number is the row (1 is the first row). The cells are turned
into text and typed by the CSV reader's own rules, so both formats fail the same values the same way.
"""

from __future__ import annotations

import polars as pl

from coalition_data.dtypes import stored_type_problem
from coalition_data.loader import READ_ERRORS, first_line
from coalition_data.package import PackageError, Table, read_bytes
from coalition_data.parquet_footer import check_size
from coalition_data.validation.csv_reading import ParsedTable, typed
from coalition_data.validation.problems import Problem, shown


def read_parquet_table(table: Table, file: str) -> ParsedTable:
    parsed = ParsedTable(table, file, unit="row")
    if not table.path.is_file():
        parsed.problem(None, None, None, "file-missing", f"table {table.name!r} names a file that does not exist")
        return parsed
    try:
        check_size(read_bytes(table.path), file)
    except PackageError as exc:
        parsed.problem(None, None, None, "parquet", str(exc).removeprefix(f"{file}: "))
        return parsed
    try:
        frame = pl.read_parquet(table.path, glob=False)  # a path is a file, never a pattern to expand
    except READ_ERRORS as exc:
        parsed.problem(None, None, None, "parquet", f"not readable as Parquet: {first_line(exc)}")
        return parsed
    if frame.columns != table.field_names:
        parsed.problems.append(Problem(file, None, None, shown(",".join(frame.columns)), "header",
                                       "columns do not match the Table Schema; expected: " + ",".join(table.field_names)))
        return parsed
    parsed.record_lines = range(1, frame.height + 1)
    strings = []
    for spec in table.fields:
        column = frame[spec["name"]]
        problem = stored_type_problem(column.dtype, spec)
        if problem is not None:  # the column, then each of its cells that is not a valid value as text
            parsed.problems.append(Problem(file, None, spec["name"], None, "type", f"the column {problem}"))
        try:
            strings.append(column.cast(pl.String))
        except READ_ERRORS:  # a nested column: no cell can be read
            strings.append(pl.Series(spec["name"], [None] * frame.height, pl.String))
    parsed.frame = typed(pl.DataFrame(strings), parsed)
    return parsed
