"""Stata files: ``<table>.dta`` in format 118 (Stata 14 and later, UTF-8), one per table.

Integers stay integers, with Stata's missing value for a null; dates are Stata dates (``%td``); an enum
column holds the codes 1, 2, ... in the schema's order of its allowed values, labelled with those
values; text longer than a fixed-width Stata string holds (2045 bytes) is a ``strL``, kept whole.
Variable labels are the schema's descriptions, cut to Stata's 80 characters. Written with pandas,
with the package's creation time as the file's time stamp, so the same package gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from coalition_data.formats.about import FormatError
from coalition_data.loader import load_file
from coalition_data.package import Package, Table

LABEL_CHARS = 80  # Stata's limit for a variable or data label
MAX_STR_BYTES = 2045  # the longest fixed-width string (str2045); longer text is a strL
# Names Stata reserves ([U] 11.3), which no variable may take; str1 ... str2045 too.
RESERVED = {"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n", "_N",
            "_pi", "_pred", "_rc", "_skip", "strL", "using", "with"}
_VALID = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")


def variable_name(field: str) -> str:
    """A valid Stata name for a field: other characters become ``_``, at most 32 characters, never a
    reserved word."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", field)
    if not name or name[0].isdigit():
        name = "_" + name
    name = name[:32]
    if name in RESERVED or re.fullmatch(r"str[0-9]+", name):
        name = name[:31] + "_"
    assert _VALID.fullmatch(name), name
    return name


def variable_names(table: Table) -> dict[str, str]:
    """Each field's Stata name; two fields that would get the same name are an error."""
    names: dict[str, str] = {}
    for field in table.field_names:
        name = variable_name(field)
        clash = next((other for other, given in names.items() if given == name), None)
        if clash is not None:
            raise FormatError(f"table {table.name!r}: fields {clash!r} and {field!r} would both be the Stata "
                              f"variable {name!r}; rename one in the Table Schema")
        names[field] = name
    return names


def label(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` as a Stata label: whole if it fits, else its first sentence, else cut at a word with '...'."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    sentence = text.split(". ")[0]
    if len(sentence) <= limit:
        return sentence.rstrip(".")
    cut = text[:limit - 3].rsplit(" ", 1)[0].rstrip(",;:(-'")
    return cut + "..."


def _created(package: Package) -> dt.datetime:
    created = package.descriptor.get("created")
    if not created:
        return dt.datetime(2000, 1, 1)
    return dt.datetime.fromisoformat(created.replace("Z", "+00:00")).replace(tzinfo=None)


def _columns(table: Table, names: dict[str, str]) -> tuple[Any, dict[str, dict[int, str]], dict[str, str], list[str]]:
    """The pandas frame to write, its value labels, its date columns and its strL columns."""
    import pandas as pd

    frame = load_file(table)
    columns, value_labels, dates, strls = {}, {}, {}, []
    for spec in table.fields:
        values, name = frame[spec["name"]].to_list(), names[spec["name"]]
        kind, enum = spec["type"], spec.get("constraints", {}).get("enum")
        if kind == "string" and enum is not None:
            codes = {value: code for code, value in enumerate(enum, start=1)}
            width = "Int8" if len(enum) <= 100 else "Int16" if len(enum) <= 32_740 else "Int32"  # Stata byte, int, long
            columns[name] = pd.array([None if v is None else codes[v] for v in values], dtype=width)
            value_labels[name] = {code: value for value, code in codes.items()}
        elif kind == "string":
            columns[name] = pd.Series(["" if v is None else v for v in values], dtype=object)  # Stata's missing text
            if max((len(v.encode("utf-8")) for v in values if v is not None), default=0) > MAX_STR_BYTES:
                strls.append(name)
        elif kind == "integer":
            columns[name] = pd.array(values, dtype="Int64")
        elif kind == "number":
            columns[name] = pd.Series([float("nan") if v is None else v for v in values], dtype="float64")  # NaN: '.'
        elif kind == "date":
            columns[name] = pd.to_datetime(pd.Series(values, dtype=object))
            dates[name] = "td"
        elif kind == "boolean":
            columns[name] = pd.array([None if v is None else int(v) for v in values], dtype="Int8")
        else:
            raise FormatError(f"field {spec['name']!r} of {table.name!r}: type {kind!r} has no Stata type")
    return pd.DataFrame(columns), value_labels, dates, strls


def write_stata(package: Package, folder: Path) -> list[Path]:
    """Write ``folder/<table>.dta`` for every table; return the files in table order."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in package.tables:
        if "/" in name or "\\" in name or name.startswith("."):
            raise FormatError(f"table {name!r} cannot name a file")
    for name, table in package.tables.items():
        names = variable_names(table)
        frame, value_labels, dates, strls = _columns(table, names)
        path = folder / f"{name}.dta"
        frame.to_stata(path, version=118, write_index=False, convert_dates=dates, convert_strl=strls,
                       value_labels=value_labels, time_stamp=_created(package),
                       data_label=label(f"{table.schema.get('title', name)} ({package.descriptor['name']} "
                                        f"{package.version})"),
                       variable_labels={names[spec["name"]]: label(spec.get("description", ""))
                                        for spec in table.fields})
        written.append(path)
    return written
