"""Usage errors on the command line (issue 18 §5): refused with exit 2 and a message, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile.harness import Case, Env, params, run_case

pytestmark = pytest.mark.hostile


def output_symlink(env: Env) -> None:
    (env.tmp / "work" / "codebook.md").symlink_to(env.outside / "keep.txt")


def timeline_symlink(env: Env) -> None:
    (env.tmp / "work" / "plots").mkdir()
    (env.tmp / "work" / "plots" / "timeline.svg").symlink_to(env.outside / "keep.txt")


def output_dir_file(env: Env) -> None:
    env.out.parent.mkdir(parents=True, exist_ok=True)
    (env.tmp / "work" / "a-file").write_text("mine\n")


CASES: list[Case] = [
    Case("span-empty-text", lambda env: None, ("span", "000_0f24138b4bfb8b6c", "", "--path", "{pkg}"), 2, ("text",)),
    Case("span-unknown-source", lambda env: None, ("span", "999_nope", "x", "--path", "{pkg}"), 2, ("999_nope",)),
    Case("coverage-minimum-above-one", lambda env: None, ("coverage", "{pkg}", "--minimum", "1.5"), 2, ("1.5",)),
    Case("coverage-minimum-negative", lambda env: None, ("coverage", "{pkg}", "--minimum", "-0.1"), 2, ("-0.1",)),
    Case("coverage-minimum-nan", lambda env: None, ("coverage", "{pkg}", "--minimum", "nan"), 2, ("nan",)),
    Case("coverage-minimum-infinite", lambda env: None, ("coverage", "{pkg}", "--minimum", "inf"), 2, ("inf",)),
    Case("coverage-minimum-percent", lambda env: None, ("coverage", "{pkg}", "--minimum", "95%"), 2, ("95%",)),
    Case("coverage-minimum-one-is-fine", lambda env: None, ("coverage", "{pkg}", "--minimum", "1"), 0, ("covered",)),
    Case("codebook-output-a-directory", lambda env: None, ("codebook", "--path", "{pkg}", "--output", "{outside}"),
         2, ("outside",)),
    Case("codebook-check-output-a-directory", lambda env: None,
         ("codebook", "--check", "--path", "{pkg}", "--output", "{outside}"), 2, ("outside",)),
    Case("codebook-output-a-symlink", output_symlink, ("codebook", "--path", "{pkg}", "--output",
                                                       "{tmp}/work/codebook.md"), 2, ("codebook.md",)),
    Case("timeline-output-file-a-symlink", timeline_symlink, ("timeline", "--path", "{pkg}", "--output-dir",
                                                             "{tmp}/work/plots"), 2, ("timeline.svg",)),
    Case("timeline-output-dir-a-file", output_dir_file, ("timeline", "--path", "{pkg}", "--output-dir",
                                                         "{tmp}/work/a-file"), 2, ("a-file",)),
    Case("diff-format-unknown", lambda env: None, ("diff", "{pkg}", "{pkg}", "--format", "xml"), 2, ("xml",)),
    Case("unknown-command", lambda env: None, ("frobnicate",), 2, ("frobnicate",)),
]


@pytest.mark.parametrize("case", params(CASES))
def test_usage(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)

