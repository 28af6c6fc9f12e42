"""Size and depth limits (issue 16 §1): a descriptor, a Table Schema or a release manifest that is an endless
stream (a FIFO, a symlink to /dev/zero), a sparse file of gigabytes, or JSON nested 100,000 deep gets a clear
error naming the file, quickly; it never hangs or runs out of memory. Each endless or huge case runs in a
subprocess under a timeout and a memory limit (see ``harness``)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hostile.harness import VERSION, Case, Env, across, params, run_case, run_in_process

pytestmark = pytest.mark.hostile

SCHEMA = "schemas/events.schema.json"
MANIFEST = f"releases/{VERSION}.json"  # the newest release record, the one validate reads
ARTICLE = "data/sources/000_0f24138b4bfb8b6c.txt"
DEPTH = 100_000


def nested_lists(depth: int = DEPTH) -> str:
    return "[" * depth + "]" * depth


def nested_objects(depth: int = DEPTH) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def deep_schema(env: Env) -> None:
    text = (env.root / SCHEMA).read_text(encoding="utf-8")
    env.write(SCHEMA, text.replace('"fields"', f'"x-deep": {nested_lists()}, "fields"', 1))


def deep_schema_objects(env: Env) -> None:
    text = (env.root / SCHEMA).read_text(encoding="utf-8")
    env.write(SCHEMA, text.replace('"fields"', f'"x-deep": {nested_objects()}, "fields"', 1))


def deep_descriptor(env: Env) -> None:
    text = (env.root / "datapackage.json").read_text(encoding="utf-8")
    env.write("datapackage.json", text.replace('"resources"', f'"x-deep": {nested_lists()}, "resources"', 1))


def deep_manifest(env: Env) -> None:
    env.with_history().write(MANIFEST, nested_objects())


def deep_field_constraints(env: Env) -> None:
    text = (env.root / SCHEMA).read_text(encoding="utf-8")
    env.write(SCHEMA, text.replace('"constraints": {', f'"constraints": {{"x-deep": {nested_lists()}, ', 1))


def long_flat_schema(env: Env) -> None:
    """Not deep but large: 64 MB of whitespace inside an otherwise valid schema."""
    text = (env.root / SCHEMA).read_text(encoding="utf-8")
    env.write(SCHEMA, text.replace("{", "{" + " " * (64 * 2**20), 1))


I = True  # isolated: a subprocess under a timeout and a memory limit

CASES: list[Case] = [
    # endless streams where a JSON file is expected
    *across("schema-fifo", lambda env: env.fifo(SCHEMA), SCHEMA, ("validate", "summary", "load"), isolated=I),
    *across("schema-symlink-dev-zero", lambda env: env.symlink(SCHEMA, "/dev/zero"), SCHEMA,
            ("validate", "summary", "load", "codebook"), isolated=I),
    *across("schema-symlink-dev-urandom", lambda env: env.symlink(SCHEMA, "/dev/urandom"), SCHEMA, ("load",),
            isolated=I),
    *across("descriptor-fifo", lambda env: env.fifo("datapackage.json"), "datapackage.json",
            ("validate", "summary", "load"), isolated=I),
    *across("descriptor-symlink-dev-zero", lambda env: env.symlink("datapackage.json", "/dev/zero"),
            "datapackage.json", ("validate", "load"), isolated=I),
    *across("manifest-fifo", lambda env: env.with_history().fifo(MANIFEST), MANIFEST, ("validate", "release"),
            isolated=I),
    *across("manifest-symlink-dev-zero", lambda env: env.with_history().symlink(MANIFEST, "/dev/zero"), MANIFEST,
            ("validate",), isolated=I),
    *across("changelog-fifo", lambda env: env.with_history().fifo("CHANGELOG.md"), "CHANGELOG.md",
            ("validate", "release"), isolated=I),
    *across("license-fifo", lambda env: env.with_history().fifo("LICENSE"), "LICENSE", ("release",), isolated=I),
    # endless streams where a table or an article is expected
    *across("data-fifo", lambda env: env.fifo("data/events.csv"), "data/events.csv",
            ("validate", "summary", "load", "timeline"), isolated=I),
    *across("data-symlink-dev-zero", lambda env: env.symlink("data/events.csv", "/dev/zero"), "data/events.csv",
            ("validate", "load"), isolated=I),
    *across("article-fifo", lambda env: env.fifo(ARTICLE), ARTICLE, ("validate", "source_text", "span"), isolated=I),
    *across("article-symlink-dev-zero", lambda env: env.symlink(ARTICLE, "/dev/zero"), ARTICLE,
            ("validate", "source_text"), isolated=I),
    # huge files: sparse, so they cost no disk, but reading one whole would take gigabytes
    *across("schema-sparse-2gb", lambda env: env.sparse(SCHEMA), SCHEMA, ("validate", "load"), isolated=I),
    *across("descriptor-sparse-2gb", lambda env: env.sparse("datapackage.json"), "datapackage.json", ("summary",),
            isolated=I),
    *across("manifest-sparse-2gb", lambda env: env.with_history().sparse(MANIFEST), MANIFEST, ("validate",),
            isolated=I),
    *across("schema-64mb-of-whitespace", long_flat_schema, SCHEMA, ("validate", "load"), isolated=I),
    # JSON nested 100,000 deep
    *across("schema-nested-100k-lists", deep_schema, SCHEMA, ("validate", "summary", "load", "diff", "codebook")),
    *across("schema-nested-100k-objects", deep_schema_objects, SCHEMA, ("validate", "load")),
    *across("schema-constraints-nested-100k", deep_field_constraints, SCHEMA, ("validate", "load")),
    *across("descriptor-nested-100k", deep_descriptor, "datapackage.json", ("validate", "summary", "load")),
    *across("manifest-nested-100k", deep_manifest, MANIFEST, ("validate", "release")),
    *across("schema-nested-100k-isolated", deep_schema, SCHEMA, ("validate", "load"), isolated=I),
]


@pytest.mark.parametrize("case", params(CASES))
def test_limit(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


def test_a_schema_nested_100k_deep_is_refused_well_under_a_second(tmp_path: Path) -> None:
    env = Env(tmp_path)
    deep_schema(env)
    started = time.monotonic()
    code, out, err = run_in_process(["api", str(env.root), "load", "events"], tmp_path)
    elapsed = time.monotonic() - started
    assert code == "PackageError" and SCHEMA in err and "Traceback" not in out + err, (code, out, err)
    assert elapsed < 1.0, f"{elapsed:.2f} s"
