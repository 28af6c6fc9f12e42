"""The SQLite database: every table with its primary key, foreign keys, NOT NULL and allowed values, as the
Table Schemas declare them, plus tables describing the package, its tables and its columns, and a
Datasette metadata file. The database is built in a fixed order, so the same package gives the same bytes
(with the same SQLite library)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from coalition_data.formats.about import FormatError, about, licence
from coalition_data.loader import load_file
from coalition_data.package import Package, Table

SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "date": "TEXT", "boolean": "INTEGER"}
PACKAGE_TABLE, TABLES_TABLE, COLUMNS_TABLE = "_package", "_tables", "_columns"

_DESCRIPTIONS = f"""
CREATE TABLE "{PACKAGE_TABLE}" (
  "key" TEXT NOT NULL PRIMARY KEY,
  "value" TEXT NOT NULL
);
CREATE TABLE "{TABLES_TABLE}" (
  "table_name" TEXT NOT NULL PRIMARY KEY,
  "title" TEXT,
  "description" TEXT NOT NULL,
  "primary_key" TEXT NOT NULL,
  "rows" INTEGER NOT NULL
);
CREATE TABLE "{COLUMNS_TABLE}" (
  "table_name" TEXT NOT NULL REFERENCES "{TABLES_TABLE}" ("table_name"),
  "column_name" TEXT NOT NULL,
  "position" INTEGER NOT NULL,
  "type" TEXT NOT NULL,
  "sql_type" TEXT NOT NULL,
  "required" INTEGER NOT NULL CHECK ("required" IN (0, 1)),
  "allowed_values" TEXT,
  "description" TEXT NOT NULL,
  PRIMARY KEY ("table_name", "column_name")
);
"""


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _column(spec: dict[str, Any], key: list[str]) -> str:
    name, kind, constraints = quote(spec["name"]), spec["type"], spec.get("constraints", {})
    if kind not in SQL_TYPES:
        raise FormatError(f"field {spec['name']!r}: type {kind!r} has no SQLite column type")
    parts = [name, SQL_TYPES[kind]]
    if constraints.get("required") or spec["name"] in key:  # SQLite would let a TEXT primary key be NULL
        parts.append("NOT NULL")
    if constraints.get("unique") and key != [spec["name"]]:
        parts.append("UNIQUE")
    if "enum" in constraints:
        parts.append(f"CHECK ({name} IN ({', '.join(_literal(str(v)) for v in constraints['enum'])}))")
    if kind == "date":  # ISO 8601 text, as SQLite's date functions read it; '+0 days' rolls 30 February over
        parts.append(f"CHECK ({name} IS date({name}, '+0 days'))")
    if kind == "boolean":
        parts.append(f"CHECK ({name} IN (0, 1))")
    return " ".join(parts)


def create_table(table: Table) -> str:
    """The CREATE TABLE statement for one table, from its Table Schema."""
    key = table.primary_key
    lines = [_column(spec, key) for spec in table.fields]
    if key:
        lines.append(f"PRIMARY KEY ({', '.join(map(quote, key))})")
    for foreign in table.schema.get("foreignKeys", []):
        fields, reference = foreign["fields"], foreign["reference"]
        fields = [fields] if isinstance(fields, str) else fields
        target = reference.get("resource") or table.name  # no resource: the table itself
        targets = reference["fields"]
        targets = [targets] if isinstance(targets, str) else targets
        lines.append(f"FOREIGN KEY ({', '.join(map(quote, fields))}) "
                     f"REFERENCES {quote(target)} ({', '.join(map(quote, targets))})")
    return f"CREATE TABLE {quote(table.name)} (\n  " + ",\n  ".join(lines) + "\n)"


def _value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def write_sqlite(package: Package, path: Path, datasette: Path | None = None) -> list[Path]:
    """Write the database to ``path`` (and, if given, Datasette's metadata to ``datasette``).

    Built in a temporary file beside ``path`` and renamed into place only when complete and its foreign
    keys check clean: a failed build leaves nothing behind.
    """
    reserved = {PACKAGE_TABLE, TABLES_TABLE, COLUMNS_TABLE} & set(package.tables)
    if reserved:
        raise FormatError(f"table {sorted(reserved)[0]!r}: the name is taken by the database's description tables")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        _build(package, Path(temporary))
        os.chmod(temporary, 0o644)  # as the other files; mkstemp makes it private
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    written = [path]
    if datasette is not None:
        datasette.write_text(json.dumps(datasette_metadata(package, path.stem), ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")
        written.append(datasette)
    return written


def _build(package: Package, path: Path) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA page_size = 4096")
        connection.execute("BEGIN")
        for statement in _DESCRIPTIONS.split(";"):
            if statement.strip():
                connection.execute(statement)
        connection.executemany(f"INSERT INTO {quote(PACKAGE_TABLE)} VALUES (?, ?)", about(package))
        for name, table in package.tables.items():
            frame = load_file(table)
            connection.execute(create_table(table))
            marks = ", ".join("?" * len(table.fields))
            connection.executemany(f"INSERT INTO {quote(name)} VALUES ({marks})",
                                   ([_value(v) for v in row] for row in frame.iter_rows()))
            connection.execute(f"INSERT INTO {quote(TABLES_TABLE)} VALUES (?, ?, ?, ?, ?)",
                               (name, table.schema.get("title"), table.description,
                                ", ".join(table.primary_key), frame.height))
            connection.executemany(f"INSERT INTO {quote(COLUMNS_TABLE)} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
                (name, spec["name"], position, spec["type"], SQL_TYPES[spec["type"]],
                 int(bool(spec.get("constraints", {}).get("required"))),
                 json.dumps(spec["constraints"]["enum"], ensure_ascii=False)
                 if "enum" in spec.get("constraints", {}) else None,
                 spec.get("description", ""))
                for position, spec in enumerate(table.fields, start=1)])
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            table, rowid, parent, _ = broken[0]
            key = package.tables[table].primary_key or ["rowid"]
            values = connection.execute(f"SELECT {', '.join(map(quote, key))} FROM {quote(table)} WHERE rowid = ?",
                                        (rowid,)).fetchone()
            row = ", ".join(f"{column}={value}" for column, value in zip(key, values, strict=True))
            raise FormatError(f"{package.tables[table].path}: the row {row} refers to a missing {parent} row "
                              f"({len(broken)} broken reference(s)); run `coalition-data validate`")
        connection.execute("COMMIT")
        connection.execute("VACUUM")
    finally:
        connection.close()


def datasette_metadata(package: Package, database: str) -> dict[str, Any]:
    """Datasette's metadata for the database (``datasette DB.sqlite -m DB.metadata.json``): titles,
    licence, and every table's and column's description."""
    licences = package.descriptor.get("licenses", [])
    return {
        "title": package.descriptor.get("title", package.descriptor["name"]),
        "description": package.descriptor.get("description", ""),
        "license": licence(package),
        **({"license_url": licences[0]["path"]} if licences and "path" in licences[0] else {}),
        "databases": {database: {"tables": {
            name: {"title": table.schema.get("title", name), "description": table.description,
                   "columns": {spec["name"]: spec.get("description", "") for spec in table.fields}}
            for name, table in package.tables.items()}}},
    }
