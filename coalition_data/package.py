"""Where the data package lives and what its descriptor and Table Schemas say.

Reads JSON with the standard library only, so that loading a table never
imports the validation stack.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

DESCRIPTOR = "datapackage.json"
BUNDLED = "_package"  # the folder inside the installed library that holds the shipped package


class PackageError(Exception):
    """The data package is missing, malformed, or asked for something it lacks."""


def default_root() -> Path:
    """The package shipped with the library.

    A wheel carries it under ``coalition_data/_package``; a source checkout
    (or editable install) keeps it at the top of the repository.
    """
    bundled = Path(str(files("coalition_data"))) / BUNDLED
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
    if not (path / DESCRIPTOR).is_file():
        raise PackageError(f"{path}: no {DESCRIPTOR} here")
    return path.resolve()


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackageError(f"{path}: file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{path}: not valid UTF-8 JSON ({exc})") from None


def inside(root: Path, relative: str) -> Path:
    """``root/relative``, refusing absolute paths and paths that leave ``root``."""
    candidate = Path(relative)
    if candidate.is_absolute() or ".." in candidate.parts or "\\" in relative or not relative:
        raise PackageError(f"path {relative!r} must be relative and stay inside the package")
    return root / candidate


@dataclass(frozen=True)
class Table:
    """One tabular resource: its name, CSV path and Table Schema."""

    name: str
    path: Path
    schema: dict[str, Any]

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
    descriptor = read_json(root / DESCRIPTOR)
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise PackageError(f"{root / DESCRIPTOR}: needs a list of resources")
    tables = {}
    for resource in descriptor["resources"]:
        name, data, schema = resource.get("name"), resource.get("path"), resource.get("schema")
        if not (isinstance(name, str) and isinstance(data, str)):
            raise PackageError(f"{root / DESCRIPTOR}: every resource needs a name and a single path")
        if isinstance(schema, str):
            schema = read_json(inside(root, schema))
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            raise PackageError(f"{root / DESCRIPTOR}: resource {name!r} needs a Table Schema with fields")
        tables[name] = Table(name, inside(root, data), schema)
    return Package(root, descriptor, tables)
