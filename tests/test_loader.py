"""The loader returns typed frames, errs helpfully, and stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import pytest
from conftest import REPO, PackageCopy, record_parquet_hash

import coalition_data
from coalition_data.dtypes import polars_schema
from coalition_data.package import open_package

TABLES = list(open_package().tables)


@pytest.mark.parametrize("name", TABLES)
def test_load_returns_the_declared_dtypes(name: str) -> None:
    frame = coalition_data.load(name)
    assert frame.schema == polars_schema(open_package().table(name).schema)


def test_enums_dates_and_counts_are_typed() -> None:
    events = coalition_data.load("events")
    assert isinstance(events.schema["status"], pl.Enum)
    assert events.schema["date_start"] == pl.Date
    assert events.schema["fatalities"] == pl.Int64
    assert events["fatalities"].null_count() > 0, "not reported must stay null, not 0"


def test_load_reads_what_the_csv_holds() -> None:
    claims = coalition_data.load("claims")
    raw = (REPO / "data" / "claims.csv").read_text(encoding="utf-8")
    assert claims.height == raw.count("\nCL")
    first = claims.row(0, named=True)
    assert first["quote_ar"] in coalition_data.source_text(first["source_id"])
    assert coalition_data.source_text(first["source_id"])[first["char_start"]:first["char_end"]] == first["quote_ar"]


def test_scan_is_lazy_and_equal_to_load() -> None:
    lazy = coalition_data.scan("events")
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.collect().equals(coalition_data.load("events"))


def test_load_all_and_tables_agree_with_the_descriptor() -> None:
    assert list(coalition_data.load_all()) == TABLES == list(coalition_data.tables())
    assert all(coalition_data.tables().values())


def test_unknown_table_lists_the_valid_ones() -> None:
    with pytest.raises(coalition_data.PackageError, match="unknown table 'event'.*valid tables: sources, claims"):
        coalition_data.load("event")


def test_unknown_source() -> None:
    with pytest.raises(coalition_data.PackageError, match="unknown source_id 'nope'"):
        coalition_data.source_text("nope")


def test_a_changed_or_missing_source_text_is_refused(package: PackageCopy) -> None:
    source = package.rows("sources")[0]
    text = package.root / source["path"]
    assert coalition_data.source_text(source["source_id"], path=package.root) == text.read_text(encoding="utf-8")
    text.write_text(text.read_text(encoding="utf-8").replace("العراق", "العرق", 1), encoding="utf-8")
    with pytest.raises(coalition_data.PackageError, match=f"source {source['source_id']} no longer matches its SHA-256"):
        coalition_data.source_text(source["source_id"], path=package.root)
    text.unlink()
    with pytest.raises(coalition_data.PackageError, match=f"source {source['source_id']} is missing"):
        coalition_data.source_text(source["source_id"], path=package.root)


def test_load_from_another_package_folder(package: PackageCopy) -> None:
    rows = package.rows("events")
    package.write_rows("events", rows[:1])
    assert coalition_data.load("events", path=package.root).height == 1
    assert coalition_data.load("events", path=package.root / "datapackage.json").height == 1


def test_version_comes_from_the_descriptor() -> None:
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    assert coalition_data.__version__ == descriptor["version"]
    from importlib.metadata import version
    assert version("coalition-data") == descriptor["version"]


def test_loading_does_not_import_the_validation_stack() -> None:
    code = ("import sys, coalition_data; coalition_data.load_all(); coalition_data.scan('claims').collect(); "
            "print(sorted(m for m in ('pandera', 'frictionless', 'pyarrow', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("column", "value", "dtype"), [
    ("status", "Occurred", "enum"), ("date_start", "2024-02-30", "date"), ("fatalities", "NaN", "i64"),
])
def test_a_value_the_schema_does_not_allow_is_a_clear_error(package: PackageCopy, column: str, value: str,
                                                             dtype: str) -> None:
    package.set_cell("events", 3, column, value)
    with pytest.raises(coalition_data.PackageError,
                       match=rf"events\.csv: does not match its Table Schema \(run `coalition-data validate`.*"
                             rf"`{value}` as dtype `{dtype}`"):
        coalition_data.load("events", path=package.root)


def test_a_parquet_value_outside_the_enum_is_a_clear_error(package: PackageCopy) -> None:
    from coalition_data.parquet import write_parquet

    write_parquet(open_package(package.root), package.root / "parquet")
    parquet = package.root / "parquet" / "events.parquet"
    frame = pl.read_parquet(parquet).with_columns(pl.col("status").cast(pl.String).str.to_uppercase())
    frame.write_parquet(parquet)
    record_parquet_hash(package.root, "events")
    with pytest.raises(coalition_data.PackageError, match=r"events\.parquet: does not match its Table Schema"):
        coalition_data.load("events", path=package.root)


LOADER_MODULES = ["loader", "package", "dtypes", "__init__"]
UNSAFE_BUILTINS = {"eval", "exec", "compile", "__import__"}  # called by name (re.compile is not compile)
UNSAFE_METHODS = {"read_ipc", "read_pickle", "from_pickle"}
UNSAFE_MODULES = {"pickle", "marshal", "shelve", "dill", "cloudpickle", "joblib"}


@pytest.mark.parametrize("module", LOADER_MODULES)
def test_the_loader_never_evaluates_or_unpickles_data(module: str) -> None:
    """Data is parsed as CSV, Parquet or JSON only: no code path runs or unpickles what a file holds."""
    import ast

    tree = ast.parse((REPO / "coalition_data" / f"{module}.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    calls = [node.func for node in ast.walk(tree) if isinstance(node, ast.Call)]
    builtins = {func.id for func in calls if isinstance(func, ast.Name)}
    methods = {func.attr for func in calls if isinstance(func, ast.Attribute)}
    assert not imported & UNSAFE_MODULES and not builtins & UNSAFE_BUILTINS and not methods & UNSAFE_METHODS
    assert imported <= {"__future__", "hashlib", "json", "pathlib", "polars", "coalition_data", "dataclasses",
                        "functools", "typing", "importlib", "re", "collections", "os", "stat"}, imported


def test_the_loader_imports_no_deserialiser_at_run_time() -> None:
    code = ("import sys, coalition_data; coalition_data.load_all(); "
            "print(sorted(m for m in ('pickle', 'marshal', 'shelve', 'dill', 'cloudpickle') if m in sys.modules "
            "and m not in before))")
    code = "import sys; before = set(sys.modules); " + code
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("key", "value", "named"), [
    ("dialect", {"delimiter": ";"}, "dialect delimiter"),
    ("missingValues", ["", "NA"], "missingValues"),
    ("format", "parquet", "format"),
])
def test_the_loader_refuses_what_it_would_misread(package, key: str, value: object, named: str) -> None:
    """A descriptor feature the loader does not implement is refused, never read as if it were not there."""
    path = package.root / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"][0][key] = value
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(coalition_data.PackageError, match=named):
        coalition_data.load("events", path=package.root)
