"""Descriptor features that change how a CSV is read: accepted only with the value our reader (and the loader)
implements, so that a descriptor never asks for something validate and load would quietly ignore. And the
size and hash a resource declares, checked against its file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from coalition_data.descriptor_support import (  # noqa: F401 -- the validate side of one set of rules
    DIALECT,
    FALSE_VALUES,
    FIELD,
    MISSING_VALUES,
    RESOURCE,
    TRUE_VALUES,
    _shown,
    field_problems,
    hash_problem,
    resource_problems,
    schema_problems,
    table_format,
)
from coalition_data.package import DESCRIPTOR
from coalition_data.validation.problems import Problem, shown


def declared_file_problems(resource: dict[str, Any], path: Path, file: str) -> list[Problem]:
    """The size and hash a resource declares (a release's descriptor does) must be its file's."""
    if not path.is_file() or not ({"bytes", "hash"} & resource.keys()):
        return []  # a missing file is the reader's to report
    raw = path.read_bytes()
    problems = []
    if "bytes" in resource and resource["bytes"] != len(raw):
        problems.append(Problem(file, None, None, _value(resource["bytes"]), "resource-bytes",
                                f"{DESCRIPTOR} says the file has {_shown(resource['bytes'])} bytes; it has {len(raw)}"))
    declared = resource.get("hash")
    wrong = hash_problem(declared, raw) if isinstance(declared, str) else None  # any other is a descriptor problem
    if wrong is not None and wrong[0] == "unknown":
        problems.append(Problem(file, None, None, _value(declared), "resource-hash",
                                f"{DESCRIPTOR} gives a hash validate cannot check: use sha256:<hex digits>"))
    elif wrong is not None:
        problems.append(Problem(file, None, None, _value(declared), "resource-hash",
                                f"the file's {wrong[1]} is not the one {DESCRIPTOR} records: the file changed "
                                "after the descriptor was written"))
    return problems


def _value(value: Any) -> str:
    return shown(value if isinstance(value, str) else _shown(value)) or ""
