"""Build a release folder and zip that researchers download: CSV, Parquet, texts, checksums.

The build is reproducible: the same package gives byte-identical files and zip
(files written in a fixed order, zip entries sorted with a fixed timestamp).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from coalition_data.package import (
    DESCRIPTOR,
    NAME,
    SEMVER,
    Package,
    PackageError,
    article_files,
    member,
    open_package,
    read_bytes,
)
from coalition_data.parquet import PARQUET_DIR, sha256, write_parquet
from coalition_data.validation.run import PACKAGE_FILES
from coalition_data.validation.versions import manifest, manifest_text, refuse_rewrite, write_manifest

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold; fixed so rebuilds are identical
COPIED = (*PACKAGE_FILES, "docs/recipes.md", "docs/codebook.md", "docs/CURATION.md")
CHECKSUMS = "SHA256SUMS"


class ReleaseError(Exception):
    """The package cannot be released as it stands (``invalid``), or not into that folder."""

    def __init__(self, message: str, *, invalid: bool = False) -> None:
        super().__init__(message)
        self.invalid = invalid


def build_release(root: str | Path | None, outdir: Path, *, force: bool = False) -> Path:
    """Validate, then write ``outdir/<name>-<version>/`` and its ``.zip``; return the folder.

    Both are built in a temporary folder inside ``outdir`` and renamed into place, so a failure leaves
    everything as it was. An existing target is replaced only with ``force``, and only when it is an
    earlier release of this package that its own ``SHA256SUMS`` still describes.
    """
    from coalition_data.validation import format_text, validate

    problems = validate(root)
    if problems:
        raise ReleaseError(f"refusing to release: validate found {len(problems)} problem(s)\n{format_text(problems)}",
                           invalid=True)
    try:
        package = open_package(root)
        if parquet_tables := [t.name for t in package.tables.values() if t.format != "csv"]:
            raise PackageError(f"{package.root}: its tables {', '.join(parquet_tables)} are Parquet files; a release "
                               "is built from the CSV package, the one with the curated files")
        record = manifest(package)
        refuse_rewrite(package, manifest_text(record))
    except PackageError as exc:
        raise ReleaseError(f"refusing to release: {exc}") from None
    from coalition_data.formats import FormatError, write_formats
    from coalition_data.site import SiteError, write_site
    name = f"{package.descriptor['name']}-{package.version}"
    if not (NAME.fullmatch(package.descriptor["name"]) and SEMVER.fullmatch(package.version)):
        raise ReleaseError(f"refusing to release: {name!r} is not a safe folder name")  # validate says so first
    outdir = _output_folder(Path(outdir), package.root)
    folder, archive = outdir / name, outdir / f"{name}.zip"
    if package.root.is_relative_to(folder):
        raise ReleaseError(f"{folder}: the package being released is there; release it into another folder")
    _replaceable(folder, archive, package.descriptor["name"], force=force)

    build = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=outdir))
    try:
        staged = build / name
        staged.mkdir()
        _copy_tables(package, staged)
        write_parquet(package, staged / PARQUET_DIR)
        write_formats(package, staged)
        write_site(package.root, staged / "site")
        for extra in COPIED:
            if (package.root / extra).exists() or (package.root / extra).is_symlink():
                (staged / extra).parent.mkdir(parents=True, exist_ok=True)
                (staged / extra).write_bytes(read_bytes(member(package.root, package.root / extra)))
        (staged / "README.md").write_text(_readme(package), encoding="utf-8")
        (staged / DESCRIPTOR).write_text(json.dumps(_descriptor(package, staged), ensure_ascii=False, indent=2)
                                         + "\n", encoding="utf-8")
        _write_checksums(staged)
        _write_zip(staged, build / archive.name)
        _move_into_place(build, staged, folder, archive)
    except (SiteError, FormatError) as exc:
        raise ReleaseError(f"refusing to release: {exc}") from None
    finally:
        shutil.rmtree(build, ignore_errors=True)  # the temporary folder this call made, and only that
    try:
        write_manifest(package, record)
    except (PackageError, OSError) as exc:
        raise ReleaseError(f"released {folder}, but could not record it in releases/: {exc}") from None
    return folder


def _output_folder(outdir: Path, root: Path) -> Path:
    """``outdir``, created if missing; refused when it is a link, a file, or inside the package."""
    if outdir.is_symlink():
        raise ReleaseError(f"{outdir}: the output folder is a symbolic link; give the real folder")
    if outdir.exists() and not outdir.is_dir():
        raise ReleaseError(f"{outdir}: the output folder is a file, not a folder")
    resolved = outdir.resolve()
    if resolved.is_relative_to(root):
        raise ReleaseError(f"{outdir}: the output folder is inside the package {root}; write the release elsewhere")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReleaseError(f"{outdir}: cannot create the output folder ({exc.strerror})") from None
    return resolved


def _replaceable(folder: Path, archive: Path, package_name: str, *, force: bool) -> None:
    """Refuse to replace anything but an earlier release of this package, and that only with ``force``."""
    for target in (folder, archive):
        if target.is_symlink():
            raise ReleaseError(f"{target}: is a symbolic link; refusing to replace it")
    if folder.exists() and not folder.is_dir():
        raise ReleaseError(f"{folder}: is a file, not a release folder; refusing to replace it")
    if archive.exists() and not archive.is_file():
        raise ReleaseError(f"{archive}: is not a file; refusing to replace it")
    existing = [t for t in (folder, archive) if t.exists() and not (t.is_dir() and not any(t.iterdir()))]
    if existing and not force:
        raise ReleaseError(f"{existing[0]}: already exists; pass --force to replace an earlier release of "
                           f"{package_name} there")
    if folder.exists() and any(folder.iterdir()) and (why := _not_a_release(folder, package_name)):
        raise ReleaseError(f"{folder}: not replaced, it is not an earlier release of {package_name} ({why})")
    if archive.exists() and (why := _not_a_release_zip(archive)):
        raise ReleaseError(f"{archive}: not replaced, it is not an earlier release of {package_name} ({why})")


def _not_a_release(folder: Path, package_name: str) -> str | None:
    """Why ``folder`` is not a release folder of this package that its own SHA256SUMS describes, or None."""
    try:
        listed = _checksums(read_bytes(folder / CHECKSUMS, 16 << 20))
    except PackageError:
        return f"no readable {CHECKSUMS}"
    if listed is None:
        return f"{CHECKSUMS} is malformed"
    found = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if not p.is_dir() or p.is_symlink()}
    found.pop(CHECKSUMS)
    if set(found) != set(listed):
        return f"its files differ from those {CHECKSUMS} lists"
    for relative, path in found.items():
        if path.is_symlink() or not path.is_file() or sha256(path) != listed[relative]:
            return f"{relative} does not match {CHECKSUMS}"
    try:
        descriptor = json.loads((folder / DESCRIPTOR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"no readable {DESCRIPTOR}"
    if not isinstance(descriptor, dict) or descriptor.get("name") != package_name:
        return f"its {DESCRIPTOR} names another package"
    return None


def _not_a_release_zip(archive: Path) -> str | None:
    """Why ``archive`` is not a release zip that its own SHA256SUMS describes, or None. Both layouts count:
    entries at the root (from 0.5.0 on) or under one folder named for the release (before)."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            files = [i.filename for i in zipped.infolist() if not i.filename.endswith("/")]
            sums = [f for f in files if f.rsplit("/", 1)[-1] == CHECKSUMS and f.count("/") <= 1]
            if len(sums) != 1:
                return f"not a zip holding one {CHECKSUMS}"
            prefix = sums[0][: -len(CHECKSUMS)]
            listed = _checksums(zipped.read(sums[0]))
            if listed is None:
                return f"{CHECKSUMS} is malformed"
            if set(files) != {f"{prefix}{p}" for p in listed} | {sums[0]}:
                return f"its entries differ from those {CHECKSUMS} lists"
            for relative, digest in listed.items():
                if hashlib.sha256(zipped.read(f"{prefix}{relative}")).hexdigest() != digest:
                    return f"{relative} does not match {CHECKSUMS}"
    except (OSError, KeyError, zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, ValueError, EOFError):
        return f"not a readable zip holding {CHECKSUMS}"
    return None


def _checksums(raw: bytes) -> dict[str, str] | None:
    listed = {}
    try:
        for line in raw.decode("utf-8").splitlines():
            digest, name = line.split("  ", 1)
            if len(digest) != 64 or name in listed or name.startswith("/") or ".." in name.split("/"):
                return None
            listed[name] = digest
    except (UnicodeDecodeError, ValueError):
        return None
    return listed


def _move_into_place(build: Path, staged: Path, folder: Path, archive: Path) -> None:
    """Rename the staged folder and zip into place; what they replace goes into ``build`` to be removed."""
    if folder.exists():
        folder.rename(build / "replaced")
    staged.rename(folder)
    os.replace(build / archive.name, archive)


def _copy_tables(package: Package, folder: Path) -> None:
    for path in [member(package.root, table.path) for table in package.tables.values()] + article_files(package):
        target = folder / path.relative_to(package.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(read_bytes(path))


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
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != CHECKSUMS)
    lines = [f"{sha256(p)}  {p.relative_to(folder).as_posix()}\n" for p in files]
    (folder / CHECKSUMS).write_text("".join(lines), encoding="utf-8")


def _write_zip(folder: Path, target: Path) -> None:
    """A Frictionless zipped data package: ``datapackage.json`` at the root of the zip."""
    entries = sorted(p for p in folder.rglob("*") if p.is_file())
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in entries:
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=ZIP_TIME)
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
  `parquet/datapackage.json`: a package of its own, with a copy of the articles, so that
  `parquet/` alone loads and validates (`coalition-data validate --path parquet`).
- `{name}.xlsx`: an Excel workbook, a README sheet and one sheet per table (dates as date cells,
  counts as numbers, missing values as empty cells); opens in Excel or LibreOffice with no import dialog.
- `{name}.sqlite`: a SQLite database with primary and foreign keys and the table and column
  descriptions (`_tables`, `_columns`); `datasette {name}.sqlite -m {name}.metadata.json` serves it.
- `stata/<table>.dta`: Stata 14+ files (format 118, UTF-8), enums value-labelled, dates as `%td`.
- `site/index.html`: the provenance explorer, a static site that works offline: each article with every
  claim marked, each event with its supporting quotes linked to their exact words.
- `data/sources/*.txt`: the five articles, verbatim; claims point into them by code-point offsets.
- `docs/`: the recipes for pandas, DuckDB, R and spreadsheets, the codebook and the curation guide.
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

R (readr and jsonlite, which Debian packages), pandas with nullable integers, real dates and
categoricals, DuckDB with enums in schema order, and spreadsheets without garbling Arabic: see
`docs/recipes.md`, each recipe run from inside this folder. The codebook (every table and column) is
`docs/codebook.md`; how the articles were coded is `docs/CURATION.md`.

## How to cite

{authors}. *{package.descriptor.get('title', name)}*, version {version}.
Data package. See `CITATION.cff`.

## Licence

The curated tables, schemas and documentation: CC-BY-4.0. The article texts in `data/sources/`
remain the property of their publishers and are included verbatim for provenance only.
"""
