"""The Excel workbook, read back with openpyxl and calamine (independent readers) and compared cell by cell
with the CSV as Polars reads it."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from conftest import REPO, PackageCopy, csv_frames

from coalition_data.formats import file_names
from coalition_data.formats.about import FormatError
from coalition_data.formats.xlsx import DATE_FORMAT, write_xlsx
from coalition_data.package import Package, open_package

PACKAGE = open_package(REPO)


@pytest.fixture(scope="module")
def workbook_path(formats_written: tuple[Path, list[Path]]) -> Path:
    folder, written = formats_written
    assert written[0] == folder / file_names(PACKAGE)["xlsx"] == folder / "coalition-data.xlsx"
    return written[0]


def test_every_cell_is_the_csv_value_with_its_type(workbook_path: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(workbook_path)
    assert book.sheetnames == ["README", *PACKAGE.tables]
    for name, frame in csv_frames(PACKAGE).items():
        sheet = book[name]
        rows = list(sheet.iter_rows())
        assert [cell.value for cell in rows[0]] == frame.columns, name
        assert [cell.comment.text for cell in rows[0]] == [f["description"] for f in PACKAGE.table(name).fields]
        assert len(rows) == frame.height + 1, name
        kinds = {spec["name"]: spec["type"] for spec in PACKAGE.table(name).fields}
        for row, expected in zip(rows[1:], frame.iter_rows(named=True), strict=True):
            for cell, (column, value) in zip(row, expected.items(), strict=True):
                where = (name, cell.coordinate, column)
                if value is None:
                    assert cell.value is None and cell.data_type == "n", where  # an empty cell
                elif kinds[column] == "date":
                    assert cell.is_date and cell.number_format == DATE_FORMAT, where
                    assert cell.value == dt.datetime.combine(value, dt.time()), where
                elif kinds[column] in ("integer", "number"):
                    assert cell.data_type == "n" and cell.value == value, where
                    assert type(cell.value) is type(value) or kinds[column] == "number", where
                else:
                    assert cell.data_type == "s" and cell.value == value, where  # enums and Arabic as text


def test_integers_are_numbers_and_missing_counts_empty(workbook_path: Path) -> None:
    import openpyxl

    sheet = openpyxl.load_workbook(workbook_path)["events"]
    column = [cell.value for cell in next(sheet.iter_cols(min_col=11, max_col=11))]
    assert column[0] == "fatalities"
    assert column[1:] == csv_frames(PACKAGE)["events"]["fatalities"].to_list()
    assert {type(value) for value in column[1:]} == {int, type(None)}


def test_calamine_reads_the_same_values(workbook_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(workbook_path))
    assert book.sheet_names == ["README", *PACKAGE.tables]
    for name, frame in csv_frames(PACKAGE).items():
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        assert rows[0] == frame.columns
        for got, expected in zip(rows[1:], frame.iter_rows(), strict=True):
            want = ["" if v is None else float(v) if isinstance(v, int) else v for v in expected]
            assert [v.date() if isinstance(v, dt.datetime) else v for v in got[:len(want)]] == want, name


def test_readme_sheet_names_version_licence_citation_and_every_table(workbook_path: Path) -> None:
    import openpyxl

    rows = [[cell.value for cell in row] for row in openpyxl.load_workbook(workbook_path)["README"].iter_rows()]
    pairs = {row[0]: row[1] for row in rows if row[0] is not None}
    assert pairs["title"] == PACKAGE.descriptor["title"]
    assert pairs["version"] == PACKAGE.version
    assert "CC-BY-4.0" in pairs["licence"]
    assert "coalition-data curators" in pairs["citation"] and PACKAGE.version in pairs["citation"]
    for name, table in PACKAGE.tables.items():
        assert pairs[name] == table.description


def test_text_that_looks_like_a_formula_or_number_stays_text(package: PackageCopy, tmp_path: Path) -> None:
    import openpyxl

    package.set_cell("events", 0, "title_en", "=1+1")
    package.set_cell("events", 1, "title_en", "0012")
    path = write_xlsx(open_package(package.root), tmp_path / "book.xlsx")
    sheet = openpyxl.load_workbook(path)["events"]
    assert (sheet["C2"].value, sheet["C2"].data_type) == ("=1+1", "s")
    assert (sheet["C3"].value, sheet["C3"].data_type) == ("0012", "s")


def test_two_builds_give_identical_bytes(workbook_path: Path, tmp_path: Path) -> None:
    again = write_xlsx(open_package(REPO), tmp_path / "again.xlsx")
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(workbook_path.read_bytes()).digest()


def test_a_table_name_excel_cannot_hold_is_a_clear_error(tmp_path: Path) -> None:
    package = open_package(REPO)
    tables = dict(package.tables)
    tables["readme"] = tables.pop("events")
    with pytest.raises(FormatError, match=r"table 'readme' cannot be an Excel sheet name"):
        write_xlsx(Package(package.root, package.descriptor, tables), tmp_path / "book.xlsx")
    assert not (tmp_path / "book.xlsx").exists()


def test_libreoffice_opens_the_workbook_with_every_cell_intact(workbook_path: Path, tmp_path: Path) -> None:
    """LibreOffice (an independent client) saves each sheet as CSV, showing each cell as it displays it: the
    text, Arabic included, and the dates equal the CSV's; numbers equal as numbers (44.0 shows as 44)."""
    import csv
    import subprocess

    # The filter's options: comma, double quote, UTF-8, from line 1, cells as shown, every sheet (-1).
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
                    "--outdir", str(tmp_path), str(workbook_path)], check=True, capture_output=True, timeout=300)
    for name, table in PACKAGE.tables.items():
        with (tmp_path / f"{workbook_path.stem}-{name}.csv").open(encoding="utf-8", newline="") as shown:
            got = list(csv.reader(shown))
        with table.path.open(encoding="utf-8", newline="") as original:
            expected = list(csv.reader(original))
        assert len(got) == len(expected), name
        numeric = [spec["type"] in ("integer", "number") for spec in table.fields]
        for line, (row, want) in enumerate(zip(got, expected, strict=True), start=1):
            cells = [float(a) == float(b) if is_number and b and line > 1 else a == b
                     for a, b, is_number in zip(row, want, numeric, strict=True)]
            assert all(cells), (name, line, row, want)
