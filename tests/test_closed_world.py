"""Attacks from an independent review of the closed world, each pinned: a hostile package or command line can
make no command read or write outside its folders, delete what it did not make, or end in a traceback."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO, PackageCopy, assert_reported
from test_release_safety import snapshot

import coalition_data
from coalition_data.cli import main
from coalition_data.package import PackageError, open_package


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def edit_schema(package: PackageCopy, table: str, edit) -> None:
    path = package.root / "schemas" / f"{table}.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema)
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")


def test_a_row_id_cannot_name_a_page_outside_the_site(package: PackageCopy, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    rows = package.rows("actors")
    rows.append({**rows[0], "actor_id": "../../victim/pwned", "parent_id": ""})
    package.write_rows("actors", rows)
    code, _, err = run("site", str(tmp_path / "out" / "site"), "--path", str(package.root))
    assert code == 2 and "not a plain file name" in err and "Traceback" not in err
    assert list(victim.iterdir()) == [] and not (tmp_path / "out" / "site").exists()


def test_a_forged_site_marker_does_not_make_a_folder_ours(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "thesis.docx").write_text("precious", encoding="utf-8")
    (folder / ".coalition-data-site.json").write_text(json.dumps({"files": {"thesis.docx": "0" * 64}}),
                                                      encoding="utf-8")
    code, _, err = run("site", str(folder))
    assert code == 2 and "not a site written by coalition-data" in err
    assert (folder / "thesis.docx").read_text(encoding="utf-8") == "precious"


def test_screenshots_are_never_written_through_a_link(tmp_path: Path) -> None:
    from coalition_data.site.screenshots import ARTICLE_PNG, take

    victim = tmp_path / "victim.png"
    victim.write_bytes(b"mine")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / ARTICLE_PNG).symlink_to(victim)
    with pytest.raises(PackageError, match="not a regular file"):
        take(docs)
    assert victim.read_bytes() == b"mine"


def test_the_release_record_is_never_written_through_a_planted_link(package: PackageCopy, tmp_path: Path) -> None:
    from coalition_data.validation.versions import write_manifest

    victim = tmp_path / "victim.txt"
    victim.write_text("mine", encoding="utf-8")
    version = open_package(package.root).version
    (package.root / "releases").mkdir()
    for name in (f".{version}.json.partial", f".{version}.json.tmp"):
        (package.root / "releases" / name).symlink_to(victim)
    record = write_manifest(open_package(package.root))
    assert record is not None and not record.is_symlink() and json.loads(record.read_text())["version"] == version
    assert victim.read_text(encoding="utf-8") == "mine"


def test_a_repeated_primary_key_field_is_a_problem_not_a_crash(package: PackageCopy) -> None:
    edit_schema(package, "events", lambda s: s.update(primaryKey=["event_id", "event_id"]))
    code, out, err = run("validate", str(package.root))
    assert code == 1 and "Traceback" not in out + err
    assert "schemas/events.schema.json" in out


def test_a_table_without_a_primary_key_is_compared_with_the_last_release_without_a_crash(package: PackageCopy) -> None:
    shutil.copytree(REPO / "releases", package.root / "releases")
    edit_schema(package, "events", lambda s: s.update(primaryKey=[]))
    code, out, err = run("validate", str(package.root))
    assert code == 1 and "Traceback" not in out + err
    assert "version-bump" in out  # a schema change since the release


@pytest.mark.parametrize(("where", "value"), [("licenses", ["CC"]), ("contributors", [{"title": 5}])])
def test_the_site_refuses_an_odd_descriptor_without_a_traceback(package: PackageCopy, tmp_path: Path,
                                                                 where: str, value: object) -> None:
    path = package.root / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor[where] = value
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    code, _, err = run("site", str(tmp_path / "site"), "--path", str(package.root))
    assert code == 2 and "datapackage.json" in err and "Traceback" not in err
    assert not (tmp_path / "site").exists()


def test_a_stray_parquet_file_is_never_read_in_place_of_the_csv(package: PackageCopy) -> None:
    frame = coalition_data.load("events", path=package.root)
    (package.root / "parquet").mkdir()
    frame.with_columns(pl.lit("HOSTILE").alias("title_en")).write_parquet(package.root / "parquet" / "events.parquet")
    with pytest.raises(PackageError, match="parquet/datapackage.json"):
        coalition_data.load("events", path=package.root)
    assert_reported(package.validate(), "parquet", file="parquet/events.parquet")


def test_a_listed_parquet_file_with_other_rows_is_a_problem(package: PackageCopy) -> None:
    from coalition_data.parquet import write_parquet

    write_parquet(open_package(package.root), package.root / "parquet")
    assert package.validate() == []
    rows = package.rows("events")
    rows[0]["title_en"] = "A title the Parquet copy does not have"
    package.write_rows("events", rows)
    assert_reported(package.validate(), "parquet", file="parquet/events.parquet")


def test_a_foreign_key_to_a_missing_table_is_a_problem(package: PackageCopy) -> None:
    edit_schema(package, "events", lambda s: s.setdefault("foreignKeys", []).append(
        {"fields": ["event_type"], "reference": {"resource": "nope", "fields": ["x"]}}))
    assert_reported(package.validate(), "schema", file="schemas/events.schema.json", value="nope")


def test_a_zip_bomb_by_ratio_and_an_overlong_entry_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "ratio.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", (REPO / "datapackage.json").read_bytes())
        archive.writestr("data/zeros.csv", b"\0" * (64 << 20))
    with pytest.raises(PackageError, match="zip bomb"):
        coalition_data.load("events", path=bomb)
    long = tmp_path / "long.zip"
    with zipfile.ZipFile(long, "w") as archive:
        archive.writestr("datapackage.json", (REPO / "datapackage.json").read_bytes())
        archive.writestr("a" * 300, b"x")
    with pytest.raises(PackageError):
        coalition_data.load("events", path=long)
    assert not list(Path(tmp_path).glob("coalition-data-zip-*"))


def test_codebook_and_timeline_never_write_into_the_installed_library(tmp_path: Path) -> None:
    installed = PackageCopy(tmp_path / "lib" / "coalition_data" / "_package")
    (installed.root / "docs").mkdir()
    shutil.copy(REPO / "docs" / "codebook.md", installed.root / "docs" / "codebook.md")
    before = snapshot(tmp_path / "lib")
    for argv in (["codebook"], ["timeline"]):
        code, _, err = run(*argv, "--path", str(installed.root))
        assert code == 2 and "never written to" in err, argv
    assert snapshot(tmp_path / "lib") == before
