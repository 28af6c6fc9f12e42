"""Write the tables as typed Parquet files that any Arrow-based reader understands.

Enum columns are stored as Arrow dictionaries with Polars' own Enum metadata, so Polars reads
them back as ``pl.Enum`` without a cast, pandas as ordered categoricals, R arrow as factors, and
DuckDB and Spark as plain strings; the loader still applies the Table Schema's dtypes, so files
written as plain strings (releases before 0.3.0) load the same. Each column's description and
allowed values travel in the field metadata, and a pandas note tells pandas (and so frictionless,
which reads Parquet through pandas) to read integer columns as nullable ``Int64``, not as floats.
Needs pyarrow, which the release and build steps install.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from coalition_data.loader import load_file
from coalition_data.package import Package, Table, article_files, read_bytes

PARQUET_DIR = "parquet"
MANIFEST = "datapackage.json"  # the descriptor of the Parquet files, inside PARQUET_DIR
# The resource properties that say how a table is stored (and so differ between its CSV and Parquet files).
STORAGE = ("path", "format", "mediatype", "encoding", "dialect", "bytes", "hash", "schema")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _arrow_table(package: Package, name: str) -> Any:
    import pyarrow as pa

    table = package.table(name)
    frame = load_file(table)
    arrow = frame.to_arrow()
    fields = []
    for spec, field in zip(table.fields, arrow.schema, strict=True):
        kind = field.type
        if pa.types.is_dictionary(kind):  # a pl.Enum: its field metadata lets Polars read it back as one
            kind = pa.dictionary(kind.index_type, pa.string(), kind.ordered)
        elif pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            kind = pa.string()
        metadata = {**{k.decode(): v.decode() for k, v in (field.metadata or {}).items()},
                    "description": spec.get("description", "")}
        if "enum" in spec.get("constraints", {}):
            metadata["enum"] = json.dumps(spec["constraints"]["enum"], ensure_ascii=False)
        fields.append(pa.field(spec["name"], kind, nullable=not spec.get("constraints", {}).get("required", False),
                               metadata=metadata))
    schema = pa.schema(fields, metadata={"table": name, "version": package.version,
                                         "description": table.description, "pandas": _pandas_note(table)})
    return arrow.cast(schema)


def _pandas_note(table: Table) -> str:
    """pandas' own Parquet metadata, for the integer columns only: without it pandas reads an integer column
    with a null as float64 (1.0, NaN), and frictionless then rejects the NaN as not an integer."""
    columns = [{"name": spec["name"], "field_name": spec["name"], "pandas_type": "int64", "numpy_type": "Int64",
                "metadata": None} for spec in table.fields if spec["type"] == "integer"]
    return json.dumps({"index_columns": [], "column_indexes": [], "columns": columns})


def write_parquet(package: Package, out: Path) -> dict[str, Any]:
    """Write ``out/<table>.parquet`` for every table, ``out/datapackage.json`` describing them and a copy of the
    article texts (``out/data/sources/``, where the ``sources`` rows name them): ``out`` is a package of its
    own, which loads and validates with nothing outside it.

    Returns that descriptor. Identical input gives byte-identical files. Each file is listed with its hash
    but not its size: frictionless reads Parquet through pandas, never as bytes, so it would report every
    declared size as wrong ("actual is None"); the hash, which it skips, is what the loader checks.
    """
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    resources = []
    for resource in package.descriptor["resources"]:
        name, table = resource["name"], package.tables[resource["name"]]
        path = out / f"{name}.parquet"
        pq.write_table(_arrow_table(package, name), path, compression="zstd", write_statistics=True)
        resources.append({
            **{k: v for k, v in resource.items() if k not in STORAGE},
            "name": name, "type": "table", "path": path.name, "format": "parquet",
            "mediatype": "application/vnd.apache.parquet",
            "hash": f"sha256:{sha256(path)}", "schema": table.schema,
        })
    for text in article_files(package):
        target = out / text.relative_to(package.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(read_bytes(text))
    # The CSV package's own metadata (title, licence, contributors...): the same package, in another format.
    descriptor = {**{k: v for k, v in package.descriptor.items() if k != "resources"}, "resources": resources}
    (out / MANIFEST).write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return descriptor
