"""The generated codebook: current, complete, and true to the schemas and the data."""

from __future__ import annotations

import csv
import json
import re
import shutil

import pytest
from conftest import REPO, PackageCopy

from coalition_data.cli import main
from coalition_data.codebook import (
    EXAMPLE_LENGTH,
    enum_meanings,
    escape_example,
    null_meaning,
    render,
)
from coalition_data.loader import load_file
from coalition_data.package import Table, open_package

CODEBOOK = REPO / "docs" / "codebook.md"
FENCE = re.compile(r"^(`+)(.*)\1$", re.DOTALL)


@pytest.fixture(scope="module")
def text() -> str:
    return render(open_package(REPO))


def sections(text: str) -> dict[str, str]:
    """Body of every ``## heading`` section, keyed by heading."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def column_rows(section: str) -> dict[str, list[str]]:
    """Cells of the columns table in one table section, keyed by column name."""
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows[cells[0].strip("`")] = cells
    return rows


def decode_example(cell: str) -> tuple[str, bool]:
    """The value an example cell shows, and whether it was truncated."""
    truncated = cell.endswith("…")
    code = cell.removesuffix("…")
    match = FENCE.match(code)
    assert match, f"example {cell!r} is not a code span"
    inner = match.group(2)
    if len(inner) > 2 and inner.startswith(" ") and inner.endswith(" "):
        inner = inner[1:-1]
    inner = inner.replace("\\|", "|")
    inner = re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m.group(1), m.group(1)), inner)
    return inner, truncated


def raw_cells(table: Table, column: str) -> set[str]:
    with table.path.open(encoding="utf-8", newline="") as f:
        return {row[column] for row in csv.DictReader(f)}


def test_committed_codebook_is_current(text: str) -> None:
    assert CODEBOOK.read_text(encoding="utf-8") == text, "docs/codebook.md is stale; run `coalition-data codebook`"


def test_render_is_deterministic(text: str) -> None:
    assert render(open_package(REPO)) == text
    assert not re.search(r"\d{2}:\d{2}:\d{2}", text)


def test_check_fails_on_a_modified_copy_and_passes_after_regenerating(package: PackageCopy, capsys) -> None:
    root = str(package.root)
    assert main(["codebook", "--check", "--path", root]) == 1
    assert "docs/codebook.md is missing; run `coalition-data codebook" in capsys.readouterr().err

    (package.root / "docs").mkdir()
    shutil.copy(CODEBOOK, package.root / "docs" / "codebook.md")
    assert main(["codebook", "--check", "--path", root]) == 0
    assert "up to date" in capsys.readouterr().out

    schema_path = package.root / "schemas" / "events.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["fields"][0]["description"] += " Changed."
    schema_path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    assert main(["codebook", "--check", "--path", root]) == 1
    err = capsys.readouterr().err
    assert "docs/codebook.md is stale; run `coalition-data codebook" in err and "Traceback" not in err

    assert main(["codebook", "--path", root]) == 0
    capsys.readouterr()
    assert main(["codebook", "--check", "--path", root]) == 0
    assert "Changed." in (package.root / "docs" / "codebook.md").read_text(encoding="utf-8")

    package.write_rows("event_claims", package.rows("event_claims")[:-1])  # the row count changes
    assert main(["codebook", "--check", "--path", root]) == 1
    assert "is stale" in capsys.readouterr().err


def test_output_option_writes_elsewhere(tmp_path, capsys) -> None:
    target = tmp_path / "out" / "book.md"
    assert main(["codebook", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == CODEBOOK.read_text(encoding="utf-8")
    assert main(["codebook", "--check", "--output", str(target)]) == 0
    target.write_text("edited by hand\n", encoding="utf-8")
    assert main(["codebook", "--check", "--output", str(target)]) == 1
    assert "is stale" in capsys.readouterr().err


def test_broken_package_is_a_clear_error(package: PackageCopy, capsys) -> None:
    (package.root / "schemas" / "events.schema.json").write_text("{", encoding="utf-8")
    assert main(["codebook", "--path", str(package.root)]) == 2
    err = capsys.readouterr().err
    assert "events.schema.json" in err and "Traceback" not in err


def test_every_table_and_column_appears(text: str) -> None:
    found = sections(text)
    for path in sorted((REPO / "schemas").glob("*.schema.json")):
        name = path.name.removesuffix(".schema.json")
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert name in found, f"no section for table {name}"
        assert f"- [{name}](#{name})" in text
        rows = column_rows(found[name])
        assert list(rows) == [field["name"] for field in schema["fields"]]
        for field in schema["fields"]:
            cells = rows[field["name"]]
            assert cells[1].startswith(field["type"])
            if "enum" in field.get("constraints", {}):
                assert "(enum)" in cells[1]
                for value in field["constraints"]["enum"]:
                    assert f"`{value}`" in found[name], f"{name}.{field['name']}: value {value!r} not listed"
            if field.get("constraints", {}).get("required"):
                assert cells[2].startswith("required") and cells[4] == "not allowed"


def test_every_foreign_key_is_in_the_diagram(text: str) -> None:
    block = re.search(r"```mermaid\nerDiagram\n(.*?)```", text, flags=re.DOTALL).group(1)
    relations = set(re.findall(r"^\s+(\w+) [|o]{2}--o\{ (\w+) : \"([^\"]+)\"$", block, flags=re.MULTILINE))
    entities = dict(re.findall(r"^    (\w+) \{\n(.*?)^    \}$", block, flags=re.MULTILINE | re.DOTALL))
    expected = set()
    for path in sorted((REPO / "schemas").glob("*.schema.json")):
        name = path.name.removesuffix(".schema.json")
        schema = json.loads(path.read_text(encoding="utf-8"))
        types = {field["name"]: field["type"] for field in schema["fields"]}
        for key in schema.get("foreignKeys", []):
            parent = key["reference"].get("resource") or name
            expected.add((parent, name, ", ".join(key["fields"])))
            for column in key["fields"]:
                assert re.search(rf"^\s+{types[column]} {column} (PK, )?FK$", entities[name], flags=re.MULTILINE)
        for column in schema["primaryKey"]:
            assert re.search(rf"^\s+{types[column]} {column} PK\b", entities[name], flags=re.MULTILINE)
    assert expected <= relations, expected - relations
    assert len(relations) == len(expected)
    assert 'events ||--o{ event_claims : "event_id"' in block
    assert 'actors |o--o{ actors : "parent_actor_id"' in block  # self-reference, optional


def test_examples_are_really_in_the_data(text: str) -> None:
    package = open_package(REPO)
    found = sections(text)
    shown = 0
    for name, table in package.tables.items():
        frame = load_file(table)
        for column, cells in column_rows(found[name]).items():
            if cells[5] == "—":
                assert frame.get_column(column).null_count() == frame.height
                continue
            value, truncated = decode_example(cells[5])
            typed = {str(v) for v in frame.get_column(column).drop_nulls().to_list()}
            raw = raw_cells(table, column)
            if truncated:
                assert 0 < len(value) <= EXAMPLE_LENGTH
                assert any(v.startswith(value) for v in typed) and any(v.startswith(value) for v in raw)
            else:
                assert value in typed and value in raw, f"{name}.{column}: example {value!r} not in the data"
            shown += 1
    assert shown > 100


def test_escaped_examples_round_trip() -> None:
    for value in ["a|b", "line\nnext", "back\\slash|", "`tick`", " lead", "x" * 50]:
        decoded, truncated = decode_example(escape_example(value))
        assert decoded == (value[:EXAMPLE_LENGTH].rstrip() if truncated else value) and truncated == (len(value) > EXAMPLE_LENGTH)
        assert "\n" not in escape_example(value)


def test_enum_meanings_are_quoted_never_invented() -> None:
    field = {"name": "f", "type": "string", "constraints": {"enum": ["a", "b", "c", "d"]},
             "description": "'a' (first (nested)); 'b': second, e.g. this; 'c'; and 'd'."}
    assert enum_meanings(field) == {"a": "first (nested)", "b": "second, e.g. this"}
    ambiguous = {"name": "g", "type": "string", "constraints": {"enum": ["x", "y"]},
                 "description": "Either 'x', 'y' (a shared note)."}
    assert enum_meanings(ambiguous) == {}


def test_null_meaning_comes_from_the_description_or_a_default() -> None:
    table = Table("t", REPO / "nothing.csv", {"fields": [], "primaryKey": ["k"]})
    assert null_meaning(table, {"name": "a", "description": "Code (e.g. X); null for none. More."}) == "Null for none"
    assert null_meaning(table, {"name": "b", "description": "Size.", "constraints": {"required": True}}) == "not allowed"
    assert null_meaning(table, {"name": "k", "description": "Key."}) == "not allowed"
    assert null_meaning(table, {"name": "c", "description": "Note."}) == "not stated in the source / not applicable"


def test_every_allowed_value_has_its_meaning_in_the_schema() -> None:
    """The codebook explains each enum value from the schema's own description, so none may lack one."""
    from coalition_data.codebook import enum_meanings

    for table in open_package(REPO).tables.values():
        for spec in table.fields:
            allowed = spec.get("constraints", {}).get("enum")
            if allowed:
                meanings = enum_meanings(spec)
                assert set(meanings) == set(allowed), (table.name, spec["name"], set(allowed) - set(meanings))
                assert all(meanings.values()), (table.name, spec["name"])
