"""A release's parquet/ folder is a package of its own: load, scan, validate, diff and summary read its
Parquet files (never as CSV), and it needs nothing outside the folder."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO, assert_reported, find

from coalition_data import PackageError, load, load_all, scan, source_text
from coalition_data.cli import main
from coalition_data.diff import diff, version_change
from coalition_data.package import open_package
from coalition_data.parquet import write_parquet
from coalition_data.release import ReleaseError, build_release
from coalition_data.validation import validate


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped package's Parquet folder, as a release writes it, alone in a folder of its own."""
    folder = tmp_path_factory.mktemp("parquet-only") / "parquet"
    write_parquet(open_package(REPO), folder)
    return folder


@pytest.fixture
def parquet(written: Path, tmp_path: Path) -> Path:
    """A copy to change."""
    return Path(shutil.copytree(written, tmp_path / "parquet"))


def rewrite(folder: Path, name: str, frame: pl.DataFrame) -> None:
    """Replace a table's file and record its new hash in the descriptor, as a (hostile) rebuild would."""
    path = folder / f"{name}.parquet"
    frame.write_parquet(path)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == name:
            resource["hash"] = f"sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")


def test_every_table_loads_from_parquet_as_from_the_csv(written: Path) -> None:
    csv, parquet = load_all(path=REPO), load_all(path=written / "datapackage.json")
    assert list(parquet) == list(csv)
    for name, frame in csv.items():
        assert parquet[name].schema == frame.schema, name
        assert parquet[name].equals(frame), name
        assert scan(name, path=written).collect().equals(frame), name


def test_the_folder_reads_the_parquet_files_not_the_csv(written: Path) -> None:
    package = open_package(written)
    assert {t.format for t in package.tables.values()} == {"parquet"}
    assert all(t.path.suffix == ".parquet" and t.path.parent == written for t in package.tables.values())
    assert not list(written.rglob("*.csv"))  # there is no CSV there to fall back on


def test_its_article_texts_are_the_packages(written: Path) -> None:
    for source_id in load("sources", path=REPO)["source_id"]:
        assert source_text(source_id, path=written) == source_text(source_id, path=REPO)


def test_validate_accepts_it_and_checks_its_rows(written: Path) -> None:
    assert validate(written) == []
    assert main(["validate", "--path", str(written)]) == 0


def test_a_bad_cell_is_named_by_file_row_and_column(parquet: Path) -> None:
    events = load("events", path=parquet)
    bad = events.with_columns(pl.col("date_precision").cast(pl.String))
    bad = bad.with_columns(pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("fortnight"))
                           .otherwise(pl.col("date_precision")).alias("date_precision"))
    rewrite(parquet, "events", bad)
    problems = validate(parquet)
    # a Parquet file has no lines: the number is the row, 1 for the first
    assert_reported(problems, "enum", file="events.parquet", line=3, column="date_precision", value="fortnight")
    with pytest.raises(PackageError, match="events.parquet"):
        load("events", path=parquet)


def test_a_reference_to_nothing_is_found_across_parquet_tables(parquet: Path) -> None:
    links = load("event_claims", path=parquet)
    rewrite(parquet, "event_claims", links.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("CL9999")).otherwise(pl.col("claim_id")).alias("claim_id")))
    problems = validate(parquet)
    assert find(problems, "foreign-key", file="event_claims.parquet", line=1, column="claim_id"), problems


def test_a_float_column_for_an_integer_field_is_refused(parquet: Path) -> None:
    sources = load("sources", path=parquet)
    rewrite(parquet, "sources", sources.with_columns(pl.col("bytes").cast(pl.Float64) + 0.5))
    problems = validate(parquet)
    assert_reported(problems, "type", file="sources.parquet", line=None, column="bytes")
    assert_reported(problems, "type", file="sources.parquet", line=1, column="bytes")  # and each cell, as text
    with pytest.raises(PackageError, match=r"sources\.parquet: column 'bytes' is stored as Float64"):
        load("sources", path=parquet)


def test_a_changed_file_is_refused_by_its_hash(parquet: Path) -> None:
    load("actors", path=parquet).head(3).write_parquet(parquet / "actors.parquet")  # the hash left as it was
    assert_reported(validate(parquet), "resource-hash", file="actors.parquet")
    with pytest.raises(PackageError, match="actors.parquet: its sha256 is not the one the descriptor records"):
        load("actors", path=parquet)
    with pytest.raises(PackageError, match="actors.parquet"):
        scan("actors", path=parquet)


def test_an_unlisted_parquet_file_is_reported(parquet: Path) -> None:
    shutil.copy(parquet / "actors.parquet", parquet / "actors_old.parquet")
    assert_reported(validate(parquet), "table-unlisted", file="actors_old.parquet")


def test_a_dialect_on_a_parquet_table_is_refused(parquet: Path) -> None:
    descriptor = json.loads((parquet / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0]["dialect"] = {"delimiter": ";"}
    (parquet / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    problems = validate(parquet)
    assert any("dialect is not supported for a Parquet file" in p.message for p in problems), problems
    with pytest.raises(PackageError, match="dialect is not supported for a Parquet file"):
        load("sources", path=parquet)


def test_diff_finds_no_change_between_the_formats(written: Path) -> None:
    assert all(result.status == "same" for result in diff(written, REPO))
    change = version_change(written, REPO)
    assert change.needed is None and change.files == []


def test_diff_finds_a_changed_row_in_parquet(written: Path, parquet: Path) -> None:
    actors = load("actors", path=parquet)
    rewrite(parquet, "actors", actors.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("changed")).otherwise(pl.col("name_en")).alias("name_en")))
    [result] = [r for r in diff(written, parquet) if r.status != "same"]
    assert result.table == "actors" and [c["columns"] for c in result.changed] == [
        {"name_en": [actors["name_en"][0], "changed"]}]
    assert version_change(written, parquet).needed == "patch"


def test_summary_counts_the_parquet_rows(written: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--path", str(written)]) == 0
    out = capsys.readouterr().out
    for name, frame in load_all(path=REPO).items():
        assert re.search(rf"^{name} +{frame.height} rows ", out, re.MULTILINE), name


def test_release_is_built_from_the_csv_package_only(written: Path, tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match="are Parquet files; a release is built from the CSV package"):
        build_release(written, tmp_path / "dist")
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


@pytest.fixture(scope="module")
def shipped_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_release(REPO, tmp_path_factory.mktemp("dist"))


@pytest.mark.slow
def test_every_package_in_a_release_is_read_by_every_command(shipped_release: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    zipped = shipped_release.parent / f"{shipped_release.name}.zip"
    routes = [shipped_release, shipped_release / "datapackage.json", shipped_release / "parquet",
              shipped_release / "parquet" / "datapackage.json", zipped]
    expected = load_all(path=REPO)
    for route in routes:
        assert validate(route) == [], route
        frames = load_all(path=route)
        assert all(frames[name].equals(frame) for name, frame in expected.items()), route
        assert main(["summary", "--path", str(route)]) == 0, route
        assert "retired_ids" in capsys.readouterr().out
        for other in routes:
            assert main(["diff", str(route), str(other)]) == 0, (route, other)
            assert capsys.readouterr().out.rstrip().endswith("no differences"), (route, other)
    parquet = open_package(shipped_release / "parquet")
    assert {t.format for t in parquet.tables.values()} == {"parquet"}


def test_validating_a_release_checks_the_parquet_copies_of_the_articles(tmp_path: Path) -> None:
    """And lists no folder that a link takes out of the package."""
    root = Path(shutil.copytree(REPO, tmp_path / "package", ignore=shutil.ignore_patterns(".*", "tests", "docs")))
    write_parquet(open_package(root), root / "parquet")
    assert not [p for p in validate(root) if p.file.startswith("parquet/")]
    copy = sorted((root / "parquet" / "data" / "sources").iterdir())[0]
    copy.write_bytes(copy.read_bytes() + b" ")
    assert_reported(validate(root), "parquet", file=copy.relative_to(root).as_posix())
    copy.unlink()
    assert_reported(validate(root), "parquet", file=copy.relative_to(root).as_posix())
    assert any("no copy of this article" in p.message for p in validate(root))
    outside = tmp_path / "outside" / "sources"
    outside.mkdir(parents=True)
    (outside / "secret.txt").write_text("not the package's\n", encoding="utf-8")
    shutil.rmtree(root / "parquet" / "data")
    (root / "parquet" / "data").symlink_to(outside.parent)
    assert not [p for p in validate(root) if p.file.startswith("parquet/data/")]


def test_a_path_is_read_as_a_file_never_as_a_pattern(parquet: Path, tmp_path: Path) -> None:
    """Polars expands glob patterns in a path: "[l]ink" would match a link "link" leading out of the package."""
    outside = tmp_path / "outside"
    outside.mkdir()
    frame = load("events", path=parquet)
    frame.with_columns(pl.lit("READ FROM OUTSIDE").alias("title_en")).write_parquet(outside / "events.parquet")
    (parquet / "[l]ink").mkdir()
    shutil.move(parquet / "events.parquet", parquet / "[l]ink" / "events.parquet")
    (parquet / "link").symlink_to(outside)
    descriptor = json.loads((parquet / "datapackage.json").read_text(encoding="utf-8"))
    next(r for r in descriptor["resources"] if r["name"] == "events")["path"] = "[l]ink/events.parquet"
    (parquet / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert load("events", path=parquet).equals(frame)
    assert scan("events", path=parquet).collect().equals(frame)
    assert validate(parquet) == []


def test_a_corrupt_footer_that_made_polars_panic_is_refused_before_polars_reads_it(
        parquet: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = parquet / "claims.parquet"
    raw = bytearray(path.read_bytes())
    raw[22915] = 0xBC  # found by flipping bytes: a column's offset now points past the end of the file
    path.write_bytes(bytes(raw))
    rewrite_hash = hashlib.sha256(bytes(raw)).hexdigest()  # its hash recorded too: only the footer can refuse it
    descriptor = json.loads((parquet / "datapackage.json").read_text(encoding="utf-8"))
    next(r for r in descriptor["resources"] if r["name"] == "claims")["hash"] = f"sha256:{rewrite_hash}"
    (parquet / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    [problem] = find(validate(parquet), "parquet", file="claims.parquet")
    assert "does not lie between the magic and the footer" in problem.message
    with pytest.raises(PackageError, match="claims.parquet: not a readable Parquet file"):
        load("claims", path=parquet)
    assert "panicked" not in capfd.readouterr().err  # Polars never saw it


@pytest.mark.parametrize("read", ["load", "scan", "validate"])
def test_a_polars_panic_is_a_clear_error_naming_the_file(parquet: Path, monkeypatch: pytest.MonkeyPatch,
                                                         read: str) -> None:
    """A panic is a BaseException, which `except Exception` lets through as a traceback."""
    def panic(*args: object, **kwargs: object) -> None:
        raise pl.exceptions.PanicException("assertion failed: range.end as u64 <= self.size")

    monkeypatch.setattr(pl, "read_parquet", panic)
    monkeypatch.setattr(pl, "scan_parquet", panic)
    if read == "validate":
        [problem] = find(validate(parquet), "parquet", file="events.parquet")
        assert "assertion failed" in problem.message
    else:
        with pytest.raises(PackageError, match=r"events\.parquet: .*assertion failed"):
            (load if read == "load" else scan)("events", path=parquet)


@pytest.mark.parametrize("dtype", [pl.Float32, pl.Decimal(12, 6)])
def test_a_number_in_a_type_that_widens_to_other_decimals_is_refused(parquet: Path, dtype: pl.DataType) -> None:
    locations = load("locations", path=parquet)
    rewrite(parquet, "locations", locations.with_columns(pl.col("latitude").cast(dtype)))
    assert_reported(validate(parquet), "type", file="locations.parquet", column="latitude")
    with pytest.raises(PackageError, match="column 'latitude' is stored as"):
        load("locations", path=parquet)


def test_a_hash_that_is_not_a_string_is_refused(parquet: Path) -> None:
    descriptor = json.loads((parquet / "datapackage.json").read_text(encoding="utf-8"))
    next(r for r in descriptor["resources"] if r["name"] == "events")["hash"] = 123
    (parquet / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert any("hash must be a string" in p.message for p in validate(parquet))
    with pytest.raises(PackageError, match="hash must be"):
        load("events", path=parquet)


def test_a_decompression_bomb_is_refused_before_it_is_read(parquet: Path) -> None:
    """One 100 MB cell of a repeated letter packs into a few kilobytes: refused from the footer, unread."""
    events = load("events", path=parquet)
    bomb = events.head(1).with_columns(pl.lit("a" * 100_000_000).alias("summary_en"))
    rewrite(parquet, "events", bomb)
    assert (parquet / "events.parquet").stat().st_size < 1_000_000
    assert_reported(validate(parquet), "parquet", file="events.parquet")
    for read in (load, scan):
        with pytest.raises(PackageError, match=r"events\.parquet: its data decompresses to \d+ times"):
            read("events", path=parquet)


def test_an_encoding_other_than_utf8_on_a_parquet_table_is_refused(parquet: Path) -> None:
    descriptor = json.loads((parquet / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"][0]["encoding"] = "latin-1"
    (parquet / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert any("encoding is not supported for a Parquet file" in p.message for p in validate(parquet))
    with pytest.raises(PackageError, match="encoding is not supported for a Parquet file"):
        load("sources", path=parquet)
