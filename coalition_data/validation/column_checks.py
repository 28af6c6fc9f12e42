"""Pandera schemas built from the Table Schemas: every column rule the JSON states, plus the text rules
its field properties imply. Nothing here restates a column list or an enum by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandera.polars as pa
import polars as pl

from coalition_data.dtypes import field_dtype
from coalition_data.package import Table

ARABIC_LETTER = r"[\x{0621}-\x{064A}\x{0671}-\x{06D3}\x{06FA}-\x{06FF}]"
# C0/C1 controls, zero-width and bidi controls; LF is allowed only in verbatim fields.
# (U+061C is the Arabic letter mark, a bidi control; U+2028 and U+2029 are line and paragraph separators.)
CONTROL = r"[\x{0000}-\x{0009}\x{000B}-\x{001F}\x{007F}-\x{009F}\x{061C}\x{200B}-\x{200F}\x{2028}-\x{202E}\x{2060}-\x{2069}\x{FEFF}]"
FORMULA_PREFIX = r"^[=+\-@]"
MAX_CELL_CHARS = 32_767  # the most a spreadsheet cell holds: a longer one is cut when opened


@dataclass(frozen=True)
class Rule:
    """What a failing check means, to a curator."""

    rule: str
    message: str


def _expr_check(rule: str, expression: Callable[[pl.Expr], pl.Expr]) -> pa.Check:
    """A column check from a Polars expression that is true where the value is fine (nulls pass)."""

    def check(data: Any) -> pl.LazyFrame:
        column = pl.col(data.key)
        return data.lazyframe.select(column.is_null() | expression(column))

    return pa.Check(check, error=rule)


def _bound(value: Any, kind: str) -> Any:
    return dt.date.fromisoformat(value) if kind == "date" else value


def field_checks(spec: dict[str, Any]) -> list[tuple[pa.Check, Rule]]:
    """Every check one field needs, each with the rule it enforces."""
    kind = spec["type"]
    constraints = spec.get("constraints", {})
    checks: list[tuple[pa.Check, Rule]] = []
    if "enum" in constraints:
        allowed = constraints["enum"]
        checks.append((pa.Check.isin(allowed, error="enum"), Rule("enum", "must be one of: " + ", ".join(map(str, allowed)))))
    if "pattern" in constraints:
        pattern = constraints["pattern"]
        # Table Schema patterns match the whole value; str_matches anchors only at the start.
        checks.append((pa.Check.str_matches(f"^(?:{pattern})$", error="pattern"), Rule("pattern", f"must match the pattern {pattern}")))
    if "minimum" in constraints:
        low = _bound(constraints["minimum"], kind)
        checks.append((pa.Check.ge(low, error="minimum"), Rule("minimum", f"must be at least {low}")))
    if "maximum" in constraints:
        high = _bound(constraints["maximum"], kind)
        checks.append((pa.Check.le(high, error="maximum"), Rule("maximum", f"must be at most {high}")))
    if kind == "number":
        checks.append((_expr_check("finite", lambda c: c.is_finite()), Rule("finite", "must be a finite number (no NaN or infinity)")))
    if kind == "string":
        checks.extend(_text_checks(spec))
    if constraints.get("unique") and not constraints.get("required"):
        # pandera's unique counts repeated nulls as duplicates; Table Schema does not.
        checks.append((_expr_check("unique", lambda c: ~c.is_duplicated()), Rule("unique", "value repeats: it must be unique")))
    return checks


def _text_checks(spec: dict[str, Any]) -> list[tuple[pa.Check, Rule]]:
    verbatim = spec.get("x-verbatim", False)
    control = CONTROL if verbatim else CONTROL[:-1] + r"\x{000A}]"
    checks = [
        (_expr_check("empty-string", lambda c: c.str.len_bytes() > 0),
         Rule("empty-string", "an empty quoted string is not a value: leave the cell empty for null")),
        (_expr_check("nfc", lambda c: c.str.normalize("NFC") == c), Rule("nfc", "text must be in Unicode NFC")),
        (_expr_check("whitespace", lambda c: c.str.strip_chars() == c), Rule("whitespace", "text must not start or end with whitespace")),
        (_expr_check("control-character", lambda c: ~c.str.contains(control)),
         Rule("control-character", "text must not hold control, zero-width or bidi-override characters"
              + (" (line breaks only where the source has them)" if verbatim else " or line breaks"))),
        (_expr_check("formula-prefix", lambda c: ~c.str.contains(FORMULA_PREFIX)),
         Rule("formula-prefix", "text must not start with = + - or @ (spreadsheets would run it as a formula)")),
        (_expr_check("cell-size", lambda c: c.str.len_chars() <= MAX_CELL_CHARS),
         Rule("cell-size", f"text longer than {MAX_CELL_CHARS:,} characters (a spreadsheet cell's limit)")),
    ]
    script = spec.get("x-script")
    if script == "Arab":
        checks.append((_expr_check("script", lambda c: c.str.contains(ARABIC_LETTER)), Rule("script", "an Arabic column must hold Arabic letters")))
    elif script == "Latn":
        checks.append((_expr_check("script", lambda c: ~c.str.contains(ARABIC_LETTER)), Rule("script", "an English column must not hold Arabic letters")))
    return checks


def build(table: Table) -> tuple[pa.DataFrameSchema, dict[tuple[str | None, str], Rule]]:
    """The Pandera schema for a table read by csv_reading (enum columns still strings), and its rules by (column, check)."""
    columns = {}
    rules: dict[tuple[str | None, str], Rule] = {}
    for spec in table.fields:
        name = spec["name"]
        constraints = spec.get("constraints", {})
        dtype = field_dtype(spec)
        if isinstance(dtype, pl.Enum):
            dtype = pl.String()
        pairs = field_checks(spec)
        for check, rule in pairs:
            rules[(name, rule.rule)] = rule
        required = bool(constraints.get("required"))
        columns[name] = pa.Column(dtype, nullable=not required,
                                  unique=bool(constraints.get("unique")) and required,
                                  checks=[check for check, _ in pairs])
        rules[(name, "not_nullable")] = Rule("required", "a value is required")
        rules[(name, "field_uniqueness")] = Rule("unique", "value repeats: it must be unique")
    key = table.primary_key
    rules[(None, "multiple_fields_uniqueness")] = Rule("primary-key", f"primary key ({', '.join(key)}) repeats")
    schema = pa.DataFrameSchema(columns, unique=key if len(key) > 1 else None, strict=True, ordered=True,
                                name=table.name)
    return schema, rules
