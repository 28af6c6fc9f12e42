"""What changed between two copies of the package: rows by primary key, and schemas."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from coalition_data.loader import load, load_file
from coalition_data.package import DESCRIPTOR, Package, Table, open_package
from coalition_data.parquet import STORAGE
from coalition_data.schema_check import check
from coalition_data.validation import versions
from coalition_data.validation.versions import ROWS_IDENTICAL, canonical_digest


@dataclass
class TableDiff:
    table: str
    status: str = "same"  # same / changed / added / removed
    added: list[str] = field(default_factory=list)  # primary keys, joined with "|"
    removed: list[str] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)  # {"key": ..., "columns": {col: [old, new]}}
    schema: list[str] = field(default_factory=list)  # human-readable schema changes
    bytes: str = ""  # when the file's bytes changed but no row did: "bytes changed, rows identical" or why not
    added_rows: list[dict[str, Any]] = field(default_factory=list, repr=False)  # in full, for the Markdown
    removed_rows: list[dict[str, Any]] = field(default_factory=list, repr=False)


IN_FULL = ("added_rows", "removed_rows")  # not in the JSON, which lists keys


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
    result.added_rows = _in_full(b, result.added)
    result.removed_rows = _in_full(a, result.removed)
    common = [c for c in b.columns if c in a.columns and c != "__key"]
    both = a.join(b, on="__key", how="inner", suffix="__new")
    for row in both.sort("__key").iter_rows(named=True):
        columns = {c: [row[c], row[f"{c}__new"]] for c in common if c not in key and row[c] != row[f"{c}__new"]}
        if columns:
            result.changed.append({"key": row["__key"], "columns": columns})


def _in_full(frame: pl.DataFrame, keys: list[str]) -> list[dict[str, Any]]:
    return frame.filter(pl.col("__key").is_in(keys)).sort("__key").drop("__key").to_dicts()


def _bytes_note(old: Table, new: Table, result: TableDiff) -> str:
    """What a changed file with no changed row holds: the same rows (as ``validate`` says), or the same rows by
    key in another order or spelling of values."""
    if result.schema or result.added or result.removed or result.changed:
        return ""
    if "parquet" in (old.format, new.format):  # no bytes to compare across formats (or Parquet writers): rows
        same = load_file(old).equals(load_file(new))
        return "" if same else "the same rows by key, in another order"
    before, after = old.path.read_bytes(), new.path.read_bytes()
    if before == after:
        return ""
    if canonical_digest(before) == canonical_digest(after):
        return ROWS_IDENTICAL
    return "bytes changed, the same rows by key in another order or spelling"


def diff(old_path: str | Path, new_path: str | Path | None) -> list[TableDiff]:
    """Per table, rows added, removed and changed, and schema changes, from ``old_path`` to ``new_path``."""
    old, new = open_package(old_path), open_package(new_path)
    check(old)
    check(new)
    results = []
    for name in list(new.tables) + [t for t in old.tables if t not in new.tables]:
        result = TableDiff(name)
        if name not in old.tables:
            frame = _keyed(load(name, path=new.root), _key(new.table(name)))
            result.status, result.added = "added", frame["__key"].to_list()
            result.added_rows = frame.drop("__key").to_dicts()
        elif name not in new.tables:
            frame = _keyed(load(name, path=old.root), _key(old.table(name)))
            result.status, result.removed = "removed", frame["__key"].to_list()
            result.removed_rows = frame.drop("__key").to_dicts()
        else:
            result.schema = _schema_changes(old.table(name).schema, new.table(name).schema)
            _rows(name, old, new, result)
            result.bytes = _bytes_note(old.table(name), new.table(name), result)
            if result.schema or result.added or result.removed or result.changed or result.bytes:
                result.status = "changed"
        results.append(result)
    return results


def format_text(results: list[TableDiff], old: str, new: str) -> str:
    lines = [f"{old} -> {new}"]
    for r in results:
        if r.status == "same":
            continue
        lines.append(f"\n{r.table}: {r.status}; {len(r.added)} added, {len(r.removed)} removed, "
                     f"{len(r.changed)} changed" + (f"; {r.bytes}" if r.bytes else ""))
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
    tables = {r.table: {k: v for k, v in asdict(r).items() if k != "table" and k not in IN_FULL} for r in results}
    return json.dumps({"old": old, "new": new, "tables": tables}, ensure_ascii=False, indent=2)


# The version bump the change needs, by the rules `validate` applies against the last release.

@dataclass
class VersionChange:
    old: str
    new: str
    needed: str | None  # patch / minor / major, None when nothing changed
    done: str | None  # the bump from old to new, None when the version did not go up
    enough: bool
    reasons: list[str]
    files: list[str]  # changed files (and the descriptor), as the version-bump problem lists them


_LAYOUT = ("schema", "bytes", "hash")  # how a release lays out a resource, not what it means


def _comparable(package: Package, by_rows: set[str], by_name: set[str]) -> dict[str, Any]:
    """The release manifest of ``package``, with schemas and descriptor hashed as they mean, not as they are
    laid out: a release folder inlines the schemas and adds sizes and hashes to the descriptor. The tables
    in ``by_rows`` (Parquet on either side) are hashed by their rows, as no two formats share bytes; those in
    ``by_name`` (a schema file on one side, inline on the other) list their schema by table name."""
    data = versions.manifest(package)
    tables = {table.path.relative_to(package.root).as_posix() for table in package.tables.values()}
    files = {k: v for k, v in data["files"].items() if k.startswith("data/") and k not in tables}
    paths = {r["name"]: r.get("schema") for r in package.descriptor["resources"]}
    for name, table in package.tables.items():
        if name in by_rows:
            files[f"rows of {name}"] = versions._digest(load_file(table).write_csv().encode())
        elif (file := table.path.relative_to(package.root).as_posix()) in data["files"]:
            files[file] = data["files"][file]
        where = paths[name] if isinstance(paths[name], str) and name not in by_name else f"schema of {name}"
        files[where] = versions._digest(json.dumps(table.schema, sort_keys=True).encode())
    descriptor = {k: v for k, v in package.descriptor.items() if k not in ("version", "resources")}
    descriptor["resources"] = [
        {k: v for k, v in r.items() if k not in (STORAGE if r["name"] in by_rows else _LAYOUT)}
        for r in package.descriptor["resources"]]
    files[DESCRIPTOR] = versions._digest(json.dumps(descriptor, sort_keys=True).encode())
    return {**data, "files": files}


def version_change(old_path: str | Path, new_path: str | Path | None,
                   results: list[TableDiff] | None = None) -> VersionChange:
    """``results`` (from ``diff``) tell which changed files hold the same rows."""
    old, new = open_package(old_path), open_package(new_path)
    by_rows = {name for name in old.tables.keys() & new.tables.keys()
               if "parquet" in (old.table(name).format, new.table(name).format)}
    by_name = {name for name in old.tables.keys() & new.tables.keys()
               if (old.table(name).schema_file == DESCRIPTOR) != (new.table(name).schema_file == DESCRIPTOR)}
    before, after = _comparable(old, by_rows, by_name), _comparable(new, by_rows, by_name)
    needed = versions.required_bump(before, after)
    old_version, new_version = versions._version(old.version), versions._version(new.version)
    done = versions._bumped(old_version, new_version)
    enough = needed is None or (done is not None and (
        versions.LEVELS.index(done) >= versions.LEVELS.index(needed) or (old_version[0] == 0 and done == "minor")))
    files = versions.changed_files(before, after)
    same = {new.table(r.table).path.relative_to(new.root).as_posix()
            for r in results or [] if r.bytes == ROWS_IDENTICAL}
    reasons = versions.why(before, after, files, same)
    return VersionChange(old.version, new.version, needed, done, enough, reasons, versions.shown_files(files, same))


# Markdown, for $GITHUB_STEP_SUMMARY or a pull-request comment.

MAX_LISTED = 200  # rows or cells listed per table and kind; the rest are counted


def md(value: object) -> str:
    """A value in a Markdown table cell: Arabic as it is, pipes escaped, line breaks as <br>, tags shown."""
    if value is None or value == "":
        return "*(empty)*"
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return text.replace("\n", "<br>")


def _listed(items: list[str], shown: int = MAX_LISTED) -> str:
    more = f" … and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(md(item) for item in items[:shown]) + more


def format_markdown(results: list[TableDiff], old: str, new: str, change: VersionChange | str | None = None) -> str:
    """``change``: the version bump (see ``version_change``), or why it cannot be told."""
    lines = [f"## Data changes: {md(old)} → {md(new)}", ""]
    if isinstance(change, VersionChange):
        lines += _version_section(change)
    elif change:
        lines += [f"**Version**: {md(change)}", ""]
    changed = [r for r in results if r.status != "same"]
    if not changed:
        return "\n".join(lines + ["No differences in any table."]) + "\n"
    lines += ["| table | status | rows added | rows removed | rows changed | schema changes |",
              "|---|---|--:|--:|--:|--:|"]
    lines += [f"| {md(r.table)} | {r.bytes if r.bytes and r.status == 'changed' and not r.schema else r.status} | "
              f"{len(r.added)} | {len(r.removed)} | {len(r.changed)} | {len(r.schema)} |" for r in changed]
    lines.append("")
    schema = [(r.table, c) for r in changed for c in r.schema]
    if schema:
        lines += ["### Schema changes", ""]
        lines += [f"- {md(table)}: {md(c).replace(' -&gt; ', ' → ')}" for table, c in schema]
        lines.append("")
    for r in changed:
        lines += [f"### {md(r.table)}", ""]
        if r.status in ("added", "removed"):
            lines += [f"Table {r.status}.", ""]
        if r.bytes:
            lines += [f"{r.bytes[0].upper()}{r.bytes[1:]}.", ""]
        for kind, keys, rows in (("Added", r.added, r.added_rows), ("Removed", r.removed, r.removed_rows)):
            if keys:
                lines += _row_table(kind, keys, rows)
        if r.changed:
            cells = [(c["key"], column, pair) for c in r.changed for column, pair in c["columns"].items()]
            lines += [f"**Changed** ({len(r.changed)} rows, {len(cells)} cells):", "",
                      "| row | column | old | → new |", "|---|---|---|---|"]
            lines += [f"| {md(key)} | {md(column)} | {md(before)} | {md(after)} |"
                      for key, column, (before, after) in cells[:MAX_LISTED]]
            if len(cells) > MAX_LISTED:
                lines += ["", f"… and {len(cells) - MAX_LISTED} more changed cells (`--format json` lists all)"]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _row_table(kind: str, keys: list[str], rows: list[dict[str, Any]]) -> list[str]:
    if not rows:  # only the keys are known
        return [f"**{kind}** ({len(keys)}): {_listed(keys)}", ""]
    columns = list(rows[0])
    lines = [f"**{kind}** ({len(keys)} row{'s' if len(keys) > 1 else ''}):", "",
             "| " + " | ".join(md(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(md(row[c]) for c in columns) + " |" for row in rows[:MAX_LISTED]]
    if len(rows) > MAX_LISTED:
        lines += ["", f"… and {len(rows) - MAX_LISTED} more (`--format json` lists every key)"]
    return lines + [""]


def _version_section(change: VersionChange) -> list[str]:
    if change.needed is None:
        return [f"**Version** {md(change.old)} → {md(change.new)}: no data or schema change, no bump needed.", ""]
    verdict = "✅ enough" if change.enough else "❌ **not enough**"
    done = f"a {change.done} bump" if change.done else "no bump"
    early = " (before 1.0.0 a minor bump is enough)" if change.needed == "major" and change.old.startswith("0.") else ""
    return [f"**Version** {md(change.old)} → {md(change.new)} is {done}: {verdict}. "
            f"This change needs a **{change.needed}** bump{early}, because:", "",
            *(f"- {md(reason)}" for reason in change.reasons), "",
            f"Changed files: {', '.join(md(f) for f in change.files)}", ""]
