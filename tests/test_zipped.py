"""A release's zip is a Frictionless zipped data package that every command reads directly, safely."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

import coalition_data
from coalition_data.cli import main
from coalition_data.release import build_release


@pytest.fixture(scope="module")
def release_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = build_release(REPO, tmp_path_factory.mktemp("dist"))
    return folder.parent / f"{folder.name}.zip"


def test_frictionless_accepts_the_zip(release_zip: Path) -> None:
    import frictionless

    report = frictionless.validate(str(release_zip))
    assert report.valid, report.flatten(["type", "note"])


def test_the_loader_reads_the_zip_directly(release_zip: Path) -> None:
    for name, frame in coalition_data.load_all().items():
        zipped = coalition_data.load(name, path=release_zip)
        assert zipped.schema == frame.schema and zipped.equals(frame), name
    assert coalition_data.scan("claims", path=release_zip).collect().equals(coalition_data.load("claims"))
    assert coalition_data.source_text("002_8cb95a9eb40e0622", path=release_zip) == coalition_data.source_text("002_8cb95a9eb40e0622")
    assert coalition_data.tables(path=release_zip) == coalition_data.tables()


def test_validate_summary_and_diff_read_the_zip(release_zip: Path, capsys) -> None:
    assert main(["validate", str(release_zip)]) == 0
    assert main(["summary", str(release_zip)]) == 0
    assert "events" in capsys.readouterr().out
    assert main(["diff", str(release_zip), str(REPO)]) == 0
    assert "no differences" in capsys.readouterr().out


def hostile_zip(path: Path, name: str, data: bytes = b"x", *, link: bool = False) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("datapackage.json", (REPO / "datapackage.json").read_bytes())
        info = zipfile.ZipInfo(name)
        if link:
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, data)
    return path


@pytest.mark.parametrize(("entry", "link", "message"), [
    ("../escaped.txt", False, "relative path inside the package"),
    ("data/../../escaped.txt", False, "relative path inside the package"),
    ("/tmp/escaped.txt", False, "relative path inside the package"),
    ("data\\..\\..\\escaped.txt", False, "relative path inside the package"),
    ("C:/escaped.txt", False, "relative path inside the package"),
    ("data/sources/000.txt", True, "symbolic link"),
    ("datapackage.json", False, "appears twice"),
])
def test_a_hostile_zip_is_refused_and_writes_nothing_outside(tmp_path: Path, entry: str, link: bool, message: str,
                                                             capsys) -> None:
    archive = hostile_zip(tmp_path / "hostile.zip", entry, b"/etc/passwd" if link else b"x", link=link)
    with pytest.raises(coalition_data.PackageError, match=message):
        coalition_data.load("events", path=archive)
    assert main(["summary", str(archive)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path.parent / "escaped.txt").exists() and not Path("/tmp/escaped.txt").exists()


def test_a_zip_bomb_stops_at_the_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("coalition_data.zipped.MAX_BYTES", 1 << 20)
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("datapackage.json", (REPO / "datapackage.json").read_bytes())
        zipped.writestr("data/zeros.csv", b"\0" * (8 << 20))
    assert archive.stat().st_size < 100_000
    with pytest.raises(coalition_data.PackageError, match="unpacks to more than"):
        coalition_data.load("events", path=archive)


def test_a_zip_without_a_descriptor_at_its_root_is_a_clear_error(tmp_path: Path, capsys) -> None:
    archive = tmp_path / "folder.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("coalition-data-0.4.0/datapackage.json", b"{}")
    assert main(["validate", str(archive)]) == 2
    assert "no datapackage.json at the root of the zip" in capsys.readouterr().err
    with pytest.raises(coalition_data.PackageError, match="no datapackage.json at the root of the zip"):
        coalition_data.load("events", path=archive)
