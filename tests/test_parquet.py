"""The Parquet copy: typed for any Arrow reader, read back by the loader into the same frames."""

from __future__ import annotations

import hashlib
import json

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO, PackageCopy, record_parquet_hash

from coalition_data import load, load_all
from coalition_data.package import PackageError, open_package
from coalition_data.parquet import write_parquet

ALLOWED_STATUSES = next(f for f in open_package(REPO).table("events").fields
                        if f["name"] == "status")["constraints"]["enum"]


@pytest.fixture
def with_parquet(package: PackageCopy) -> PackageCopy:
    write_parquet(open_package(package.root), package.root / "parquet")
    return package


def test_loader_reads_parquet_into_the_same_frames(with_parquet: PackageCopy) -> None:
    csv_frames = load_all()
    for name, frame in load_all(path=with_parquet.root).items():
        assert frame.schema == csv_frames[name].schema and frame.equals(csv_frames[name]), name


def test_parquet_is_what_the_csv_says_even_when_csv_changes_later(with_parquet: PackageCopy) -> None:
    """Parquet wins when present: a release's two copies are written from one validated CSV."""
    with_parquet.set_cell("events", 0, "title_en", "Edited after the build")
    assert load("events", path=with_parquet.root)["title_en"][0] != "Edited after the build"


def test_other_readers_see_plain_types_and_descriptions(with_parquet: PackageCopy) -> None:
    schema = pq.read_schema(with_parquet.root / "parquet" / "events.parquet")
    assert str(schema.field("status").type) == "dictionary<values=string, indices=uint8, ordered=1>"
    assert str(schema.field("event_id").type) == "string"
    assert str(schema.field("date_start").type) == "date32[day]"
    assert str(schema.field("fatalities").type) == "int64"
    assert json.loads(schema.field("status").metadata[b"enum"]) == ALLOWED_STATUSES
    assert schema.field("event_id").metadata[b"description"].startswith(b"Stable ID")
    codes = pq.ParquetFile(with_parquet.root / "parquet" / "events.parquet").metadata.row_group(0)
    status = next(codes.column(i) for i in range(codes.num_columns) if codes.column(i).path_in_schema == "status")
    assert "RLE_DICTIONARY" in status.encodings  # dictionary-encoded on disk


def test_enums_arrive_as_each_readers_own_enum_type(with_parquet: PackageCopy) -> None:
    """Polars reads pl.Enum without a cast, pandas an ordered categorical of every allowed value, DuckDB text."""
    import duckdb

    path = with_parquet.root / "parquet" / "events.parquet"
    assert pl.read_parquet(path).schema["status"] == pl.Enum(ALLOWED_STATUSES)
    status = pq.read_table(path).to_pandas()["status"]
    assert status.dtype.name == "category" and status.cat.ordered
    assert list(status.cat.categories) == ALLOWED_STATUSES
    described = {row[0]: row[1] for row in duckdb.sql(f"DESCRIBE SELECT * FROM '{path}'").fetchall()}
    assert described["status"] == "VARCHAR" and described["date_start"] == "DATE"


def test_parquet_with_enums_as_plain_strings_loads_the_same(with_parquet: PackageCopy) -> None:
    """Releases before 0.3.0 stored enums as strings; the loader still gives pl.Enum."""
    path = with_parquet.root / "parquet" / "events.parquet"
    expected = load("events", path=with_parquet.root)
    expected.with_columns(pl.col(pl.Enum).cast(pl.String)).write_parquet(path)
    record_parquet_hash(with_parquet.root, "events")
    assert pl.read_parquet(path).schema["status"] == pl.String
    assert load("events", path=with_parquet.root).equals(expected)
    assert load("events", path=with_parquet.root).schema == expected.schema


def test_parquet_descriptor_lists_each_hash(with_parquet: PackageCopy) -> None:
    descriptor = json.loads((with_parquet.root / "parquet" / "datapackage.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in descriptor["resources"]]
    assert names == list(open_package(with_parquet.root).tables)
    for resource in descriptor["resources"]:
        path = with_parquet.root / "parquet" / resource["path"]
        assert resource["hash"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        assert "bytes" not in resource  # frictionless cannot count a Parquet file's bytes (it reads it via pandas)


def test_frictionless_accepts_the_parquet_descriptor(tmp_path) -> None:
    import frictionless

    write_parquet(open_package(REPO), tmp_path / "parquet")
    report = frictionless.validate(str(tmp_path / "parquet" / "datapackage.json"))
    assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])
    rows = [load(name).height for name in open_package(REPO).tables]
    assert [task.stats.get("rows", 0) for task in report.tasks] == rows  # every row was read and checked


def test_frictionless_reads_integers_as_integers_and_checks_them(with_parquet: PackageCopy) -> None:
    """pandas (which frictionless reads Parquet through) gets nullable Int64, so a count stays a count, and a
    count the schema forbids is still reported."""
    import frictionless

    path = with_parquet.root / "parquet" / "events.parquet"
    assert str(pq.read_table(path).to_pandas()["fatalities"].dtype) == "Int64"
    descriptor = with_parquet.root / "parquet" / "datapackage.json"
    rows = frictionless.Package(str(descriptor)).get_resource("events").read_rows()
    assert [row["fatalities"] for row in rows] == load("events")["fatalities"].to_list()
    table = pq.read_table(path)
    position = table.schema.get_field_index("fatalities")
    table = table.set_column(position, table.schema.field(position), pa.array([-1] * table.num_rows, pa.int64()))
    pq.write_table(table, path)
    report = frictionless.validate(str(descriptor))
    assert {(error.type, error.field_name) for error in report.tasks[2].errors} == {("constraint-error", "fatalities")}


def test_writing_twice_gives_identical_bytes(with_parquet: PackageCopy, tmp_path) -> None:
    write_parquet(open_package(with_parquet.root), tmp_path / "again")
    first = sorted(p.relative_to(with_parquet.root / "parquet") for p in (with_parquet.root / "parquet").rglob("*")
                   if p.is_file())
    assert first == sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*") if p.is_file())
    for relative in first:
        assert (tmp_path / "again" / relative).read_bytes() == (with_parquet.root / "parquet" / relative).read_bytes()


def test_parquet_with_wrong_columns_is_a_clear_error(with_parquet: PackageCopy) -> None:
    pl.DataFrame({"x": [1]}).write_parquet(with_parquet.root / "parquet" / "actors.parquet")
    record_parquet_hash(with_parquet.root, "actors")
    with pytest.raises(PackageError, match=r"actors\.parquet: columns \['x'\] differ"):
        load("actors", path=with_parquet.root)


def test_version_is_checked_not_fetched(package: PackageCopy) -> None:
    current = open_package(package.root).version
    assert load("events", path=package.root, version=current).height > 0
    with pytest.raises(PackageError, match=r"version 9\.9\.9 requested but version .* download release 9\.9\.9"):
        load("events", path=package.root, version="9.9.9")
