"""Fixtures: a writable copy of the real package, and helpers to corrupt it one way at a time."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from coalition_data.package import open_package
from coalition_data.validation import Problem, validate

REPO = Path(__file__).resolve().parent.parent

# The test command draws the same pseudo-random cases on every run, so a green build stays green
# and a red one reproduces. HYPOTHESIS_PROFILE=explore draws fresh cases each run: a fuzzing
# campaign whose findings are fixed and pinned as explicit tests (see docs/testing.md).
settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


class PackageCopy:
    """A copy of the shipped package in a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True)
        for name in ("datapackage.json", "schemas", "data"):
            source = REPO / name
            (shutil.copytree if source.is_dir() else shutil.copy)(source, root / name)

    def csv(self, table: str) -> Path:
        return self.root / "data" / f"{table}.csv"

    def rows(self, table: str) -> list[dict[str, str]]:
        with self.csv(table).open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    def write_rows(self, table: str, rows: list[dict[str, str]], header: list[str] | None = None) -> None:
        header = header or open_package(self.root).table(table).field_names
        out = io.StringIO()
        writer = csv.DictWriter(out, header, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        self.csv(table).write_text(out.getvalue(), encoding="utf-8", newline="")

    def set_cell(self, table: str, row: int, column: str, value: str) -> int:
        """Change one cell; return the 1-based line where that row starts afterwards."""
        rows = self.rows(table)
        rows[row][column] = value
        self.write_rows(table, rows)
        return self.line_of(table, row)

    def line_of(self, table: str, row: int) -> int:
        """Line of data row ``row``, found by reading records, independent of the validator's own count."""
        text = self.csv(table).read_text(encoding="utf-8")
        reader = csv.reader(io.StringIO(text, newline=""))
        next(reader)
        start = reader.line_num + 1
        for index, _ in enumerate(reader):
            if index == row:
                return start
            start = reader.line_num + 1
        raise IndexError(row)

    def set_constraints(self, table: str, field: str, **constraints: object) -> None:
        """Edit one field's constraints in the table's schema file."""
        path = self.root / "schemas" / f"{table}.schema.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        spec = next(f for f in schema["fields"] if f["name"] == field)
        spec.setdefault("constraints", {}).update(constraints)
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def set_version(self, version: str, changelog: bool = False) -> None:
        """Set the descriptor's version; with ``changelog``, also give it a CHANGELOG.md section."""
        path = self.root / "datapackage.json"
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        descriptor["version"] = version
        path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if changelog:
            notes = self.root / "CHANGELOG.md"
            old = notes.read_text(encoding="utf-8") if notes.is_file() else "# Changelog\n"
            notes.write_text(f"{old}\n## [{version}]\n\n- A test change.\n", encoding="utf-8")

    def next_patch(self) -> str:
        major, minor, patch = open_package(self.root).version.split(".")
        return f"{major}.{minor}.{int(patch) + 1}"

    def next_minor(self) -> str:
        major, minor, _ = open_package(self.root).version.split(".")
        return f"{major}.{int(minor) + 1}.0"

    def validate(self) -> list[Problem]:
        return validate(self.root)


@pytest.fixture
def package(tmp_path: Path) -> PackageCopy:
    return PackageCopy(tmp_path / "package")


def find(problems: list[Problem], rule: str, **where: object) -> list[Problem]:
    """Problems of ``rule`` matching every given attribute (file, line, column, value)."""
    return [p for p in problems if p.rule == rule and all(getattr(p, k) == v for k, v in where.items())]


def assert_reported(problems: list[Problem], rule: str, **where: object) -> None:
    assert find(problems, rule, **where), f"expected a {rule!r} problem at {where}; got:\n" + "\n".join(map(str, problems))


def record_parquet_hash(root: Path, name: str) -> None:
    """List a rewritten ``parquet/<name>.parquet`` with its new SHA-256, as a release built from it would."""
    import hashlib

    manifest_path = root / "parquet" / "datapackage.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    digest = hashlib.sha256((root / "parquet" / f"{name}.parquet").read_bytes()).hexdigest()
    for resource in manifest["resources"]:
        if resource["name"] == name:
            resource["hash"] = f"sha256:{digest}"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def csv_frames(package: object) -> dict[str, object]:
    """Every table read straight from its CSV with the schema's dtypes: what the release's formats must hold."""
    import polars as pl

    from coalition_data.dtypes import polars_schema

    return {name: pl.read_csv(table.path, schema=polars_schema(table.schema), encoding="utf8")
            for name, table in package.tables.items()}


@pytest.fixture(scope="session")
def formats_written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The release's Excel, SQLite and Stata files of the shipped package, written once for every test."""
    from coalition_data.formats import write_formats

    folder = tmp_path_factory.mktemp("formats")
    return folder, write_formats(open_package(REPO), folder)
