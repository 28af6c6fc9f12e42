"""`release` never destroys or writes what it did not make, whatever the package or the command line says."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import REPO, PackageCopy

from coalition_data.cli import main
from coalition_data.package import open_package
from coalition_data.release import ReleaseError, build_release


RELEASE = f"coalition-data-{open_package(REPO).version}"  # the folder a release of the shipped data is named
VERSION = open_package(REPO).version


def snapshot(root: Path) -> dict[str, object]:
    """Every entry under ``root``: file bytes, link targets and folders, so any change shows."""
    state: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if path.is_symlink():
            state[key] = ("link", os.readlink(path))
        elif path.is_dir():
            state[key] = ("dir",)
        else:
            state[key] = ("file", path.read_bytes(), path.stat().st_mode)
    return state


@pytest.fixture
def world(package: PackageCopy, tmp_path: Path) -> tuple[PackageCopy, Path, dict, dict]:
    """A package beside a sibling folder full of someone else's files, with snapshots of both."""
    shutil.copy(REPO / "CHANGELOG.md", package.root / "CHANGELOG.md")
    sibling = tmp_path / "sibling"
    (sibling / RELEASE).mkdir(parents=True)
    (sibling / RELEASE / "thesis.tex").write_text("years of work", encoding="utf-8")
    (sibling / "notes.txt").write_text("keep me", encoding="utf-8")
    return package, sibling, snapshot(package.root), snapshot(sibling)


def set_descriptor(package: PackageCopy, **values: object) -> None:
    path = package.root / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor.update(values)
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")


def release_cli(package: PackageCopy, outdir: Path, *extra: str) -> int:
    return main(["release", str(outdir), "--path", str(package.root), *extra])


@pytest.mark.parametrize("version", ["0.4.0/../../sibling", "../sibling", "0.4.0/../../../sibling/notes.txt",
                                     "/tmp", "0.4", "1.0.0-rc.1/.."])
def test_a_version_that_is_a_path_neither_deletes_nor_writes(world, tmp_path: Path, version: str, capsys) -> None:
    package, sibling, _, before = world
    set_descriptor(package, version=version)
    package_before = snapshot(package.root)
    assert release_cli(package, tmp_path / "out" / "dist", "--force") == 1
    err = capsys.readouterr().err
    assert "version" in err and "MAJOR.MINOR.PATCH" in err and "Traceback" not in err
    assert snapshot(sibling) == before and snapshot(package.root) == package_before
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["../sibling", "coalition-data/../../sibling", "Coalition", "-x", ".hidden"])
def test_a_package_name_that_is_a_path_is_refused(world, tmp_path: Path, name: str, capsys) -> None:
    package, sibling, _, before = world
    set_descriptor(package, name=name)
    assert release_cli(package, tmp_path / "dist", "--force") in (1, 2)
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(sibling) == before


def test_an_output_folder_inside_the_package_is_refused(world, capsys) -> None:
    package, _, before, _ = world
    assert release_cli(package, package.root / "dist") == 2
    assert "inside the package" in capsys.readouterr().err
    assert snapshot(package.root) == before


def test_an_output_folder_that_is_a_link_or_a_file_is_refused(world, tmp_path: Path, capsys) -> None:
    package, sibling, _, before = world
    (tmp_path / "link").symlink_to(sibling)
    assert release_cli(package, tmp_path / "link") == 2
    assert "symbolic link" in capsys.readouterr().err
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    assert release_cli(package, tmp_path / "file") == 2
    assert "is a file" in capsys.readouterr().err
    assert snapshot(sibling) == before and (tmp_path / "file").read_text(encoding="utf-8") == "not a folder"


def test_someone_elses_folder_with_the_release_name_survives_even_with_force(world, capsys) -> None:
    package, sibling, _, before = world
    assert release_cli(package, sibling) == 2
    assert "--force" in capsys.readouterr().err
    assert release_cli(package, sibling, "--force") == 2
    assert "not an earlier release" in capsys.readouterr().err
    assert snapshot(sibling) == before


def test_a_target_that_is_a_link_is_refused(world, tmp_path: Path, capsys) -> None:
    package, sibling, _, before = world
    out = tmp_path / "dist"
    out.mkdir()
    (out / RELEASE).symlink_to(sibling / RELEASE)
    (out / f"{RELEASE}.zip").symlink_to(sibling / "notes.txt")
    assert release_cli(package, out, "--force") == 2
    assert "symbolic link" in capsys.readouterr().err
    assert snapshot(sibling) == before


def test_force_replaces_an_earlier_release_and_only_that(world, tmp_path: Path) -> None:
    package, _, _, _ = world
    out = tmp_path / "dist"
    folder = build_release(package.root, out)
    (out / "unrelated.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ReleaseError, match="--force"):
        build_release(package.root, out)
    first = snapshot(folder)
    assert build_release(package.root, out, force=True) == folder
    assert snapshot(folder) == first
    assert sorted(p.name for p in out.iterdir()) == [RELEASE, f"{RELEASE}.zip", "unrelated.txt"]


@pytest.mark.parametrize("tamper", ["added", "edited", "linked"])
def test_force_refuses_a_release_folder_its_checksums_no_longer_describe(world, tmp_path: Path, tamper: str) -> None:
    package, sibling, _, _ = world
    out = tmp_path / "dist"
    folder = build_release(package.root, out)
    if tamper == "added":
        (folder / "data" / "my-analysis.csv").write_text("a,b\n", encoding="utf-8")
    elif tamper == "edited":
        (folder / "README.md").write_text("my notes", encoding="utf-8")
    else:
        (folder / "LICENSE").symlink_to(sibling / "notes.txt")
    before = snapshot(folder)
    with pytest.raises(ReleaseError, match="not an earlier release"):
        build_release(package.root, out, force=True)
    assert snapshot(folder) == before


def test_force_refuses_a_zip_that_is_not_an_earlier_release(world, tmp_path: Path) -> None:
    package, _, _, _ = world
    out = tmp_path / "dist"
    out.mkdir()
    (out / f"{RELEASE}.zip").write_bytes(b"my own zip, not a release")
    with pytest.raises(ReleaseError, match="not an earlier release"):
        build_release(package.root, out, force=True)
    assert (out / f"{RELEASE}.zip").read_bytes() == b"my own zip, not a release"


def test_re_releasing_an_unpacked_release_into_its_own_parent_keeps_it(world, tmp_path: Path, capsys) -> None:
    package, _, _, _ = world
    folder = build_release(package.root, tmp_path / "dist")
    before = snapshot(folder)
    assert main(["release", str(folder.parent), "--path", str(folder), "--force"]) == 2
    assert "the package being released is there" in capsys.readouterr().err
    assert snapshot(folder) == before


def test_a_failure_mid_build_leaves_everything_as_it_was(world, tmp_path: Path, monkeypatch) -> None:
    package, _, _, _ = world
    out = tmp_path / "dist"
    folder = build_release(package.root, out)
    before, package_before = snapshot(out), snapshot(package.root)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("coalition_data.release._write_zip", broken)
    with pytest.raises(OSError):
        build_release(package.root, out, force=True)
    assert snapshot(out) == before and snapshot(package.root) == package_before
    assert folder.is_dir()


def test_a_release_record_is_never_rewritten(world, tmp_path: Path, capsys) -> None:
    package, _, _, _ = world
    build_release(package.root, tmp_path / "first")
    record = package.root / "releases" / f"{VERSION}.json"
    recorded = record.read_bytes()
    build_release(package.root, tmp_path / "again")  # the same data: the same record, left as it is
    assert record.read_bytes() == recorded
    rows = package.rows("events")
    rows[0]["title_en"] = "A corrected title"
    package.write_rows("events", rows)
    assert release_cli(package, tmp_path / "third") == 1  # validate: data changed without a version bump
    captured = capsys.readouterr()
    assert "version-bump" in captured.out + captured.err
    assert record.read_bytes() == recorded and not (tmp_path / "third").exists()


def test_a_different_record_under_the_same_version_is_refused(world, tmp_path: Path, capsys) -> None:
    package, _, _, _ = world
    record = package.root / "releases" / f"{VERSION}.json"
    build_release(package.root, tmp_path / "first")
    text = json.loads(record.read_text(encoding="utf-8"))
    text["built_by"] = "an earlier build of this version"  # same data, yet not the record this build would write
    record.write_text(json.dumps(text, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    recorded = record.read_bytes()
    assert release_cli(package, tmp_path / "second") == 2
    err = capsys.readouterr().err
    assert "never rewritten" in err and "bump the version" in err
    assert record.read_bytes() == recorded and not (tmp_path / "second").exists()


def test_the_installed_library_is_never_written_to(tmp_path: Path) -> None:
    installed = PackageCopy(tmp_path / "site-packages" / "coalition_data" / "_package")
    shutil.copy(REPO / "CHANGELOG.md", installed.root / "CHANGELOG.md")
    before = snapshot(tmp_path / "site-packages")
    folder = build_release(installed.root, tmp_path / "dist")
    assert folder.is_dir() and snapshot(tmp_path / "site-packages") == before
