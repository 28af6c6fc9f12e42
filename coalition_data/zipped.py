"""Read a zipped data package (a release's ``.zip``, ``datapackage.json`` at its root) as a folder.

The zip is unpacked into a private temporary folder that is removed afterwards. Every entry must be a
plain relative path (no absolute path, ``..``, backslash or link); sizes and counts are bounded, so a
zip bomb is an error, not a full disk.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from coalition_data.package import DESCRIPTOR, PackageError

MAX_ENTRIES = 100_000
MAX_BYTES = 2 << 30  # unpacked, all entries together (the shipped package is about a megabyte)
MAX_RATIO = 1000  # an entry's unpacked size to its packed size, past a megabyte: CSV and text pack 5-20 times
_CHUNK = 1 << 20


@contextmanager
def unzipped(path: str | Path) -> Iterator[Path]:
    """The package folder held by the zip at ``path``, for the duration of the ``with`` block."""
    folder = Path(tempfile.mkdtemp(prefix="coalition-data-zip-"))
    try:
        _extract(Path(path), folder)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the folder this function made


def _extract(path: Path, folder: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES:
                raise PackageError(f"{path}: holds more than {MAX_ENTRIES} entries")
            names = [_checked(path, entry) for entry in entries]
            if sum(entry.file_size for entry in entries) > MAX_BYTES:
                raise PackageError(f"{path}: unpacks to more than {MAX_BYTES >> 20} MiB")
            for entry in entries:
                if entry.file_size > (1 << 20) and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
                    raise PackageError(f"{path}: entry {entry.filename!r} unpacks {entry.file_size // max(entry.compress_size, 1)}"
                                       " times its packed size; refusing a zip bomb")
            if DESCRIPTOR not in names:
                raise PackageError(f"{path}: no {DESCRIPTOR} at the root of the zip (a zipped data package has one)")
            written = 0
            for entry, name in zip(entries, names, strict=True):
                target = folder / name
                if entry.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(entry) as source, target.open("xb") as out:
                    while block := source.read(_CHUNK):
                        written += len(block)
                        if written > MAX_BYTES:
                            raise PackageError(f"{path}: unpacks to more than {MAX_BYTES >> 20} MiB")
                        out.write(block)
    except FileExistsError as exc:
        raise PackageError(f"{path}: the entry {Path(exc.filename).relative_to(folder)} appears twice") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        raise PackageError(f"{path}: not a readable zip ({exc})") from None
    except OSError as exc:  # e.g. an entry name too long for this file system
        raise PackageError(f"{path}: cannot be unpacked ({exc.strerror or exc})") from None


def _checked(path: Path, entry: zipfile.ZipInfo) -> str:
    name = entry.filename.rstrip("/")
    parts = PurePosixPath(name).parts
    if (not name or name.startswith("/") or "\\" in name or ":" in name or "\x00" in name
            or any(part in ("..", ".") for part in parts)):
        raise PackageError(f"{path}: entry {entry.filename!r} must be a relative path inside the package")
    if stat.S_ISLNK(entry.external_attr >> 16):
        raise PackageError(f"{path}: entry {entry.filename!r} is a symbolic link; a package holds only files")
    return name
