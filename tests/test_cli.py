"""The command line: exit codes, every problem listed, JSON for machines, Arabic shown as Arabic."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO, PackageCopy

from coalition_data.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "coalition_data", *args], check=False, capture_output=True, text=True, encoding="utf-8")


def test_validate_passes_on_the_shipped_data() -> None:
    result = run("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout


def test_validate_fails_naming_file_line_column_rule_and_arabic_value(package: PackageCopy) -> None:
    quote = package.rows("claims")[1]["quote_ar"]
    line = package.set_cell("claims", 1, "quote_ar", quote + "x")
    result = run("validate", str(package.root))
    assert result.returncode == 1
    assert f"data/claims.csv:{line}: column quote_ar: [verbatim]" in result.stdout
    assert quote[:20] in result.stdout  # Arabic as Arabic, not escaped
    assert "Traceback" not in result.stderr


def test_json_format(package: PackageCopy) -> None:
    line = package.set_cell("events", 0, "status", "done")
    result = run("validate", "--format", "json", str(package.root))
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["valid"] is False
    expected = {"file": "data/events.csv", "line": line, "column": "status", "value": "done", "rule": "enum"}
    assert any(expected.items() <= problem.items() for problem in report["problems"]), report


def test_not_a_package_is_a_clear_error(tmp_path) -> None:
    result = run("validate", str(tmp_path))
    assert result.returncode == 2 and "no datapackage.json here" in result.stderr
    missing = run("validate", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    assert "Traceback" not in result.stderr


def test_summary_lists_every_table(capsys) -> None:
    assert main(["summary"]) == 0
    out = capsys.readouterr().out
    assert "claims" in out and "rows" in out and "version" in out


def test_span_prints_offsets(capsys) -> None:
    text = (REPO / "data" / "sources" / "000_0f24138b4bfb8b6c.txt").read_text(encoding="utf-8")
    assert main(["span", "000_0f24138b4bfb8b6c", "بيان مشترك"]) == 0
    source, start, end = capsys.readouterr().out.split()
    assert source == "000_0f24138b4bfb8b6c"
    assert text[int(start):int(end)] == "بيان مشترك"


def test_unknown_source_in_span_is_a_clear_error(capsys) -> None:
    assert main(["span", "nope", "x"]) == 2
    assert "unknown source_id" in capsys.readouterr().err


def test_frictionless_cross_check_agrees_on_valid_data() -> None:
    result = run("validate", "--frictionless")
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(("argv", "extra"), [(["validate"], "validate"), (["release", "dist"], "release")])
def test_without_the_validate_extra_the_command_names_the_extra(argv: list[str], extra: str, tmp_path) -> None:
    """A plain `pip install` has no frictionless, pandera or pyarrow: say which extra to install, exit 2."""
    hide = "import sys; [sys.modules.__setitem__(m, None) for m in ('frictionless', 'pandera', 'pyarrow')]; "
    run = subprocess.run([sys.executable, "-c", hide + f"from coalition_data.cli import main; sys.exit(main({argv!r}))"],
                         capture_output=True, text=True, cwd=tmp_path, check=False)
    assert run.returncode == 2, run.stderr
    assert f"pip install 'coalition-data[{extra}]'" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "dist").exists()


def test_version_and_one_spelling_of_the_package_path(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"coalition-data {coalition_data_version()}"
    for command in ("validate", "summary", "coverage"):  # --path everywhere, the old positional still works
        assert main([command, "--path", str(REPO)]) == main([command, str(REPO)]) == 0, command
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(["summary", str(REPO), "--path", "/elsewhere"])
    assert exit_.value.code == 2 and "given twice" in capsys.readouterr().err


def coalition_data_version() -> str:
    from importlib.metadata import version

    return version("coalition-data")
