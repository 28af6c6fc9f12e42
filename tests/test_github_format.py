"""`validate --format github`: one GitHub Actions ::error command per problem, on its file, line and cell,
escaped so that no message, value or file name can break out of its command."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, PackageCopy

from coalition_data.validation.problems import Problem, format_github

HOSTILE = [
    "a::b", "x,y", "100%", "%0A", "%25", "line\nbreak", "cr\rlf\r\n", "::error file=evil.csv::owned",
    "title=evil,line=1", "بيان مشترك: ::,%", "", "trailing:", "%3A%2C",
]


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Read one workflow command back as GitHub's runner does: ``::name k=v,k=v::message``, then unescape."""
    assert line.startswith("::"), line
    head, separator, message = line[2:].partition("::")
    assert separator, line
    name, _, props = head.partition(" ")
    properties = {}
    for pair in props.split(",") if props else []:
        key, equals, value = pair.partition("=")
        assert equals, (pair, line)
        properties[key] = unescape(value, property_=True)
    return name, properties, unescape(message, property_=False)


def unescape(text: str, *, property_: bool) -> str:
    # the runner's order: %0D, %0A, (%3A, %2C), %25 last, so an escaped "%" never forms a new escape
    for escaped, plain in [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if property_ else []):
        text = text.replace(escaped, plain)
    return text.replace("%25", "%")


def commands(output: str) -> list[tuple[str, dict[str, str], str]]:
    return [parse_command(line) for line in output.splitlines() if line.startswith("::")]


def test_hostile_files_messages_values_and_rules_round_trip() -> None:
    problems = [Problem(f"data/{text}.csv", n + 2, None, text, f"rule{text}", f"message {text}")
                for n, text in enumerate(HOSTILE)]
    output = format_github(problems)
    parsed = commands(output)
    assert len(parsed) == len(problems)  # no newline split a command, no text forged a second one
    for problem, (name, properties, message) in zip(problems, parsed):
        assert name == "error"
        assert properties == {"file": problem.file, "line": str(problem.line), "title": problem.rule}
        assert message == f"{problem.message} value «{problem.value}»"
    assert len(output.splitlines()) == len(problems) + 1  # and one summary line, a plain log line
    assert not output.splitlines()[-1].startswith("::")


def test_a_problem_without_a_line_is_a_file_annotation_and_the_summary_closes() -> None:
    problems = [Problem("datapackage.json", None, "version", "0.4.0", "version-bump", "bump it")]
    output = format_github(problems, REPO)
    assert commands(output) == [("error", {"file": "datapackage.json", "title": "version-bump"},
                                 "column version: bump it value «0.4.0»")]
    assert output.splitlines()[-1] == "1 problem; by rule: version-bump 1; by file: datapackage.json 1"


def run_github(package: PackageCopy, cwd: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_WORKSPACE"}
    env["PYTHONPATH"] = str(REPO)  # this tree's code, whatever the current folder
    return subprocess.run([sys.executable, "-m", "coalition_data", "validate", "--format", "github", *extra,
                           str(package.root)], cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8",
                          check=False)


def cell_at(package: PackageCopy, file: str, line: int, col: int) -> tuple[str, int]:
    """What the file holds at (line, character column): the text from there on, and how many fields precede it
    on that record's physical line (read independently with the csv module)."""
    text_line = (package.root / file).read_text(encoding="utf-8").split("\n")[line - 1]
    before = text_line[:col - 1]
    return text_line[col - 1:], len(next(csv.reader(io.StringIO(before)), [""])) - 1


def test_an_annotation_points_at_the_cell_by_character_column_after_arabic(package: PackageCopy) -> None:
    line = package.set_cell("claims", 3, "modality", "نعم::,%")
    result = run_github(package, package.root.parent)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [(name, properties, message)] = [c for c in commands(result.stdout) if c[1]["title"] == "enum"]
    assert properties["file"] == "package/data/claims.csv"  # relative to the folder it ran in, as GitHub wants
    assert properties["line"] == str(line)
    rest, fields_before = cell_at(package, "data/claims.csv", line, int(properties["col"]))
    assert rest.startswith('"نعم::,%"')  # quoted by the CSV writer for its comma; the column counts characters
    assert fields_before == list(package.rows("claims")[0]).index("modality")
    assert "نعم::,%" in message  # Arabic readable in the annotation


def test_a_cell_after_a_multi_line_field_is_annotated_on_its_own_line(package: PackageCopy) -> None:
    rows = package.rows("events")
    rows[2]["summary_en"] = rows[2]["summary_en"] + "\nA second line."
    rows[2]["status"] = "done"
    package.write_rows("events", rows)
    start = package.line_of("events", 2)
    result = run_github(package, package.root)
    [(_, properties, _)] = [c for c in commands(result.stdout) if c[1]["title"] == "enum"]
    assert properties["file"] == "data/events.csv"
    assert properties["line"] == str(start + 1)  # the record starts a line earlier; the cell is on the next
    rest, _ = cell_at(package, "data/events.csv", start + 1, int(properties["col"]))
    assert rest.startswith("done,")


def test_single_problems_are_annotated_before_runs_of_one_cause() -> None:
    run = [Problem("data/a.csv", n, "c", "x", "foreign-key", "no row in events has event_id = this value")
           for n in range(2, 9)]
    single = Problem("data/z.csv", 2, "c", "y", "enum", "not allowed")
    parsed = commands(format_github([*run, single]))
    assert [(c[1]["file"], c[1]["line"]) for c in parsed] == [("data/z.csv", "2")] + [
        ("data/a.csv", str(n)) for n in range(2, 9)]  # GitHub shows only a step's first ten


def test_max_problems_limits_the_annotations(package: PackageCopy) -> None:
    package.write_rows("events", [])
    result = run_github(package, package.root, "--max-problems", "3")
    assert result.returncode == 1
    assert len(commands(result.stdout)) == 3
    assert "more problem(s) not annotated" in result.stdout
    from coalition_data.validation import validate

    problems = validate(package.root)
    foreign = sum(p.rule == "foreign-key" for p in problems)
    assert foreign > 3 and result.stdout.splitlines()[-1].startswith(f"{len(problems)} problems; by rule: foreign-key {foreign}")
