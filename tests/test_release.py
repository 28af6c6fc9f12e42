"""`release`: a reproducible, checksummed download that other tools read; the ID and version checks it enables."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import REPO, PackageCopy, assert_reported

from coalition_data import load, load_all
from coalition_data.cli import main
from coalition_data.package import open_package
from coalition_data.release import ReleaseError, build_release


def release(package: PackageCopy, out: Path) -> Path:
    return build_release(package.root, out)


@pytest.fixture
def released(package: PackageCopy, tmp_path: Path) -> tuple[PackageCopy, Path]:
    shutil.copy(REPO / "CHANGELOG.md", package.root / "CHANGELOG.md")
    shutil.copy(REPO / "LICENSE", package.root / "LICENSE")
    return package, release(package, tmp_path / "dist")


def test_release_folder_holds_everything(released) -> None:
    package, folder = released
    version = open_package(package.root).version
    assert folder.name == f"coalition-data-{version}"
    for name in ("datapackage.json", "README.md", "CHANGELOG.md", "LICENSE", "SHA256SUMS",
                 "parquet/datapackage.json", "data/events.csv", "parquet/events.parquet"):
        assert (folder / name).is_file(), name
    assert len(list((folder / "data" / "sources").glob("*.txt"))) == 5
    assert (folder.parent / f"{folder.name}.zip").is_file()


def test_descriptor_carries_sizes_and_hashes_and_frictionless_accepts_it(released) -> None:
    import frictionless

    _, folder = released
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        data = (folder / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert isinstance(resource["schema"], dict)  # inlined: the folder stands alone
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_checksums_cover_every_file(released) -> None:
    _, folder = released
    listed = {}
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_rebuild_is_byte_identical(released, tmp_path: Path) -> None:
    package, folder = released
    again = release(package, tmp_path / "again")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        assert (again / path.relative_to(folder)).read_bytes() == path.read_bytes(), path
    assert (again.parent / f"{again.name}.zip").read_bytes() == (folder.parent / f"{folder.name}.zip").read_bytes()


def test_zip_holds_the_folder(released) -> None:
    _, folder = released
    with zipfile.ZipFile(folder.parent / f"{folder.name}.zip") as archive:
        names = set(archive.namelist())
        assert archive.read("data/events.csv") == (folder / "data" / "events.csv").read_bytes()
    assert names == {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert "datapackage.json" in names  # a Frictionless zipped data package


def test_other_readers_read_every_parquet_file(released) -> None:
    _, folder = released
    for name, frame in load_all().items():
        path = folder / "parquet" / f"{name}.parquet"
        assert pq.read_table(path).num_rows == frame.height
        count = duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()[0][0]
        assert count == frame.height, name
    kinds = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{folder}/parquet/events.parquet')").fetchall()
    types = {row[0]: row[1] for row in kinds}
    assert types["status"] == "VARCHAR" and types["date_start"] == "DATE" and types["fatalities"] == "BIGINT"


def test_the_loader_reads_a_release_folder(released) -> None:
    _, folder = released
    for name, frame in load_all(path=folder).items():
        assert frame.equals(load(name)) and frame.schema == load(name).schema, name


def test_release_refuses_invalid_data(package: PackageCopy, tmp_path: Path, capsys) -> None:
    package.set_cell("events", 0, "status", "rumoured")
    with pytest.raises(ReleaseError, match="refusing to release"):
        release(package, tmp_path / "dist")
    assert not (tmp_path / "dist").exists()
    assert main(["release", str(tmp_path / "dist"), "--path", str(package.root)]) == 1
    assert "rumoured" in capsys.readouterr().err


def test_release_records_its_ids(released) -> None:
    package, _ = released
    version = open_package(package.root).version
    manifest = json.loads((package.root / "releases" / f"{version}.json").read_text(encoding="utf-8"))
    assert set(manifest["ids"]["claims"]) == set(load("claims")["claim_id"])
    assert package.validate() == []


def test_changed_data_needs_a_new_version_and_changelog(released) -> None:
    package, _ = released
    package.set_cell("events", 0, "title_en", "A corrected title")
    assert_reported(package.validate(), "version-bump", file="datapackage.json", column="version")
    patch = package.next_patch()
    package.set_version(patch)
    assert_reported(package.validate(), "changelog", file="CHANGELOG.md", value=patch)
    changelog = package.root / "CHANGELOG.md"
    changelog.write_text(changelog.read_text(encoding="utf-8").replace("## [Unreleased]", f"## [Unreleased]\n\n## [{patch}]"),
                         encoding="utf-8")
    assert package.validate() == []


def test_new_rows_need_a_minor_bump(released) -> None:
    package, _ = released
    rows = package.rows("claim_links")
    rows.append({"claim_id": "CL0080", "other_claim_id": "CL0079", "relation": "elaborates", "note_en": "Added."})
    package.write_rows("claim_links", sorted(rows, key=lambda r: (r["claim_id"], r["other_claim_id"])))
    package.set_version(package.next_patch())
    problems = package.validate()
    assert_reported(problems, "version-bump", file="datapackage.json")
    assert "minor" in next(p.message for p in problems if p.rule == "version-bump")


def test_a_released_id_cannot_vanish_without_a_tombstone(released) -> None:
    package, _ = released
    rows = [r for r in package.rows("claim_links") if "CL0080" not in (r["claim_id"], r["other_claim_id"])]
    package.write_rows("claim_links", rows)
    package.write_rows("event_claims", [r for r in package.rows("event_claims") if r["claim_id"] != "CL0080"])
    package.write_rows("claims", [r for r in package.rows("claims") if r["claim_id"] != "CL0080"])
    assert_reported(package.validate(), "id-removed", file="data/claims.csv", column="claim_id", value="CL0080")
    package.write_rows("retired_ids", [{"id": "CL0080", "table_name": "claims", "retired_in": "0.3.0",
                                        "reason_en": "Merged into CL0079.", "replaced_by": "CL0079"}])
    problems = package.validate()
    assert not [p for p in problems if p.rule.startswith("id-")], problems


def test_a_released_id_cannot_name_something_else(released) -> None:
    package, _ = released
    package.set_cell("events", 0, "event_type", "negotiation")
    assert_reported(package.validate(), "id-reused", file="data/events.csv", column="event_id", value="EV0001")


def test_diff_lists_rows_and_schema_changes(released, capsys) -> None:
    package, folder = released
    package.set_cell("events", 0, "title_en", "A corrected title")
    schema_path = package.root / "schemas" / "events.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["fields"][2]["description"] = "Changed description."
    schema_path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    rows = package.rows("furniture")
    gone = rows.pop(0)
    package.write_rows("furniture", rows)

    assert main(["diff", str(folder), str(package.root), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)["tables"]
    assert report["sources"]["status"] == "same"
    events = report["events"]
    assert events["status"] == "changed"
    assert events["changed"] == [{"key": "EV0001", "columns": {
        "title_en": [load("events")["title_en"][0], "A corrected title"]}}]
    assert events["schema"] == ['~ column title_en: description "Short title (our English)." -> "Changed description."']
    assert report["furniture"]["removed"] == [f"{gone['source_id']}|{gone['char_start']}"]

    assert main(["diff", str(folder), str(package.root)]) == 0
    text = capsys.readouterr().out
    assert "~ EV0001 title_en: " in text and "events: changed; 0 added, 0 removed, 1 changed" in text


def test_diff_with_one_folder_compares_it_with_the_shipped_package(released, capsys) -> None:
    """The README's `coalition-data diff dist/coalition-data-<version>`: a release of unchanged data differs in nothing."""
    _, folder = released
    assert main(["diff", str(folder), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)["tables"]
    assert set(report) == set(load_all()) and {t["status"] for t in report.values()} == {"same"}


def test_citation_matches_the_package_version() -> None:
    citation = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    version = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))["version"]
    assert f"\nversion: {version}\n" in citation
    assert "license: CC-BY-4.0" in citation
    assert f"version {version} (data package" in (REPO / "README.md").read_text(encoding="utf-8")


def test_release_readme_cites_the_authors_the_descriptor_and_citation_name(released) -> None:
    _, folder = released
    authors = [c["title"] for c in json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))["contributors"]]
    citation = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for author in authors:
        assert f'name: "{author}"' in citation
    assert f"## How to cite\n\n{', '.join(authors)}. *" in readme


def test_release_carries_the_citation(package: PackageCopy, tmp_path: Path) -> None:
    shutil.copy(REPO / "CITATION.cff", package.root / "CITATION.cff")
    folder = release(package, tmp_path / "dist")
    assert (folder / "CITATION.cff").read_bytes() == (REPO / "CITATION.cff").read_bytes()
