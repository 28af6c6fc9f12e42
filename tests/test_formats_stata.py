"""The Stata files, read back with pyreadstat (ReadStat, independent of the pandas writer) and compared value
by value with the CSV as Polars reads it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import REPO, PackageCopy, csv_frames

from coalition_data.formats.about import FormatError
from coalition_data.formats.stata import LABEL_CHARS, label, variable_name, variable_names, write_stata
from coalition_data.package import Table, open_package

PACKAGE = open_package(REPO)


@pytest.fixture(scope="module")
def stata(formats_written: tuple[Path, list[Path]]) -> Path:
    folder, written = formats_written
    assert written[3:] == [folder / "stata" / f"{name}.dta" for name in PACKAGE.tables]
    return folder / "stata"


def read(path: Path) -> tuple[dict[str, list], object]:
    import pyreadstat

    return pyreadstat.read_dta(str(path), output_format="dict", apply_value_formats=False)


def test_every_value_is_the_csv_value(stata: Path) -> None:
    for name, frame in csv_frames(PACKAGE).items():
        columns, meta = read(stata / f"{name}.dta")
        assert list(columns) == frame.columns and meta.number_rows == frame.height, name
        for spec in PACKAGE.table(name).fields:
            column, got, want = spec["name"], columns[spec["name"]], frame[spec["name"]].to_list()
            enum = spec.get("constraints", {}).get("enum")
            kind = meta.readstat_variable_types[column]
            if enum is not None:  # codes 1, 2, ... labelled with the allowed values in schema order
                assert meta.variable_value_labels[column] == dict(enumerate(enum, start=1)), (name, column)
                assert kind in ("int8", "int16", "int32"), (name, column, kind)
                labels = meta.variable_value_labels[column]
                assert [None if v is None else labels[v] for v in got] == want, (name, column)
            elif spec["type"] == "integer":
                assert kind in ("int8", "int16", "int32"), (name, column, kind)
                assert got == want and all(type(v) is int for v in got if v is not None), (name, column)
            elif spec["type"] == "date":
                assert meta.original_variable_types[column] == "%td", (name, column)
                assert got == want, (name, column)
                assert all(isinstance(v, dt.date) for v in got if v is not None)
            elif spec["type"] == "number":
                assert kind == "double"
                assert got == want, (name, column)
            else:  # text, Arabic included; Stata's missing text is the empty string
                assert kind == "string"
                assert got == ["" if v is None else v for v in want], (name, column)


def test_a_missing_count_is_stata_system_missing(stata: Path) -> None:
    """In the file a null integer is Stata's '.' (for a long, 2,147,483,621), not 0 or a float NaN."""
    import struct

    import coalition_data

    expected = coalition_data.load("events")["fatalities"]
    missing = expected.null_count()
    assert missing > 0, "the shipped data has events without a fatality count"
    events, meta = read(stata / "events.dta")
    assert events["fatalities"].count(None) == missing
    assert [v for v in events["fatalities"] if v is not None] == expected.drop_nulls().to_list()
    assert meta.readstat_variable_types["fatalities"] == "int32"
    assert meta.missing_user_values == {}  # none of .a ... .z: only the system missing value
    data = (stata / "events.dta").read_bytes()
    assert data.count(struct.pack("<i", 2_147_483_621)) >= missing


def test_files_are_format_118_with_the_package_time_stamp(stata: Path) -> None:
    for name in PACKAGE.tables:
        head = (stata / f"{name}.dta").read_bytes()[:200]
        assert head.startswith(b"<stata_dta><header><release>118</release><byteorder>LSF</byteorder>"), name
        assert b"<timestamp>\x1123 Nov 2026 00:00</timestamp>" in head, name


def test_variable_labels_come_from_the_descriptions(stata: Path) -> None:
    for name, table in PACKAGE.tables.items():
        _, meta = read(stata / f"{name}.dta")
        assert meta.file_label == f"{table.schema['title']} (coalition-data {PACKAGE.version})"
        for spec in table.fields:
            got = meta.column_names_to_labels[spec["name"]]
            assert got == label(spec["description"]) and 0 < len(got) <= LABEL_CHARS, (name, spec["name"])
            assert got == spec["description"] or got.endswith("...") or spec["description"].startswith(got)
    _, meta = read(stata / "events.dta")
    assert meta.column_names_to_labels["title_en"] == "Short title (our English)."


def test_label_cuts_at_a_sentence_or_a_word() -> None:
    assert label("Short. " * 3) == "Short. Short. Short."
    assert label("First sentence here. " + "x" * 100) == "First sentence here"
    cut = label("word " * 40)
    assert cut == ("word " * 15).strip() + "..." and len(cut) <= LABEL_CHARS


def test_long_arabic_text_is_kept_whole_as_a_strl(package: PackageCopy, tmp_path: Path) -> None:
    long = " ".join(["انتهاء مهمة التحالف الدولي في العراق"] * 80)
    assert len(long.encode("utf-8")) > 2045
    package.set_cell("actors", 0, "description_en", "A" * 3000)
    package.set_cell("actor_names", 0, "note_en", long)  # the writer does not check scripts: validate does
    written = write_stata(open_package(package.root), tmp_path / "stata")
    columns, meta = read(tmp_path / "stata" / "actor_names.dta")
    assert columns["note_en"][0] == long
    columns, _ = read(tmp_path / "stata" / "actors.dta")
    assert columns["description_en"][0] == "A" * 3000
    data = (tmp_path / "stata" / "actor_names.dta").read_bytes()
    assert b"GSO" in data and long.encode("utf-8") in data  # a strL (Stata's long-string store), not cut
    assert len(written) == len(PACKAGE.tables)


def test_two_builds_give_identical_bytes(stata: Path, tmp_path: Path) -> None:
    for path in write_stata(open_package(REPO), tmp_path):
        assert path.read_bytes() == (stata / path.name).read_bytes(), path.name


def test_variable_names_are_valid_stata_names() -> None:
    assert variable_name("event_id") == "event_id"
    assert variable_name("2nd-actor") == "_2nd_actor"
    assert variable_name("byte") == "byte_" and variable_name("str12") == "str12_"
    assert variable_name("a" * 40) == "a" * 32


def test_a_name_collision_is_a_clear_error() -> None:
    table = Table("t", Path("t.csv"), {"fields": [{"name": "actor-id", "type": "string"},
                                                  {"name": "actor_id", "type": "string"}]})
    with pytest.raises(FormatError, match=r"table 't': fields 'actor-id' and 'actor_id' would both be the Stata "
                                          r"variable 'actor_id'"):
        variable_names(table)
