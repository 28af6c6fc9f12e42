"""The recipes in docs/recipes.md, each run with its own client (pandas, DuckDB, Rscript, LibreOffice) inside a
fresh release folder, and what it read compared with ``coalition_data.load``: every table, column and value."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from conftest import REPO

import coalition_data
from coalition_data.release import build_release

DOC = REPO / "docs" / "recipes.md"
BLOCK = re.compile(r"^```(\w+) recipe\n(.*?)^```$", re.M | re.S)
EXPECTED = coalition_data.load_all()


def recipes(language: str) -> list[str]:
    blocks = [code for found, code in BLOCK.findall(DOC.read_text(encoding="utf-8")) if found == language]
    assert blocks, f"{DOC}: no ```{language} recipe block"
    return blocks


def enum_fields(name: str) -> dict[str, list[str]]:
    return {field["name"]: field["constraints"]["enum"] for field in coalition_data.schema(name)["fields"]
            if "enum" in field.get("constraints", {})}


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_release(REPO, tmp_path_factory.mktemp("dist"))


def test_the_doc_marks_each_recipe_block() -> None:
    text = DOC.read_text(encoding="utf-8")
    found = [language for language, _ in BLOCK.findall(text)]
    assert found == ["python", "python", "sql", "sql", "sql", "r", "sh"]
    assert text.count(" recipe\n") == len(found), "a block marked 'recipe' that the tests do not find"


# pandas ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pandas_recipe(release: Path) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    with contextlib.chdir(release), contextlib.redirect_stdout(io.StringIO()):
        for code in recipes("python"):
            exec(compile(code, str(DOC), "exec"), namespace)
    return namespace


def assert_pandas_frame(name: str, frame: Any, expected: pl.DataFrame) -> None:
    import pandas as pd

    assert list(frame.columns) == expected.columns, name
    assert len(frame) == expected.height, name
    for column, dtype in expected.schema.items():
        series, where = frame[column], (name, column)
        values = [None if pd.isna(value) else value for value in series.tolist()]
        if isinstance(dtype, pl.Enum):
            assert isinstance(series.dtype, pd.CategoricalDtype) and series.dtype.ordered, where
            assert list(series.dtype.categories) == dtype.categories.to_list() == enum_fields(name)[column], where
        elif dtype == pl.Int64:
            assert series.dtype == pd.Int64Dtype(), where  # not float64, even with missing values
        elif dtype == pl.Date:
            assert pd.api.types.is_datetime64_dtype(series.dtype), where
            values = [None if value is None else value.date() for value in values]
        elif dtype == pl.Float64:
            assert pd.api.types.is_float_dtype(series.dtype), where
        else:
            assert dtype == pl.String and pd.api.types.is_string_dtype(series.dtype), where
        assert values == expected[column].to_list(), where


def test_pandas_reads_every_csv_table_typed_from_its_schema(pandas_recipe: dict[str, Any]) -> None:
    tables = pandas_recipe["tables"]
    assert list(tables) == list(EXPECTED)
    for name, expected in EXPECTED.items():
        assert_pandas_frame(name, tables[name], expected)
    assert tables["events"]["fatalities"].notna().any() and tables["events"]["fatalities"].isna().any()


def test_pandas_reads_every_parquet_table(pandas_recipe: dict[str, Any]) -> None:
    tables = pandas_recipe["parquet_tables"]
    assert list(tables) == list(EXPECTED)
    for name, expected in EXPECTED.items():
        assert_pandas_frame(name, tables[name], expected)


def test_a_plain_read_csv_makes_fatalities_a_float_as_the_doc_says(release: Path) -> None:
    import pandas as pd

    assert pd.read_csv(release / "data" / "events.csv")["fatalities"].dtype == "float64"


def test_pandas_recipe_refuses_a_type_it_does_not_handle(pandas_recipe: dict[str, Any], release: Path) -> None:
    resource = {"name": "events", "path": "data/events.csv",
                "schema": {"fields": [{"name": "event_id", "type": "boolean"}]}}
    with pytest.raises(ValueError, match=r"events\.event_id: type 'boolean' is not handled by this recipe"):
        pandas_recipe["read_csv_table"](release, resource)


# DuckDB ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def duckdb_recipe(release: Path) -> tuple[Any, list[list[tuple]]]:
    """A connection after every SQL recipe ran in the release folder, and each recipe's result rows."""
    import duckdb

    con = duckdb.connect()
    with contextlib.chdir(release):
        results = [con.execute(code).fetchall() for code in recipes("sql")]
    return con, results


def test_duckdb_enums_table_lists_every_enum_in_schema_order(duckdb_recipe: tuple[Any, list]) -> None:
    con, _ = duckdb_recipe
    listed = {(table, column): allowed for table, column, allowed in con.sql("FROM enums").fetchall()}
    assert listed == {(name, column): enum for name in EXPECTED for column, enum in enum_fields(name).items()}


def test_duckdb_enum_rank_sorts_every_enum_column_in_schema_order(duckdb_recipe: tuple[Any, list],
                                                                  release: Path) -> None:
    con, _ = duckdb_recipe
    for name, expected in EXPECTED.items():
        for column in enum_fields(name):
            got = con.sql(f"""SELECT "{column}" FROM '{release}/parquet/{name}.parquet'
                              ORDER BY enum_rank('{name}', '{column}', "{column}") NULLS LAST""").fetchall()
            assert [value for (value,) in got] == expected[column].sort(nulls_last=True).to_list(), (name, column)


def test_duckdb_sorts_events_by_precision_in_schema_order(duckdb_recipe: tuple[Any, list]) -> None:
    _, results = duckdb_recipe
    expected = (EXPECTED["events"].sort("date_precision", "date_start", "event_id", nulls_last=True)
                .select("event_id", pl.col("date_precision").cast(pl.String), "date_start", "date_end",
                        pl.col("status").cast(pl.String)))
    assert results[1] == expected.rows()
    assert [row[1] for row in results[1]] != sorted(row[1] for row in results[1])  # not alphabetical


def test_duckdb_enum_type_groups_claims_by_modality_in_schema_order(duckdb_recipe: tuple[Any, list]) -> None:
    con, results = duckdb_recipe
    assert con.execute("SELECT enum_range(NULL::claim_modality)").fetchall()[0][0] == enum_fields("claims")["modality"]
    expected = EXPECTED["claims"].group_by("modality").len().sort("modality")
    assert results[2] == [(str(modality), count) for modality, count in expected.rows()]


def test_duckdb_reads_every_parquet_table_with_its_types(duckdb_recipe: tuple[Any, list], release: Path) -> None:
    con, _ = duckdb_recipe
    sql_types = {"integer": "BIGINT", "number": "DOUBLE", "date": "DATE", "string": "VARCHAR"}
    for name, expected in EXPECTED.items():
        relation = con.sql(f"SELECT * FROM '{release}/parquet/{name}.parquet'")
        assert relation.columns == expected.columns, name
        kinds = [sql_types[field["type"]] for field in coalition_data.schema(name)["fields"]]
        assert [str(kind) for kind in relation.types] == kinds, name
        assert relation.fetchall() == expected.with_columns(pl.col(pl.Enum).cast(pl.String)).rows(), name


# R ----------------------------------------------------------------------------------------------------------------

R_DUMP = r"""
column_values <- function(column) {
  if (is.factor(column)) as.character(column)
  else if (inherits(column, "Date")) format(column, "%Y-%m-%d")
  else column
}
dump <- lapply(tables, function(frame) list(
  columns = names(frame),
  classes = lapply(frame, class),
  levels = lapply(frame, function(column) if (is.factor(column)) levels(column) else character(0)),
  values = lapply(frame, column_values)
))
writeLines(toJSON(dump, na = "null", digits = NA), commandArgs(trailingOnly = TRUE)[1], useBytes = TRUE)
"""

R_CLASSES = {pl.Int64: ["integer"], pl.Float64: ["numeric"], pl.Date: ["Date"], pl.String: ["character"]}


def run_r_recipe(folder: Path, tmp_path: Path) -> dict[str, Any]:
    """What the R recipe read in ``folder``: per table its columns, their classes, factor levels and values."""
    rscript = shutil.which("Rscript")
    assert rscript, "Rscript is not installed: apt-get install r-base-core r-cran-readr r-cran-jsonlite (.ci/run does)"
    script, out = tmp_path / "recipe.R", tmp_path / "read.json"
    script.write_text("".join(recipes("r")) + R_DUMP, encoding="utf-8")
    run = subprocess.run([rscript, str(script), str(out)], cwd=folder, capture_output=True, text=True,
                         env={**os.environ, "LC_ALL": "C.UTF-8"}, timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def test_r_reads_every_table_typed_from_the_descriptor(release: Path, tmp_path: Path) -> None:
    dump = run_r_recipe(release, tmp_path)
    assert list(dump) == list(EXPECTED)
    for name, expected in EXPECTED.items():
        got = dump[name]
        assert got["columns"] == expected.columns, name
        for column, dtype in expected.schema.items():
            where = (name, column)
            values = expected[column].to_list()
            if isinstance(dtype, pl.Enum):
                assert got["classes"][column] == ["factor"], where
                assert got["levels"][column] == dtype.categories.to_list() == enum_fields(name)[column], where
            else:
                assert got["classes"][column] == R_CLASSES[dtype] and got["levels"][column] == [], where
            if dtype == pl.Date:
                values = [None if value is None else value.isoformat() for value in values]
            assert got["values"][column] == values, where


# Spreadsheets ------------------------------------------------------------------------------------------------

def test_libreoffice_command_opens_every_csv_with_arabic_intact(release: Path, tmp_path: Path) -> None:
    """The recipe's soffice command, run as written; each workbook it makes is read back with openpyxl."""
    import openpyxl

    assert shutil.which("soffice"), "LibreOffice is not installed: apt-get install libreoffice-calc-nogui (.ci/run does)"
    (command,) = recipes("sh")
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=release, capture_output=True, text=True,
                         env={**os.environ, "HOME": str(tmp_path)}, timeout=300)  # its profile goes in HOME
    assert run.returncode == 0, run.stderr
    for name, expected in EXPECTED.items():
        rows = list(openpyxl.load_workbook(release / "converted" / f"{name}.xlsx").active.iter_rows(values_only=True))
        assert list(rows[0]) == expected.columns, name
        assert len(rows) == expected.height + 1, name
        for row, want in zip(rows[1:], expected.iter_rows(), strict=True):
            for cell, value, (column, dtype) in zip(row, want, expected.schema.items(), strict=True):
                if dtype == pl.Date and value is not None:
                    value = dt.datetime.combine(value, dt.time())  # a date cell
                assert cell == value, (name, column, cell, value)  # text (Arabic included) exactly as published


# What only the recipes' reading options keep ---------------------------------------------------------------------

EDITS = {("countries", "iso_alpha2"): "NA", ("events", "date_note_en"): "null", ("actors", "name_en"): "  spaced  "}


@pytest.fixture(scope="module")
def edited(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release's descriptor and CSVs, with texts that default reading options would lose put in row 1."""
    import csv

    folder = tmp_path_factory.mktemp("edited")
    shutil.copy(release / "datapackage.json", folder)
    shutil.copytree(release / "data", folder / "data")
    for (table, column), text in EDITS.items():
        path = folder / "data" / f"{table}.csv"
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.reader(stream))
        rows[1][rows[0].index(column)] = text
        with path.open("w", encoding="utf-8", newline="") as stream:
            csv.writer(stream, lineterminator="\n").writerows(rows)
    return folder


def test_pandas_keeps_na_null_and_spaces_as_text(pandas_recipe: dict[str, Any], edited: Path) -> None:
    tables = pandas_recipe["read_release"](edited)
    for (table, column), text in EDITS.items():
        assert tables[table][column][0] == text, (table, column)


def test_r_keeps_na_null_and_spaces_as_text(edited: Path, tmp_path: Path) -> None:
    dump = run_r_recipe(edited, tmp_path)
    for (table, column), text in EDITS.items():
        assert dump[table]["values"][column][0] == text, (table, column)
