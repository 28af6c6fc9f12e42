"""The repository's workflow: annotations, the data diff against the last release in the job summary, and the
full run; the diff script run on a git history with a release and a later data change."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO, PackageCopy

from coalition_data.package import open_package
from coalition_data.validation.versions import write_manifest


def test_the_workflow_annotates_summarises_and_runs_everything() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    [job] = workflow["jobs"].values()
    steps = job["steps"]
    runs = [step.get("run", "") for step in steps]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    assert "coalition-data validate --format github ." in runs
    assert 'bash .github/data-diff.sh >> "$GITHUB_STEP_SUMMARY"' in runs
    assert runs[-1] == "bash .ci/run"
    after_validate = steps[runs.index("coalition-data validate --format github .") + 1:]
    assert all(step.get("if") == "${{ !cancelled() }}" for step in after_validate)  # a bad row still gets the diff


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def data_diff(repo: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    wrapper = tmp_path / "coalition-data"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH="{REPO}" exec "{sys.executable}" -m coalition_data "$@"\n')
    wrapper.chmod(0o755)
    script = REPO / ".github" / "data-diff.sh"
    env = {**os.environ, "COALITION_DATA": str(wrapper), "RUNNER_TEMP": str(tmp_path)}
    return subprocess.run(["bash", str(script)], cwd=repo, env=env, capture_output=True, text=True,
                          encoding="utf-8", check=False)


def test_the_summary_diffs_against_the_commit_of_the_last_release(tmp_path: Path) -> None:
    package = PackageCopy(tmp_path / "repo")
    shutil.copy(REPO / "CHANGELOG.md", package.root / "CHANGELOG.md")
    write_manifest(open_package(package.root))
    git(package.root, "init", "-q")
    git(package.root, "add", "-A")
    git(package.root, "commit", "-qm", "release")
    released = git(package.root, "rev-parse", "--short", "HEAD").strip()

    title = package.rows("events")[0]["title_en"]
    package.set_cell("events", 0, "title_en", "A corrected | title")
    git(package.root, "commit", "-qam", "a correction")
    package.set_cell("events", 1, "date_note_en", "")
    git(package.root, "commit", "-qam", "another")

    result = data_diff(package.root, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    version = open_package(package.root).version
    assert out.startswith(f"Baseline: release {version} (commit `{released}`), as committed")
    assert f"| EV0001 | title_en | {title} | A corrected \\| title |" in out  # both commits since the release
    assert "| EV0002 | date_note_en |" in out
    assert "This change needs a **patch** bump" in out
    assert not list(tmp_path.glob("data-diff.*"))  # its temporary folder is gone

    # the release is the last commit itself: the previous commit is the baseline
    package.set_version(package.next_patch(), changelog=True)  # a released version's record is never rewritten
    write_manifest(open_package(package.root))
    git(package.root, "add", "-A")
    git(package.root, "commit", "-qm", "release again")
    result = data_diff(package.root, tmp_path)
    assert result.stdout.startswith("Baseline: the previous commit")
    assert "No differences in any table." in result.stdout
