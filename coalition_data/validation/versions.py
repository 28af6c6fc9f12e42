"""Versions and IDs against the last release: IDs are forever, and every change bumps the version.

``release`` writes ``releases/<version>.json`` (kept in the repository): the IDs it
published, with the columns that say what each ID names (the table schema's
``x-identity``), and a hash of every data and schema file. ``validate`` compares
the working tree with the latest such manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from coalition_data.loader import load_file
from coalition_data.package import (
    DESCRIPTOR,
    NAME,
    SEMVER,
    Package,
    PackageError,
    article_files,
    inside,
    is_installed,
    member,
    read_bytes,
    read_json,
)
from coalition_data.validation.problems import Problem

RELEASES = "releases"
RETIRED = "retired_ids"
LEVELS = ("patch", "minor", "major")


def _version(text: str) -> tuple[int, int, int]:
    match = SEMVER.fullmatch(text)
    if match is None:
        raise PackageError(f"version {text!r} is not MAJOR.MINOR.PATCH")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_hashes(package: Package) -> dict[str, str]:
    """Every data and schema file, and the descriptor without its version."""
    root = package.root
    descriptor = {k: v for k, v in package.descriptor.items() if k != "version"}
    hashes = {DESCRIPTOR: _digest(json.dumps(descriptor, sort_keys=True).encode())}
    files = [member(root, t.path) for t in package.tables.values()] + article_files(package)
    files += [member(root, path) for path in sorted((root / "schemas").glob("*.json"))]
    for path in files:
        if path.is_file():
            hashes[path.relative_to(root).as_posix()] = _digest(read_bytes(path))
    return hashes


def _structure(package: Package) -> dict[str, str]:
    """Per table, a hash of what a schema change means: names, types, constraints and keys."""
    out = {}
    for name, table in package.tables.items():
        shape = {
            "fields": [(f["name"], f["type"], f.get("constraints", {})) for f in table.fields],
            "primaryKey": table.primary_key, "foreignKeys": table.schema.get("foreignKeys", []),
        }
        out[name] = _digest(json.dumps(shape, sort_keys=True).encode())
    return out


def _identities(package: Package) -> dict[str, dict[str, str]]:
    """For each table with a one-column ID key: ID -> the values of its ``x-identity`` columns."""
    out: dict[str, dict[str, str]] = {}
    for name, table in package.tables.items():
        if len(table.primary_key) != 1 or "x-identity" not in table.schema:
            continue
        key, columns = table.primary_key[0], table.schema["x-identity"]
        if not (isinstance(columns, list) and columns and all(c in table.field_names for c in columns)):
            file = table.schema_file
            raise PackageError(f"{file}: x-identity must be a list of the schema's field names, not "
                               f"{json.dumps(columns, ensure_ascii=False)}", file=file)
        frame = load_file(table).select(key, *columns)
        out[name] = {row[0]: json.dumps(row[1:], default=str, ensure_ascii=False) for row in frame.iter_rows()}
    return out


def manifest(package: Package) -> dict[str, Any]:
    return {
        "version": package.version,
        "files": _file_hashes(package),
        "structure": _structure(package),
        "rows": {name: load_file(table).height for name, table in package.tables.items()},
        "ids": _identities(package),
    }


def write_manifest(package: Package, record: dict[str, Any] | None = None) -> Path | None:
    """Record this release's IDs and file hashes in ``releases/<version>.json``, in the package's own folder.

    Returns None for the package inside an installed library, which is never written to. An existing record
    of this version is never rewritten: the same content is left as it is, and different content is refused.
    """
    if is_installed(package.root):
        return None
    text = manifest_text(record or manifest(package))
    path = refuse_rewrite(package, text)
    if path.exists():
        return path
    path.parent.mkdir(exist_ok=True)
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # a new file, never a link
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return path


def manifest_text(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def refuse_rewrite(package: Package, text: str) -> Path:
    """``releases/<version>.json``, where ``text`` may be recorded: a released version's record is never
    rewritten, so different content for an existing one is an error."""
    releases = package.root / RELEASES
    if releases.is_symlink() or (releases.exists() and not releases.is_dir()):
        raise PackageError(f"{RELEASES}/ must be a folder of the package, not a link or a file")
    path = inside(package.root, f"{RELEASES}/{package.version}.json")
    if path.exists() and read_bytes(path).decode("utf-8", "replace") != text:
        raise PackageError(f"{RELEASES}/{package.version}.json already records release {package.version} with "
                           "different data or schemas; a released version is never rewritten: bump the version "
                           "and add a CHANGELOG section")
    return path


_MANIFEST_SHAPE = {"version": str, "files": dict, "structure": dict, "rows": dict, "ids": dict}


def latest_manifest(root: Path) -> dict[str, Any] | None:
    """The manifest of the newest release recorded under ``releases/``, checked for shape."""
    manifests = []
    for path in (root / RELEASES).glob("*.json"):
        if SEMVER.fullmatch(path.stem):
            manifests.append((_version(path.stem), path))
    if not manifests:
        return None
    path = max(manifests)[1]
    shown = path.relative_to(root).as_posix()
    try:
        record = read_json(member(root, path))
    except PackageError as exc:
        raise PackageError(str(exc), file=shown) from None
    if not _is_manifest(record, path.stem):
        raise PackageError(f"{shown}: not a release manifest as `coalition-data release` writes it (a key is missing "
                           "or mistyped, or its version is not its file name)", file=shown)
    return record


def _is_manifest(record: Any, version: str) -> bool:
    if not isinstance(record, dict) or any(not isinstance(record.get(k), t) for k, t in _MANIFEST_SHAPE.items()):
        return False
    return (record["version"] == version
            and all(isinstance(v, str) for v in record["files"].values())
            and all(isinstance(v, str) for v in record["structure"].values())
            and all(isinstance(v, int) and not isinstance(v, bool) for v in record["rows"].values())
            and set(record["structure"]) == set(record["rows"])
            and all(isinstance(ids, dict) and all(isinstance(v, str) for v in ids.values())
                    for ids in record["ids"].values()))


def required_bump(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """The SemVer level a change needs: schema -> major, new rows or tables -> minor, else patch."""
    if old["files"] == new["files"]:
        return None
    shared = old["structure"].keys() & new["structure"].keys()
    if old["structure"].keys() - new["structure"].keys() or any(old["structure"][t] != new["structure"][t] for t in shared):
        return "major"
    if new["structure"].keys() - old["structure"].keys() or any(new["rows"][t] > old["rows"][t] for t in shared):
        return "minor"
    return "patch"


def _bumped(old: tuple[int, int, int], new: tuple[int, int, int]) -> str | None:
    if new <= old:
        return None
    if new[0] > old[0]:
        return "major"
    return "minor" if new[1] > old[1] else "patch"


def identity_problems(package: Package) -> list[Problem]:
    """The package name and version become file names: they must match their patterns."""
    problems = []
    if not NAME.fullmatch(package.descriptor["name"]):
        problems.append(Problem(DESCRIPTOR, None, "name", package.descriptor["name"], "descriptor",
                                "the package name must be lower-case letters, digits, '.', '_' or '-', starting "
                                "with a letter or digit"))
    if not SEMVER.fullmatch(package.version):
        problems.append(Problem(DESCRIPTOR, None, "version", package.version, "version",
                                "the version must be MAJOR.MINOR.PATCH (SemVer, digits only)"))
    return problems


def check(package: Package) -> list[Problem]:
    """Problems with the version, the CHANGELOG and ID stability; none when nothing was released yet."""
    if not SEMVER.fullmatch(package.version):
        return []  # identity_problems says so
    try:
        last = latest_manifest(package.root)
        if last is None:
            return []
        current = manifest(package)
    except PackageError as exc:
        return [Problem(exc.file or RELEASES, None, None, None, "release-manifest", str(exc))]
    problems = _version_problems(package, last, current)
    problems += _id_problems(package, last, current)
    return problems


def _version_problems(package: Package, last: dict[str, Any], current: dict[str, Any]) -> list[Problem]:
    problems = []
    old, new = _version(last["version"]), _version(package.version)
    needed, done = required_bump(last, current), _bumped(old, new)
    where = (DESCRIPTOR, None, "version", package.version)
    if new < old:
        problems.append(Problem(*where, "version", f"version is older than the last release {last['version']}"))
    elif needed and done is None:
        problems.append(Problem(*where, "version-bump", f"data or schemas changed since release {last['version']}: "
                                f"bump the version ({needed} change) and add a CHANGELOG section, "
                                f"{explain(package, last, current)}"))
    elif needed and done and LEVELS.index(done) < LEVELS.index(needed) and not (old[0] == 0 and done == "minor"):
        problems.append(Problem(*where, "version-bump", f"a {needed} change since release {last['version']} needs a "
                                f"{needed} version bump, not {done}, {explain(package, last, current)}"))
    changelog = package.root / "CHANGELOG.md"
    if changelog.exists() or changelog.is_symlink():
        problems += _changelog_problems(package)
    return problems


def _changelog_problems(package: Package) -> list[Problem]:
    try:
        text = read_bytes(inside(package.root, "CHANGELOG.md"), 16 << 20).decode("utf-8")
    except UnicodeDecodeError as exc:
        return [Problem("CHANGELOG.md", None, None, None, "changelog", f"CHANGELOG.md is not UTF-8 ({exc.reason} at "
                                                                      f"byte {exc.start})")]
    except PackageError as exc:
        return [Problem("CHANGELOG.md", None, None, None, "changelog", str(exc))]
    problems = []
    if f"## [{package.version}]" not in text:
        problems.append(Problem("CHANGELOG.md", None, None, package.version, "changelog",
                                f"CHANGELOG.md has no '## [{package.version}]' section for the current version"))
    return problems


def _id_problems(package: Package, last: dict[str, Any], current: dict[str, Any]) -> list[Problem]:
    retired: dict[str, dict[str, Any]] = {}
    if RETIRED in package.tables:
        retired = {row["id"]: row for row in load_file(package.tables[RETIRED]).iter_rows(named=True)}
    problems = []
    for name, released in last["ids"].items():
        now = current["ids"].get(name, {})
        table = package.tables.get(name)
        file = table.path.relative_to(package.root).as_posix() if table else f"data/{name}.csv"
        column = table.primary_key[0] if table and len(table.primary_key) == 1 else None
        for id_, identity in released.items():
            if id_ not in now and id_ not in retired:
                problems.append(Problem(file, None, column, id_, "id-removed",
                                        f"ID released in {last['version']} is gone without a row in {RETIRED}"))
            elif id_ in now and now[id_] != identity:
                problems.append(Problem(file, None, column, id_, "id-reused",
                                        f"ID released in {last['version']} for {identity} now names {now[id_]}: "
                                        "give the new thing a new ID"))
    for id_, row in retired.items():
        if id_ in current["ids"].get(row["table_name"], {}):
            problems.append(Problem(f"data/{RETIRED}.csv", None, "id", id_, "id-retired",
                                    f"retired ID is still used in {row['table_name']}"))
    return problems


# Why a change needs its bump, shared by `validate` (the version-bump problem) and `diff` (the Markdown summary).

def canonical_digest(raw: bytes) -> str | None:
    """Hash of a CSV's rows as Polars writes them (as the released files are written): the same for a file
    re-saved with other quoting, line endings or a byte-order mark. None if it cannot be read as CSV."""
    import io

    import polars as pl

    try:
        frame = pl.read_csv(raw, infer_schema=False, has_header=True)
    except pl.exceptions.PolarsError:
        return None
    frame = frame.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in frame.columns)
    out = io.BytesIO()
    frame.write_csv(out, line_terminator="\n", quote_style="necessary")
    return _digest(out.getvalue())


def changed_files(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Files (and the descriptor) whose hash differs, or that one side lacks."""
    before, after = old["files"], new["files"]
    return sorted(f for f in before.keys() | after.keys() if before.get(f) != after.get(f))


def rows_identical(package: Package, old: dict[str, Any], files: list[str]) -> list[str]:
    """Of the changed ``files``, the tables whose rows are those of the release, byte for byte once re-written."""
    same = []
    for table in package.tables.values():
        file = table.path.relative_to(package.root).as_posix()
        if file in files and file in old["files"] and table.path.is_file():
            if canonical_digest(table.path.read_bytes()) == old["files"][file]:
                same.append(file)
    return sorted(same)


def bump_reasons(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Why ``required_bump`` says what it says, one reason per table or kind of change, each with its level."""
    before, after = old["structure"], new["structure"]
    reasons = [f"table {t} removed (major)" for t in sorted(before.keys() - after.keys())]
    reasons += [f"schema of {t} changed: fields, types, constraints or keys (major)"
                for t in sorted(before.keys() & after.keys()) if before[t] != after[t]]
    reasons += [f"table {t} added (minor)" for t in sorted(after.keys() - before.keys())]
    reasons += [f"{t} has {new['rows'][t] - old['rows'][t]} more rows (minor)"
                for t in sorted(before.keys() & after.keys()) if new["rows"][t] > old["rows"][t]]
    if not reasons and old["files"] != new["files"]:
        reasons.append("files changed without a schema change or new rows: corrections (patch)")
    return reasons


ROWS_IDENTICAL = "bytes changed, rows identical"
ONLY_BYTES = "only bytes changed, the rows are those of the release (patch; restoring the released files needs no bump)"


def why(old: dict[str, Any], new: dict[str, Any], files: list[str], same: set[str]) -> list[str]:
    """The reasons for the bump; when every changed file holds the released rows (``same``), just that."""
    return [ONLY_BYTES] if files and set(files) <= same else bump_reasons(old, new)


def shown_files(files: list[str], same: set[str]) -> list[str]:
    return [f"{f} ({ROWS_IDENTICAL})" if f in same else f for f in files]


def explain(package: Package, old: dict[str, Any], new: dict[str, Any]) -> str:
    """Which files changed since the release ``old`` and why that bump: for the version-bump problem."""
    files = changed_files(old, new)
    same = set(rows_identical(package, old, files))
    return (f"because {'; '.join(why(old, new, files, same))}; "
            f"changed since {old['version']}: {', '.join(shown_files(files, same))}")
