"""Versions and IDs against the last release: which bump a change needs, which release is the baseline."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, PackageCopy, assert_reported

from coalition_data.package import open_package
from coalition_data.validation.problems import Problem
from coalition_data.validation.versions import (
    latest_manifest,
    manifest,
    required_bump,
    write_manifest,
)


@pytest.fixture
def released(package: PackageCopy) -> PackageCopy:
    """The package as just released: its manifest written, CHANGELOG in place, nothing to report."""
    shutil.copy(REPO / "CHANGELOG.md", package.root / "CHANGELOG.md")
    write_manifest(open_package(package.root))
    assert package.validate() == []
    return package


def tighten_fatalities(package: PackageCopy) -> None:
    """A schema change the data still meets: a new maximum on events.fatalities."""
    package.set_constraints("events", "fatalities", maximum=100000)


def bump_messages(problems: list[Problem]) -> list[str]:
    return [p.message for p in problems if p.rule == "version-bump"]


def test_a_constraint_change_is_a_schema_change(released: PackageCopy) -> None:
    tighten_fatalities(released)
    last = open_package(released.root).version
    released.set_version(released.next_patch(), changelog=True)
    problems = released.validate()
    assert_reported(problems, "version-bump", file="datapackage.json", column="version")
    assert bump_messages(problems) == [
        f"a major change since release {last} needs a major version bump, not patch, because schema of events "
        f"changed: fields, types, constraints or keys (major); changed since {last}: schemas/events.schema.json"]


def test_before_1_0_a_schema_change_may_take_a_minor_bump(released: PackageCopy) -> None:
    tighten_fatalities(released)
    assert open_package(released.root).version.startswith("0.")
    released.set_version(released.next_minor(), changelog=True)
    assert released.validate() == []


def test_from_1_0_a_schema_change_needs_a_major_bump(package: PackageCopy) -> None:
    shutil.copy(REPO / "CHANGELOG.md", package.root / "CHANGELOG.md")
    package.set_version("1.0.0", changelog=True)
    write_manifest(open_package(package.root))
    tighten_fatalities(package)
    package.set_version("1.1.0", changelog=True)
    assert bump_messages(package.validate()) == [
        "a major change since release 1.0.0 needs a major version bump, not minor, because schema of events "
        "changed: fields, types, constraints or keys (major); changed since 1.0.0: schemas/events.schema.json"]
    package.set_version("2.0.0", changelog=True)
    assert package.validate() == []


def test_the_level_each_change_needs(package: PackageCopy) -> None:
    old = manifest(open_package(package.root))
    assert required_bump(old, copy.deepcopy(old)) is None

    corrected = copy.deepcopy(old)
    corrected["files"]["data/events.csv"] = "0" * 64
    assert required_bump(old, corrected) == "patch"

    more_rows = copy.deepcopy(corrected)
    more_rows["rows"]["claims"] += 1
    assert required_bump(old, more_rows) == "minor"

    new_table = copy.deepcopy(corrected)
    new_table["structure"]["notes"] = "0" * 64
    new_table["rows"]["notes"] = 3
    assert required_bump(old, new_table) == "minor"

    dropped_table = copy.deepcopy(corrected)
    del dropped_table["structure"]["furniture"]
    assert required_bump(old, dropped_table) == "major"

    fewer_rows = copy.deepcopy(corrected)
    fewer_rows["rows"]["claims"] -= 1
    assert required_bump(old, fewer_rows) == "patch"


def test_the_newest_release_is_the_baseline_by_version_not_by_name(tmp_path: Path) -> None:
    assert latest_manifest(tmp_path) is None
    releases = tmp_path / "releases"
    releases.mkdir()
    for name in ("0.9.0", "0.10.0", "0.2.11", "notes", "1.0"):
        record = {"version": name, "files": {}, "structure": {}, "rows": {}, "ids": {}}
        (releases / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
    newest = latest_manifest(tmp_path)
    assert newest is not None and newest["version"] == "0.10.0"


def test_the_newest_release_decides_what_changed(released: PackageCopy) -> None:
    """An older manifest with other IDs does not matter once a newer release exists."""
    older = manifest(open_package(released.root))
    older["version"] = "0.2.9"
    older["ids"]["events"]["EV0001"] = json.dumps(["something-else"])
    (released.root / "releases" / "0.2.9.json").write_text(json.dumps(older), encoding="utf-8")
    assert released.validate() == []


def test_a_retired_id_cannot_stay_in_use(released: PackageCopy) -> None:
    version = released.next_minor()
    released.write_rows("retired_ids", [{"id": "EV0001", "table_name": "events", "retired_in": version,
                                         "reason_en": "A test tombstone.", "replaced_by": ""}])
    released.set_version(version, changelog=True)
    problems = released.validate()
    assert_reported(problems, "id-retired", file="data/retired_ids.csv", column="id", value="EV0001")
    assert [p.rule for p in problems] == ["id-retired"]
