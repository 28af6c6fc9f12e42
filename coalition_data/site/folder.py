"""Where a site may be written, and writing it there without touching anything we did not make.

The site is built in a temporary folder beside OUTDIR and renamed into place. An existing OUTDIR is
replaced only when it is an earlier site of ours (its marker file lists every file we wrote with its
SHA-256, each still matches, and it holds nothing else); any other non-empty folder is refused, or with ``force`` moved aside, never deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

MARKER = ".coalition-data-site.json"


class SiteError(Exception):
    """The site cannot be written where or as asked."""


def check_target(outdir: Path, package_root: Path, library: Path | None = None, *, force: bool = False) -> None:
    """Refuse a symlink, a file, a folder inside the package or the library (or holding the package), or
    a non-empty folder that is not an earlier site."""
    if outdir.is_symlink():
        raise SiteError(f"{outdir}: is a symbolic link; give a real folder")
    if outdir.exists() and not outdir.is_dir():
        raise SiteError(f"{outdir}: is a file, not a folder")
    target, package = outdir.resolve(), package_root.resolve()
    if package.is_relative_to(target):
        raise SiteError(f"{outdir}: is or holds the data package ({package}); write the site somewhere else")
    for folder in (package, *([library.resolve()] if library else [])):
        if target.is_relative_to(folder):
            raise SiteError(f"{outdir}: is inside {folder}; write the site somewhere else")
    if outdir.is_dir() and any(outdir.iterdir()) and _our_files(outdir) is None:
        if force and target in _never_moved():
            raise SiteError(f"{outdir}: is the home, temporary, current or a parent folder; even with --force "
                            "a site goes in a folder of its own")
        if not force:
            raise SiteError(f"{outdir}: is a non-empty folder that is not a site written by coalition-data; "
                            "give an empty or new folder, or --force to move it aside (it is kept, not deleted)")


def _never_moved() -> set[Path]:
    cwd = Path.cwd().resolve()
    return {cwd, *cwd.parents, Path.home().resolve(), Path(tempfile.gettempdir()).resolve(), Path("/").resolve()}


def _our_files(folder: Path) -> list[str] | None:
    """The files an earlier site in ``folder`` wrote, if the folder holds exactly them, unchanged (each file's
    SHA-256 as the marker records it), and its marker. A marker alone proves nothing: anyone can write one."""
    try:
        listed = json.loads((folder / MARKER).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
        return None
    present = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file() or p.is_symlink()}
    if set(present) != {*listed, MARKER}:
        return None
    for name, digest in listed.items():
        path = present[name]
        if path.is_symlink() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return None
    return list(listed)


def write_atomically(outdir: Path, package_root: Path, library: Path | None, write: Callable[[Path], None], *,
                     force: bool = False) -> Path:
    """Call ``write(temp)`` to fill a temporary folder beside ``outdir``, then put it in ``outdir``'s place."""
    check_target(outdir, package_root, library, force=force)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(dir=outdir.parent, prefix=f".{outdir.name}.building-"))
    try:
        write(temp)
        files = {p.relative_to(temp).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                 for p in sorted(temp.rglob("*")) if p.is_file()}
        (temp / MARKER).write_text(json.dumps({"files": files}, indent=0) + "\n", encoding="utf-8")
        os.chmod(temp, 0o755)  # mkdtemp makes it private; a site is for reading
        _replace(outdir, temp)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return outdir


def _replace(outdir: Path, temp: Path) -> None:
    if not outdir.exists():
        temp.rename(outdir)
        return
    ours = _our_files(outdir)
    if ours is None and any(outdir.iterdir()):
        aside = _free_name(outdir)
        outdir.rename(aside)
        temp.rename(outdir)
        print(f"coalition-data: moved the folder that was at {outdir} to {aside}", file=sys.stderr)
        return
    old = Path(tempfile.mkdtemp(dir=outdir.parent, prefix=f".{outdir.name}.old-"))
    old.rmdir()
    outdir.rename(old)
    temp.rename(outdir)
    for name in [*(ours or []), MARKER]:  # only what our earlier build listed
        (old / name).unlink(missing_ok=True)
    for folder in sorted((p for p in old.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        folder.rmdir()
    old.rmdir()


def _free_name(outdir: Path) -> Path:
    for n in range(1, 1000):
        candidate = outdir.with_name(f"{outdir.name}.replaced-{n}")
        if not candidate.exists() and not candidate.is_symlink():
            return candidate
    raise SiteError(f"{outdir}: no free name to move it aside to")
