"""Polars dtypes derived from the Table Schemas (never written by hand).

A field the loader cannot type (no name, no type, a type such as ``datetime``, a malformed enum) is a
``PackageError`` naming where the schema came from, never a ``KeyError`` or ``ValueError``.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from coalition_data.package import PackageError

_BY_TYPE: dict[str, pl.DataType] = {
    "string": pl.String(),
    "integer": pl.Int64(),
    "number": pl.Float64(),
    "date": pl.Date(),
    "boolean": pl.Boolean(),
}


SUPPORTED_TYPES = tuple(_BY_TYPE)
_EXACT_IN_FLOAT64 = (pl.Int8, pl.Int16, pl.Int32, pl.UInt8, pl.UInt16, pl.UInt32)


def field_dtype(field: dict[str, Any], where: str = "Table Schema") -> pl.DataType:
    """The Polars dtype for one Table Schema field: ``pl.Enum`` where it has an enum.

    ``where`` (the schema file) starts the message of the ``PackageError`` raised for a field that cannot be typed.
    """
    if not isinstance(field, dict):
        raise PackageError(f"{where}: every field must be a JSON object, not {_short(field)}")
    name, kind = field.get("name"), field.get("type")
    if not isinstance(name, str) or not name:
        raise PackageError(f"{where}: a field has no name (a non-empty string): {_short(field)}")
    if "type" not in field:
        raise PackageError(f"{where}: field {name!r} has no type; declare one of {', '.join(SUPPORTED_TYPES)}")
    if not isinstance(kind, str) or kind not in _BY_TYPE:
        raise PackageError(f"{where}: field {name!r}: Table Schema type {kind!r} is not supported "
                           f"(supported: {', '.join(SUPPORTED_TYPES)})")
    constraints = field.get("constraints", {})
    if not isinstance(constraints, dict):
        raise PackageError(f"{where}: field {name!r}: constraints must be a JSON object, not {_short(constraints)}")
    enum = constraints.get("enum")
    if enum is None or kind != "string":
        return _BY_TYPE[kind]
    if not (isinstance(enum, list) and enum and all(isinstance(value, str) for value in enum)):
        raise PackageError(f"{where}: field {name!r}: constraints.enum must be a non-empty list of strings, "
                           f"not {_short(enum)}")
    repeated = sorted({value for value in enum if enum.count(value) > 1})
    if repeated:
        raise PackageError(f"{where}: field {name!r}: constraints.enum lists {', '.join(map(repr, repeated))} twice")
    return pl.Enum(enum)


def polars_schema(table_schema: dict[str, Any], where: str = "Table Schema") -> pl.Schema:
    """Column names and dtypes, in schema order; ``where`` names the schema in a ``PackageError``."""
    fields = table_schema.get("fields") if isinstance(table_schema, dict) else None
    if not isinstance(fields, list):
        raise PackageError(f"{where}: a Table Schema needs a list of fields")
    dtypes: dict[str, pl.DataType] = {}
    for field in fields:
        dtype = field_dtype(field, where)
        if field["name"] in dtypes:
            raise PackageError(f"{where}: field {field['name']!r} is declared twice")
        dtypes[field["name"]] = dtype
    return pl.Schema(dtypes)


def stored_type_problem(dtype: pl.DataType, field: dict[str, Any]) -> str | None:
    """Why a column stored (in Parquet) with ``dtype`` cannot hold the field's values; None if it can.
    A cast the loader makes must never change a value: no float into an integer, no text into a date."""
    kind = field["type"]
    fits = {
        "integer": dtype.is_integer(),
        # Float64 as the loader returns it; an integer Float64 holds exactly. Not Float32 or Decimal, which
        # widen to other decimals (33.31 becomes 33.310001373291016).
        "number": dtype == pl.Float64 or dtype in _EXACT_IN_FLOAT64,
        "date": dtype == pl.Date,
        "boolean": dtype == pl.Boolean,
        "string": dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum),
    }.get(kind, False)
    if fits or dtype == pl.Null:  # a column of nulls only: any type
        return None
    return f"is stored as {dtype}, which does not hold a Table Schema {kind}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"
