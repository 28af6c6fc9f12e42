"""What the commands beside ``validate`` (summary, diff, coverage, codebook, timeline) need of each Table
Schema, checked before they use it: a malformed schema is a ``PackageError`` naming its file, not a crash
deep inside a command. ``validate`` checks far more and reports every problem; this only refuses what the
commands cannot work with, and needs nothing beyond Polars.
"""

from __future__ import annotations

from typing import Any

from coalition_data.dtypes import polars_schema
from coalition_data.package import DESCRIPTOR, Package, PackageError, Table


def check(package: Package) -> None:
    """Raise ``PackageError`` naming the file at fault if any table cannot be read, keyed or described."""
    if not package.tables:
        raise PackageError(f"{package.root / DESCRIPTOR}: lists no tables")
    for name, table in package.tables.items():
        check_table(table, table.schema_file)


def check_table(table: Table, where: str) -> None:
    polars_schema(table.schema, where)  # every field typed: name, type, constraints, enum
    names = set(table.field_names)
    schema = table.schema
    for key in ("title", "description"):
        if not isinstance(schema.get(key, ""), str):
            raise PackageError(f"{where}: {key} must be a string")
    for field in table.fields:
        for key in ("title", "description"):
            if not isinstance(field.get(key, ""), str):
                raise PackageError(f"{where}: field {field['name']!r}: {key} must be a string")
    _columns(schema.get("primaryKey", []), names, where, "primaryKey")
    foreign_keys = schema.get("foreignKeys", [])
    if not isinstance(foreign_keys, list):
        raise PackageError(f"{where}: foreignKeys must be a list")
    for key in foreign_keys:
        reference = key.get("reference") if isinstance(key, dict) else None
        if not isinstance(reference, dict) or not isinstance(reference.get("resource", ""), str):
            raise PackageError(f"{where}: every foreign key needs fields and a reference object naming a resource")
        own = _columns(key.get("fields"), names, where, "a foreign key's fields")
        theirs = _columns(reference.get("fields"), None, where, "a foreign key's reference fields")
        if not own or len(own) != len(theirs):
            raise PackageError(f"{where}: a foreign key must pair its fields with as many referenced fields")
    if "x-identity" in schema:
        _columns(schema["x-identity"], names, where, "x-identity", single=False)


def _columns(value: Any, names: set[str] | None, where: str, what: str, single: bool = True) -> list[str]:
    """``value`` as a list of column names (a single name allowed where the Table Schema allows it)."""
    columns = [value] if single and isinstance(value, str) else value
    if not isinstance(columns, list) or not all(isinstance(column, str) for column in columns):
        raise PackageError(f"{where}: {what} must be a list of field names, not {value!r}")
    unknown = [column for column in columns if names is not None and column not in names]
    if unknown:
        raise PackageError(f"{where}: {what} names {', '.join(map(repr, unknown))}, not a field of this table")
    return columns
