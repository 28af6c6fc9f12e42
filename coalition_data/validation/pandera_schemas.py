"""The Pandera schema of each table, for checking a frame derived from the tables: the same column rules
``validate`` runs, built from the same Table Schemas."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from coalition_data.package import open_package
from coalition_data.validation.column_checks import build

if TYPE_CHECKING:
    import pandera.polars as pa


def pandera_schema(name: str, *, path: str | Path | None = None) -> pa.DataFrameSchema:
    """The ``pandera.polars.DataFrameSchema`` of table ``name``, for frames shaped as ``load(name)`` returns them.

    It checks every column's dtype (enums as ``pl.Enum``), required values, keys and column rules; the
    rules that span tables or articles (foreign keys, quotes, offsets) are ``validate``'s alone. An unknown
    name raises ``PackageError`` listing the valid ones.
    """
    schema, _ = build(open_package(path).table(name), enums=True)
    return schema
