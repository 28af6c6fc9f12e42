"""Round trips lose nothing: CSV -> Polars -> Parquet -> Polars -> CSV gives back the same bytes."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coalition_data import load
from coalition_data.dtypes import polars_schema
from coalition_data.package import open_package

PACKAGE = open_package()
CSV_OPTIONS = {"line_terminator": "\n", "quote_style": "necessary"}


def through_parquet(frame: pl.DataFrame) -> pl.DataFrame:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    buffer.seek(0)
    return pl.read_parquet(buffer)


@pytest.mark.parametrize("name", list(PACKAGE.tables))
def test_curated_file_survives_parquet_byte_for_byte(name: str) -> None:
    frame = load(name)
    back = through_parquet(frame)
    assert back.schema == frame.schema
    assert back.write_csv(None, **CSV_OPTIONS) == PACKAGE.table(name).path.read_text(encoding="utf-8")


ENUM = pl.Enum(["occurred", "announced", "planned"])
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
ARABIC = st.text(st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), min_size=1, max_size=40)
ROWS = st.lists(st.tuples(
    st.one_of(st.none(), TEXT, ARABIC),
    st.one_of(st.none(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
    st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([0.0, -0.0, 1e308, 5e-324])),
    st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
    st.one_of(st.none(), st.sampled_from(ENUM.categories.to_list())),
), max_size=20)


@settings(max_examples=200, deadline=None)
@given(ROWS)
def test_generated_tables_survive_parquet_and_csv(rows) -> None:
    schema = {"text": pl.String, "day": pl.Date, "value": pl.Float64, "count": pl.Int64, "status": ENUM}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    assert through_parquet(frame).equals(frame)
    csv = frame.write_csv(None, **CSV_OPTIONS)
    back = pl.read_csv(io.StringIO(csv), schema=schema)
    # Polars writes an empty string as "" and a null as an empty field, so both survive. (The
    # curated files never hold empty strings: validate forbids them in every text column.)
    assert back.equals(frame)
    assert back.write_csv(None, **CSV_OPTIONS) == csv


def one_table_package(root, name: str, frame: pl.DataFrame):
    """A package holding only table ``name`` (its real Table Schema) with ``frame`` as its CSV."""
    import json
    import shutil

    descriptor = json.loads((PACKAGE.root / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] == name]
    (root / "schemas").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    shutil.copy(PACKAGE.root / "schemas" / f"{name}.schema.json", root / "schemas")
    (root / "data" / f"{name}.csv").write_text(frame.write_csv(None, **CSV_OPTIONS), encoding="utf-8")
    return open_package(root)


def _generated_column(name: str, dtype: pl.DataType, required: bool):
    from polars.testing.parametric import column

    # Polars dates reach far past what a CSV date (YYYY-MM-DD) can spell; the schemas' range is 2000-2099.
    strategy = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)) if dtype == pl.Date else None
    return column(name, dtype=dtype, strategy=strategy, allow_null=not required)


@pytest.mark.parametrize("name", list(PACKAGE.tables))
def test_tables_generated_from_each_schema_survive_the_release_parquet(name: str, tmp_path_factory) -> None:
    """polars.testing.parametric draws frames of each table's dtypes (any Unicode, extreme numbers, nulls);
    CSV -> loader -> our Parquet writer -> loader -> CSV gives back the same frame and the same bytes."""
    from polars.testing.parametric import dataframes

    from coalition_data import load
    from coalition_data.parquet import write_parquet

    table = PACKAGE.table(name)
    columns = [_generated_column(spec["name"], dtype, spec.get("constraints", {}).get("required", False))
               for spec, dtype in zip(table.fields, polars_schema(table.schema).values(), strict=True)]

    @settings(max_examples=12, deadline=None)
    @given(dataframes(columns, max_size=6, allow_chunks=False))
    def round_trip(frame: pl.DataFrame) -> None:
        package = one_table_package(tmp_path_factory.mktemp(name), name, frame)
        from_csv = load(name, path=package.root)
        assert from_csv.equals(frame)
        write_parquet(package, package.root / "parquet")
        from_parquet = load(name, path=package.root)
        assert from_parquet.schema == frame.schema and from_parquet.equals(frame)
        assert from_parquet.write_csv(None, **CSV_OPTIONS) == package.table(name).path.read_text(encoding="utf-8")

    round_trip()
