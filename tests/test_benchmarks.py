"""The benchmark's synthetic packages are valid, deterministic and proportional (the figures mean nothing otherwise)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import REPO

from coalition_data.validation import validate

sys.path.insert(0, str(REPO / "benchmarks"))
from generate import generate

pytestmark = pytest.mark.slow  # left out of the quick edit-test loop: pytest -m 'not slow'


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_generated_package_is_valid_and_proportional(tmp_path: Path) -> None:
    counts = generate(tmp_path / "p", 2_000, seed=3)
    assert validate(tmp_path / "p") == []
    assert counts["events"] == 2_000 and counts["claims"] == 4_000 and counts["event_claims"] == 4_000
    assert counts["actors"] == 1_000 and counts["locations"] == 200 and counts["sources"] == 20


def test_generation_is_deterministic_by_seed(tmp_path: Path) -> None:
    generate(tmp_path / "a", 300, seed=5)
    generate(tmp_path / "b", 300, seed=5)
    generate(tmp_path / "c", 300, seed=6)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a")["data/claims.csv"] != _files(tmp_path / "c")["data/claims.csv"]


def test_ids_stay_sorted_past_four_digits(tmp_path: Path) -> None:
    """Wide IDs (EV00001, 1000 sources) must still sort as the sort-order rule wants."""
    counts = generate(tmp_path / "p", 100_100, seed=1)
    assert counts["sources"] == 1_001 and any((tmp_path / "p" / "data" / "sources").glob("1000_*.txt"))
    assert validate(tmp_path / "p") == []


def test_the_readme_shows_the_latest_benchmark_results() -> None:
    """docs/performance.md shows the table benchmarks/run.py printed with results.json."""
    import json

    from run import markdown

    report = json.loads((REPO / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    assert markdown(report) in (REPO / "docs" / "performance.md").read_text(encoding="utf-8")


def test_phases_reports_where_validate_spends_its_time() -> None:
    """Run apart: it wraps validate's functions for the rest of its process."""
    import subprocess

    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "phases.py"), str(REPO)],
                            capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("validate: ") and lines[0].endswith(" s, 0 problem(s)")
    phases = {line.split()[0]: float(line.split()[1]) for line in lines[1:]}
    assert {"read_table", "_read_canonical", "check_spans", "check_attested", "check_foreign_keys"} <= set(phases)
    assert phases["_read_canonical"] <= phases["read_table"] <= float(lines[0].split()[1])
