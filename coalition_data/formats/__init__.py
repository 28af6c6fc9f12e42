"""The release's files for other clients: an Excel workbook, a SQLite database and Stata files.

Each is written from the Table Schemas and the tables as the loader reads them, never from a column
list of its own. The writers need the ``release`` extra (xlsxwriter, pandas); each imports its
library inside the function that writes.
"""

from __future__ import annotations

import re
from pathlib import Path

from coalition_data.formats.about import FormatError
from coalition_data.formats.sqlite import write_sqlite
from coalition_data.formats.stata import write_stata
from coalition_data.formats.xlsx import write_xlsx
from coalition_data.package import Package

__all__ = ["FormatError", "file_names", "write_formats"]

STATA_DIR = "stata"


_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _file_name(name: object, what: str) -> str:
    """A descriptor's name used in a file name: a plain name, so no file lands outside the folder."""
    if not isinstance(name, str) or not _FILE_NAME.fullmatch(name):
        raise FormatError(f"{what} {name!r} cannot name a file (letters, digits, '.', '_', '-'; "
                          "not starting with '.')")
    return name


def file_names(package: Package) -> dict[str, str]:
    """Where each format goes, relative to the release folder."""
    name = _file_name(package.descriptor.get("name"), "package name")
    return {"xlsx": f"{name}.xlsx", "sqlite": f"{name}.sqlite", "datasette": f"{name}.metadata.json",
            "stata": STATA_DIR}


def write_formats(package: Package, folder: Path) -> list[Path]:
    """Write the workbook, the database (with its Datasette metadata) and ``stata/<table>.dta`` into
    ``folder``; return the files written, in a fixed order. Refuses to replace a file already there, and a
    package or table name that is not a plain file name."""
    names = file_names(package)
    taken = [folder / names[kind] for kind in ("xlsx", "sqlite", "datasette")]
    taken += [folder / names["stata"]] + [folder / names["stata"] / f"{_file_name(name, 'table name')}.dta"
                                           for name in package.tables]
    existing = [path for path in taken if path.exists() or path.is_symlink()]
    if existing:
        raise FormatError(f"{existing[0]}: already exists; write the formats into a new folder")
    written = [write_xlsx(package, folder / names["xlsx"])]
    written += write_sqlite(package, folder / names["sqlite"], folder / names["datasette"])
    written += write_stata(package, folder / names["stata"])
    return written
