"""The Data Package descriptor and its Table Schemas, checked by frictionless and by our own conventions."""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
import warnings
from pathlib import Path
from typing import Any

import polars as pl

from coalition_data.dtypes import SUPPORTED_TYPES
from coalition_data.package import DESCRIPTOR, PackageError, inside, read_json
from coalition_data.validation import descriptor_features
from coalition_data.validation.column_checks import CONSTRAINTS, full_match
from coalition_data.validation.problems import Problem, shown

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_descriptor(root: Path) -> list[Problem]:
    """Problems with datapackage.json or the schemas it names; empty when both frictionless and we accept them."""
    try:
        descriptor = read_json(inside(root, DESCRIPTOR))
    except PackageError as exc:
        return [_problem(DESCRIPTOR, str(exc))]
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        return [_problem(DESCRIPTOR, "the descriptor must be a JSON object with a list of resources")]
    problems: list[Problem] = []
    inlined = copy.deepcopy(descriptor)
    for index, resource in enumerate(inlined["resources"]):
        if not isinstance(resource, dict):
            problems.append(_problem(DESCRIPTOR, f"resource {index} must be a JSON object"))
            continue
        where = f"resource {resource.get('name', index)!r}"
        if descriptor_features.table_format(resource) == "csv" and resource.get("encoding") != "utf-8":
            problems.append(_problem(DESCRIPTOR, f'{where}: declare "encoding": "utf-8"'))
        for key in ("path", "schema"):
            if key in resource and not isinstance(resource[key], (str, dict)):
                problems.append(_problem(DESCRIPTOR, f"{where}: {key} must be a single relative path"))
            elif isinstance(resource.get(key), str):
                try:
                    inside(root, resource[key])
                except PackageError as exc:
                    problems.append(_problem(DESCRIPTOR, f"{where}: {exc}", resource[key]))
        problems.extend(_problem(DESCRIPTOR, f"{where}: {message}", shown(value))
                        for value, message in descriptor_features.resource_problems(resource))
        if "schema" not in resource:
            problems.append(_problem(DESCRIPTOR, f"{where}: a table needs a Table Schema"))
        elif isinstance(resource.get("schema"), str) and not problems:
            schema_path = resource["schema"]
            try:
                resource["schema"] = read_json(inside(root, schema_path))
            except PackageError as exc:
                problems.append(_problem(schema_path, str(exc), rule="schema"))
                continue
            problems.extend(_schema_problems(schema_path, resource["schema"]))
        elif isinstance(resource.get("schema"), dict):  # inline, as in a release: the same rules, named by resource
            problems.extend(_schema_problems(DESCRIPTOR, resource["schema"], f"{where} schema: "))
    problems.extend(_problem(DESCRIPTOR, message, shown(value))
                    for value, message in descriptor_features.schema_problems(descriptor))  # a package-wide missingValues
    if not problems:
        problems.extend(_frictionless(inlined))
    if not problems:
        problems.extend(_foreign_key_problems(descriptor, inlined))
    return problems


def _foreign_key_problems(descriptor: dict[str, Any], inlined: dict[str, Any]) -> list[Problem]:
    """Foreign keys into a table of the package must name fields that exist, on both sides (frictionless
    accepts a reference to a field another table does not have, and the cross-table checks could not run it)."""
    fields = {r.get("name"): [f.get("name") for f in r["schema"]["fields"]]
              for r in inlined["resources"] if isinstance(r.get("schema"), dict)}
    problems = []
    for original, resource in zip(descriptor["resources"], inlined["resources"], strict=True):
        inline = not isinstance(original.get("schema"), str)
        file, prefix = (DESCRIPTOR, f"resource {resource.get('name')!r} schema: ") if inline else (original["schema"], "")
        for fk in resource.get("schema", {}).get("foreignKeys", []):
            own, reference = fk.get("fields"), fk.get("reference", {})
            target, theirs = reference.get("resource") or resource.get("name"), reference.get("fields")
            own, theirs = ([own] if isinstance(own, str) else own), ([theirs] if isinstance(theirs, str) else theirs)
            if target not in fields:  # a package holding only some of the tables: that key is not checked
                continue
            missing = [f for f in own if f not in fields.get(resource.get("name"), [])]
            missing += [f"{target}.{f}" for f in theirs if f not in fields[target]]
            if missing or len(own) != len(theirs):
                problems.append(Problem(file, None, ", ".join(own), shown(", ".join(map(str, missing))) or None, "schema",
                                        prefix + "a foreign key must pair existing fields with as many existing fields of "
                                        "the referenced table"))
            elif target == resource.get("name") and own == theirs:  # e.g. a misspelt "resource" key
                problems.append(Problem(file, None, ", ".join(own), None, "schema",
                                        prefix + "a foreign key refers to its own fields in its own table: name the referenced "
                                        "table in reference.resource"))
    return problems


def _problem(file: str, message: str, value: str | None = None, rule: str = "descriptor") -> Problem:
    return Problem(file, None, None, value, rule, message)


def _frictionless(descriptor: dict[str, Any]) -> list[Problem]:
    import frictionless

    try:
        package = frictionless.Package.from_descriptor(descriptor)
        errors = list(frictionless.Package.metadata_validate(package.to_descriptor()))
    except frictionless.FrictionlessException as exc:
        errors = exc.reasons or [exc.error]
    except Exception as exc:  # noqa: BLE001 -- frictionless itself trips over some malformed descriptors (e.g. a null resource)
        return [_problem(DESCRIPTOR, f"not a valid Data Package descriptor (frictionless could not read it: "
                                     f"{type(exc).__name__}: {exc})")]
    return [_problem(DESCRIPTOR, error.message) for error in errors]


def _schema_problems(file: str, schema: Any, prefix: str = "") -> list[Problem]:
    """A Table Schema's faults, each named by ``file`` (the schema file, or the descriptor for an inline
    schema, with ``prefix`` naming its resource): our conventions first, then what frictionless finds."""
    problems = _schema_conventions(file, schema, prefix)
    return problems or _frictionless_schema(file, schema, prefix)


def _frictionless_schema(file: str, schema: dict[str, Any], prefix: str) -> list[Problem]:
    """frictionless' complaints about one schema, checked alone so that each is named by the schema's file; a
    complaint about a field is named by that field."""
    import frictionless

    def errors(kind: Any, descriptor: dict[str, Any]) -> list[Any]:
        try:
            return list(kind.metadata_validate(kind.from_descriptor(descriptor).to_descriptor()))
        except frictionless.FrictionlessException as exc:
            return exc.reasons or [exc.error]
        except Exception as exc:  # noqa: BLE001 -- frictionless trips over some malformed schemas
            return [frictionless.errors.SchemaError(note=f"frictionless could not read it: {type(exc).__name__}: {exc}")]

    found = errors(frictionless.Schema, schema)
    if not found:
        return []
    problems = []
    for field in schema["fields"]:  # name each field frictionless refuses (its message does not say which)
        problems.extend(Problem(file, None, shown(field.get("name")), None, "schema", prefix + error.message)
                        for error in errors(frictionless.Schema, {"fields": [field]}))
    named = {p.message for p in problems}
    problems.extend(Problem(file, None, None, None, "schema", prefix + error.message)
                    for error in found if prefix + error.message not in named)
    return problems


def _schema_conventions(path: str, schema: Any, prefix: str = "") -> list[Problem]:
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        return [_problem(path, prefix + "a Table Schema needs a list of fields", rule="schema")]
    problems = [Problem(path, None, None, shown(value), "schema", prefix + message)
                for value, message in descriptor_features.schema_problems(schema)]
    for index, field in enumerate(schema["fields"]):
        if not isinstance(field, dict):
            problems.append(Problem(path, None, None, shown(field), "schema", f"{prefix}field {index} must be a JSON object"))
            continue
        name = shown(field.get("name"))
        if "categories" in field:
            problems.append(Problem(path, None, name, None, "schema", prefix +
                                    "v2 'categories' are ignored by frictionless: list allowed values in constraints.enum"))
        if field.get("type") not in SUPPORTED_TYPES:
            problems.append(Problem(path, None, name, shown(field.get("type")), "schema",
                                    f"{prefix}every field declares its type, one of {', '.join(SUPPORTED_TYPES)}"))
        problems.extend(Problem(path, None, name, shown(value), "schema", prefix + message)
                        for value, message in descriptor_features.field_problems(field))
        constraints = field.get("constraints", {})
        if not isinstance(constraints, dict):
            problems.append(Problem(path, None, name, shown(constraints), "schema", prefix + "constraints must be a JSON object"))
        else:
            problems.extend(Problem(path, None, name, shown(value), "schema", prefix + message)
                            for value, message in _constraint_problems(field.get("type"), constraints))
    return problems


def _constraint_problems(kind: Any, constraints: dict[str, Any]) -> list[tuple[Any, str]]:
    """Constraints validate would misread or not enforce: each as (value, message)."""
    problems = []
    for key, value in constraints.items():
        if key not in CONSTRAINTS:
            problems.append((key, f"constraint {key!r} is not enforced by validate (supported: {', '.join(CONSTRAINTS)})"))
        elif key in ("required", "unique") and not isinstance(value, bool):
            problems.append((value, f"constraint {key!r} must be true or false"))
        elif key == "enum" and (not isinstance(value, list) or not value
                                or not all(isinstance(v, str) for v in value) or kind != "string"):
            problems.append((value, "constraint 'enum' must be a non-empty list of strings on a string field"))
        elif key == "enum" and len(set(value)) != len(value):
            problems.append((value, "constraint 'enum' lists a value twice"))
        elif key == "pattern" and (error := _pattern_error(value)):
            problems.append((value, f"pattern is not a valid regular expression: {error}"))
        elif key in ("minimum", "maximum") and not _is_bound(value, kind):
            problems.append((value, f"constraint {key!r} must be a {kind} value for a field of type {kind}"))
    return problems


def _pattern_error(pattern: Any) -> str | None:
    """Why ``pattern`` cannot be a full-match rule, or None: both engines must accept it, alone and anchored.

    Polars (Rust regex) enforces it in validate, Python's re in frictionless; they disagree on some syntax,
    e.g. "[]a]" is a class in re and an error in Rust.
    """
    if not isinstance(pattern, str):
        return "it must be a string"
    try:
        with warnings.catch_warnings():  # re warns of sets it may read differently one day, e.g. "[[]"
            warnings.simplefilter("ignore")
            re.compile(pattern)
        # alone too, so "a)|(b" cannot slip out of the anchors it gets (the engines nest brackets differently)
        pl.select(pl.lit("").str.contains(pattern).alias("alone"), pl.lit("").str.contains(full_match(pattern)))
    except re.error as exc:
        return str(exc)
    except pl.exceptions.PolarsError as exc:  # the Rust message names the fault on its "error:" line
        return next((line[len("error:"):].strip() for line in str(exc).splitlines() if line.startswith("error:")),
                    str(exc).splitlines()[0])
    return None


def _is_bound(value: Any, kind: Any) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if kind == "date":
        try:
            return isinstance(value, str) and bool(_ISO_DATE.fullmatch(value)) and dt.date.fromisoformat(value) is not None
        except ValueError:
            return False
    return False
