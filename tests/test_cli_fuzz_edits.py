"""Fuzzing `coalition-data validate` with edits a curator could make: cells replaced by random Unicode, rows
deleted, duplicated or swapped, descriptor and Table Schema JSON values replaced or removed, several at once.

Every run goes through the CLI's entry point (``main``) with ``--format json`` and must end in a report:
exit code 0 or 1 (2 only for a folder without datapackage.json, which these edits never cause), valid JSON,
every problem with a file, a rule and a message. Edits known to break the package must give exit code 1.
The byte-level fuzzing of the same entry point is in test_cli_fuzz.py; both use small packages so that a
run takes seconds, not minutes.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli_fuzz import TABLES as SMALL_TABLES
from test_cli_fuzz import run, small_package

pytestmark = pytest.mark.slow  # left out of the quick edit-test loop: pytest -m 'not slow'

SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}
SOURCE = "000_0f24138b4bfb8b6c"
QUOTE_TABLES = ["sources", "claims", "actors"]


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")


def quote_package(root: Path) -> Path:
    """Article 000 alone: its source row and text, its claims, and the actors they name (valid on its own)."""
    (root / "data" / "sources").mkdir(parents=True)
    (root / "schemas").mkdir()
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] in QUOTE_TABLES]
    (root / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    for name in QUOTE_TABLES:  # a package of some tables declares no foreign key into the others
        schema = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        schema["foreignKeys"] = [k for k in schema.get("foreignKeys", [])
                                 if k["reference"].get("resource", name) in QUOTE_TABLES]
        (root / "schemas" / f"{name}.schema.json").write_text(json.dumps(schema, ensure_ascii=False, indent=2),
                                                             encoding="utf-8")
    shutil.copy(REPO / "data" / "sources" / f"{SOURCE}.txt", root / "data" / "sources")
    header, rows = _read(REPO / "data" / "sources.csv")
    sources = [r for r in rows if r[0] == SOURCE]
    _write(root / "data" / "sources.csv", header, sources)
    header, rows = _read(REPO / "data" / "claims.csv")
    claims = [r for r in rows if r[header.index("source_id")] == SOURCE]
    _write(root / "data" / "claims.csv", header, claims)
    used = {r[header.index(c)] for r in claims for c in ("actor_id", "via_actor_id")} - {""}
    header, rows = _read(REPO / "data" / "actors.csv")
    parent = {r[0]: r[header.index("parent_actor_id")] for r in rows}
    for actor in list(used):
        while parent[actor]:
            actor = parent[actor]
            used.add(actor)
    _write(root / "data" / "actors.csv", header, [r for r in rows if r[0] in used])
    return root


CELL_TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=24),
    st.text(st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), max_size=24),
    st.sampled_from(["", " ", '"', '""', ",", "\n", "\r\n", "=1+1", "NaN", "-inf", "0000-01-01", "2024-02-30",
                     "9" * 30, "ـ\u200f", "\u202e", "AC0001", "CL0001", "EV9999", "null", "None"]),
)
JSON_VALUE = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=10),
                       st.sampled_from(["../x", "/etc/passwd", "string", "integer", "date", "utf-16", "data/x.csv"]),
                       st.lists(st.integers(0, 3), max_size=2), st.just({}))
CSV_EDIT = st.one_of(
    st.tuples(st.just("cell"), st.integers(0, 10**6), st.integers(0, 100), CELL_TEXT),
    st.tuples(st.just("delete-row"), st.integers(0, 10**6), st.just(0), st.just("")),
    st.tuples(st.just("duplicate-row"), st.integers(0, 10**6), st.just(0), st.just("")),
    st.tuples(st.just("swap-rows"), st.integers(0, 10**6), st.integers(0, 10**6), st.just("")),
)
JSON_EDIT = st.tuples(st.just("json"), st.lists(st.integers(0, 10**6), min_size=1, max_size=5),
                      st.booleans(), JSON_VALUE)


def edit_csv(path: Path, edit: tuple) -> None:
    kind, a, b, value = edit
    header, rows = _read(path)
    if not rows:
        return
    row = a % len(rows)
    if kind == "cell":
        rows[row][b % len(header)] = value
    elif kind == "delete-row":
        del rows[row]
    elif kind == "duplicate-row":
        rows.insert(row, list(rows[row]))
    else:
        other = b % len(rows)
        rows[row], rows[other] = rows[other], rows[row]
    _write(path, header, rows)


def edit_json(path: Path, edit: tuple) -> None:
    """Walk into the JSON by the given choices, then replace the value found there or remove it."""
    _, choices, remove, value = edit
    document = json.loads(path.read_text(encoding="utf-8"))
    node = document
    for choice in choices[:-1]:
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) if isinstance(node, list) else []
        containers = [(k, v) for k, v in children if isinstance(v, (dict, list)) and v]
        if not containers:
            break
        node = containers[choice % len(containers)][1]
    if isinstance(node, dict) and node:
        key = list(node)[choices[-1] % len(node)]
    elif isinstance(node, list) and node:
        key = choices[-1] % len(node)
    else:
        return
    if remove:
        del node[key]
    else:
        node[key] = value
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def apply(root: Path, csv_files: list[str], json_files: list[str], edits: list[tuple[int, tuple]]) -> None:
    for which, edit in edits:
        if edit[0] == "json":
            edit_json(root / json_files[which % len(json_files)], edit)
        else:
            edit_csv(root / csv_files[which % len(csv_files)], edit)


def assert_report(code: int, out: str, err: str) -> list[dict]:
    assert code in (0, 1), (code, err)
    assert "Traceback" not in err
    report = json.loads(out)
    problems = report["problems"]
    assert (code == 1) == bool(problems) == (not report["valid"])
    for problem in problems:
        assert problem["file"] and problem["rule"] and problem["message"], problem
        assert problem["line"] is None or (isinstance(problem["line"], int) and problem["line"] >= 1), problem
    return problems


SMALL_CSV = [f"data/{t}.csv" for t in SMALL_TABLES]
SMALL_JSON = ["datapackage.json"] + [f"schemas/{t}.schema.json" for t in SMALL_TABLES]
EDITS = st.lists(st.tuples(st.integers(0, 100), st.one_of(CSV_EDIT, JSON_EDIT)), min_size=1, max_size=4)


def test_the_quote_package_is_valid(tmp_path: Path) -> None:
    code, out, _err = run(quote_package(tmp_path / "q"))
    assert (code, json.loads(out)) == (0, {"valid": True, "problems": []}), out


@settings(max_examples=150, **SETTINGS)
@given(EDITS)
def test_random_edits_give_a_report_never_a_traceback(tmp_path_factory, edits) -> None:
    root = small_package(tmp_path_factory.mktemp("edits") / "p")
    apply(root, SMALL_CSV, SMALL_JSON, edits)
    assert_report(*run(root))


@settings(max_examples=50, **SETTINGS)
@given(st.lists(st.tuples(st.integers(0, 100), CSV_EDIT), max_size=3), st.integers(0, 10**6), st.integers(0, 100))
def test_a_duplicated_row_always_fails(tmp_path_factory, edits, row, table) -> None:
    """Whatever else was edited in the rows, a duplicated row breaks its primary key: exit code 1."""
    root = small_package(tmp_path_factory.mktemp("dup") / "p")
    apply(root, SMALL_CSV, SMALL_JSON, edits)
    filled = [name for name in SMALL_CSV if _read(root / name)[1]]
    edit_csv(root / filled[table % len(filled)], ("duplicate-row", row, 0, ""))
    problems = assert_report(*run(root))
    assert problems


@settings(max_examples=30, **SETTINGS)
@given(st.lists(st.tuples(st.integers(0, 100), CSV_EDIT), max_size=2), st.integers(0, 10**6),
       st.integers(0, 10**6), CELL_TEXT.filter(bool))
def test_a_changed_quote_always_fails(tmp_path_factory, edits, row, at, text) -> None:
    """Inserting anything into a claim's verbatim quote_ar breaks it (verbatim, or a text rule): exit code 1."""
    root = quote_package(tmp_path_factory.mktemp("quote") / "q")
    apply(root, [f"data/{t}.csv" for t in QUOTE_TABLES], ["datapackage.json"], edits)
    header, rows = _read(root / "data" / "claims.csv")
    if rows:
        column = header.index("quote_ar")
        quote = rows[row % len(rows)][column]
        rows[row % len(rows)][column] = quote[: at % (len(quote) + 1)] + text + quote[at % (len(quote) + 1):]
        _write(root / "data" / "claims.csv", header, rows)
    problems = assert_report(*run(root))
    assert problems
    if rows:
        assert any(p["file"] == "data/claims.csv" for p in problems), problems
