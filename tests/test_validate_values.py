"""Every value corruption, generated from the Table Schemas for every column it applies to, is reported
at its file, line and column with its rule.

Hundreds of corruptions would take minutes one copy at a time, so they are packed into a few copies of the
package: each cell is corrupted at most once per copy, every copy is validated once, and each corruption is
then one test that looks for its own problem. (Cell rules do not hide one another: a rule on one cell never
stops another cell from being checked.)
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import pytest
from conftest import REPO, PackageCopy, assert_reported, find

from coalition_data.package import open_package
from coalition_data.validation import Problem
from coalition_data.validation.problems import shown

pytestmark = pytest.mark.slow  # left out of the quick edit-test loop: pytest -m 'not slow'

PACKAGE = open_package(REPO)
# retired_ids ships empty; these rows (valid ones) give its columns cells to corrupt.
RETIRED_ROWS = [{"id": f"CL9{i:03d}", "table_name": "claims", "retired_in": "0.1.0",
                 "reason_en": "Merged into another claim.", "replaced_by": ""} for i in range(6)]


@dataclass(frozen=True)
class Corruption:
    table: str
    column: str
    value: str
    rule: str
    check_value: bool = True  # the problem shows the value as written (not a parsed form of it)

    @property
    def id(self) -> str:
        return f"{self.table}.{self.column}={self.value[:24]!r}->{self.rule}"


def _fields():
    for table in PACKAGE.tables.values():
        for spec in table.fields:
            yield table, spec, spec.get("constraints", {})


def _shift(bound: object, kind: str, step: int) -> str:
    if kind == "date":
        return (dt.date.fromisoformat(bound) + dt.timedelta(days=step)).isoformat()
    return str(bound + step)


NOT_INTEGER = ["abc", "4.0", "1e3", "٣", "0x1F", "1 000", " 7", "7 ", "99999999999999999999"]
NOT_NUMBER = ["abc", "1,5", "٫5", "0x10", "1_000", "4 4", "−5"]
NOT_DATE = ["2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "24-01-01", "2024/01/01", "01-02-2024",
            "2024-1-5", "2024-01-01T00:00", " 2024-01-01", "0000-01-01", "yesterday"]
NOT_FINITE = ["NaN", "nan", "inf", "-inf", "Infinity", "-Infinity", "1e999"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\u061c",
             "\ufeff", "\u2060", "\u2028", "\u2029", "\x07", "\x1b", "\x7f", "\x85", "\t"]
EDGE_SPACE = [" {}", "{} ", "\u00a0{}", "{}\u3000", "\u2003{}"]


def _dangling(value: str, pattern: str | None, taken: set[str]) -> str:
    """A value of the same shape as ``value`` (it still matches the pattern) that no row has."""
    candidate = re.sub(r"[0-9]", "9", value)
    if candidate in taken or candidate == value:
        candidate = re.sub(r"[A-Z]", "Z", re.sub(r"[a-z]", "z", value))
    assert candidate not in taken and (pattern is None or re.fullmatch(pattern, candidate)), (value, candidate)
    return candidate


def _read(table: str) -> list[dict[str, str]]:
    import csv

    with PACKAGE.table(table).path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return rows or (RETIRED_ROWS if table == "retired_ids" else [])


def corruptions() -> list[Corruption]:
    out: list[Corruption] = []
    for table, spec, constraints in _fields():
        name, kind, t = spec["name"], spec["type"], table.name
        if kind == "integer":
            out += [Corruption(t, name, v, "type") for v in NOT_INTEGER]
        if kind == "number":
            out += [Corruption(t, name, v, "type") for v in NOT_NUMBER]
            out += [Corruption(t, name, v, "finite", check_value=False) for v in NOT_FINITE]
        if kind == "date":
            out += [Corruption(t, name, v, "type") for v in NOT_DATE]
        for bound, step in (("minimum", -1), ("maximum", 1)):
            if bound in constraints:
                out.append(Corruption(t, name, _shift(constraints[bound], kind, step), bound, check_value=False))
        if kind == "date" and "minimum" in constraints:
            out.append(Corruption(t, name, "0025-01-01", "minimum", check_value=False))
        if kind == "date" and "maximum" in constraints:
            out.append(Corruption(t, name, "9999-12-31", "maximum", check_value=False))
        if kind != "string":
            continue
        sample = next((r[name] for r in _read(t) if r[name]), None) or "x"
        for enum_value in constraints.get("enum", []):
            variants = {enum_value.upper(), enum_value.title(), f" {enum_value}", f"{enum_value} ",
                        f"{enum_value}\u00a0", enum_value.replace("-", "_")} - set(constraints["enum"])
            out += [Corruption(t, name, v, "enum") for v in sorted(variants)]
        middle = len(sample) // 2
        out += [Corruption(t, name, sample[:middle] + ch + sample[middle:], "control-character") for ch in INVISIBLE]
        out += [Corruption(t, name, form.format(sample), "whitespace") for form in EDGE_SPACE]
        script = spec.get("x-script")
        if script == "Latn":
            out.append(Corruption(t, name, "بيان مشترك", "script"))
            out.append(Corruption(t, name, f"{sample} (بيان)", "script"))
        elif script == "Arab":
            out.append(Corruption(t, name, "Joint statement", "script"))
            out.append(Corruption(t, name, "2024", "script"))
    for table in PACKAGE.tables.values():
        for fk in table.schema.get("foreignKeys", []):
            (field,), (ref_field,) = fk["fields"], fk["reference"]["fields"]
            target = fk["reference"].get("resource") or table.name
            taken = {r[ref_field] for r in _read(target)}
            sample = next(r[field] for r in _read(table.name) if r[field]) if any(r[field] for r in _read(table.name)) \
                else next(iter(sorted(taken)))
            spec = next(f for f in table.fields if f["name"] == field)
            out.append(Corruption(table.name, field, _dangling(sample, spec.get("constraints", {}).get("pattern"), taken),
                                  "foreign-key"))
    return out


CORRUPTIONS = corruptions()


def _batches() -> list[dict[tuple[str, int, str], Corruption]]:
    """Corruptions packed into copies: one per cell, cycling through each column's rows."""
    batches: list[dict[tuple[str, int, str], Corruption]] = []
    next_row: dict[tuple[str, str], int] = defaultdict(int)
    for corruption in CORRUPTIONS:
        count = len(_read(corruption.table))
        index = next_row[(corruption.table, corruption.column)]
        next_row[(corruption.table, corruption.column)] += 1
        batch, row = divmod(index, count)
        while len(batches) <= batch:
            batches.append({})
        batches[batch][(corruption.table, row, corruption.column)] = corruption
    return batches


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[Corruption, tuple[int, list[Problem]]]:
    """For each corruption: the line of its row, and the problems its package copy has."""
    out = {}
    for number, batch in enumerate(_batches()):
        package = PackageCopy(tmp_path_factory.mktemp(f"batch{number}") / "p")
        package.write_rows("retired_ids", RETIRED_ROWS)
        rows = {name: package.rows(name) for name in PACKAGE.tables}
        for (table, row, column), corruption in batch.items():
            rows[table][row][column] = corruption.value
        for name in {table for table, _, _ in batch}:
            package.write_rows(name, rows[name])
        problems = package.validate()
        for (table, row, _), corruption in batch.items():
            out[corruption] = (package.line_of(table, row), problems)
    return out


def test_the_base_copy_with_retired_rows_is_valid(package: PackageCopy) -> None:
    package.write_rows("retired_ids", RETIRED_ROWS)
    assert package.validate() == []


def test_corruptions_cover_every_column_type_and_every_foreign_key() -> None:
    kinds = {(c.rule, next(f["type"] for f in PACKAGE.table(c.table).fields if f["name"] == c.column)) for c in CORRUPTIONS}
    assert {("type", "integer"), ("type", "number"), ("type", "date"), ("finite", "number")} <= kinds
    foreign = {(c.table, c.column) for c in CORRUPTIONS if c.rule == "foreign-key"}
    declared = {(t.name, fk["fields"][0]) for t in PACKAGE.tables.values() for fk in t.schema.get("foreignKeys", [])}
    assert foreign == declared and len(declared) >= 20
    assert len({c for c in CORRUPTIONS}) == len(CORRUPTIONS) > 1000


@pytest.mark.parametrize("corruption", CORRUPTIONS, ids=[c.id for c in CORRUPTIONS])
def test_value_corruption_is_reported(reports, corruption: Corruption) -> None:
    line, problems = reports[corruption]
    where = {"file": f"data/{corruption.table}.csv", "line": line, "column": corruption.column}
    if corruption.check_value:
        where["value"] = shown(corruption.value)
    assert_reported(problems, corruption.rule, **where)


def _span_cutting_a_mark(package: PackageCopy) -> tuple[int, int, int]:
    """(claim row, start, position) of a claim whose span holds a combining mark at ``position``."""
    texts = {r["source_id"]: (package.root / r["path"]).read_text(encoding="utf-8") for r in package.rows("sources")}
    for row, claim in enumerate(package.rows("claims")):
        start, end = int(claim["char_start"]), int(claim["char_end"])
        text = texts[claim["source_id"]]
        for position in range(start + 1, end):
            if unicodedata.combining(text[position]):
                return row, start, position
    raise LookupError("no claim spans a combining mark")


@pytest.mark.parametrize("cut", ["end-before-mark", "start-on-mark"])
def test_span_cutting_a_letter_from_its_harakat(package: PackageCopy, cut: str) -> None:
    row, start, position = _span_cutting_a_mark(package)
    rows = package.rows("claims")
    text = (package.root / "data" / "sources" / f"{rows[row]['source_id']}.txt").read_text(encoding="utf-8")
    if cut == "end-before-mark":  # the quote keeps the letter and drops its mark
        rows[row].update(char_end=str(position), quote_ar=text[start:position])
    else:  # the quote starts with the mark, without its letter
        rows[row].update(char_start=str(position), quote_ar=text[position:int(rows[row]["char_end"])])
    package.write_rows("claims", rows)
    problems = package.validate()
    assert_reported(problems, "span-boundary", file="data/claims.csv", line=package.line_of("claims", row))
    assert not [p for p in problems if p.rule == "verbatim"], "the quote is verbatim: only the boundary is wrong"


@pytest.mark.parametrize(("name", "attested"), [
    ("الناطق الرسمي في وزارة الخارجية الأميركية", True),  # 004 prints it after li-: للناطق ...
    ("الناطق الرسمي في وزارة الخارجية الفرنسية", False),  # neither form occurs
])
def test_a_name_after_li_is_attested_in_its_bare_form(package: PackageCopy, name: str, attested: bool) -> None:
    rows = package.rows("actors")
    row = next(i for i, r in enumerate(rows) if r["actor_id"] == "AC0037")
    line = package.set_cell("actors", row, "name_ar", name)
    found = find(package.validate(), "attested", file="data/actors.csv", line=line, column="name_ar")
    assert bool(found) is not attested
