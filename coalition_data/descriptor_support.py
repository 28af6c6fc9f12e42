"""What the readers (``load`` and ``validate``) support of the descriptor features that change how a CSV is read.

A descriptor that asks for anything else (another delimiter, other missing values, a date format) is refused,
never read as if it had not asked. Plain data and functions: the loader calls them on every open.
"""

from __future__ import annotations

import json
from typing import Any

# The one CSV dialect validate and load read: each key accepted only with this value.
DIALECT = {"delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "doubleQuote": True, "header": True,
           "headerRows": [1], "skipInitialSpace": False, "caseSensitiveHeader": True}
MISSING_VALUES = [""]  # only an empty field is null
RESOURCE = {"format": "csv", "mediatype": "text/csv"}
# A table may also be a Parquet file (a release's parquet/ folder is such a package): its types are stored in it.
PARQUET = {"format": "parquet", "mediatype": "application/vnd.apache.parquet"}
FORMATS = {spec["format"]: spec for spec in (RESOURCE, PARQUET)}
# Field properties that would change how a cell is read; the values here are the only ones the reader implements.
FIELD = {"format": "default", "missingValues": MISSING_VALUES, "decimalChar": ".", "bareNumber": True}
# Boolean cells: frictionless' default true and false values that Polars (case-insensitive) also reads.
TRUE_VALUES = ("true", "True", "TRUE")
FALSE_VALUES = ("false", "False", "FALSE")
_REFUSED_FIELD_KEYS = {
    "trueValues": f"trueValues is not supported: a boolean is one of {', '.join(TRUE_VALUES + FALSE_VALUES)}",
    "falseValues": f"falseValues is not supported: a boolean is one of {', '.join(TRUE_VALUES + FALSE_VALUES)}",
    "groupChar": "groupChar is not supported: numbers are written without group separators",
}


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _as_json(problems: list[tuple[Any, str] | None]) -> list[tuple[Any, str]]:
    """The problems found, each value as it is written in JSON (a string as itself)."""
    return [(value if isinstance(value, str) else _shown(value), message) for value, message in filter(None, problems)]


HASH_ALGORITHMS = ("md5", "sha1", "sha256", "sha512")


def hash_problem(declared: str, raw: bytes) -> tuple[str, str] | None:
    """Why ``raw`` does not have the hash a resource declares (``"sha256:<hex>"``; a bare digest is MD5, the
    Data Package default): ("unknown", the algorithm) or ("differs", the algorithm); None if it has it."""
    import hashlib

    algorithm, _, digest = declared.rpartition(":")
    algorithm = algorithm or "md5"
    if algorithm not in HASH_ALGORITHMS:
        return "unknown", algorithm
    return None if hashlib.new(algorithm, raw).hexdigest() == digest.lower() else ("differs", algorithm)


def table_format(resource: dict[str, Any]) -> str:
    """"csv" or "parquet": the declared format, else (as frictionless infers it) the path's extension."""
    declared = resource.get("format")
    if isinstance(declared, str) and declared in FORMATS:
        return declared
    path = resource.get("path")
    return "parquet" if declared is None and isinstance(path, str) and path.lower().endswith(".parquet") else "csv"


def resource_problems(resource: dict[str, Any]) -> list[tuple[Any, str]]:
    """What a resource declares that the reader would not honour: each as (value, message)."""
    problems = []
    kind = table_format(resource)
    if "format" in resource and resource["format"] not in FORMATS:
        problems.append((resource["format"], f"format {_shown(resource['format'])} is not supported: only "
                                             + " or ".join(map(_shown, FORMATS))))
    elif "mediatype" in resource and resource["mediatype"] != FORMATS[kind]["mediatype"]:
        problems.append((resource["mediatype"], f"mediatype {_shown(resource['mediatype'])} is not supported for "
                                                f"format {_shown(kind)}: only {_shown(FORMATS[kind]['mediatype'])}"))
    for key in ("compression", "scheme", "data"):
        if key in resource:
            problems.append((key, f"{key} is not supported: a table is a plain CSV or Parquet file in the package, "
                                  "named by path"))
    if "missingValues" in resource:
        problems.append(_missing_values(resource["missingValues"]))
    if "hash" in resource and not isinstance(resource["hash"], str):  # the algorithm is checked with the file
        problems.append((resource["hash"], 'hash must be a string, "<algorithm>:<hex digits>"'))
    if kind == "parquet" and resource.get("encoding", "utf-8") != "utf-8":
        problems.append((resource["encoding"], "encoding is not supported for a Parquet file: its text is UTF-8"))
    dialect = resource.get("dialect")
    if dialect is None:
        return _as_json(problems)
    if kind == "parquet":
        problems.append((dialect, "dialect is not supported for a Parquet file: it has no delimiter or quotes"))
        return _as_json(problems)
    if not isinstance(dialect, dict):
        problems.append((dialect, "dialect must be an inline JSON object"))
        return _as_json(problems)
    for key, value in dialect.items():
        if key == "$schema":
            continue
        if key not in DIALECT:
            problems.append((key, f"dialect {key!r} is not supported (validate and load read only "
                                  + ", ".join(f"{k} {_shown(v)}" for k, v in DIALECT.items()) + ")"))
        elif value != DIALECT[key] or type(value) is not type(DIALECT[key]):
            problems.append((value, f"dialect {key} {_shown(value)} is not supported: validate and load read only "
                                    f"{key} {_shown(DIALECT[key])}"))
    return _as_json(problems)


def _missing_values(value: Any) -> tuple[Any, str] | None:
    if value == MISSING_VALUES:
        return None
    return (value, f"missingValues {_shown(value)} is not supported: only an empty field is null ({_shown(MISSING_VALUES)})")


def schema_problems(schema: dict[str, Any]) -> list[tuple[Any, str]]:
    """The schema-level (or package-level) properties the reader would not honour: each as (value, message)."""
    problems = [_missing_values(schema["missingValues"]) if "missingValues" in schema else None]
    if "uniqueKeys" in schema:  # Table Schema v2; frictionless 5 ignores it too
        problems.append((schema["uniqueKeys"], "uniqueKeys is not enforced by validate: make the key the primaryKey "
                                               "or give the field a unique constraint"))
    if schema.get("fieldsMatch", "exact") != "exact":
        problems.append((schema["fieldsMatch"], 'fieldsMatch is not supported: the header must be the fields, in order ("exact")'))
    return _as_json(problems)


def field_problems(field: dict[str, Any]) -> list[tuple[Any, str]]:
    """The properties of one field the reader would not honour: each as (value, message)."""
    problems = []
    for key, message in _REFUSED_FIELD_KEYS.items():
        if key in field:
            problems.append((field[key], message))
    for key, expected in FIELD.items():
        if key not in field or field[key] == expected:
            continue
        if key == "missingValues":
            problems.append(_missing_values(field[key]))
        elif key == "format":
            problems.append((field[key], f"format {_shown(field[key])} is not supported: only \"default\" (a date is "
                                         "YYYY-MM-DD; a string is not checked against a format)"))
        else:
            problems.append((field[key], f"{key} {_shown(field[key])} is not supported: only {_shown(expected)}"))
    return _as_json(problems)


def refusal(descriptor: dict[str, Any], resource: dict[str, Any], schema: dict[str, Any]) -> tuple[bool, str] | None:
    """The first thing this resource asks of the reader that it does not do: (whether its schema asks it, the
    message); None if nothing."""
    asked = schema_problems(descriptor) + resource_problems(resource)
    if asked:
        return False, asked[0][1]
    asked = schema_problems(schema)
    for field in schema.get("fields", []):
        asked += [(value, f"field {field.get('name')!r}: {message}") for value, message in field_problems(field)]
    return (True, asked[0][1]) if asked else None
