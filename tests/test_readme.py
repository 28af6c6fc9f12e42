"""The README's two set-up commands are the ones CI runs."""

from conftest import REPO


def test_ci_runs_the_readme_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(block) == 2, "the README starts with exactly two commands"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in block:
        assert command in ci, f"{command!r} is not run by .ci/run"
