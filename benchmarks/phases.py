"""Where validate's time goes: seconds spent in each phase of one in-process run.

    python benchmarks/phases.py PACKAGE_FOLDER

Wraps the functions ``coalition_data.validation.run.validate`` calls, runs it once and prints the
seconds spent in each, longest first. Phases nest (``read_table`` holds ``_read_canonical``), and the
span comparison runs beside the cross-table rules and the name search (``check_attested``, which also
checks what each source prints against its own article), so the phases add up to more than the total.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any


def _timed(seconds: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] += time.perf_counter() - start
    return wrapper


def _wrap(seconds: dict[str, float], module: ModuleType, name: str) -> None:
    setattr(module, name, _timed(seconds, name, getattr(module, name)))


def phases(root: Path) -> tuple[float, int, dict[str, float]]:
    """(total seconds, problems found, seconds per phase) of one run of validate on ``root``."""
    from coalition_data.validation import csv_reading, integrity, provenance, row_rules
    from coalition_data.validation import run as validate_run

    seconds: dict[str, float] = defaultdict(float)
    for name in ("read_table", "_column_checks", "check_descriptor"):
        _wrap(seconds, validate_run, name)
    for name in ("_read_canonical", "typed"):
        _wrap(seconds, csv_reading, name)
    for name in ("read_sources", "check_spans", "check_attested"):
        _wrap(seconds, provenance, name)
    for module in (row_rules, integrity):
        module.ALL = tuple(_timed(seconds, rule.__name__, rule) for rule in module.ALL)
    start = time.perf_counter()
    problems = validate_run.validate(root)
    return time.perf_counter() - start, len(problems), dict(seconds)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python benchmarks/phases.py PACKAGE_FOLDER")
    total, problems, seconds = phases(Path(args[0]))
    print(f"validate: {total:.2f} s, {problems} problem(s)")
    for name, spent in sorted(seconds.items(), key=lambda item: -item[1]):
        print(f"  {name:30s} {spent:6.2f} s")


if __name__ == "__main__":
    main()
