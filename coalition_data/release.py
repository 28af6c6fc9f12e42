"""Build a release folder and zip that researchers download: CSV, Parquet, texts, checksums.

The build is reproducible: the same package gives byte-identical files and zip
(files written in a fixed order, zip entries sorted with a fixed timestamp).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from coalition_data.package import DESCRIPTOR, Package, open_package
from coalition_data.parquet import PARQUET_DIR, sha256, write_parquet
from coalition_data.validation.versions import write_manifest

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold; fixed so rebuilds are identical
COPIED = ("CHANGELOG.md", "LICENSE", "CITATION.cff")


class ReleaseError(Exception):
    """The package cannot be released as it stands."""


def build_release(root: str | Path | None, outdir: Path) -> Path:
    """Validate, then write ``outdir/coalition-data-<version>/`` and its ``.zip``; return the folder."""
    from coalition_data.validation import format_text, validate

    problems = validate(root)
    if problems:
        raise ReleaseError(f"refusing to release: validate found {len(problems)} problem(s)\n{format_text(problems)}")
    package = open_package(root)
    name = f"{package.descriptor['name']}-{package.version}"
    folder = outdir / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)

    _copy_tables(package, folder)
    write_parquet(package, folder / PARQUET_DIR)
    for extra in COPIED:
        if (package.root / extra).is_file():
            shutil.copyfile(package.root / extra, folder / extra)
    (folder / "README.md").write_text(_readme(package), encoding="utf-8")
    (folder / DESCRIPTOR).write_text(json.dumps(_descriptor(package, folder), ensure_ascii=False, indent=2) + "\n",
                                     encoding="utf-8")
    _write_checksums(folder)
    _write_zip(folder, outdir / f"{name}.zip")
    write_manifest(package)
    return folder


def _copy_tables(package: Package, folder: Path) -> None:
    for table in package.tables.values():
        relative = table.path.relative_to(package.root)
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(table.path, folder / relative)
    for text in sorted((package.root / "data" / "sources").glob("*.txt")):
        (folder / "data" / "sources").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(text, folder / "data" / "sources" / text.name)


def _descriptor(package: Package, folder: Path) -> dict[str, Any]:
    """The package descriptor with each Table Schema inlined and each file's size and hash."""
    descriptor = json.loads(json.dumps(package.descriptor))
    for resource in descriptor["resources"]:
        table = package.tables[resource["name"]]
        path = folder / resource["path"]
        resource["schema"] = table.schema
        resource["bytes"] = path.stat().st_size
        resource["hash"] = f"sha256:{sha256(path)}"
    return descriptor


def _write_checksums(folder: Path) -> None:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    lines = [f"{sha256(p)}  {p.relative_to(folder).as_posix()}\n" for p in files]
    (folder / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")


def _write_zip(folder: Path, target: Path) -> None:
    entries = sorted(p for p in folder.rglob("*") if p.is_file())
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in entries:
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever machine builds it
            archive.writestr(info, path.read_bytes(), compresslevel=9)


def _readme(package: Package) -> str:
    name, version = package.descriptor["name"], package.version
    authors = ", ".join(c["title"] for c in package.descriptor.get("contributors", []) if "title" in c) or name
    rows = "\n".join(f"| `{t.name}` | {t.description.split('. ')[0].rstrip('.')} |" for t in package.tables.values())
    return f"""# {package.descriptor.get('title', name)}

Release {version} of `{name}`. {package.descriptor.get('description', '')}

## What is inside

- `data/*.csv`: the tables, UTF-8 CSV with a header row, described with their Table Schemas
  in `datapackage.json` (Frictionless Data Package v2; `frictionless validate datapackage.json`).
- `parquet/*.parquet`: the same tables, typed (dates as dates, controlled vocabularies as
  dictionary-encoded enums that pandas reads as ordered categoricals, R as factors and DuckDB as
  text; column descriptions and allowed values in the field metadata), described in
  `parquet/datapackage.json`.
- `data/sources/*.txt`: the five articles, verbatim; claims point into them by code-point offsets.
- `CHANGELOG.md` (what changed in each version), `LICENSE`, `CITATION.cff`, and `SHA256SUMS`
  (check with `sha256sum -c SHA256SUMS`).

| table | what it holds |
|---|---|
{rows}

## Load it

Python, with the same typed loader as the installed package:

```python
import coalition_data
events = coalition_data.load("events", path="{name}-{version}")
```

DuckDB:

```sql
SELECT event_id, date_start, title_en FROM '{name}-{version}/parquet/events.parquet' ORDER BY date_start;
```

R:

```r
events <- arrow::read_parquet("{name}-{version}/parquet/events.parquet")
table(events$status)  # a factor with every allowed value as a level
```

## How to cite

{authors}. *{package.descriptor.get('title', name)}*, version {version}.
Data package. See `CITATION.cff`.

## Licence

The curated tables, schemas and documentation: CC-BY-4.0. The article texts in `data/sources/`
remain the property of their publishers and are included verbatim for provenance only.
"""
