"""Where the data package lives and what its descriptor and Table Schemas say.

Reads JSON with the standard library only, so that loading a table never
imports the validation stack.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from coalition_data.descriptor_support import refusal, table_format

DESCRIPTOR = "datapackage.json"
BUNDLED = "_package"  # the folder inside the installed library that holds the shipped package
# Names that become file or folder names (the package and its resources): the Data Package name pattern,
# without "/" and starting with a letter or digit, so no name can be a path.
NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
MAX_JSON_BYTES = 32 << 20  # descriptors, schemas and release manifests are far smaller
MAX_JSON_DEPTH = 64


class PackageError(Exception):
    """The data package is missing, malformed, or asked for something it lacks.

    ``file``, where known, is the package-relative file at fault.
    """

    def __init__(self, message: str, *, file: str | None = None) -> None:
        super().__init__(message)
        self.file = file


def default_root() -> Path:
    """The package shipped with the library.

    A wheel carries it under ``coalition_data/_package``; a source checkout
    (or editable install) keeps it at the top of the repository.
    """
    bundled = Path(str(files("coalition_data"))).resolve() / BUNDLED
    if (bundled / DESCRIPTOR).is_file():
        return bundled
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / DESCRIPTOR).is_file():
        return checkout
    raise PackageError(f"no {DESCRIPTOR} found in {bundled} or {checkout}")


def resolve_root(path: str | Path | None) -> Path:
    """A package folder from a folder or a ``datapackage.json`` path (``None``: the shipped one)."""
    if path is None:
        return default_root()
    path = Path(path)
    if path.name == DESCRIPTOR:
        path = path.parent
    if not path.exists():
        raise PackageError(f"{path}: no such folder")
    if not path.is_dir():
        raise PackageError(f"{path}: not a package folder (give the folder or its {DESCRIPTOR})")
    if not (path / DESCRIPTOR).exists() and not (path / DESCRIPTOR).is_symlink():
        raise PackageError(f"{path}: no {DESCRIPTOR} here")
    return path.resolve()


def is_zip(path: str | Path | None) -> bool:
    """Whether ``path`` names a zipped data package (read through ``coalition_data.zipped``)."""
    return path is not None and Path(path).suffix.lower() == ".zip" and Path(path).is_file()


def is_installed(root: Path) -> bool:
    """Whether ``root`` is the package inside an installed library (read-only: nothing is written there)."""
    return root.name == BUNDLED and root.parent.name == "coalition_data"


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                return depth
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file, refusing a directory, FIFO or device (opened without blocking, so a FIFO
    cannot hang the read) and, with ``limit``, a file larger than that."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise PackageError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise PackageError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise PackageError(f"{path}: cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as stream:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO, device or socket"
            raise PackageError(f"{path}: is {kind}, not a regular file")
        data = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise PackageError(f"{path}: larger than {limit >> 20} MiB, the limit for this kind of file")
    return data


def read_json(path: Path) -> Any:
    """A JSON file: UTF-8, no duplicate keys, no NaN or Infinity, within the size and depth limits."""
    raw = read_bytes(path, MAX_JSON_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise PackageError(f"{path}:{line}: not UTF-8 (byte 0x{raw[exc.start]:02x})") from None
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except _DuplicateKey as exc:
        raise PackageError(f"{path}: key {exc.args[0]!r} appears twice in one object") from None
    except json.JSONDecodeError as exc:
        raise PackageError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")\
            from None
    except ValueError as exc:
        raise PackageError(f"{path}: not valid JSON: {exc}") from None
    except RecursionError:
        raise PackageError(f"{path}: nests deeper than {MAX_JSON_DEPTH} levels") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise PackageError(f"{path}: nests deeper than {MAX_JSON_DEPTH} levels")
    return value


def inside(root: Path, relative: str) -> Path:
    """``root/relative``, refusing absolute paths, paths that leave ``root`` (by ``..`` or through a symbolic
    link) and anything there that is not a regular file. A file that does not exist yet is allowed."""
    candidate = Path(relative) if isinstance(relative, str) else None
    if (candidate is None or not relative or candidate.is_absolute() or ".." in candidate.parts or "\\" in relative
            or "\x00" in relative or "://" in relative):
        raise PackageError(f"path {relative!r} must be relative and stay inside the package (a URL is not read)")
    if len(relative) > 1024 or any(len(part.encode()) > 255 for part in candidate.parts):
        raise PackageError(f"path {relative[:80]!r}... is too long for a file in the package")
    path = root / candidate
    try:
        resolved = path.resolve()
        outside = not resolved.is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        raise PackageError(f"path {relative!r} is a symbolic link that cannot be resolved") from None
    if outside:
        raise PackageError(f"path {relative!r} leads outside the package through a symbolic link")
    if resolved.exists() and not resolved.is_file():
        kind = "a directory" if resolved.is_dir() else "a FIFO, device or socket"
        raise PackageError(f"path {relative!r} is {kind}, not a regular file")
    return path


def member(root: Path, path: Path) -> Path:
    """A file found under ``root`` (by a glob, or a fixed name), checked as ``inside`` checks a named one."""
    return inside(root, path.relative_to(root).as_posix())


@dataclass(frozen=True)
class Table:
    """One tabular resource: its name, file (CSV or Parquet) and Table Schema."""

    name: str
    path: Path
    schema: dict[str, Any]
    schema_file: str = DESCRIPTOR  # the file the schema is written in: its schema file, or the descriptor
    format: str = "csv"  # or "parquet"
    hash: Any = None  # as the resource declares it, e.g. "sha256:<hex>" (anything else is refused when read)

    @property
    def fields(self) -> list[dict[str, Any]]:
        return self.schema["fields"]

    @property
    def field_names(self) -> list[str]:
        return [field["name"] for field in self.fields]

    @property
    def primary_key(self) -> list[str]:
        key = self.schema.get("primaryKey", [])
        return [key] if isinstance(key, str) else list(key)

    @property
    def description(self) -> str:
        return self.schema.get("description", "")


@dataclass(frozen=True)
class Package:
    """A data package folder: descriptor plus tables."""

    root: Path
    descriptor: dict[str, Any]
    tables: dict[str, Table]

    @property
    def version(self) -> str:
        return self.descriptor["version"]

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            valid = ", ".join(self.tables)
            raise PackageError(f"unknown table {name!r}; valid tables: {valid}") from None


def open_package(path: str | Path | None = None) -> Package:
    """Read the descriptor and every Table Schema it names."""
    root = resolve_root(path)
    descriptor = read_json(inside(root, DESCRIPTOR))  # not a link out of the package, a folder or a FIFO
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise PackageError(f"{root / DESCRIPTOR}: needs a list of resources")
    for key in ("name", "version"):
        if not isinstance(descriptor.get(key), str):
            raise PackageError(f"{root / DESCRIPTOR}: needs a {key} (a string)")
    tables = {}
    for resource in descriptor["resources"]:
        if not isinstance(resource, dict):
            raise PackageError(f"{root / DESCRIPTOR}: every resource must be a JSON object")
        name, data, schema = resource.get("name"), resource.get("path"), resource.get("schema")
        if not (isinstance(name, str) and isinstance(data, str)):
            raise PackageError(f"{root / DESCRIPTOR}: every resource needs a name and a single path")
        if not NAME.fullmatch(name):
            raise PackageError(f"{root / DESCRIPTOR}: resource name {name!r} must be lower-case letters, digits, "
                               "'.', '_' or '-', starting with a letter or digit")
        if name in tables:
            raise PackageError(f"{root / DESCRIPTOR}: resource name {name!r} is used twice")
        if isinstance(schema, str):
            schema = read_json(_member(root, schema, name))
        where = resource["schema"] if isinstance(resource.get("schema"), str) else f"{DESCRIPTOR} (resource {name!r})"
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            raise PackageError(f"{where}: resource {name!r} needs a Table Schema with a list of fields")
        _check_fields(schema, where)
        if (refused := refusal(descriptor, resource, schema)) is not None:
            in_schema, why = refused
            raise PackageError(f"{where if in_schema else DESCRIPTOR}: resource {name!r}: {why}")
        tables[name] = Table(name, _member(root, data, name), schema,
                             resource["schema"] if isinstance(resource.get("schema"), str) else DESCRIPTOR,
                             table_format(resource), resource.get("hash"))
    return Package(root, descriptor, tables)


def article_files(package: Package) -> list[Path]:
    """The article texts under ``data/sources/``, each checked as ``inside`` checks a named file."""
    return [member(package.root, path) for path in sorted((package.root / "data" / "sources").glob("*.txt"))]


def _member(root: Path, relative: str, resource: str) -> Path:
    try:
        return inside(root, relative)
    except PackageError as exc:
        raise PackageError(f"{DESCRIPTOR}: resource {resource!r}: {exc}", file=DESCRIPTOR) from None


def _check_fields(schema: dict[str, Any], where: str) -> None:
    """Every field is an object with a string name and type, and names are unique (the loader keys on them)."""
    names = set()
    for index, field in enumerate(schema["fields"]):
        if not isinstance(field, dict) or not isinstance(field.get("name"), str) or not isinstance(field.get("type"), str):
            raise PackageError(f"{where}: field {index + 1} needs a name and a type")
        if field["name"] in names:
            raise PackageError(f"{where}: field name {field['name']!r} is used twice")
        names.add(field["name"])
    for key in ("primaryKey",):
        value = schema.get(key, [])
        keys = [value] if isinstance(value, str) else value
        if not isinstance(keys, list) or not all(isinstance(k, str) and k in names for k in keys):
            raise PackageError(f"{where}: {key} must name fields of the schema")
        if len(set(keys)) != len(keys):
            raise PackageError(f"{where}: {key} names a field twice")
