"""The SQLite database, read back with the standard library's sqlite3 and compared value by value with the
CSV as Polars reads it; its keys and constraints are enforced by SQLite itself."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import REPO, PackageCopy, csv_frames

from coalition_data.formats import file_names, write_formats
from coalition_data.formats.about import FormatError
from coalition_data.formats.sqlite import write_sqlite
from coalition_data.package import Package, open_package

PACKAGE = open_package(REPO)


@pytest.fixture(scope="module")
def database(formats_written: tuple[Path, list[Path]]) -> Path:
    folder, written = formats_written
    assert written[1:3] == [folder / "coalition-data.sqlite", folder / "coalition-data.metadata.json"]
    assert file_names(PACKAGE)["sqlite"] == "coalition-data.sqlite"
    return written[1]


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def test_every_value_is_the_csv_value(database: Path) -> None:
    connection = connect(database)
    for name, frame in csv_frames(PACKAGE).items():
        cursor = connection.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
        assert [column[0] for column in cursor.description] == frame.columns
        expected = [tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row) for row in frame.iter_rows()]
        assert cursor.fetchall() == expected, name


def test_values_have_their_sql_types(database: Path) -> None:
    connection = connect(database)
    storage = {"string": "text", "integer": "integer", "number": "real", "date": "text"}
    for name, table in PACKAGE.tables.items():
        for spec in table.fields:
            kinds = {row[0] for row in connection.execute(f'SELECT DISTINCT typeof("{spec["name"]}") FROM "{name}"')}
            assert kinds <= {storage[spec["type"]], "null"}, (name, spec["name"], kinds)


def test_keys_and_not_null_come_from_the_table_schemas(database: Path) -> None:
    connection = connect(database)
    for name, table in PACKAGE.tables.items():
        info = {row[1]: row for row in connection.execute(f'PRAGMA table_info("{name}")')}
        for spec in table.fields:
            column = info[spec["name"]]
            assert column[2] == {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "date": "TEXT"}[spec["type"]]
            required = spec.get("constraints", {}).get("required", False) or spec["name"] in table.primary_key
            assert bool(column[3]) == required, (name, spec["name"])
        key = [column for column, row in sorted(info.items(), key=lambda item: item[1][5]) if row[5]]
        assert key == table.primary_key, name
        declared = sorted((fk["reference"].get("resource", name), tuple(fk["fields"]),
                           tuple(fk["reference"]["fields"])) for fk in table.schema.get("foreignKeys", []))
        listed = connection.execute(f'PRAGMA foreign_key_list("{name}")')
        found = sorted((row[2], (row[3],), (row[4],)) for row in listed)
        assert found == declared, name


def test_foreign_keys_are_clean_and_enforced(database: Path, tmp_path: Path) -> None:
    assert connect(database).execute("PRAGMA foreign_key_check").fetchall() == []
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(database.read_bytes())
    connection = sqlite3.connect(copy)
    connection.execute("PRAGMA foreign_keys = ON")
    claim = connection.execute("SELECT * FROM claims LIMIT 1").fetchone()
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        connection.execute("INSERT INTO claims VALUES (" + ", ".join("?" * len(claim)) + ")",
                           ("CL9999", "999_0000000000000000", *claim[2:]))
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        connection.execute("DELETE FROM sources")
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE constraint failed: events.event_id"):
        connection.execute("INSERT INTO events SELECT * FROM events LIMIT 1")
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL constraint failed: events.title_en"):
        connection.execute("UPDATE events SET title_en = NULL")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        connection.execute("UPDATE events SET status = 'happened'")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        connection.execute("UPDATE events SET date_start = '2024-02-30'")
    connection.execute("UPDATE events SET status = 'planned', date_start = '2024-02-29'")  # allowed values pass


def test_enum_checks_list_the_schema_values(database: Path) -> None:
    statement = connect(database).execute("SELECT sql FROM sqlite_schema WHERE name = 'events'").fetchone()[0]
    status = next(f for f in PACKAGE.table("events").fields if f["name"] == "status")
    assert 'CHECK ("status" IN (' + ", ".join(f"'{v}'" for v in status["constraints"]["enum"]) + "))" in statement


def test_descriptions_are_kept_in_the_database_and_for_datasette(database: Path) -> None:
    connection = connect(database)
    package_rows = dict(connection.execute("SELECT key, value FROM _package"))
    assert package_rows["version"] == PACKAGE.version and package_rows["title"] == PACKAGE.descriptor["title"]
    tables = {row[0]: row[1:] for row in connection.execute("SELECT * FROM _tables")}
    frames = csv_frames(PACKAGE)
    columns = connection.execute("SELECT table_name, column_name, type, required, allowed_values, description "
                                 "FROM _columns ORDER BY table_name, position").fetchall()
    expected = []
    for name, table in sorted(PACKAGE.tables.items()):
        assert tables[name] == (table.schema["title"], table.description, ", ".join(table.primary_key),
                                frames[name].height)
        for spec in table.fields:
            enum = spec.get("constraints", {}).get("enum")
            expected.append((name, spec["name"], spec["type"], int(spec.get("constraints", {}).get("required", False)),
                             None if enum is None else json.dumps(enum, ensure_ascii=False), spec["description"]))
    assert columns == expected
    metadata = json.loads(database.with_name("coalition-data.metadata.json").read_text(encoding="utf-8"))
    described = metadata["databases"][database.stem]["tables"]
    assert list(described) == list(PACKAGE.tables)
    for name, table in PACKAGE.tables.items():
        assert described[name]["description"] == table.description
        assert described[name]["columns"] == {spec["name"]: spec["description"] for spec in table.fields}
    assert metadata["license_url"] == "https://creativecommons.org/licenses/by/4.0/"


def test_two_builds_give_identical_bytes(database: Path, tmp_path: Path) -> None:
    written = write_sqlite(open_package(REPO), tmp_path / "again.sqlite", tmp_path / "again.json")
    assert written[0].read_bytes() == database.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.json", "again.sqlite"]  # no journal or temp left


def test_a_broken_reference_is_refused_and_leaves_no_file(package: PackageCopy, tmp_path: Path) -> None:
    package.set_cell("claims", 2, "source_id", "999_0000000000000000")
    claim = package.rows("claims")[2]["claim_id"]
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(FormatError, match=rf"claims\.csv: the row claim_id={claim} refers to a missing sources row"):
        write_sqlite(open_package(package.root), out / "db.sqlite")
    assert list(out.iterdir()) == []


def test_write_formats_replaces_no_existing_file(tmp_path: Path) -> None:
    (tmp_path / "stata").mkdir()
    (tmp_path / "stata" / "events.dta").write_text("mine", encoding="utf-8")
    with pytest.raises(FormatError, match=r"stata: already exists; write the formats into a new folder"):
        write_formats(open_package(REPO), tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["stata", "stata/events.dta"]
    assert (tmp_path / "stata" / "events.dta").read_text(encoding="utf-8") == "mine"


def test_datasette_shows_every_description_from_the_metadata_file(database: Path) -> None:
    """Datasette, the client the metadata file is for, serves each table with its description and every
    column's, and the licence."""
    import asyncio

    from datasette.app import Datasette
    from markupsafe import escape

    metadata = json.loads(database.with_name("coalition-data.metadata.json").read_text(encoding="utf-8"))

    async def pages() -> dict[str, tuple[int, str, dict]]:
        app = Datasette([str(database)], metadata=metadata)
        found = {}
        for name in PACKAGE.tables:
            page = await app.client.get(f"/{database.stem}/{name}")
            data = await app.client.get(f"/{database.stem}/{name}.json?_size=max")
            found[name] = (page.status_code, page.text, data.json())
        return found

    frames = csv_frames(PACKAGE)
    for name, (status, page, data) in asyncio.run(pages()).items():
        table = PACKAGE.table(name)
        assert status == 200, name
        assert str(escape(table.description)) in page, name
        for spec in table.fields:
            assert str(escape(spec["description"])) in page, (name, spec["name"])
        assert data["columns"] == frames[name].columns and len(data["rows"]) == frames[name].height, name
        assert data["license_url"] == "https://creativecommons.org/licenses/by/4.0/"


@pytest.mark.parametrize(("where", "name"), [("package", "../escape"), ("table", "../escape"), ("table", ".hidden")])
def test_a_name_that_is_not_a_plain_file_name_writes_nothing(tmp_path: Path, where: str, name: str) -> None:
    package = open_package(REPO)
    descriptor, tables = dict(package.descriptor), dict(package.tables)
    if where == "package":
        descriptor["name"] = name
    else:
        tables[name] = tables.pop("events")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(FormatError, match=rf"{where} name '{re.escape(name)}' cannot name a file"):
        write_formats(Package(package.root, descriptor, tables), out)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["out"]
