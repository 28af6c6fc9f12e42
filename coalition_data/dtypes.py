"""Polars dtypes derived from the Table Schemas (never written by hand)."""

from __future__ import annotations

from typing import Any

import polars as pl

_BY_TYPE: dict[str, pl.DataType] = {
    "string": pl.String(),
    "integer": pl.Int64(),
    "number": pl.Float64(),
    "date": pl.Date(),
    "boolean": pl.Boolean(),
}


SUPPORTED_TYPES = tuple(_BY_TYPE)


def field_dtype(field: dict[str, Any]) -> pl.DataType:
    """The Polars dtype for one Table Schema field: ``pl.Enum`` where it has an enum."""
    enum = field.get("constraints", {}).get("enum")
    if enum is not None and field["type"] == "string":
        return pl.Enum(enum)
    try:
        return _BY_TYPE[field["type"]]
    except KeyError:
        raise ValueError(f"field {field['name']!r}: Table Schema type {field['type']!r} is not supported") from None


def polars_schema(table_schema: dict[str, Any]) -> pl.Schema:
    """Column names and dtypes, in schema order."""
    return pl.Schema({field["name"]: field_dtype(field) for field in table_schema["fields"]})
