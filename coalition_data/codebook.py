"""The codebook: a Markdown description of every table and column, generated from the package.

Everything comes from ``datapackage.json``, the Table Schemas and the CSV data, so the
codebook cannot drift from them (``coalition-data codebook --check`` says when it has).
Needs polars and nothing else; the output is byte-identical on every run.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from coalition_data.loader import load_file
from coalition_data.package import Package, Table
from coalition_data.schema_check import check

OUTPUT = "docs/codebook.md"
EXAMPLE_LENGTH = 40
NO_NULL_STATEMENT = "not stated in the source / not applicable"
_CONSTRAINTS_SHOWN_APART = ("required", "unique", "enum")
_ABBREVIATIONS = ("e.g", "i.e", "cf", "etc", "vs")


def render(package: Package) -> str:
    """The codebook of ``package`` as Markdown, ending with a newline."""
    check(package)
    frames = {name: load_file(table) for name, table in package.tables.items()}
    lines = _preamble(package)
    lines += _diagram(package)
    lines += ["## Contents", ""]
    lines += [f"- [{name}](#{_anchor(name)}) ({frames[name].height} rows)" for name in package.tables]
    lines.append("")
    for table in package.tables.values():
        lines += _table_section(package, table, frames[table.name])
    return "\n".join(lines).rstrip("\n") + "\n"


# --- header and diagram -----------------------------------------------------------------


def _preamble(package: Package) -> list[str]:
    title = package.descriptor.get("title") or package.descriptor.get("name", "")
    version = package.descriptor.get("version", "not given")
    return [
        "# Codebook",
        "",
        ("This file is generated from `datapackage.json` and the Table Schemas in `schemas/` (row counts and "
         "example values from the CSV files in `data/`) by `coalition-data codebook`. Do not edit it by hand: "
         "change the schemas or the data and run `coalition-data codebook` again; "
         "`coalition-data codebook --check` fails while it is out of date."),
        "",
        f"- Package: {title}",
        f"- Version: {version}",
        f"- Tables: {len(package.tables)}",
        "",
    ]


def foreign_keys(table: Table) -> list[tuple[list[str], str, list[str]]]:
    """``(columns, referenced table, referenced columns)`` per foreign key; no resource means this table."""
    keys = []
    for key in table.schema.get("foreignKeys", []):
        reference = key.get("reference", {})
        keys.append((_as_list(key.get("fields", [])), reference.get("resource") or table.name,
                     _as_list(reference.get("fields", []))))
    return keys


def mermaid_relationship(table: Table, columns: list[str], parent: str) -> str:
    """One ``erDiagram`` line: ``parent ||--o{ child : "columns"``."""
    required = all(_constraints(_field(table, name)).get("required") for name in columns)
    return f'    {parent} {"||" if required else "|o"}--o{{ {table.name} : "{", ".join(columns)}"'


def _diagram(package: Package) -> list[str]:
    lines = ["## Tables and their relations", "",
             ("Each box lists a table's primary-key (PK) and foreign-key (FK) columns with their Table Schema "
              "types; each line joins a referenced table to the table whose foreign key points at it, labelled "
              "with the foreign-key column(s)."), "", "```mermaid", "erDiagram"]
    for table in package.tables.values():
        keyed = {name for columns, _, _ in foreign_keys(table) for name in columns}
        lines.append(f"    {table.name} {{")
        for field in table.fields:
            marks = [mark for mark, on in (("PK", field["name"] in table.primary_key),
                                           ("FK", field["name"] in keyed)) if on]
            if marks:
                lines.append(f"        {field['type']} {field['name']} {', '.join(marks)}")
        lines.append("    }")
    for table in package.tables.values():
        for columns, parent, _ in foreign_keys(table):
            lines.append(mermaid_relationship(table, columns, parent))
    return [*lines, "```", ""]


# --- one table --------------------------------------------------------------------------


def _table_section(package: Package, table: Table, frame: pl.DataFrame) -> list[str]:
    lines = [f"## {table.name}", ""]
    if table.schema.get("title"):
        lines += [f"*{table.schema['title']}*", ""]
    if table.description:
        lines += [table.description, ""]
    lines.append(f"- File: `{table.path.relative_to(package.root).as_posix()}`")
    lines.append(f"- Rows: {frame.height}")
    lines.append(f"- Primary key: {_code_list(table.primary_key) or 'none'}")
    keys = foreign_keys(table)
    if keys:
        lines.append("- Foreign keys:")
        lines += [f"  - {_code_list(columns)} -> "
                  + ", ".join(f"[{parent}](#{_anchor(parent)}).`{name}`" for name in targets)
                  for columns, parent, targets in keys]
    else:
        lines.append("- Foreign keys: none")
    for key, value in table.schema.items():
        if key.startswith("x-"):
            lines.append(f"- `{key}`: {_code_list(_as_list(value))}")
    lines += ["", "| Column | Type | Constraints | Description | Empty cell (null) means | Example |",
              "|---|---|---|---|---|---|"]
    for field in table.fields:
        cells = [f"`{field['name']}`", _type(field), _constraint_text(table, field),
                 _cell(field.get("description", "")), _cell(null_meaning(table, field)),
                 _example_cell(frame, field["name"])]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    enums = [field for field in table.fields if _constraints(field).get("enum") is not None]
    if enums:
        lines += [f"### Allowed values in {table.name}", ""]
        for field in enums:
            lines += _allowed_values(field)
    return lines


def _type(field: dict[str, Any]) -> str:
    text = field["type"]
    if field.get("format", "default") != "default":
        text += f" ({field['format']})"
    if _constraints(field).get("enum") is not None:
        text += " (enum)"
    return text


def _constraint_text(table: Table, field: dict[str, Any]) -> str:
    constraints = _constraints(field)
    parts = []
    if constraints.get("required"):
        parts.append("required")
    elif field["name"] in table.primary_key:
        parts.append("required (primary key)")
    if constraints.get("unique"):
        parts.append("unique")
    for key, value in constraints.items():
        if key not in _CONSTRAINTS_SHOWN_APART:
            parts.append(f"{key} {_code(str(value))}")
    if constraints.get("enum") is not None:
        count = len(constraints["enum"])
        parts.append(f"enum of {count} value{'s' * (count != 1)} (below)")
    for key, value in field.items():
        if key.startswith("x-"):
            parts.append(f"`{key}`: {_code(_json_scalar(value))}")
    return "; ".join(parts) or "—"  # every value in parts is already a pipe-safe code span


def null_meaning(table: Table, field: dict[str, Any]) -> str:
    """What an empty cell means: the description's own words about null, else a fixed default."""
    stated = _null_clause(field.get("description", ""))
    if stated:
        return stated
    if _constraints(field).get("required") or field["name"] in table.primary_key:
        return "not allowed"
    return NO_NULL_STATEMENT


def _null_clause(description: str) -> str:
    """The sentence or clause of ``description`` that starts at the word "null", if any."""
    match = re.search(r"\bnull\b", description, flags=re.IGNORECASE)
    if match is None:
        return ""
    start = match.start()
    depth, end = 0, len(description)
    for index in range(start, len(description)):
        char = description[index]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and (char == ";" or (char == "." and _sentence_ends(description, index))):
            end = index
            break
    clause = description[start:end].strip()
    return clause[:1].upper() + clause[1:]


def _sentence_ends(text: str, index: int) -> bool:
    """Whether the full stop at ``index`` ends a sentence (not "e.g." and the like)."""
    followed = index + 1 == len(text) or text[index + 1] == " "
    return followed and not text[:index].lower().endswith(_ABBREVIATIONS)


# --- allowed values ---------------------------------------------------------------------


def enum_meanings(field: dict[str, Any]) -> dict[str, str]:
    """Meanings of enum values as the field description words them, verbatim; values it leaves undefined are absent.

    Recognised forms: ``'value' (meaning)`` and ``'value': meaning;``. When a meaning follows a
    run of values (``'a', 'b' (meaning)``) it is unclear which values it belongs to, so none is
    attributed for that field.
    """
    description = field.get("description", "")
    values = [str(value) for value in _constraints(field).get("enum") or []]
    quoted = "|".join(re.escape(f"'{value}'") for value in values)
    if values and re.search(f"(?:{quoted}), (?:{quoted}) \\(", description):
        return {}
    meanings = {}
    for value in values:
        position = description.find(f"'{value}'")
        if position < 0:
            continue
        rest = description[position + len(value) + 2:]
        if rest.startswith(" ("):
            meaning = _balanced(rest[1:])
        elif rest.startswith(": "):
            meaning = _until_clause_end(rest[2:])
        else:
            continue
        if meaning:
            meanings[value] = meaning
    return meanings


def _balanced(text: str) -> str:
    """The contents of the parenthesis that opens ``text``."""
    depth = 0
    for index, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if depth == 0:
            return text[1:index].strip()
    return ""


def _until_clause_end(text: str) -> str:
    depth = 0
    for index, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if depth == 0 and char == ";":
            return text[:index].strip()
    return text.strip().rstrip(".")


def _allowed_values(field: dict[str, Any]) -> list[str]:
    values = [str(value) for value in _constraints(field)["enum"]]
    meanings = enum_meanings(field)
    lines = [f"**`{field['name']}`**", ""]
    if meanings:
        lines += [("Meanings are quoted from the column description; a value without one is not defined "
                   "separately there."), ""]
        lines += [f"- `{value}`" + (f": {meanings[value]}" if value in meanings else "") for value in values]
    else:
        lines.append("The schema gives no meaning value by value (see the column description): "
                     + ", ".join(f"`{value}`" for value in values))
    return [*lines, ""]


# --- examples and Markdown helpers ------------------------------------------------------


def example_value(frame: pl.DataFrame, column: str) -> str | None:
    """The first non-null value of ``column`` as text (``None`` if the column is empty)."""
    values = frame.get_column(column).drop_nulls()
    if values.is_empty():
        return None
    value = values[0]
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def escape_example(value: str) -> str:
    """``value`` truncated to EXAMPLE_LENGTH characters, newlines and pipes escaped for a table cell."""
    shown = value[:EXAMPLE_LENGTH].rstrip() if len(value) > EXAMPLE_LENGTH else value
    shown = shown.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return _code(shown) + ("…" if len(value) > EXAMPLE_LENGTH else "")


def _example_cell(frame: pl.DataFrame, column: str) -> str:
    value = example_value(frame, column)
    return "—" if value is None else escape_example(value)


def _code(text: str) -> str:
    """``text`` as a Markdown code span that is safe inside a table row."""
    text = text.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text.replace("|", "\\|")).strip()


def _code_list(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _anchor(name: str) -> str:
    """The GitHub-style anchor of a ``## name`` heading."""
    return re.sub(r"[^\w\- ]", "", name.lower()).replace(" ", "-")


def _json_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _constraints(field: dict[str, Any]) -> dict[str, Any]:
    return field.get("constraints") or {}


def _field(table: Table, name: str) -> dict[str, Any]:
    return next((field for field in table.fields if field["name"] == name), {})


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]
