"""No input, however broken, makes `coalition-data validate` crash: random byte-level corruptions.

A thousand cases corrupt a small package (three tables with the real schemas and rows), and a
thousand more the whole shipped package, article texts included; the corruptions are applied to
the raw bytes of the descriptor, the Table Schemas, the CSV files and the texts.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, PackageCopy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coalition_data.cli import main

pytestmark = pytest.mark.slow  # left out of the quick edit-test loop: pytest -m 'not slow'

TABLES = ["event_types", "countries", "retired_ids"]
FILES = ["datapackage.json"] + [f"schemas/{t}.schema.json" for t in TABLES] + [f"data/{t}.csv" for t in TABLES]


def small_package(root: Path) -> Path:
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] in TABLES]
    (root / "schemas").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
    for name in TABLES:
        shutil.copy(REPO / "schemas" / f"{name}.schema.json", root / "schemas")
        shutil.copy(REPO / "data" / f"{name}.csv", root / "data")
    return root


def run(root: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(root), "--format", "json"])
    return code, out.getvalue(), err.getvalue()


EDIT = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, 10**6), st.binary(min_size=1, max_size=4)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.binary(min_size=1, max_size=8)
              | st.text(max_size=8).map(lambda t: t.encode("utf-8"))
              | st.sampled_from([b'"', b",", b"\n", b"\r\n", b"\x00", b"\xef\xbb\xbf", b"\xff", "ـ\u200f".encode()])),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.integers(1, 200)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.just(0)),
)


def apply(data: bytes, edit: tuple) -> bytes:
    kind, position, arg = edit
    at = position % (len(data) + 1)
    if kind == "replace":
        return data[:at] + arg + data[at + len(arg):]
    if kind == "insert":
        return data[:at] + arg + data[at:]
    if kind == "delete":
        return data[:at] + data[at + arg:]
    return data[:at]


def test_the_small_package_is_valid(tmp_path: Path) -> None:
    code, out, _ = run(small_package(tmp_path / "p"))
    assert (code, json.loads(out)) == (0, {"valid": True, "problems": []})


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(FILES), EDIT), min_size=1, max_size=3))
def test_random_corruptions_give_a_report_never_a_traceback(tmp_path_factory, edits) -> None:
    root = small_package(tmp_path_factory.mktemp("fuzz") / "p")
    for name, edit in edits:
        path = root / name
        path.write_bytes(apply(path.read_bytes(), edit))
    code, out, err = run(root)  # an exception here fails the test with its traceback
    assert code in (0, 1, 2)
    if code == 2:
        assert err.startswith("coalition-data: ") and err.strip().count("\n") == 0
        return
    report = json.loads(out)
    problems = report["problems"]
    assert (code == 1) == bool(problems) == (not report["valid"])
    for problem in problems:
        assert problem["rule"] and problem["message"] and problem["file"]


FULL_FILES = sorted(p.relative_to(REPO).as_posix() for p in [REPO / "datapackage.json", *(REPO / "schemas").glob("*.json"),
                                                             *(REPO / "data").rglob("*") ] if p.is_file())


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(FULL_FILES), EDIT), min_size=1, max_size=3))
def test_random_corruptions_of_the_whole_package_give_a_report_never_a_traceback(tmp_path_factory, edits) -> None:
    root = PackageCopy(tmp_path_factory.mktemp("fuzz") / "p").root
    for name, edit in edits:
        path = root / name
        path.write_bytes(apply(path.read_bytes(), edit))
    code, out, err = run(root)  # an exception here fails the test with its traceback
    assert code in (0, 1) and err == "", (code, err)
    report = json.loads(out)
    assert (code == 1) == bool(report["problems"]) == (not report["valid"])
    for problem in report["problems"]:
        assert problem["file"] and problem["rule"] and problem["message"], problem
        assert problem["line"] is None or (isinstance(problem["line"], int) and problem["line"] >= 1), problem
