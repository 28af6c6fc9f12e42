"""Malformed and mistyped inputs (issue 16 §3 and §4): no traceback from any command, on any input.

Covers the inputs found to crash: CR-only line endings, a malformed or mistyped ``releases/*.json``, a
CHANGELOG that is not UTF-8, ``x-identity`` given as a string, an article saved in a legacy Arabic code page
(cp1256) with its hash updated, ``datetime`` fields and a field without ``name`` or ``type`` given to
summary/diff/load, a new table without a primary key given to diff; and duplicate JSON keys, mistyped
descriptors and schemas, and broken CSV files. Each names the file at fault (and the line, where there is one).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from hostile.harness import VERSION, Case, Env, across, params, run_case

pytestmark = pytest.mark.hostile

SCHEMA = "schemas/events.schema.json"
MANIFEST = f"releases/{VERSION}.json"  # the newest release record, the one validate reads
ARTICLE = "data/sources/000_0f24138b4bfb8b6c.txt"
LOADERS = ("validate", "summary", "load", "diff", "codebook")
EVERY = ("validate", "summary", "load", "scan", "load_all", "diff", "codebook", "timeline", "coverage", "release")


# --- line endings and encodings ------------------------------------------------------------------

def cr_only(table: str):
    def corrupt(env: Env) -> None:
        path = env.package.csv(table)
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    return corrupt


def reencoded_article(encoding: str):
    """The article saved in another encoding, with its SHA-256 and size in sources.csv updated to match."""
    def corrupt(env: Env) -> None:
        path = env.root / ARTICLE
        data = path.read_text(encoding="utf-8").encode(encoding, errors="replace")
        path.write_bytes(data)
        rows = env.package.rows("sources")
        rows[0]["sha256"], rows[0]["bytes"] = hashlib.sha256(data).hexdigest(), str(len(data))
        env.package.write_rows("sources", rows)
    return corrupt


def changelog_cp1256(env: Env) -> None:
    env.with_history()
    text = (env.root / "CHANGELOG.md").read_text(encoding="utf-8") + "\n- تحديث البيانات\n"
    env.write("CHANGELOG.md", text.encode("cp1256", errors="replace"))


def csv_cell_bytes(table: str, row: int, column: str, data: bytes):
    """Put raw bytes in one cell; ``line`` is the line of that row."""
    def corrupt(env: Env) -> dict[str, Any]:
        marker = "\ue000MARK\ue000"
        line = env.package.set_cell(table, row, column, marker)
        path = env.package.csv(table)
        path.write_bytes(path.read_bytes().replace(marker.encode("utf-8"), data))
        return {"line": line}
    return corrupt


def csv_cell(table: str, row: int, column: str, value: str):
    def corrupt(env: Env) -> dict[str, Any]:
        return {"line": env.package.set_cell(table, row, column, value)}
    return corrupt


def stray_quote(env: Env) -> dict[str, Any]:
    line = env.package.line_of("events", 3)
    path = env.package.csv("events")
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = lines[line - 1].replace(",", ',"', 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    return {"line": line}


def header_renamed(env: Env) -> None:
    path = env.package.csv("events")
    path.write_text(path.read_text(encoding="utf-8").replace("title_en", "title", 1), encoding="utf-8")


# --- release manifests ------------------------------------------------------------------------

def manifest(change):
    def corrupt(env: Env) -> None:
        env.with_history()
        path = env.root / MANIFEST
        if isinstance(change, bytes):
            path.write_bytes(change)
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
            path.write_text(json.dumps(change(data)), encoding="utf-8")
    return corrupt


def _set(key: str, value: Any):
    def change(data: dict[str, Any]) -> dict[str, Any]:
        data[key] = value
        return data
    return change


# --- schemas ------------------------------------------------------------------------------------

def field(table: str, name: str, /, **changes: Any):
    def corrupt(env: Env) -> None:
        env.field(table, name, **changes)
    return corrupt


def schema_key(table: str, key: str, value: Any):
    def corrupt(env: Env) -> None:
        schema = env.schema(table)
        schema[key] = value
        env.write_schema(table, schema)
    return corrupt


def identity(value: Any):
    def corrupt(env: Env) -> None:
        env.with_history()
        schema_key("actors", "x-identity", value)(env)
    return corrupt


def field_replaced(env: Env, value: Any) -> None:
    schema = env.schema("events")
    schema["fields"][2] = value
    env.write_schema("events", schema)


def duplicate_field(env: Env) -> None:
    schema = env.schema("events")
    schema["fields"].append(dict(schema["fields"][0]))
    env.write_schema("events", schema)


def text_edit(relative: str, old: str, new: str):
    """Edit a JSON file as text, for what json.dumps cannot write (duplicate keys, NaN)."""
    def corrupt(env: Env) -> None:
        path = env.root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return corrupt


def duplicate_manifest_key(env: Env) -> None:
    env.with_history()
    text_edit(MANIFEST, '"version"', '"version": "9.9.9", "version"')(env)


def descriptor_value(value: Any):
    def corrupt(env: Env) -> None:
        env.write_descriptor(value)
    return corrupt


def descriptor_key(key: str, value: Any):
    def corrupt(env: Env) -> None:
        descriptor = env.descriptor()
        descriptor[key] = value
        env.write_descriptor(descriptor)
    return corrupt


def first_resource(value: Any):
    def corrupt(env: Env) -> None:
        descriptor = env.descriptor()
        descriptor["resources"][0] = value
        env.write_descriptor(descriptor)
    return corrupt


# --- diff between packages whose tables differ ----------------------------------------------------

def new_table_without_key(env: Env) -> None:
    shutil.copy(env.package.csv("countries"), env.root / "data" / "extra.csv")
    schema = env.schema("countries")
    schema.pop("primaryKey", None)
    schema.pop("foreignKeys", None)
    env.write_json("schemas/extra.schema.json", schema)
    descriptor = env.descriptor()
    entry = dict(next(r for r in descriptor["resources"] if r["name"] == "countries"))
    entry.update(name="extra", path="data/extra.csv", schema="schemas/extra.schema.json")
    descriptor["resources"].append(entry)
    env.write_descriptor(descriptor)


def key_changed(env: Env) -> None:
    schema = env.schema("countries")
    schema["primaryKey"] = ["name_en"] if any(f["name"] == "name_en" for f in schema["fields"]) \
        else [schema["fields"][1]["name"]]
    env.write_schema("countries", schema)


def new_precision(env: Env) -> dict[str, Any]:
    schema = env.schema("events")
    spec = next(f for f in schema["fields"] if f["name"] == "date_precision")
    spec["constraints"]["enum"].append("decade")
    env.write_schema("events", schema)
    return {"line": env.package.set_cell("events", 0, "date_precision", "decade")}


def unlisted_csv(env: Env) -> None:
    shutil.copy(env.package.csv("countries"), env.root / "data" / "secret.csv")


def unlisted_article(env: Env) -> None:
    shutil.copy(env.root / ARTICLE, env.root / "data" / "sources" / "999_unlisted.txt")


def dropped_resource(env: Env) -> None:
    descriptor = env.descriptor()
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "furniture"]
    env.write_descriptor(descriptor)


def retired_replaced_by_missing(env: Env) -> dict[str, Any]:
    env.package.write_rows("retired_ids", [{"id": "EV9998", "table_name": "events", "retired_in": "0.4.0",
                                            "reason_en": "Merged into another event.", "replaced_by": "EV9999"}])
    return {"line": env.package.line_of("retired_ids", 0)}


def no_resources(env: Env) -> None:
    descriptor = env.descriptor()
    descriptor["resources"] = []
    env.write_descriptor(descriptor)


# --- a table stored as Parquet (as a hostile pull request could declare it) -----------------------

PARQUET = "data/events.parquet"


def parquet_table(change: Any = None, data: bytes | None = None, **resource: Any):
    """``events`` as a Parquet file named by its resource: the shipped rows after ``change``, or raw ``data``."""
    def corrupt(env: Env) -> None:
        import polars as pl

        if data is not None:
            env.write(PARQUET, data)
        else:
            frame = pl.read_csv(env.package.csv("events"), infer_schema=False).with_columns(
                pl.col("fatalities").cast(pl.Int64), pl.col("date_start").str.to_date(),
                pl.col("date_end").str.to_date())
            (change(frame) if change else frame).write_parquet(env.root / PARQUET)
        env.package.csv("events").unlink()
        env.resource("events", **{"path": PARQUET, "format": "parquet", "mediatype": "application/vnd.apache.parquet",
                                  "encoding": None, "dialect": None, **resource})
    return corrupt


def pl_float(column: str) -> Any:
    import polars as pl

    return pl.col(column).cast(pl.Float64) + 0.5


def pl_text(column: str) -> Any:
    import polars as pl

    return pl.col(column).cast(pl.String)


def _first_row(column: str, value: Any):
    import polars as pl

    return lambda frame: frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(value)).otherwise(pl.col(column)).alias(column))


CASES: list[Case] = [
    # line endings and encodings
    *across("csv-cr-only-line-endings", cr_only("events"), "data/events.csv",
            ("validate", "summary", "load", "diff", "codebook", "timeline")),
    *across("csv-cr-only-line-endings-claims", cr_only("claims"), "data/claims.csv", ("coverage", "load"),
            table="claims"),
    *across("article-cp1256-rehashed", reencoded_article("cp1256"), ARTICLE,
            ("validate", "source_text", "span", "coverage", "release")),
    *across("article-utf16-rehashed", reencoded_article("utf-16"), ARTICLE, ("validate", "source_text")),
    *across("changelog-cp1256", changelog_cp1256, "CHANGELOG.md", ("validate", "release")),
    *across("csv-cell-cp1256", csv_cell_bytes("events", 2, "title_en", "هجوم".encode("cp1256")),
            "data/events.csv:{line}", ("validate",)),
    *across("csv-cell-cp1256", csv_cell_bytes("events", 2, "title_en", "هجوم".encode("cp1256")),
            "data/events.csv", ("load", "summary", "timeline")),
    *across("csv-cell-nul-byte", csv_cell_bytes("events", 2, "title_en", b"a\x00b"), "data/events.csv:{line}",
            ("validate",)),
    *across("csv-stray-quote", stray_quote, "data/events.csv:{line}", ("validate",)),
    *across("csv-stray-quote", stray_quote, "data/events.csv", ("load", "summary", "diff")),
    *across("csv-header-renamed", header_renamed, "data/events.csv", ("validate", "load", "summary", "diff",
                                                                       "codebook", "timeline")),
    *across("csv-empty-file", lambda env: env.write("data/events.csv", b""), "data/events.csv",
            ("validate", "load", "summary", "codebook")),
    *across("csv-integer-not-a-number", csv_cell("claims", 1, "char_start", "12a"), "data/claims.csv",
            ("load", "coverage", "summary"), table="claims"),
    *across("csv-integer-beyond-int64", csv_cell("claims", 1, "char_start", "9" * 30), "data/claims.csv",
            ("validate", "load", "coverage"), table="claims"),
    *across("csv-date-impossible", csv_cell("events", 1, "date_start", "2024-13-45"), "data/events.csv",
            ("load", "timeline", "diff")),
    *across("csv-enum-value-unknown", csv_cell("events", 1, "status", "done"), "data/events.csv",
            ("load", "timeline", "codebook")),
    # release manifests: malformed, mistyped, duplicate keys
    *across("manifest-not-json", manifest(b"{"), MANIFEST, ("validate", "release")),
    *across("manifest-not-utf8", manifest('{"version": "0.4.0", "note": "انسحاب"}'.encode("cp1256")), MANIFEST, ("validate",)),
    *across("manifest-a-list", manifest(lambda data: [data]), MANIFEST, ("validate", "release")),
    *across("manifest-version-integer", manifest(_set("version", 4)), MANIFEST, ("validate",)),
    *across("manifest-version-not-semver", manifest(_set("version", "0.4")), MANIFEST, ("validate",)),
    *across("manifest-ids-a-list", manifest(_set("ids", [])), MANIFEST, ("validate", "release")),
    *across("manifest-files-a-string", manifest(_set("files", "all")), MANIFEST, ("validate",)),
    *across("manifest-rows-missing", manifest(lambda data: {k: v for k, v in data.items() if k != "rows"}),
            MANIFEST, ("validate",)),
    *across("manifest-duplicate-key", duplicate_manifest_key, MANIFEST, ("validate",)),
    # x-identity, as the version checks read it
    *across("x-identity-a-string", identity("actor_type"), "schemas/actors.schema.json", ("validate", "release")),
    *across("x-identity-unknown-column", identity(["no_such_column"]), "schemas/actors.schema.json", ("validate",)),
    *across("x-identity-an-integer", identity(5), "schemas/actors.schema.json", ("validate", "codebook")),
    # fields the loader cannot type
    *across("field-datetime", field("events", "date_start", type="datetime"), SCHEMA, EVERY),
    *across("field-without-name", field("events", "summary_en", name=None), SCHEMA, EVERY),
    *across("field-without-type", field("events", "title_en", type=None), SCHEMA, EVERY),
    *across("field-type-geopoint", field("events", "title_en", type="geopoint"), SCHEMA, ("validate", "load")),
    *across("field-type-an-integer", field("events", "title_en", type=5), SCHEMA, ("validate", "load", "diff")),
    *across("field-name-an-integer", field("events", "title_en", name=5), SCHEMA, ("validate", "load", "codebook")),
    *across("field-a-string", lambda env: field_replaced(env, "title_en"), SCHEMA, LOADERS),
    *across("field-null", lambda env: field_replaced(env, None), SCHEMA, ("validate", "load", "summary")),
    *across("field-duplicate-name", duplicate_field, SCHEMA, ("validate", "load", "summary", "codebook")),
    *across("fields-an-object", schema_key("events", "fields", {"event_id": "string"}), SCHEMA,
            ("validate", "load")),
    *across("constraints-a-list", field("events", "status", constraints=["planned"]), SCHEMA,
            ("validate", "load", "codebook", "diff")),
    *across("enum-a-string", field("events", "status", constraints={"enum": "planned"}), SCHEMA,
            ("validate", "load", "codebook")),
    *across("enum-duplicate-values", field("events", "status", constraints={"enum": ["occurred", "occurred",
                                                                                     "planned"]}),
            SCHEMA, ("validate", "load")),
    *across("enum-numbers", field("events", "status", constraints={"enum": [1, 2]}), SCHEMA, ("validate", "load")),
    *across("description-a-number", schema_key("events", "description", 5), SCHEMA,
            ("validate", "summary", "codebook")),
    *across("field-description-a-list", field("events", "title_en", description=["a"]), SCHEMA,
            ("validate", "codebook")),
    *across("primary-key-unknown-column", schema_key("events", "primaryKey", ["no_such_column"]), SCHEMA,
            ("validate", "diff", "codebook")),
    *across("primary-key-an-integer", schema_key("events", "primaryKey", 5), SCHEMA, ("validate", "diff", "codebook")),
    *across("foreign-keys-a-string", schema_key("events", "foreignKeys", "event_type"), SCHEMA,
            ("validate", "codebook")),
    *across("foreign-key-reference-a-string", schema_key("events", "foreignKeys",
                                                         [{"fields": ["event_type"], "reference": "event_types"}]),
            SCHEMA, ("validate", "codebook")),
    *across("schema-maximum-nan", text_edit("schemas/claims.schema.json", '"minimum": 0', '"maximum": NaN'),
            "schemas/claims.schema.json", ("validate",)),
    # duplicate keys in any JSON file
    *across("descriptor-duplicate-key", text_edit("datapackage.json", '"version"', '"version": "9.9.9", "version"'),
            "datapackage.json", ("validate", "summary", "load")),
    *across("schema-duplicate-key", text_edit(SCHEMA, '"fields"', '"fields": [], "fields"'), SCHEMA,
            ("validate", "load", "diff")),
    *across("field-duplicate-key", text_edit(SCHEMA, '"type": "string"', '"type": "integer", "type": "string"'),
            SCHEMA, ("validate", "load")),
    # mistyped descriptors
    *across("descriptor-empty-file", lambda env: env.write("datapackage.json", b""), "datapackage.json",
            ("validate", "summary", "load")),
    *across("descriptor-null", descriptor_value(None), "datapackage.json", ("validate", "summary", "load")),
    *across("descriptor-a-list", descriptor_value([]), "datapackage.json", ("validate", "load")),
    *across("descriptor-not-utf8", lambda env: env.write("datapackage.json", env.descriptor() and json.dumps(
        {**env.descriptor(), "title": "انسحاب"}, ensure_ascii=False).encode("cp1256")), "datapackage.json",
            ("validate", "summary", "load")),
    *across("descriptor-trailing-garbage", text_edit("datapackage.json", "\n}\n", "\n} }"), "datapackage.json",
            ("validate", "load")),
    *across("descriptor-resources-an-object", descriptor_key("resources", {"events": {}}), "datapackage.json",
            ("validate", "summary", "load")),
    *across("descriptor-resource-a-string", first_resource("data/sources.csv"), "datapackage.json",
            ("validate", "summary", "load")),
    *across("descriptor-resource-null", first_resource(None), "datapackage.json", ("validate", "load")),
    *across("descriptor-no-resources", no_resources, "datapackage.json", ("validate", "summary", "codebook")),
    *across("descriptor-name-and-title-missing",
            lambda env: env.write_descriptor({k: v for k, v in env.descriptor().items() if k not in ("name", "title")}),
            "datapackage.json", ("validate", "release")),
    # what the descriptor leaves out is still checked (issue 16 section 4)
    *across("unlisted-csv-in-data", unlisted_csv, "data/secret.csv", ("validate",)),
    *across("unlisted-article", unlisted_article, "data/sources/999_unlisted.txt", ("validate", "release")),
    *across("dropped-resource", dropped_resource, "data/furniture.csv", ("validate",)),
    *across("retired-id-replaced-by-missing", retired_replaced_by_missing, ("data/retired_ids.csv:{line}",
                                                                             "replaced_by"), ("validate",)),
    # a table stored as Parquet: read as Parquet, its stored types and cells checked, never as CSV
    *across("parquet-csv-bytes", parquet_table(data=b"event_id,title_en\nEV0001,x\n"), PARQUET,
            ("validate", "summary", "load", "scan", "diff", "timeline")),
    *across("parquet-truncated", parquet_table(data=b"PAR1\x00\x00PAR1"), PARQUET, ("validate", "load", "summary")),
    *across("parquet-float-for-integer", parquet_table(lambda f: f.with_columns(pl_float("fatalities"))),
            (PARQUET, "fatalities"), ("validate", "load", "scan", "summary", "diff", "timeline")),
    *across("parquet-text-for-date", parquet_table(lambda f: f.with_columns(pl_text("date_start"))),
            (PARQUET, "date_start"), ("validate", "load", "timeline")),
    *across("parquet-enum-value-unknown", parquet_table(_first_row("status", "done")), (f"{PARQUET}:1", "status"),
            ("validate",)),
    *across("parquet-enum-value-unknown", parquet_table(_first_row("status", "done")), PARQUET,
            ("load", "summary", "timeline")),
    *across("parquet-hash-wrong", parquet_table(hash="sha256:" + "0" * 64), PARQUET,
            ("validate", "load", "scan", "summary")),
    *across("parquet-with-dialect", parquet_table(dialect={"delimiter": ";"}), "dialect",
            ("validate", "load", "summary")),
    *across("parquet-release-refused", parquet_table(), "Parquet", ("release",), codes={"release": 2}),
    # diff between packages whose tables differ
    Case("diff-new-table-without-primary-key", new_table_without_key, ("diff", "{old}", "{pkg}"), 0, ("extra",)),
    Case("diff-removed-table-without-primary-key", new_table_without_key, ("diff", "{pkg}", "{old}"), 0, ("extra",)),
    Case("diff-new-table-without-primary-key-json", new_table_without_key,
         ("diff", "--format", "json", "{old}", "{pkg}"), 0, ('"extra"',)),
    Case("diff-primary-key-changed", key_changed, ("diff", "{old}", "{pkg}"), 0, ("primaryKey",)),
    Case("diff-datetime-in-old", field("events", "date_start", type="datetime"), ("diff", "{pkg}", "{old}"), 2,
         (SCHEMA,)),
    # timeline: a precision the drawing does not know
    Case("timeline-unknown-precision", new_precision, ("timeline", "--path", "{pkg}", "--output-dir", "{out}"), 2,
         ("decade",)),
]


@pytest.mark.parametrize("case", params(CASES))
def test_malformed(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)
