"""A table of hostile cases and the one way they are run.

A case corrupts a fresh copy of the package (``Env``), runs one command, and asserts: the exit code
(2: unusable input or usage, 1: checked and found problems, 0: handled), or ``PackageError`` from the
Python API; that no traceback escapes; that every expected file (and line) is named; and that nothing
outside the output folder changed when the command refused (files, modes and symlink targets).
A case that could hang or exhaust memory (a FIFO, an endless stream, a huge file) runs in a subprocess
under a timeout and a memory limit, so the suite fails instead of hanging.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import REPO, PackageCopy

VERSION = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))["version"]  # the shipped data's
API = "PackageError"  # the expected outcome of a Python API case
TIMEOUT = 10  # seconds: far above what any refusal needs ("well under a second"), far below a hang
MEMORY = 3 * 1024**3  # bytes of address space for an isolated case: an endless read fails instead of swapping
COMMANDS = ("validate", "summary", "load", "codebook", "diff", "timeline", "coverage", "release")


class Env:
    """A temporary world: ``work/package`` (the copy to corrupt), ``work/out`` (release output),
    ``work/old`` (a pristine copy for diff), and ``outside/`` (files beside the package)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.package = PackageCopy(tmp / "work" / "package")
        self.root = self.package.root
        self.out = tmp / "work" / "out"
        self.outside = tmp / "outside"
        self.outside.mkdir()
        (self.outside / "keep.txt").write_text("a file beside the package that no command may touch\n")
        self._old: Path | None = None

    @property
    def old(self) -> Path:
        if self._old is None:
            self._old = PackageCopy(self.tmp / "work" / "old").root
        return self._old

    # --- the package's history: release manifests and the files release copies -------------------
    def with_history(self) -> Env:
        for name in ("releases",):
            shutil.copytree(REPO / name, self.root / name)
        for name in ("CHANGELOG.md", "LICENSE", "CITATION.cff"):
            shutil.copy(REPO / name, self.root / name)
        return self

    # --- JSON files -------------------------------------------------------------------------------
    def descriptor(self) -> dict[str, Any]:
        return json.loads((self.root / "datapackage.json").read_text(encoding="utf-8"))

    def write_descriptor(self, descriptor: Any) -> None:
        self.write_json("datapackage.json", descriptor)

    def resource(self, name: str, /, **changes: Any) -> None:
        """Set (or, with ``None``, delete) keys of one resource in the descriptor."""
        descriptor = self.descriptor()
        entry = next(r for r in descriptor["resources"] if r["name"] == name)
        for key, value in changes.items():
            if value is None:
                entry.pop(key, None)
            else:
                entry[key] = value
        self.write_descriptor(descriptor)

    def schema(self, table: str) -> dict[str, Any]:
        return json.loads((self.root / "schemas" / f"{table}.schema.json").read_text(encoding="utf-8"))

    def write_schema(self, table: str, schema: Any) -> None:
        self.write_json(f"schemas/{table}.schema.json", schema)

    def field(self, table: str, name: str, /, **changes: Any) -> None:
        """Set (or, with ``None``, delete) keys of one field of a table's schema."""
        schema = self.schema(table)
        spec = next(f for f in schema["fields"] if f["name"] == name)
        for key, value in changes.items():
            if value is None:
                spec.pop(key, None)
            else:
                spec[key] = value
        self.write_schema(table, schema)

    def write_json(self, relative: str, value: Any) -> None:
        (self.root / relative).write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def write(self, relative: str, data: bytes | str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        (path.write_bytes if isinstance(data, bytes) else lambda d: path.write_text(d, encoding="utf-8"))(data)
        return path

    # --- special files --------------------------------------------------------------------------
    def replace(self, relative: str) -> Path:
        """Remove whatever is at ``relative`` (file, symlink or folder) and return its path."""
        path = self.root / relative
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def symlink(self, relative: str, target: str | Path) -> None:
        self.replace(relative).symlink_to(target)

    def symlink_outside(self, relative: str) -> Path:
        """Move the file (or folder) out of the package, unchanged, and leave a symlink to it."""
        source = self.root / relative
        target = self.outside / relative.replace("/", "_")
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
        self.symlink(relative, target)
        return target

    def fifo(self, relative: str) -> None:
        os.mkfifo(self.replace(relative))

    def directory(self, relative: str) -> None:
        self.replace(relative).mkdir()

    def sparse(self, relative: str, size: int = 2**31) -> None:
        """A file of ``size`` zero bytes that takes no disk space."""
        with self.replace(relative).open("wb") as f:
            f.truncate(size)

    def fmt(self, template: str, values: dict[str, Any]) -> str:
        return template.format(pkg=self.root, out=self.out, old=self.old if "{old}" in template else "",
                               tmp=self.tmp, outside=self.outside, **values)


Corrupt = Callable[[Env], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Case:
    name: str
    corrupt: Corrupt
    argv: tuple[str, ...]  # CLI arguments (templates), or the API call: ("load", "events")
    code: int | str  # exit code, or API for the Python API
    named: tuple[str, ...] = ()  # templates of what the output must contain (file, file:line)
    isolated: bool = False  # could hang or exhaust memory: subprocess under a timeout

    def __str__(self) -> str:
        return self.name


def ids(cases: list[Case]) -> list[str]:
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return names


def params(cases: list[Case]) -> list[Any]:
    """The cases for ``pytest.mark.parametrize``, with their names as ids; a case that runs a subprocess,
    builds a release or draws the timeline is also marked ``slow``."""
    import pytest

    ids(cases)
    return [pytest.param(case, id=case.name, marks=[pytest.mark.slow] if _slow(case) else []) for case in cases]


def _slow(case: Case) -> bool:
    return case.isolated or case.argv[0] in ("release", "timeline")


# --- running ----------------------------------------------------------------------------------------

def _api_call(argv: tuple[str, ...], root: str) -> None:
    import coalition_data

    function, *args = argv
    if function == "source_text":
        coalition_data.source_text(*args, path=root)
    elif function == "load_all":
        coalition_data.load_all(path=root)
    else:
        getattr(coalition_data, function)(*args, path=root)


def run_in_process(argv: list[str], cwd: Path) -> tuple[int | str, str, str]:
    """``coalition_data.cli.main`` (or the API call) with output captured; an escaping exception is a failure
    reported with its traceback, as a user would have seen it."""
    from coalition_data.cli import main
    from coalition_data.package import PackageError

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), contextlib.chdir(cwd):
        try:
            if argv[0] == "api":
                try:
                    _api_call(tuple(argv[2:]), argv[1])
                    code: int | str = "returned"
                except PackageError as exc:
                    print(f"PackageError: {exc}", file=sys.stderr)
                    code = API
            else:
                code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 -- exactly what the suite is looking for
            print(traceback.format_exc(), file=sys.stderr)
            code = "traceback"
    return code, out.getvalue(), err.getvalue()


_API_SCRIPT = """
import sys
import coalition_data
from coalition_data.package import PackageError
root, function, *args = sys.argv[1:]
try:
    if function == "load_all":
        coalition_data.load_all(path=root)
    else:
        getattr(coalition_data, function)(*args, path=root)
except PackageError as exc:
    print(f"PackageError: {exc}", file=sys.stderr)
    sys.exit(3)
"""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_isolated(argv: list[str], cwd: Path) -> tuple[int | str, str, str]:
    """In a subprocess, under TIMEOUT and MEMORY: the honest check for a traceback, and a hang fails the test."""
    if argv[0] == "api":
        command = [sys.executable, "-c", _API_SCRIPT, *argv[1:]]
    else:
        command = [sys.executable, "-m", "coalition_data", *argv]
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8",
                                errors="replace", timeout=TIMEOUT, preexec_fn=_limit_memory, check=False)
    except subprocess.TimeoutExpired as exc:
        return "hung", str(exc.stdout or ""), f"still running after {TIMEOUT} s: {' '.join(argv)}"
    code: int | str = result.returncode
    if argv[0] == "api":
        code = {3: API, 0: "returned"}.get(result.returncode, result.returncode)
    return code, result.stdout, result.stderr


# --- what must not change ---------------------------------------------------------------------------

def snapshot(folder: Path, skip: Path | None = None) -> dict[str, tuple]:
    """Every entry under ``folder``: path -> (kind, mode, bytes or symlink target); never follows a symlink
    and never opens anything but a regular file."""
    state: dict[str, tuple] = {}
    if not folder.exists() and not folder.is_symlink():
        return state
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        if skip is not None and (here == skip or skip in here.parents):
            dirnames[:] = []
            continue
        for name in sorted(dirnames + filenames):
            path = here / name
            if skip is not None and path == skip:
                continue
            info = path.lstat()
            relative = path.relative_to(folder).as_posix()
            if stat.S_ISLNK(info.st_mode):
                state[relative] = ("symlink", info.st_mode, os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                state[relative] = ("file", info.st_mode, info.st_size if info.st_size > 2**24 else path.read_bytes())
            else:
                state[relative] = ("other" if not stat.S_ISDIR(info.st_mode) else "dir", info.st_mode, None)
    return state


def run_case(case: Case, tmp: Path) -> None:
    env = Env(tmp)
    values = case.corrupt(env)
    values = values if isinstance(values, dict) else {}
    argv = [env.fmt(arg, values) for arg in case.argv]
    if case.code == API:
        argv = ["api", str(env.root), *argv]
    before = snapshot(tmp, skip=env.out)
    started = time.monotonic()
    code, out, err = (run_isolated if case.isolated else run_in_process)(argv, tmp)
    elapsed = time.monotonic() - started
    shown = f"\n$ {' '.join(argv)}\nexit {code} after {elapsed:.1f} s\n--- stdout\n{out[-3000:]}\n--- stderr\n{err[-3000:]}"
    assert "Traceback" not in out + err, "a traceback escaped:" + shown
    assert code == case.code, f"expected {case.code}:" + shown
    for template in case.named:
        expected = env.fmt(template, values)
        assert expected in out + err, f"expected {expected!r} to be named:" + shown
    if code != 0:  # a refusal changes nothing: not the package, not a file beside it
        assert snapshot(tmp, skip=env.out) == before, "a refused command changed files outside its output folder" + shown


# --- building the table -----------------------------------------------------------------------------

def argv_for(command: str, table: str = "events") -> tuple[tuple[str, ...], int | str]:
    """The usual arguments of ``command`` on the corrupted package, and what a broken package must give:
    validate (and release, which validates first) report problems, 1; other commands refuse, 2;
    the Python API raises PackageError."""
    return {
        "validate": (("validate", "{pkg}"), 1),
        "release": (("release", "{out}", "--path", "{pkg}"), 1),
        "summary": (("summary", "{pkg}"), 2),
        "codebook": (("codebook", "--path", "{pkg}", "--output", "{out}/codebook.md"), 2),
        "diff": (("diff", "{old}", "{pkg}"), 2),
        "timeline": (("timeline", "--path", "{pkg}", "--output-dir", "{out}"), 2),
        "coverage": (("coverage", "{pkg}"), 2),
        "span": (("span", "000_0f24138b4bfb8b6c", "بيان", "--path", "{pkg}"), 2),
        "load": (("load", table), API),
        "scan": (("scan", table), API),
        "load_all": (("load_all",), API),
        "source_text": (("source_text", "000_0f24138b4bfb8b6c"), API),
    }[command]


def across(name: str, corrupt: Corrupt, named: tuple[str, ...] | str, commands: tuple[str, ...] = COMMANDS,
           table: str = "events", isolated: bool = False, codes: dict[str, int | str] | None = None) -> list[Case]:
    """One corruption given to several commands: one case per command, named ``<name>-<command>``."""
    named = (named,) if isinstance(named, str) else named
    cases = []
    for command in commands:
        argv, code = argv_for(command, table)
        code = (codes or {}).get(command, code)
        cases.append(Case(f"{name}-{command}", corrupt, argv, code, named, isolated))
    return cases
