"""The Table Schemas are the one source of truth: the Polars dtypes and Pandera schemas follow them."""

from __future__ import annotations

import json
from itertools import pairwise

import pandera.polars as pa
import polars as pl
import pytest
from conftest import REPO
from hypothesis import given
from hypothesis import strategies as st

from coalition_data.dtypes import field_dtype, polars_schema
from coalition_data.package import PackageError, open_package
from coalition_data.validation import column_checks
from coalition_data.validation.csv_reading import read_table

PACKAGE = open_package(REPO)


def test_every_resource_has_its_schema_file_and_csv() -> None:
    names = {path.name.removesuffix(".schema.json") for path in (REPO / "schemas").glob("*.schema.json")}
    assert names == set(PACKAGE.tables)
    for name, table in PACKAGE.tables.items():
        resource = next(r for r in PACKAGE.descriptor["resources"] if r["name"] == name)
        assert resource["schema"] == f"schemas/{name}.schema.json"
        assert resource["encoding"] == "utf-8" and resource["type"] == "table"
        assert table.path.read_text(encoding="utf-8").split("\n", 1)[0] == ",".join(table.field_names)


@pytest.mark.parametrize("name", list(PACKAGE.tables))
def test_pandera_schema_follows_the_json(name: str) -> None:
    table = PACKAGE.table(name)
    schema, _ = column_checks.build(table)
    assert list(schema.columns) == table.field_names
    for spec in table.fields:
        column = schema.columns[spec["name"]]
        constraints = spec.get("constraints", {})
        assert column.nullable is not bool(constraints.get("required"))
        errors = {check.error for check in column.checks}
        for rule in ("enum", "pattern", "minimum", "maximum"):
            assert (rule in errors) == (rule in constraints), (spec["name"], rule)
        if "enum" in constraints:
            allowed = pa.DataFrameSchema({"x": pa.Column(pl.String, nullable=True,
                                                         checks=[c for c in column.checks if c.error == "enum"])})
            allowed.validate(pl.DataFrame({"x": [*constraints["enum"], None]}))
            with pytest.raises(pa.errors.SchemaError):
                allowed.validate(pl.DataFrame({"x": [constraints["enum"][0].upper() + "x"]}))


@pytest.mark.parametrize("name", list(PACKAGE.tables))
def test_the_fast_count_agrees_with_pandera(name: str) -> None:
    """validate asks Pandera for details only when the fast Polars count finds failures. Both pass the real
    rows; both fail them with a null in each required column, or with a repeated row. (Every kind of bad
    value goes through both in tests/test_validate_values.py.)"""
    table = PACKAGE.table(name)
    schema, _ = column_checks.build(table)
    frame = read_table(table, f"data/{name}.csv").frame
    assert column_checks.failure_count(frame, table) == 0
    schema.validate(frame)
    if frame.is_empty():
        return
    required = [f["name"] for f in table.fields if f.get("constraints", {}).get("required")]
    broken = [frame.with_columns(pl.lit(None, frame.schema[c]).alias(c)) for c in required] + [pl.concat([frame, frame.head(1)])]
    for bad in broken:
        assert column_checks.failure_count(bad, table) > 0
        with pytest.raises(pa.errors.SchemaErrors):
            schema.validate(bad, lazy=True)


def test_the_fast_count_checks_suspect_text_exactly() -> None:
    """Text rules run only on values the shared pre-filter flags: flagged but valid values count nothing,
    and every failing value is counted once per rule it breaks, whichever column it is in."""
    claims = PACKAGE.table("claims")
    frame = read_table(claims, "data/claims.csv").frame
    valid = {"quote_ar": "قالَ المتحدّث", "text_en": "x\u0301 marks the spot"}  # harakat, shadda, a lone accent: all NFC
    for column, value in valid.items():
        assert column_checks.failure_count(frame.with_columns(pl.lit(value).alias(column)), claims) == 0
    broken = {" leading space": 1, "=SUM(A1)": 1, "tab\tinside": 1, "Cafe\u0301": 1, "عربي": 1, "=both\u202e ": 3}
    for value, rules in broken.items():
        bad = frame.with_columns(pl.when(pl.int_range(pl.len()) < 2).then(pl.lit(value)).otherwise("text_en").alias("text_en"))
        assert column_checks.failure_count(bad, claims) == 2 * rules, value


_KEYS = st.lists(st.tuples(st.text("ab\u0639", max_size=3), st.integers(-2, 2)), max_size=8)


@given(_KEYS)
def test_follows_previous_agrees_with_sorting_the_keys(keys: list[tuple[str, int]]) -> None:
    """The one-pass key comparison says what sorting would: rows strictly increasing (unique and sorted)
    or never decreasing (sorted). Prefixes ("a" < "ab") and a column that only breaks ties are drawn."""
    frame = pl.DataFrame(keys, schema={"name": pl.String, "number": pl.Int64}, orient="row")
    for strictly in (True, False):
        fails = frame.select((~column_checks.follows_previous(["name", "number"], strictly=strictly)).any()).item()
        pairs = list(pairwise(keys))
        expected = any(b <= a for a, b in pairs) if strictly else any(b < a for a, b in pairs)
        assert bool(fails) == expected, (keys, strictly)


def test_the_shared_pre_filter_matches_what_any_of_its_parts_matches() -> None:
    parts = [column_checks.CONTROL, r"^\s|\s$", column_checks.ARABIC_LETTER, "[^a-z]", "[x-]", column_checks.FORMULA_PREFIX]
    union = column_checks._union(parts)
    assert union.count("[") == 4  # CONTROL and ARABIC_LETTER merge into one class; the other three stay apart
    samples = pl.Series(["abc", "ab-", "Ab", " a", "a ", "=a", "a\u200fb", "a\u0639b", "", "x", "\u00e9"])
    expected = pl.select(pl.any_horizontal(samples.str.contains(part) for part in parts)).to_series()
    assert samples.str.contains(union).to_list() == expected.to_list()


@pytest.mark.parametrize("name", list(PACKAGE.tables))
def test_polars_dtypes_follow_the_json(name: str) -> None:
    table = PACKAGE.table(name)
    schema = polars_schema(table.schema)
    assert list(schema) == table.field_names
    for spec in table.fields:
        dtype = schema[spec["name"]]
        enum = spec.get("constraints", {}).get("enum")
        if enum:
            assert dtype == pl.Enum(enum)
        else:
            assert dtype == {"string": pl.String, "integer": pl.Int64, "number": pl.Float64, "date": pl.Date}[spec["type"]]


def test_full_match_pattern_rejects_a_prefix_match() -> None:
    schema = pa.DataFrameSchema({"x": pa.Column(pl.String, checks=[c.check for c in column_checks.field_checks(
        {"name": "x", "type": "string", "constraints": {"pattern": "EV[0-9]{4}"}})])})
    with pytest.raises(pa.errors.SchemaErrors):
        schema.validate(pl.DataFrame({"x": ["EV00012"]}), lazy=True)


def test_unsupported_type_is_refused() -> None:
    with pytest.raises(PackageError, match="schemas/x.schema.json: field 'x': Table Schema type 'geojson' is not supported"):
        field_dtype({"name": "x", "type": "geojson"}, "schemas/x.schema.json")


def test_enums_use_constraints_not_categories() -> None:
    for path in (REPO / "schemas").glob("*.schema.json"):
        for spec in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            assert "categories" not in spec, (path.name, spec["name"])


def test_pyproject_reads_the_version_from_the_descriptor() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in text and 'path = "datapackage.json"' in text
    assert "\nversion =" not in text
