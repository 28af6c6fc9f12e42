"""Load the curated tables as typed Polars frames. Needs polars and nothing else."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from coalition_data.dtypes import polars_schema
from coalition_data.package import PackageError, inside, open_package


def _csv_options(name: str, path: str | Path | None) -> tuple[Path, pl.Schema]:
    table = open_package(path).table(name)
    if not table.path.is_file():
        raise PackageError(f"table {name!r}: file {table.path} not found")
    return table.path, polars_schema(table.schema)


def scan(name: str, *, path: str | Path | None = None) -> pl.LazyFrame:
    """A lazy scan of table ``name`` with the dtypes its Table Schema declares.

    ``path`` is a package folder (or its ``datapackage.json``), e.g. a
    downloaded release; by default the package shipped with the library.

    >>> scan("events").select("event_id").head(1).collect().columns
    ['event_id']
    """
    csv, schema = _csv_options(name, path)
    return pl.scan_csv(csv, schema=schema, encoding="utf8")


def load(name: str, *, path: str | Path | None = None) -> pl.DataFrame:
    """Table ``name`` as a DataFrame: enums as ``pl.Enum``, dates as ``pl.Date``, counts as nullable ``Int64``.

    An unknown name raises ``PackageError`` listing the valid ones.

    >>> load("events").schema["date_start"]
    Date
    """
    csv, schema = _csv_options(name, path)
    return pl.read_csv(csv, schema=schema, encoding="utf8")


def load_all(*, path: str | Path | None = None) -> dict[str, pl.DataFrame]:
    """Every table, keyed by name, in descriptor order."""
    return {name: load(name, path=path) for name in open_package(path).tables}


def tables(*, path: str | Path | None = None) -> dict[str, str]:
    """Table names with their one-line descriptions."""
    return {name: table.description for name, table in open_package(path).tables.items()}


def source_text(source_id: str, *, path: str | Path | None = None) -> str:
    """The verbatim text of article ``source_id``, exactly as the claims' offsets count it."""
    package = open_package(path)
    rows = load("sources", path=path).filter(pl.col("source_id") == source_id)
    if rows.is_empty():
        raise PackageError(f"unknown source_id {source_id!r}")
    return inside(package.root, rows["path"][0]).read_text(encoding="utf-8")
