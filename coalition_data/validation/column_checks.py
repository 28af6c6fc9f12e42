"""Pandera schemas built from the Table Schemas: every column rule the JSON states, plus the text rules
its field properties imply. Nothing here restates a column list or an enum by hand."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from coalition_data.dtypes import field_dtype
from coalition_data.package import Table
from coalition_data.validation.unicode_nfc import MAY_CHANGE_UNDER_NFC

if TYPE_CHECKING:  # pandera is imported only when a table has something to report (it takes about a second)
    import pandera.polars as pa

ARABIC_LETTER = r"[\x{0621}-\x{064A}\x{0671}-\x{06D3}\x{06FA}-\x{06FF}]"
# C0/C1 controls, zero-width and bidi controls; LF is allowed only in verbatim fields.
# (U+061C is the Arabic letter mark, a bidi control; U+2028 and U+2029 are line and paragraph separators.)
CONTROL = r"[\x{0000}-\x{0009}\x{000B}-\x{001F}\x{007F}-\x{009F}\x{061C}\x{200B}-\x{200F}\x{2028}-\x{202E}\x{2060}-\x{2069}\x{FEFF}]"
FORMULA_PREFIX = r"^[=+\-@]"
MAX_CELL_CHARS = 32_767  # the most a spreadsheet cell holds: a longer one is cut when opened
# The Table Schema constraints field_checks and failure_count enforce; the descriptor check refuses any other.
CONSTRAINTS = ("required", "unique", "enum", "pattern", "minimum", "maximum")


@dataclass(frozen=True)
class Rule:
    """What a failing check means, to a curator."""

    rule: str
    message: str


Ok = Callable[[pl.Expr], pl.Expr]  # true where a (non-null) value is fine


@dataclass(frozen=True)
class ColumnCheck:
    """One rule on one column, as a Polars expression; the Pandera check is built from the same expression."""

    rule: Rule
    ok: Ok
    # A regex that every failing value matches: a value matching none passes (a cheap pre-filter,
    # shared by all the column's checks that have one, so long texts are scanned once).
    suspects: str | None = None

    def passes(self, column: str, *, as_text: bool = False) -> pl.Expr:
        col = pl.col(column).cast(pl.String) if as_text else pl.col(column)
        return col.is_null() | self.ok(col)

    @property
    def check(self) -> pa.Check:
        return self.pandera_check()

    def pandera_check(self, *, as_text: bool = False) -> pa.Check:
        """The Pandera check; ``as_text`` runs it on a ``pl.Enum`` column's text."""
        import pandera.polars as pa

        def run(data: Any) -> pl.LazyFrame:
            return data.lazyframe.select(self.passes(data.key, as_text=as_text))

        return pa.Check(run, error=self.rule.rule)


def _bound(value: Any, kind: str) -> Any:
    return dt.date.fromisoformat(value) if kind == "date" else value


def full_match(pattern: str) -> str:
    """A Table Schema pattern as validate runs it: it must match the whole value, not a part."""
    return f"^(?:{pattern})$"


def field_checks(spec: dict[str, Any]) -> list[ColumnCheck]:
    """Every check one field needs, each with the rule it enforces."""
    kind = spec["type"]
    constraints = spec.get("constraints", {})
    checks: list[ColumnCheck] = []
    if "enum" in constraints:
        allowed = constraints["enum"]
        checks.append(ColumnCheck(Rule("enum", "must be one of: " + ", ".join(map(str, allowed))),
                                  lambda c: c.is_in(allowed)))
    if "pattern" in constraints:
        pattern = constraints["pattern"]
        checks.append(ColumnCheck(Rule("pattern", f"must match the pattern {pattern}"),
                                  lambda c: c.str.contains(full_match(pattern))))
    if "minimum" in constraints:
        low = _bound(constraints["minimum"], kind)
        checks.append(ColumnCheck(Rule("minimum", f"must be at least {low}"), lambda c: c >= low))
    if "maximum" in constraints:
        high = _bound(constraints["maximum"], kind)
        checks.append(ColumnCheck(Rule("maximum", f"must be at most {high}"), lambda c: c <= high))
    if kind == "number":
        checks.append(ColumnCheck(Rule("finite", "must be a finite number (no NaN or infinity)"), lambda c: c.is_finite()))
    if kind == "string":
        checks.extend(_text_checks(spec))
    if constraints.get("unique") and not constraints.get("required"):
        # pandera's unique counts repeated nulls as duplicates; Table Schema does not.
        checks.append(ColumnCheck(Rule("unique", "value repeats: it must be unique"),
                                  lambda c: ~c.is_duplicated() | c.is_null()))
    return checks


def _text_checks(spec: dict[str, Any]) -> list[ColumnCheck]:
    verbatim = spec.get("x-verbatim", False)
    control = CONTROL if verbatim else CONTROL[:-1] + r"\x{000A}]"
    checks = [
        ColumnCheck(Rule("empty-string", "an empty quoted string is not a value: leave the cell empty for null"),
                    lambda c: c.str.len_bytes() > 0),
        ColumnCheck(Rule("nfc", "text must be in Unicode NFC"), lambda c: c.str.normalize("NFC") == c,
                    suspects=MAY_CHANGE_UNDER_NFC),
        ColumnCheck(Rule("whitespace", "text must not start or end with whitespace"),
                    lambda c: ~(c.str.contains(r"^\s") | c.str.contains(r"\s$")), suspects=r"^\s|\s$"),
        ColumnCheck(Rule("control-character", "text must not hold control, zero-width or bidi-override characters"
                         + (" (line breaks only where the source has them)" if verbatim else " or line breaks")),
                    lambda c: ~c.str.contains(control), suspects=control),
        ColumnCheck(Rule("formula-prefix", "text must not start with = + - or @ (spreadsheets would run it as a formula)"),
                    lambda c: ~c.str.contains(FORMULA_PREFIX), suspects=FORMULA_PREFIX),
        ColumnCheck(Rule("cell-size", f"text longer than {MAX_CELL_CHARS:,} characters (a spreadsheet cell's limit)"),
                    lambda c: c.str.len_chars() <= MAX_CELL_CHARS),
    ]
    script = spec.get("x-script")
    if script == "Arab":
        checks.append(ColumnCheck(Rule("script", "an Arabic column must hold Arabic letters"),
                                  lambda c: c.str.contains(ARABIC_LETTER)))
    elif script == "Latn":
        checks.append(ColumnCheck(Rule("script", "an English column must not hold Arabic letters"),
                                  lambda c: ~c.str.contains(ARABIC_LETTER), suspects=ARABIC_LETTER))
    return checks


def follows_previous(key: list[str], *, strictly: bool) -> pl.Expr:
    """True where a row's key sorts after the previous row's (or equal to it, unless ``strictly``), comparing
    the key's columns in turn as a sort does; null on the first row. No row false and strictly proves the
    keys unique (and sorted, as the sort-order rule wants) far faster than hashing or joining them; a
    false row sends the table to Pandera, which names the duplicates if there are any."""
    last = pl.col(key[-1])
    after = last > last.shift(1) if strictly else last >= last.shift(1)
    for name in reversed(key[:-1]):
        column, previous = pl.col(name), pl.col(name).shift(1)
        after = (column > previous) | ((column == previous) & after)
    return after


def _failing_values(values: list[str], checks: list[ColumnCheck]) -> list[str]:
    frame = pl.DataFrame({"value": values}, schema={"value": pl.String})
    ok = frame.select(pl.all_horizontal([check.passes("value") for check in checks]) if checks else pl.lit(True))
    return [value for value, fine in zip(values, ok.to_series(), strict=True) if not fine]


# A class of \x{...} code points and ranges only: two of them merge into one by joining their insides.
_SIMPLE_CLASS = re.compile(r"\[(?:\\x\{[0-9A-F]+\}(?:-\\x\{[0-9A-F]+\})?)+\]")


def _union(patterns: Iterable[str]) -> str:
    """One regex matching what any of ``patterns`` matches, with the simple character classes merged into
    one class (as separate alternatives the large classes make the regex engine several times slower)."""
    patterns = list(patterns)
    classes = [p[1:-1] for p in patterns if _SIMPLE_CLASS.fullmatch(p)]
    others = [p for p in patterns if not _SIMPLE_CLASS.fullmatch(p)]
    return "|".join(([f"[{''.join(classes)}]"] if classes else []) + others)


def failure_count(frame: pl.DataFrame, table: Table) -> int:
    """How many cells of ``frame`` break any rule ``build`` checks; zero means Pandera would pass it.

    A frame read by csv_reading already has the schema's names, order and dtypes; this counts the rest:
    missing required values, repeated keys and every column check. One query counts everything but the
    pre-filtered text rules, and how many values of each column are suspects; those rules then run only
    on the suspects, if any (real text rarely has one, and a filter shared by several rules would be
    recomputed for each).
    """
    parts, prefiltered = [], {}
    for spec in table.fields:
        name, constraints = spec["name"], spec.get("constraints", {})
        if constraints.get("required"):
            parts.append(pl.col(name).null_count())
            if constraints.get("unique"):
                parts.append((~follows_previous([name], strictly=True)).sum())
        checks = field_checks(spec)
        if "enum" in constraints:
            # A value the enum allows is one of a few known strings: check those once instead of every row.
            per_value = [check for check in checks if check.rule.rule not in ("enum", "unique")]
            checks = [check for check in checks if check.rule.rule in ("enum", "unique")]
            failing = _failing_values(constraints["enum"], per_value)
            if failing:
                parts.append(pl.col(name).is_in(failing).sum())
        parts += [(~check.passes(name)).sum() for check in checks if check.suspects is None]
        filtered = [check for check in checks if check.suspects is not None]
        if filtered:
            prefiltered[name] = (_union(check.suspects for check in filtered), filtered)
    if len(table.primary_key) > 1:
        parts.append((~follows_previous(table.primary_key, strictly=True)).sum())
    suspect_counts = [pl.col(name).str.contains(union).sum() for name, (union, _) in prefiltered.items()]
    if not parts and not suspect_counts:
        return 0
    counts = frame.select(expr.alias(str(index)) for index, expr in enumerate(parts + suspect_counts)).row(0)
    total = sum(counts[:len(parts)])
    for (name, (union, checks)), suspect in zip(prefiltered.items(), counts[len(parts):], strict=True):
        if suspect:
            values = frame.select(pl.col(name).filter(pl.col(name).str.contains(union)))
            total += sum(values.select((~check.ok(pl.col(name))).sum().alias(str(index))
                                       for index, check in enumerate(checks)).row(0))
    return total


def build(table: Table, *, enums: bool = False) -> tuple[pa.DataFrameSchema, dict[tuple[str | None, str], Rule]]:
    """The Pandera schema for a table read by csv_reading (enum columns still strings), and its rules by (column, check).

    ``enums``: enum columns as ``pl.Enum``, as ``load`` returns them (their text rules still run on the text).
    """
    import pandera.polars as pa

    columns = {}
    rules: dict[tuple[str | None, str], Rule] = {}
    for spec in table.fields:
        name = spec["name"]
        constraints = spec.get("constraints", {})
        dtype = field_dtype(spec)
        if isinstance(dtype, pl.Enum) and not enums:
            dtype = pl.String()
        as_text = isinstance(dtype, pl.Enum)
        checks = field_checks(spec)
        for check in checks:
            rules[(name, check.rule.rule)] = check.rule
        required = bool(constraints.get("required"))
        columns[name] = pa.Column(dtype, nullable=not required,
                                  unique=bool(constraints.get("unique")) and required,
                                  checks=[check.pandera_check(as_text=as_text) for check in checks])
        rules[(name, "not_nullable")] = Rule("required", "a value is required")
        rules[(name, "field_uniqueness")] = Rule("unique", "value repeats: it must be unique")
    key = table.primary_key
    rules[(None, "multiple_fields_uniqueness")] = Rule("primary-key", f"primary key ({', '.join(key)}) repeats")
    schema = pa.DataFrameSchema(columns, unique=key if len(key) > 1 else None, strict=True, ordered=True,
                                name=table.name)
    return schema, rules
