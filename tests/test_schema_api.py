"""The public schema API: the Table Schema as a dict (no extra), and the Pandera schema validate uses."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import pytest
from conftest import REPO, PackageCopy

import coalition_data
from coalition_data.package import open_package


def test_schema_is_the_table_schema_file() -> None:
    for name in coalition_data.tables():
        on_disk = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        assert coalition_data.schema(name) == on_disk, name


def test_schema_is_a_copy() -> None:
    first = coalition_data.schema("events")
    first["fields"][0]["name"] = "changed"
    first["fields"].clear()
    assert coalition_data.schema("events")["fields"][0]["name"] == "event_id"
    assert open_package().table("events").fields[0]["name"] == "event_id"


def test_schema_of_an_unknown_table_lists_the_valid_names() -> None:
    with pytest.raises(coalition_data.PackageError, match=r"unknown table 'event'; valid tables: sources, claims, "):
        coalition_data.schema("event")


def test_schema_reads_another_copy_of_the_package(package: PackageCopy) -> None:
    package.set_constraints("events", "fatalities", maximum=1000)
    assert coalition_data.schema("events", path=package.root)["fields"][-1]["constraints"]["maximum"] == 1000
    assert "maximum" not in coalition_data.schema("events")["fields"][-1]["constraints"]


def test_schema_imports_no_validation_or_writer_library() -> None:
    code = ("import sys, coalition_data; coalition_data.schema('events'); "
            "print(sorted(m for m in ('pandera', 'frictionless', 'pyarrow', 'pandas', 'xlsxwriter', 'pyreadstat') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_pandera_schema_accepts_every_table_as_loaded() -> None:
    from coalition_data.validation import pandera_schema

    for name, frame in coalition_data.load_all().items():
        assert pandera_schema(name).validate(frame).equals(frame), name


def test_pandera_schema_accepts_a_derived_frame_and_rejects_broken_ones() -> None:
    import pandera.errors

    from coalition_data.validation import pandera_schema

    schema = pandera_schema("events")
    derived = coalition_data.load("events").filter(pl.col("status") == "occurred").sort("event_id", descending=True)
    assert schema.validate(derived).height == derived.height > 0
    broken = {
        ("fatalities", "minimum"): derived.with_columns(pl.lit(-1, pl.Int64).alias("fatalities")),
        ("event_id", "pattern"): derived.with_columns(pl.col("event_id").str.replace("EV", "E")),
        ("summary_en", "script"): derived.with_columns(pl.lit("قصف").alias("summary_en")),
        ("event_id", "field_uniqueness"): pl.concat([derived, derived.head(1)]),
        ("title_en", "not_nullable"): derived.with_columns(pl.lit(None, pl.String).alias("title_en")),
    }
    for (column, check), frame in broken.items():
        with pytest.raises(pandera.errors.SchemaErrors) as caught:
            schema.validate(frame, lazy=True)
        found = set(caught.value.failure_cases.select("column", "check").unique().iter_rows())
        assert found == {(column, check)}, (column, check, found)
    with pytest.raises(pandera.errors.SchemaErrors, match="status"):  # enum columns are pl.Enum, as loaded
        schema.validate(derived.with_columns(pl.col("status").cast(pl.String)), lazy=True)


def test_pandera_schema_checks_enum_text_too(package: PackageCopy) -> None:
    """An enum value that breaks a text rule is reported on a pl.Enum column as on the CSV's strings."""
    import pandera.errors

    from coalition_data.validation import pandera_schema

    package.set_constraints("events", "status", enum=["occurred", "planned", "announced", " postponed"])
    frame = coalition_data.load("events", path=package.root).with_columns(
        pl.col("status").cast(pl.String).replace("planned", " postponed")
        .cast(pl.Enum(["occurred", "planned", "announced", " postponed"])))
    with pytest.raises(pandera.errors.SchemaErrors) as caught:
        pandera_schema("events", path=package.root).validate(frame, lazy=True)
    assert set(caught.value.failure_cases.select("column", "check").unique().iter_rows()) == {("status", "whitespace")}


def test_pandera_schema_of_an_unknown_table_lists_the_valid_names() -> None:
    from coalition_data.validation import pandera_schema

    with pytest.raises(coalition_data.PackageError, match=r"unknown table 'event'; valid tables: sources, "):
        pandera_schema("event")
