"""Load the curated tables as typed Polars frames. Needs polars and nothing else.

A package folder holds each table as CSV under ``data/`` and, in a wheel or a
release, also as Parquet under ``parquet/``; Parquet is read when present (it is
built from the CSV, so both hold the same rows). A release's ``parquet/`` folder is
itself a package whose tables are Parquet files, and reads the same way.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl

from coalition_data.descriptor_support import hash_problem
from coalition_data.dtypes import polars_schema, stored_type_problem
from coalition_data.package import (
    BUNDLED,
    Package,
    PackageError,
    Table,
    inside,
    is_zip,
    open_package,
    read_bytes,
    read_json,
)

# What reading a malformed file can raise. A corrupt Parquet file can make Polars panic, which is a BaseException.
READ_ERRORS = (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError)


def _parquet_file(package: Package, name: str, *, installed: bool) -> Path | None:
    """The table's Parquet file, if the package has one. An installed wheel always has them: there a missing
    file is tampering, and reading the CSV instead would skip the installation check."""
    path = inside(package.root, f"parquet/{name}.parquet")
    if path.is_file():
        return path
    if installed and package.root.name == BUNDLED:
        raise PackageError(f"{path}: missing from the installed package; reinstall coalition-data")
    return None


def _check_unchanged(package: Package, name: str, path: Path, *, installed: bool) -> None:
    """A Parquet file is read only if ``parquet/datapackage.json`` lists it with its SHA-256 (as the wheel's
    build and a release write it): a stray or edited file is refused, never read in place of the CSV."""
    manifest = read_json(inside(package.root, "parquet/datapackage.json"))
    resources = manifest.get("resources") if isinstance(manifest, dict) else None
    entry = next((r for r in resources if isinstance(r, dict) and r.get("name") == name), None) \
        if isinstance(resources, list) else None
    if entry is None or "hash" not in entry:
        raise PackageError(f"{path}: not listed with a hash in parquet/datapackage.json")
    raw = read_bytes(path)
    digest = hashlib.sha256(raw).hexdigest()
    if f"sha256:{digest}" != entry["hash"]:
        if installed:
            raise PackageError(f"{path}: the file was changed after installation (its SHA-256 no longer matches "
                               "parquet/datapackage.json); reinstall coalition-data")
        raise PackageError(f"{path}: its SHA-256 is not the one parquet/datapackage.json records; the file was "
                           "changed after the release was built")
    _check_size(raw, path)  # the file a build wrote: checked all the same, as its hash may be forged with it


def _schema(table: Table) -> pl.Schema:
    try:
        return polars_schema(table.schema, table.schema_file)
    except (ValueError, KeyError, TypeError) as exc:
        raise PackageError(f"table {table.name!r}: its Table Schema cannot be read as column types: {exc}") from None


def _typed(frame: pl.DataFrame | pl.LazyFrame, table: Table, path: Path) -> pl.DataFrame | pl.LazyFrame:
    schema = _schema(table)
    stored = frame.collect_schema()
    if stored.names() != list(schema):
        raise PackageError(f"{path}: columns {stored.names()} differ from the Table Schema's {list(schema)}")
    for spec in table.fields:
        problem = stored_type_problem(stored[spec["name"]], spec)
        if problem is not None:
            raise PackageError(f"{path}: column {spec['name']!r} {problem}")
    if isinstance(frame, pl.DataFrame) and frame.schema == schema:  # as our Parquet writer stores them
        return frame
    return frame.cast(dict(schema))


def _check_parquet(table: Table) -> None:
    """A Parquet table is read only as the descriptor describes it, when it gives a hash (a release's does),
    and only if its footer declares no more data than a zip may unpack to (a small file can hold gigabytes)."""
    raw = read_bytes(table.path)
    _check_hash(table, raw)
    _check_size(raw, table.path)


def _check_hash(table: Table, raw: bytes) -> None:
    if table.hash is None:
        return
    wrong = hash_problem(table.hash, raw) if isinstance(table.hash, str) else ("unknown", None)
    if wrong is not None and wrong[0] == "unknown":
        raise PackageError(f"{table.path}: its resource gives a hash that cannot be checked: {table.hash!r}")
    if wrong is not None:
        raise PackageError(f"{table.path}: its {wrong[1]} is not the one the descriptor records; the file was "
                           "changed after the descriptor was written")


def _check_size(raw: bytes, path: Path) -> None:
    from coalition_data.parquet_footer import check_size

    check_size(raw, str(path))


def load_file(table: Table) -> pl.DataFrame:
    """Read one table's own file (CSV or Parquet, as its resource says) with the dtypes of its Table Schema."""
    if not table.path.is_file():
        raise PackageError(f"table {table.name!r}: file {table.path} not found")
    try:
        if table.format == "parquet":
            _check_parquet(table)
            return _typed(pl.read_parquet(table.path, glob=False), table, table.path)
        return pl.read_csv(table.path, schema=_schema(table), encoding="utf8", glob=False)
    except READ_ERRORS as exc:
        raise PackageError(f"{table.path}: does not match its Table Schema "
                           f"(run `coalition-data validate` for every problem): {first_line(exc)}") from None


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of an error's message, cut to ``limit`` characters."""
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return line if len(line) <= limit else f"{line[:limit]}…"


def _open(path: str | Path | None, version: str | None) -> Package:
    package = open_package(path)
    if version is not None and version != package.version:
        where = "installed" if path is None else f"in {package.root}"
        raise PackageError(f"version {version} requested but version {package.version} is {where}; "
                           f"download release {version} and pass its folder as path=")
    return package


def scan(name: str, *, path: str | Path | None = None, version: str | None = None) -> pl.LazyFrame:
    """A lazy scan of table ``name`` with the dtypes its Table Schema declares.

    ``path`` is a package folder (or its ``datapackage.json``), e.g. a
    downloaded release; by default the package shipped with the library.
    The package is checked when the scan is made; the rows are read only when
    it is collected, so a malformed CSV shows then, as a Polars error (``load``
    raises ``PackageError`` for it; ``coalition-data validate`` names every fault).

    >>> scan("events").select("event_id").head(1).collect().columns
    ['event_id']
    """
    if is_zip(path):  # its files are gone once unzipped and read, so the scan is of a frame in memory
        return load(name, path=path, version=version).lazy()
    package = _open(path, version)
    table = package.table(name)
    if table.format == "parquet":
        if not table.path.is_file():
            raise PackageError(f"table {name!r}: file {table.path} not found")
        _check_parquet(table)
        try:
            return _typed(pl.scan_parquet(table.path, glob=False), table, table.path)
        except READ_ERRORS as exc:
            raise PackageError(f"{table.path}: does not match its Table Schema: {first_line(exc)}") from None
    parquet = _parquet_file(package, name, installed=path is None)
    if parquet is not None:
        _check_unchanged(package, name, parquet, installed=path is None)
        try:
            return _typed(pl.scan_parquet(parquet, glob=False), table, parquet)
        except READ_ERRORS as exc:
            raise PackageError(f"{parquet}: does not match its Table Schema: {first_line(exc)}") from None
    if not table.path.is_file():
        raise PackageError(f"table {name!r}: file {table.path} not found")
    return pl.scan_csv(table.path, schema=_schema(table), encoding="utf8", glob=False)


def load(name: str, *, path: str | Path | None = None, version: str | None = None) -> pl.DataFrame:
    """Table ``name`` as a DataFrame: enums as ``pl.Enum``, dates as ``pl.Date``, counts as nullable ``Int64``.

    ``path`` reads another copy of the package, such as a downloaded release
    folder or its zip; ``version``, if given, must be the version found there (loading
    never goes online). An unknown name raises ``PackageError`` listing the
    valid ones.

    >>> load("events").schema["date_start"]
    Date
    """
    if is_zip(path):
        from coalition_data.zipped import unzipped

        with unzipped(path) as root:
            return load(name, path=root, version=version)
    return _read(_open(path, version), name, installed=path is None)


def _read(package: Package, name: str, *, installed: bool) -> pl.DataFrame:
    table = package.table(name)
    parquet = None if table.format == "parquet" else _parquet_file(package, name, installed=installed)
    if parquet is None:
        return load_file(table)
    _check_unchanged(package, name, parquet, installed=installed)
    try:
        return _typed(pl.read_parquet(parquet, glob=False), table, parquet)
    except READ_ERRORS as exc:
        raise PackageError(f"{parquet}: does not match its Table Schema: {first_line(exc)}") from None


def load_all(*, path: str | Path | None = None, version: str | None = None) -> dict[str, pl.DataFrame]:
    """Every table, keyed by name, in descriptor order."""
    if is_zip(path):
        from coalition_data.zipped import unzipped

        with unzipped(path) as root:
            return load_all(path=root, version=version)
    package = _open(path, version)
    return {name: _read(package, name, installed=path is None) for name in package.tables}


def tables(*, path: str | Path | None = None) -> dict[str, str]:
    """Table names with their one-line descriptions."""
    if is_zip(path):
        from coalition_data.zipped import unzipped

        with unzipped(path) as root:
            return tables(path=root)
    return {name: table.description for name, table in open_package(path).tables.items()}


def schema(name: str, *, path: str | Path | None = None) -> dict[str, Any]:
    """Table ``name``'s Table Schema (a copy of the JSON, safe to change); ``PackageError`` lists the valid names.

    >>> [field["name"] for field in schema("events")["fields"]][:2]
    ['event_id', 'event_type']
    """
    return json.loads(json.dumps(open_package(path).table(name).schema))


def source_text(source_id: str, *, path: str | Path | None = None) -> str:
    """The verbatim text of article ``source_id``, exactly as the claims' offsets count it."""
    if is_zip(path):
        from coalition_data.zipped import unzipped

        with unzipped(path) as root:
            return source_text(source_id, path=root)
    package = open_package(path)
    rows = _read(package, "sources", installed=path is None).filter(pl.col("source_id") == source_id)
    if rows.is_empty():
        raise PackageError(f"unknown source_id {source_id!r}")
    if rows["path"][0] is None:
        raise PackageError(f"source {source_id}: its row in sources names no file")
    file = inside(package.root, rows["path"][0])
    if not file.exists():
        raise PackageError(f"{file}: the text of source {source_id} is missing")
    raw = read_bytes(file)
    if hashlib.sha256(raw).hexdigest() != rows["sha256"][0]:
        raise PackageError(f"{file}: the text of source {source_id} no longer matches its SHA-256 in sources; "
                           "its claims' offsets would point at the wrong characters")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise PackageError(f"{file}:{line}: the text of source {source_id} is not UTF-8 (byte {exc.start})") from None
