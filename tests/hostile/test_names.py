"""Names and versions: any value that becomes part of a file name must match a strict pattern before anything
is written (issue 16 §1): the Data Package name pattern for names, SemVer for the version.

A version like ``0.4.0/../../x`` once made ``release`` delete a sibling folder and write there; here it, and
its relatives, are a problem naming ``datapackage.json``, and nothing outside the package changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hostile.harness import API, Case, Env, across, params, run_case

pytestmark = pytest.mark.hostile


def version(value: Any):
    def corrupt(env: Env) -> None:
        descriptor = env.with_history().descriptor()
        descriptor["version"] = value(env) if callable(value) else value
        env.write_descriptor(descriptor)
    return corrupt


def package_name(value: Any):
    def corrupt(env: Env) -> None:
        descriptor = env.descriptor()
        descriptor["name"] = value(env) if callable(value) else value
        env.write_descriptor(descriptor)
    return corrupt


def resource_name(value: Any):
    def corrupt(env: Env) -> None:
        env.resource("countries", name=value)
    return corrupt


def release_over_sibling(env: Env) -> None:
    """The attack that was found: a version climbing out of the output folder onto a sibling."""
    version("0.4.0/../../sibling")(env)
    (env.out / "coalition-data-0.4.0").mkdir(parents=True)  # so that the path resolves, as after a release
    sibling = env.tmp / "work" / "sibling"
    sibling.mkdir()
    (sibling / "thesis.tex").write_text("years of work\n")


HOSTILE_VERSIONS = {
    "dotdot": "0.4.0/../../x",
    "parent": "../x",
    "absolute": lambda env: str(env.tmp / "x"),  # inside the test's folder, whatever the code does
    "slash": "0.4/0",
    "two-parts": "0.4",
    "prefixed-v": "v0.4.0",
    "trailing-newline": "0.4.0\n",
    "trailing-space": "0.4.0 ",
    "empty": "",
    "nul-byte": "0.4.0\x00",
    "leading-zero": "00.4.0",
    "backslash": "0.4.0\\..\\x",
}


def _version_cases() -> list[Case]:
    cases = []
    for label, value in HOSTILE_VERSIONS.items():
        cases += across(f"version-{label}", version(value), "datapackage.json", ("validate", "release"))
    for label, value in {"integer": 4, "null": None, "list": ["0.4.0"], "object": {"v": "0.4.0"}}.items():
        cases += across(f"version-{label}", version(value), "datapackage.json", ("validate", "release"))
    return cases


HOSTILE_NAMES = {
    "dotdot": "../evil",
    "slash": "coalition/data",
    "absolute": lambda env: str(env.tmp / "evil"),
    "uppercase-space": "Coalition Data",
    "empty": "",
    "newline": "coalition-data\n",
}


CASES: list[Case] = [
    *_version_cases(),
    Case("version-dotdot-release-over-a-sibling", release_over_sibling, ("release", "{out}", "--path", "{pkg}"), 1,
         ("datapackage.json",)),
    *[case for label, value in HOSTILE_NAMES.items()
      for case in across(f"package-name-{label}", package_name(value), "datapackage.json", ("validate", "release"))],
    *across("package-name-integer", package_name(7), "datapackage.json", ("validate", "release")),
    *across("package-name-missing", package_name(None), "datapackage.json", ("validate", "release")),
    *across("resource-name-dotdot", resource_name("../countries"), "datapackage.json", ("validate", "release")),
    *across("resource-name-space", resource_name("the countries"), "datapackage.json", ("validate",)),
    *across("resource-name-integer", resource_name(3), "datapackage.json", ("validate", "summary", "load")),
    *across("resource-name-duplicate", resource_name("events"), "datapackage.json", ("validate", "summary", "diff")),
    # names given to the API and the command line
    Case("load-table-dotdot", lambda env: None, ("load", "../events"), API, ("../events",)),
    Case("load-table-path", lambda env: None, ("load", "data/events.csv"), API, ("data/events.csv",)),
    Case("source-text-id-dotdot", lambda env: None, ("source_text", "../../../etc/passwd"), API, ("etc/passwd",)),
    Case("span-source-id-dotdot", lambda env: None, ("span", "../../etc/passwd", "root", "--path", "{pkg}"), 2,
         ("../../etc/passwd",)),
]


@pytest.mark.parametrize("case", params(CASES))
def test_name(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


@pytest.mark.slow
def test_a_hostile_version_changes_nothing_beside_the_package(tmp_path: Path) -> None:
    """The snapshot test of issue 16: a sibling folder and the package, byte for byte, mode for mode and symlink
    for symlink, are the same after a hostile ``release`` as before it."""
    from hostile.harness import run_in_process, snapshot

    env = Env(tmp_path)
    release_over_sibling(env)
    sibling, work = tmp_path / "work" / "sibling", tmp_path / "work"
    before_sibling, before_package = snapshot(sibling), snapshot(env.root)
    before_work = snapshot(work, skip=env.out)
    code, out, err = run_in_process(["release", str(env.out), "--path", str(env.root)], tmp_path)
    assert code == 1 and "Traceback" not in out + err, (code, out, err)
    assert snapshot(sibling) == before_sibling
    assert snapshot(env.root) == before_package
    assert snapshot(work, skip=env.out) == before_work
    assert not (tmp_path / "x").exists() and not (work / "x").exists()
