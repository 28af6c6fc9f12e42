"""Reuse downstream: the `coalition-data-validate` pre-commit hook, tried with `pre-commit try-repo` from a
fresh clone of this tree, and the composite action's steps run as a runner would run them.

The two slow tests install the package and its validate extra into new virtual environments (from PyPI,
or pip's cache): a minute or two each."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import REPO, PackageCopy

HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
GIT_USER = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.org"}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_USER}, check=True, capture_output=True)


def committed(root: Path) -> Path:
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "snapshot")
    return root


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone of this tree as it is now (tracked files, uncommitted edits included), as a fork would have."""
    source = tmp_path_factory.mktemp("source")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    committed(source)
    target = tmp_path_factory.mktemp("clone") / "coalition-data"
    subprocess.run(["git", "clone", "-q", str(source), str(target)], check=True)
    return target


def test_the_hook_runs_the_validator_on_data_files_only() -> None:
    [hook] = HOOKS
    assert hook["id"] == "coalition-data-validate" and hook["pass_filenames"] is False
    assert hook["entry"] == "coalition-data validate" and hook["args"] == ["."]
    extra = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert hook["additional_dependencies"] == extra["validate"]  # pre-commit installs the repository bare
    files = re.compile(hook["files"])
    assert all(files.search(path) for path in ("data/claims.csv", "data/sources/000_x.txt", "schemas/events.schema.json",
                                               "datapackage.json"))
    assert not any(files.search(path) for path in ("README.md", "coalition_data/cli.py", "tests/data/x.csv",
                                                   "old/datapackage.json", "datapackage.json.bak", "docs/codebook.md"))


@pytest.mark.slow
def test_try_repo_fails_on_a_bad_row_naming_its_line_and_passes_on_the_good_copy(clone: Path, tmp_path: Path) -> None:
    fork = PackageCopy(tmp_path / "fork")
    committed(fork.root)
    env = {**os.environ, **GIT_USER, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    pre_commit = [sys.executable, "-m", "pre_commit", "try-repo", str(clone), "coalition-data-validate"]

    line = fork.set_cell("events", 2, "status", "done")
    git(fork.root, "add", "data/events.csv")
    bad = subprocess.run(pre_commit, cwd=fork.root, env=env, capture_output=True, text=True, encoding="utf-8")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert f"data/events.csv:{line}: column status: [enum]" in bad.stdout
    assert "Failed" in bad.stdout

    git(fork.root, "checkout", "--", ".")
    git(fork.root, "reset", "-q", "--hard")
    good = subprocess.run([*pre_commit, "--all-files"], cwd=fork.root, env=env, capture_output=True, text=True,
                          encoding="utf-8")
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"coalition-data validate\.+Passed", good.stdout), good.stdout


@pytest.mark.slow
def test_the_action_installs_from_its_own_path_and_annotates_the_given_folder(clone: Path, tmp_path: Path) -> None:
    assert ACTION["runs"]["using"] == "composite"
    steps = ACTION["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")  # the one step only a runner can run
    workspace = tmp_path / "workspace"
    fork = PackageCopy(workspace / "packages" / "ours")
    line = fork.set_cell("events", 2, "status", "done")
    env = {**os.environ, "GITHUB_ACTION_PATH": str(clone), "RUNNER_TEMP": str(tmp_path / "runner"),
           "GITHUB_WORKSPACE": str(workspace), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    (tmp_path / "runner").mkdir()
    inputs = {"path": "packages/ours"}
    results = []
    for step in steps[1:]:
        assert step["shell"] == "bash"
        step_env = {k: re.sub(r"\$\{\{ inputs\.(\w+) \}\}", lambda m: inputs[m[1]], v)
                    for k, v in step.get("env", {}).items()}
        assert "${{" not in step["run"]  # inputs reach the script through the environment, never pasted into it
        results.append(subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workspace, env={**env, **step_env},
                                      capture_output=True, text=True, encoding="utf-8"))
    install, validate = results
    assert install.returncode == 0, install.stderr
    assert validate.returncode == 1, validate.stdout + validate.stderr
    assert f"::error file=packages/ours/data/events.csv,line={line},col=" in validate.stdout
    assert ",title=enum::column status: " in validate.stdout
    installed = subprocess.run([str(tmp_path / "runner" / "coalition-data-validate" / "bin" / "python"), "-c",
                                "import coalition_data, pandera, frictionless; print(coalition_data.__file__)"],
                               cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert installed.startswith(str(tmp_path / "runner"))  # installed, not the tree under test
