"""Writing a generated file (the codebook, the timeline) without harm: never through a symlink or onto
something that is not a regular file, never outside the folder meant, and atomically (a temporary file
beside the target, renamed into place), so that a failure leaves the old file as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from coalition_data.package import PackageError


def refuse_unsafe(path: Path, root: Path | None = None) -> None:
    """Raise ``PackageError`` if ``path`` (to be read or replaced) is not a plain file, or, with ``root``,
    if it or a folder on the way from ``root`` to it is a symlink or leaves ``root``."""
    if root is not None:
        try:
            relative = path.absolute().relative_to(root.absolute())
        except ValueError:
            raise PackageError(f"{path}: outside the package folder {root}") from None
        here = root
        for part in relative.parts:
            here = here / part
            if here.is_symlink():
                raise PackageError(f"{here}: a symlink; refusing to follow it out of the package")
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise PackageError(f"{path}: cannot be used ({exc.strerror})") from None
    if not stat.S_ISREG(mode):
        raise PackageError(f"{path}: not a regular file (a symlink, folder, FIFO or device); refusing to use it")


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path`` (never through it)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("xb") as file:  # "x": never over a file someone else made
        try:
            file.write(data)
        except BaseException:
            temporary.unlink()
            raise
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink()
        raise
