"""The text report folds repeated consequences, can be cut short, and closes with counts by rule and by file;
the JSON report keeps every problem."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import PackageCopy

from coalition_data.validation.problems import Problem, format_text


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "coalition_data", *args], check=False, capture_output=True,
                          text=True, encoding="utf-8")


def test_an_emptied_table_is_one_folded_entry_and_json_keeps_every_row(package: PackageCopy) -> None:
    referring = {t: len(package.rows(t)) for t in ("event_actors", "event_claims", "event_locations")}
    package.write_rows("events", [])
    text = run("validate", str(package.root))
    assert text.returncode == 1
    lines = text.stdout.splitlines()
    total = sum(referring.values())
    assert lines[0].startswith("data/events.csv: [empty-table] the table has a header and no rows; "
                               f"{total} references to it")  # the cause first
    fold = lines.index(f"{total} rows in 3 tables refer to events that do not exist [foreign-key] "
                       "(no row in events has event_id = this value); first 5:")
    assert lines[fold + 1] == ("  data/event_actors.csv:2: column event_id: [foreign-key] no row in events has "
                               f"event_id = this value value «{package.rows('event_actors')[0]['event_id']}»")
    others = [line for line in lines[1:fold] if not line.startswith("  ")]  # e.g. a retired ID now replaced by nothing
    assert lines[-1].startswith(f"{total + 1 + len(others)} problems; by rule: foreign-key {total}, ")
    assert len(lines) == fold + 1 + 5 + 1

    report = json.loads(run("validate", "--format", "json", str(package.root)).stdout)
    assert sum(p["rule"] == "foreign-key" for p in report["problems"]) == total
    assert len(report["problems"]) == total + 1 + len(others)
    assert {(p["file"], p["line"]) for p in report["problems"] if p["rule"] == "foreign-key"} == {
        (f"data/{t}.csv", line) for t, n in referring.items() for line in range(2, n + 2)}


def problems(rule: str, message: str, n: int, file: str = "data/x.csv") -> list[Problem]:
    return [Problem(file, line, "c", str(line), rule, message) for line in range(2, n + 2)]


def test_a_few_of_a_kind_stay_one_line_each_and_runs_fold_after_the_single_problems() -> None:
    few = problems("enum", "not an allowed value", 5, "data/a.csv")
    many = problems("date", "not a date", 6, "data/b.csv")
    lonely = [Problem("data/c.csv", 9, None, None, "empty", "no rows")]
    lines = format_text(few + many + lonely).splitlines()
    assert lines[:5] == [f"data/a.csv:{n}: column c: [enum] not an allowed value value «{n}»" for n in range(2, 7)]
    assert lines[5] == "data/c.csv:9: [empty] no rows"  # the single problems before the runs
    assert lines[6] == "6 problems in 1 file: [date] not a date; first 5:"
    assert lines[7:12] == [f"  data/b.csv:{n}: column c: [date] not a date value «{n}»" for n in range(2, 7)]
    assert lines[12] == "12 problems; by rule: date 6, enum 5, empty 1; by file: data/b.csv 6, data/a.csv 5, data/c.csv 1"


def test_max_problems_counts_entries_and_says_how_many_are_left() -> None:
    report = problems("enum", "bad", 3) + problems("date", "worse", 7)
    lines = format_text(report, max_problems=2).splitlines()
    assert lines[:2] == ["data/x.csv:2: column c: [enum] bad value «2»", "data/x.csv:3: column c: [enum] bad value «3»"]
    assert lines[2] == "… 8 more problems not shown (--max-problems 2); --format json lists every one"
    assert lines[3].startswith("10 problems; by rule: date 7, enum 3")


def test_max_problems_on_the_command_line(package: PackageCopy) -> None:
    package.set_cell("events", 0, "status", "done")
    package.set_cell("events", 1, "status", "done")
    result = run("validate", "--max-problems", "1", str(package.root))
    assert result.returncode == 1
    assert result.stdout.splitlines()[1].startswith("… 1 more problem not shown")
    refused = run("validate", "--max-problems", "0", str(package.root))
    assert refused.returncode == 2 and "at least 1" in refused.stderr and "Traceback" not in refused.stderr
