"""What changed between two copies of the package: rows by primary key, and schemas."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from coalition_data.loader import load
from coalition_data.package import Package, Table, open_package
from coalition_data.schema_check import check


@dataclass
class TableDiff:
    table: str
    status: str = "same"  # same / changed / added / removed
    added: list[str] = field(default_factory=list)  # primary keys, joined with "|"
    removed: list[str] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)  # {"key": ..., "columns": {col: [old, new]}}
    schema: list[str] = field(default_factory=list)  # human-readable schema changes


def _key(table: Table) -> list[str]:
    """The columns that identify a row: the primary key, or every column of a table without one."""
    return table.primary_key or table.field_names


def _keyed(frame: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    text = frame.select(pl.all().cast(pl.String))
    # an empty cell is "" in the key: a table keyed on all its columns may have empty cells
    return text.with_columns(pl.concat_str([pl.col(c).fill_null("") for c in key], separator="|").alias("__key"))


def _schema_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    before = {f["name"]: f for f in old["fields"]}
    after = {f["name"]: f for f in new["fields"]}
    changes = [f"+ column {n} ({after[n]['type']})" for n in after if n not in before]
    changes += [f"- column {n}" for n in before if n not in after]
    for name in before.keys() & after.keys():
        for prop in ("type", "constraints", "description"):
            if before[name].get(prop) != after[name].get(prop):
                changes.append(f"~ column {name}: {prop} {json.dumps(before[name].get(prop), ensure_ascii=False)}"
                               f" -> {json.dumps(after[name].get(prop), ensure_ascii=False)}")
    if [f["name"] for f in old["fields"]] != [f["name"] for f in new["fields"]] and not changes:
        changes.append("~ column order")
    for prop in ("primaryKey", "foreignKeys"):
        if old.get(prop) != new.get(prop):
            changes.append(f"~ {prop}")
    return sorted(changes)


def _rows(name: str, old: Package, new: Package, result: TableDiff) -> None:
    before, after = load(name, path=old.root), load(name, path=new.root)
    # rows are matched on the new key; if the old table lacks one of its columns, on the old key; else on
    # the columns both have
    shared = [c for c in after.columns if c in before.columns]
    key = next((k for k in (_key(new.table(name)), _key(old.table(name)), shared)
                if k and all(c in shared for c in k)), None)
    if key is None:
        result.schema.append("~ no column in common: rows not compared")
        result.added = _keyed(after, _key(new.table(name)))["__key"].to_list()
        result.removed = _keyed(before, _key(old.table(name)))["__key"].to_list()
        return
    a, b = _keyed(before, key), _keyed(after, key)
    result.added = sorted(set(b["__key"]) - set(a["__key"]))
    result.removed = sorted(set(a["__key"]) - set(b["__key"]))
    common = [c for c in b.columns if c in a.columns and c != "__key"]
    both = a.join(b, on="__key", how="inner", suffix="__new")
    for row in both.sort("__key").iter_rows(named=True):
        columns = {c: [row[c], row[f"{c}__new"]] for c in common if c not in key and row[c] != row[f"{c}__new"]}
        if columns:
            result.changed.append({"key": row["__key"], "columns": columns})


def diff(old_path: str | Path, new_path: str | Path | None) -> list[TableDiff]:
    """Per table, rows added, removed and changed, and schema changes, from ``old_path`` to ``new_path``."""
    old, new = open_package(old_path), open_package(new_path)
    check(old)
    check(new)
    results = []
    for name in list(new.tables) + [t for t in old.tables if t not in new.tables]:
        result = TableDiff(name)
        if name not in old.tables:
            result.status, result.added = "added", _keyed(load(name, path=new.root),
                                                          _key(new.table(name)))["__key"].to_list()
        elif name not in new.tables:
            result.status, result.removed = "removed", _keyed(load(name, path=old.root),
                                                              _key(old.table(name)))["__key"].to_list()
        else:
            result.schema = _schema_changes(old.table(name).schema, new.table(name).schema)
            _rows(name, old, new, result)
            if result.schema or result.added or result.removed or result.changed:
                result.status = "changed"
        results.append(result)
    return results


def format_text(results: list[TableDiff], old: str, new: str) -> str:
    lines = [f"{old} -> {new}"]
    for r in results:
        if r.status == "same":
            continue
        lines.append(f"\n{r.table}: {r.status}; {len(r.added)} added, {len(r.removed)} removed, "
                     f"{len(r.changed)} changed")
        lines += [f"  schema {change}" for change in r.schema]
        lines += [f"  + {key}" for key in r.added]
        lines += [f"  - {key}" for key in r.removed]
        for change in r.changed:
            for column, (before, after) in change["columns"].items():
                lines.append(f"  ~ {change['key']} {column}: {before!r} -> {after!r}")
    if len(lines) == 1:
        lines.append("no differences")
    return "\n".join(lines)


def format_json(results: list[TableDiff], old: str, new: str) -> str:
    tables = {r.table: {k: v for k, v in asdict(r).items() if k != "table"} for r in results}
    return json.dumps({"old": old, "new": new, "tables": tables}, ensure_ascii=False, indent=2)
