"""Read one CSV strictly: bytes, structure, header, then typed columns with the failing cells."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from coalition_data.package import Table
from coalition_data.validation.descriptor_features import FALSE_VALUES, TRUE_VALUES
from coalition_data.validation.problems import Problem, shown

_DATE = r"^\d{4}-\d{2}-\d{2}$"
_BOOLEANS = {**dict.fromkeys(TRUE_VALUES, True), **dict.fromkeys(FALSE_VALUES, False)}
_FORMS = {"date": " (ISO 8601 YYYY-MM-DD, a real calendar day)", "boolean": f" (one of {', '.join(_BOOLEANS)})"}


@dataclass
class ParsedTable:
    """A table read as far as it could be: typed frame (enum columns kept as strings) and line numbers."""

    table: Table
    file: str
    frame: pl.DataFrame | None = None
    record_lines: list[int] | range = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unit: str = "line"  # what a problem's number counts: a CSV's lines, a Parquet file's rows

    def line(self, row: int) -> int | None:
        """1-based line in the CSV where data row ``row`` (0-based) starts (in a Parquet file, the row)."""
        return self.record_lines[row] if 0 <= row < len(self.record_lines) else None

    def problem(self, row: int | None, column: str | None, value: Any, rule: str, message: str) -> None:
        line = self.line(row) if row is not None else None
        self.problems.append(Problem(self.file, line, column, shown(value), rule, message))


def read_table(table: Table, file: str) -> ParsedTable:
    parsed = ParsedTable(table, file)
    if not table.path.is_file():
        parsed.problem(None, None, None, "file-missing", f"table {table.name!r} names a file that does not exist")
        return parsed
    raw = table.path.read_bytes()
    strings = _read_canonical(raw, parsed)
    if strings is None:
        text = _decode(raw, parsed)
        if text is None or not _check_structure(text, parsed):
            return parsed
        stray = _stray_quote(text)  # Python's csv reads a quote inside an unquoted field as text; Polars may not
        if stray is not None:
            parsed.problems.append(Problem(parsed.file, stray, None, None, "csv-syntax", _STRAY_QUOTE))
        try:
            strings = pl.read_csv(text.encode("utf-8"), infer_schema=False, has_header=True)
        except pl.exceptions.PolarsError as exc:
            if stray is None:  # the structural pass should have caught it; never let it escape
                parsed.problem(None, None, None, "csv-syntax", f"not readable as CSV: {str(exc).splitlines()[0]}")
            return parsed
        if strings.height != len(parsed.record_lines):
            if stray is None:
                parsed.problem(None, None, None, "csv-syntax",
                               "not readable as CSV: Polars and Python's csv module read a different number of rows")
            return parsed
    parsed.frame = typed(strings, parsed)
    return parsed


def _read_canonical(raw: bytes, parsed: ParsedTable) -> pl.DataFrame | None:
    """The fast path for a file exactly as Polars writes it (as the curated files are): read it with Polars
    and write it back; identical bytes prove it is well-formed UTF-8 CSV with the right header and field
    counts, so the record-by-record pass is not needed. None sends any other file down that careful pass."""
    if not raw or raw.startswith(b"\xef\xbb\xbf") or b"\x00" in raw or b"\r" in raw:
        return None
    try:
        strings = pl.read_csv(raw, infer_schema=False, has_header=True)
    except pl.exceptions.PolarsError:
        return None
    if strings.columns != parsed.table.field_names:
        return None
    written = _SameBytes(raw)
    strings.write_csv(written, line_terminator="\n", quote_style="necessary")
    if not written.same():
        return None
    if raw.count(b"\n") == strings.height + 1:  # no line break inside a field: record i is on line i + 2
        parsed.record_lines = range(2, strings.height + 2)
        return strings
    # A record starts one line after the previous one, plus the line breaks inside its quoted fields.
    breaks = pl.sum_horizontal(pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in strings.columns)
    parsed.record_lines = strings.select(
        pl.int_range(2, pl.len() + 2) + breaks.cum_sum().shift(1, fill_value=0))[:, 0].to_list()
    return strings


class _SameBytes:
    """A write-only file that only notes whether what is written equals ``expected`` (nothing is kept)."""

    def __init__(self, expected: bytes) -> None:
        self.expected, self.position, self.equal = expected, 0, True

    def write(self, chunk: bytes) -> int:
        # bytes.startswith at an offset is one memcmp; comparing a memoryview slice goes byte by byte (3x slower).
        self.equal = self.equal and self.expected.startswith(chunk, self.position)
        self.position += len(chunk)
        return len(chunk)

    def flush(self) -> None:
        pass

    def same(self) -> bool:
        return self.equal and self.position == len(self.expected)


def _decode(raw: bytes, parsed: ParsedTable) -> str | None:
    if not raw:
        parsed.problem(None, None, None, "empty-file", "the file is empty: it needs at least the header line")
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        parsed.problems.append(Problem(parsed.file, 1, None, None, "bom", "the file starts with a UTF-8 byte order mark; save it without BOM"))
        raw = raw[3:]
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        parsed.problems.append(Problem(parsed.file, line, None, None, "encoding", "NUL byte in the file: it is not UTF-8 text (UTF-16?)"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 4].hex(" ")
        parsed.problems.append(Problem(parsed.file, line, None, bad, "encoding",
                                       f"invalid UTF-8 byte at byte offset {exc.start}: save the file as UTF-8"))
        return None
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        parsed.problems.append(Problem(parsed.file, line, None, None, "line-endings",
                                       "carriage return (CRLF or CR line ending): use LF line endings"))
    return text


def _check_structure(text: str, parsed: ParsedTable) -> bool:
    """Header and field counts, with the line where each record starts. False when rows cannot be mapped."""
    expected = parsed.table.field_names
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        parsed.problem(None, None, None, "empty-file", "the file has no header line")
        return False
    except csv.Error as exc:
        parsed.problems.append(Problem(parsed.file, 1, None, None, "csv-syntax", f"header line is not valid CSV: {exc}"))
        return False
    if header != expected:
        _header_problem(header, expected, parsed)
        return False
    ok = True
    start = reader.line_num + 1
    try:
        for record in reader:
            if record and len(record) != len(expected):
                parsed.problems.append(Problem(parsed.file, start, None, None, "field-count",
                                               f"{len(record)} fields where the header has {len(expected)}"))
                ok = False
            parsed.record_lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        parsed.problems.append(Problem(parsed.file, start, None, None, "csv-syntax", f"not valid CSV from here: {exc}"))
        return False
    return ok


_STRAY_QUOTE = ('a stray quote: a field holding " must be quoted as a whole, with each " inside it doubled '
                '(or a quoted field is not closed)')


def _stray_quote(text: str) -> int | None:
    """The line of the first quote that RFC 4180 does not allow: one inside an unquoted field, one after a
    closing quote, or an opening quote never closed. None if every quote is in its place. It looks only at
    the quotes, so it is quick on a file with few of them."""
    position = text.find('"')
    while position != -1:
        if position > 0 and text[position - 1] not in ",\n\r":
            return text.count("\n", 0, position) + 1
        end = position + 1
        while True:  # to the closing quote, stepping over doubled ones
            end = text.find('"', end)
            if end == -1:
                return text.count("\n", 0, position) + 1
            if text.startswith('""', end):
                end += 2
                continue
            break
        if end + 1 < len(text) and text[end + 1] not in ",\n\r":
            return text.count("\n", 0, end) + 1
        position = text.find('"', end + 1)
    return None


def _header_problem(header: list[str], expected: list[str], parsed: ParsedTable) -> None:
    missing = [name for name in expected if name not in header]
    extra = [name for name in header if name not in expected]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if extra:
        parts.append("unexpected " + ", ".join(repr(name) for name in extra))
    if not parts:
        parts.append("columns out of order")
    parsed.problems.append(Problem(parsed.file, 1, None, shown(",".join(header)), "header",
                                   "header does not match the Table Schema (" + "; ".join(parts)
                                   + "); expected: " + ",".join(expected)))


def typed(strings: pl.DataFrame, parsed: ParsedTable) -> pl.DataFrame:
    """Cast each column to its schema type; every cell that does not parse is a problem (and becomes null)."""
    columns = []
    for spec in parsed.table.fields:
        name, kind = spec["name"], spec["type"]
        raw = strings[name]
        if kind == "integer":
            value = raw.cast(pl.Int64, strict=False)
            bad = raw.is_not_null() & (value.is_null() | ~raw.str.contains(r"^[+-]?\d+$"))
        elif kind == "number":
            value = raw.cast(pl.Float64, strict=False)
            bad = raw.is_not_null() & value.is_null()
        elif kind == "date":
            value = raw.str.to_date("%Y-%m-%d", strict=False)
            # Year 0000 parses in Polars but no Python date holds it (reporting it used to crash).
            bad = raw.is_not_null() & (value.is_null() | ~raw.str.contains(_DATE) | (value.dt.year() < 1))
        elif kind == "boolean":
            value = raw.replace_strict(_BOOLEANS, default=None, return_dtype=pl.Boolean)
            bad = raw.is_not_null() & value.is_null()
        else:
            value, bad = raw, None
        if bad is not None:
            for row in bad.arg_true().to_list():
                parsed.problem(row, name, raw[row], "type", f"not a valid {kind}" + _FORMS.get(kind, ""))
            value = pl.Series(name, value).set(bad, None) if bad.any() else value
        columns.append(value.alias(name))
    return pl.DataFrame(columns)
