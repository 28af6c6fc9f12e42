"""Paths: the package is a closed world (issue 16 §1).

Whatever a descriptor, a ``sources.csv`` row or the file system says, no command reads a file that
resolves outside the package, follows a symlink out of it, opens a directory, FIFO or device where a
file is expected, or writes outside its output folder. Each is a clear problem naming the entry.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO
from hostile.harness import API, Case, Env, across, params, run_case

pytestmark = pytest.mark.hostile

ARTICLE = "data/sources/000_0f24138b4bfb8b6c.txt"
ALL = ("validate", "summary", "load", "load_all", "codebook", "diff", "timeline", "coverage", "release")


def _copy_out(env: Env, relative: str) -> Path:
    target = env.outside / Path(relative).name
    shutil.copy(env.root / relative, target)
    return target


def data_absolute(env: Env) -> None:
    env.resource("events", path=str(_copy_out(env, "data/events.csv")))


def data_dotdot(env: Env) -> None:
    _copy_out(env, "data/events.csv")
    env.resource("events", path="../../outside/events.csv")


def data_dot_dot_inside(env: Env) -> None:
    _copy_out(env, "data/events.csv")
    env.resource("events", path="data/../../../outside/events.csv")


def schema_absolute(env: Env) -> None:
    env.resource("events", schema=str(_copy_out(env, "schemas/events.schema.json")))


def schema_dotdot(env: Env) -> None:
    _copy_out(env, "schemas/events.schema.json")
    env.resource("events", schema="../../outside/events.schema.json")


def _source_path(env: Env, path: str, *, rehash: bytes | None = None) -> None:
    rows = env.package.rows("sources")
    rows[0]["path"] = path
    if rehash is not None:
        import hashlib

        rows[0]["sha256"] = hashlib.sha256(rehash).hexdigest()
        rows[0]["bytes"] = str(len(rehash))
    env.package.write_rows("sources", rows)


def source_dotdot(env: Env) -> None:
    _copy_out(env, ARTICLE)
    _source_path(env, "../../outside/000_0f24138b4bfb8b6c.txt")


def source_absolute(env: Env) -> None:
    _source_path(env, str(_copy_out(env, ARTICLE)))


def source_backslash(env: Env) -> None:
    _source_path(env, ARTICLE.replace("/", "\\"))


def source_etc(env: Env) -> None:
    _source_path(env, "/etc/passwd", rehash=Path("/etc/passwd").read_bytes())


def source_directory(env: Env) -> None:
    _source_path(env, "data/sources")


def with_docs(env: Env) -> None:
    shutil.copytree(REPO / "docs", env.root / "docs")


def codebook_symlink_outside(env: Env) -> None:
    with_docs(env)
    env.symlink_outside("docs/codebook.md")


def timeline_symlink_outside(env: Env) -> None:
    with_docs(env)
    env.symlink_outside("docs/timeline.svg")


def docs_symlink_outside(env: Env) -> None:
    with_docs(env)
    env.symlink_outside("docs")


CASES: list[Case] = [
    # a data file named outside the package, or reached through a symlink
    *across("data-absolute", data_absolute, "datapackage.json"),
    *across("data-dotdot", data_dotdot, "datapackage.json", ("validate", "summary", "load", "release")),
    *across("data-dotdot-after-a-folder", data_dot_dot_inside, "datapackage.json", ("validate", "load")),
    *across("data-symlink-outside", lambda env: env.symlink_outside("data/events.csv"), "data/events.csv", ALL),
    *across("data-symlink-etc-passwd", lambda env: env.symlink("data/events.csv", "/etc/passwd"), "data/events.csv",
            ("validate", "summary", "load")),
    *across("data-folder-symlink-outside", lambda env: env.symlink_outside("data"), "data",
            ("validate", "summary", "load", "release")),
    *across("data-is-a-directory", lambda env: env.directory("data/events.csv"), "data/events.csv",
            ("validate", "summary", "load", "codebook", "diff", "timeline")),
    *across("data-symlink-dev-null", lambda env: env.symlink("data/events.csv", "/dev/null"), "data/events.csv",
            ("validate", "load")),
    *across("data-path-url", lambda env: env.resource("events", path="https://example.org/events.csv"),
            "datapackage.json", ("validate", "summary", "load")),
    *across("data-path-list", lambda env: env.resource("events", path=["data/events.csv", "data/events.csv"]),
            "datapackage.json", ("validate", "summary", "load")),
    *across("data-path-empty", lambda env: env.resource("events", path=""), "datapackage.json", ("validate", "load")),
    *across("data-path-package-root", lambda env: env.resource("events", path="."), "datapackage.json",
            ("validate", "load")),
    *across("data-path-nul-byte", lambda env: env.resource("events", path="data/ev\x00ents.csv"), "datapackage.json",
            ("validate", "summary", "load")),
    *across("data-path-too-long", lambda env: env.resource("events", path="data/" + "x" * 5000 + ".csv"),
            "datapackage.json", ("validate", "summary", "load")),
    # a Table Schema named outside the package, or reached through a symlink, or not a file
    *across("schema-absolute", schema_absolute, "datapackage.json"),
    *across("schema-dotdot", schema_dotdot, "datapackage.json", ("validate", "summary", "load")),
    *across("schema-symlink-outside", lambda env: env.symlink_outside("schemas/events.schema.json"),
            "schemas/events.schema.json", ALL),
    *across("schema-is-a-directory", lambda env: env.directory("schemas/events.schema.json"),
            "schemas/events.schema.json", ALL),
    *across("schemas-folder-symlink-outside", lambda env: env.symlink_outside("schemas"), "schemas",
            ("validate", "summary", "load")),
    # the descriptor itself
    *across("descriptor-symlink-outside", lambda env: env.symlink_outside("datapackage.json"), "datapackage.json",
            ("validate", "summary", "load")),
    # an article reached through a symlink, or named by a path that leaves the package
    *across("article-symlink-outside", lambda env: env.symlink_outside(ARTICLE), ARTICLE,
            ("validate", "source_text", "span", "coverage", "release")),
    *across("article-is-a-directory", lambda env: env.directory(ARTICLE), ARTICLE,
            ("validate", "source_text", "span", "coverage")),
    *across("sources-path-dotdot", source_dotdot, "data/sources.csv:2",
            ("validate", "release"), codes={}),
    *across("sources-path-dotdot", source_dotdot, "../../outside", ("source_text", "span", "coverage")),
    *across("sources-path-absolute", source_absolute, "data/sources.csv:2", ("validate", "release")),
    *across("sources-path-absolute", source_absolute, "outside", ("source_text",)),
    *across("sources-path-backslash", source_backslash, "data/sources.csv:2", ("validate",)),
    *across("sources-path-backslash", source_backslash, "000_0f24138b4bfb8b6c.txt", ("source_text",)),
    *across("sources-path-etc-passwd-rehashed", source_etc, "data/sources.csv:2", ("validate", "release")),
    *across("sources-path-etc-passwd-rehashed", source_etc, "/etc/passwd", ("source_text", "span")),
    *across("sources-path-a-directory", source_directory, "data/sources.csv:2", ("validate",)),
    *across("sources-path-a-directory", source_directory, "data/sources", ("source_text",)),
    # what release and validate read beside the tables
    *across("releases-folder-symlink-outside", lambda env: env.with_history().symlink_outside("releases"), "releases",
            ("validate", "release")),
    *across("changelog-symlink-outside", lambda env: env.with_history().symlink_outside("CHANGELOG.md"),
            "CHANGELOG.md", ("validate", "release")),
    *across("license-symlink-etc-passwd", lambda env: env.with_history().symlink("LICENSE", "/etc/passwd"), "LICENSE",
            ("release",)),
    *across("citation-symlink-outside", lambda env: env.with_history().symlink_outside("CITATION.cff"), "CITATION.cff",
            ("release",)),
    # what codebook and timeline write by default, inside the package
    Case("codebook-output-symlink-outside-write", codebook_symlink_outside, ("codebook", "--path", "{pkg}"), 2,
         ("docs/codebook.md",)),
    Case("codebook-output-symlink-outside-check", codebook_symlink_outside, ("codebook", "--check", "--path", "{pkg}"),
         2, ("docs/codebook.md",)),
    Case("timeline-output-symlink-outside", timeline_symlink_outside, ("timeline", "--path", "{pkg}"), 2,
         ("docs/timeline.svg",)),
    Case("timeline-docs-folder-symlink-outside", docs_symlink_outside, ("timeline", "--path", "{pkg}"), 2, ("docs",)),
    # the package path given on the command line
    Case("package-path-missing-summary", lambda env: None, ("summary", "{tmp}/no-such-folder"), 2, ("no-such-folder",)),
    Case("package-path-missing-coverage", lambda env: None, ("coverage", "{tmp}/no-such-folder"), 2, ("no-such-folder",)),
    Case("package-path-missing-codebook", lambda env: None, ("codebook", "--path", "{tmp}/no-such-folder"), 2,
         ("no-such-folder",)),
    Case("package-path-missing-timeline", lambda env: None, ("timeline", "--path", "{tmp}/no-such-folder"), 2,
         ("no-such-folder",)),
    Case("package-path-missing-span", lambda env: None, ("span", "x", "y", "--path", "{tmp}/no-such-folder"), 2,
         ("no-such-folder",)),
    Case("package-path-missing-diff-old", lambda env: None, ("diff", "{tmp}/no-such-folder", "{pkg}"), 2,
         ("no-such-folder",)),
    Case("package-path-missing-release", lambda env: None, ("release", "{out}", "--path", "{tmp}/no-such-folder"), 2,
         ("no-such-folder",)),
    Case("package-path-missing-load", lambda env: shutil.rmtree(env.root), ("load", "events"), API, ("package",)),
    Case("package-path-a-file-summary", lambda env: None, ("summary", "{outside}/keep.txt"), 2, ("keep.txt",)),
    Case("package-path-a-file-diff-new", lambda env: None, ("diff", "{pkg}", "{outside}/keep.txt"), 2, ("keep.txt",)),
]


@pytest.mark.parametrize("case", params(CASES))
def test_path(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)
