"""``release`` never destroys what it did not make (issue 16 §2).

It refuses an output folder inside the package, or one that is a file or a symlink; it refuses an existing
non-empty target unless ``--force`` is given and the target holds an earlier release of this package
(recognisable by its own checksums); it never replaces the folder it is releasing from; and a refusal or a
failure leaves the target, the package and everything beside them as they were. The output folder here is
``work/dist``, inside what the harness snapshots, so any write or delete by a refused release fails the case.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hostile.harness import VERSION, Case, Env, params, run_case, run_in_process, snapshot

pytestmark = pytest.mark.hostile

DIST = "{tmp}/work/dist"
TARGET = f"coalition-data-{VERSION}"


def dist(env: Env) -> Path:
    return env.tmp / "work" / "dist"


def user_folder(env: Env) -> None:
    target = dist(env) / TARGET
    target.mkdir(parents=True)
    (target / "notes.txt").write_text("a researcher's notes, not a release\n")


def built(env: Env) -> Path:
    """An earlier release of this package in ``work/dist``, made by the release command itself."""
    env.with_history()
    code, out, err = run_in_process(["release", str(dist(env)), "--path", str(env.root)], env.tmp)
    assert code == 0, out + err
    return dist(env) / TARGET


def built_and_edited(env: Env) -> None:
    """An earlier release in which a user then saved a file of their own."""
    (built(env) / "my-analysis.R").write_text("# mine\n")


def target_file(env: Env) -> None:
    dist(env).mkdir(parents=True)
    (dist(env) / TARGET).write_text("not a folder\n")


def target_symlink(env: Env) -> None:
    dist(env).mkdir(parents=True)
    (dist(env) / TARGET).symlink_to(env.outside, target_is_directory=True)


def zip_symlink(env: Env) -> None:
    dist(env).mkdir(parents=True)
    (dist(env) / f"{TARGET}.zip").symlink_to(env.outside / "keep.txt")


def zip_directory(env: Env) -> None:
    (dist(env) / f"{TARGET}.zip").mkdir(parents=True)
    (dist(env) / f"{TARGET}.zip" / "keep.txt").write_text("mine\n")


def outdir_symlink(env: Env) -> None:
    (env.tmp / "work" / "link").symlink_to(env.outside, target_is_directory=True)


def releases_a_file(env: Env) -> None:
    env.with_history()
    shutil.rmtree(env.root / "releases")
    (env.root / "releases").write_text("not a folder\n")


def manifest_symlink_outside(env: Env) -> None:
    env.with_history().symlink_outside(f"releases/{VERSION}.json")


def release(outdir: str, *extra: str, path: str = "{pkg}") -> tuple[str, ...]:
    return ("release", outdir, "--path", path, *extra)


CASES: list[Case] = [
    # where the output may go
    Case("outdir-inside-the-package", lambda env: None, release("{pkg}/dist"), 2, ("dist",)),
    Case("outdir-is-the-package", lambda env: None, release("{pkg}"), 2, ("{pkg}",)),
    Case("outdir-is-the-package-data-folder", lambda env: None, release("{pkg}/data"), 2, ("data",)),
    Case("outdir-dotdot-back-into-the-package", lambda env: None, release("{tmp}/work/x/../package/dist"), 2,
         ("dist",)),
    Case("outdir-is-a-file", lambda env: None, release("{outside}/keep.txt"), 2, ("keep.txt",)),
    Case("outdir-is-a-symlink", outdir_symlink, release("{tmp}/work/link"), 2, ("link",)),
    Case("outdir-is-dev-null", lambda env: None, release("/dev/null"), 2, ("/dev/null",)),
    # what is already at the target
    Case("target-a-user-folder", user_folder, release(DIST), 2, (TARGET,)),
    Case("target-a-user-folder-force", user_folder, release(DIST, "--force"), 2, (TARGET,)),
    Case("target-a-file", target_file, release(DIST, "--force"), 2, (TARGET,)),
    Case("target-a-symlink-outside", target_symlink, release(DIST, "--force"), 2, (TARGET,)),
    Case("zip-target-a-symlink-outside", zip_symlink, release(DIST, "--force"), 2, (f"{TARGET}.zip",)),
    Case("zip-target-a-folder", zip_directory, release(DIST, "--force"), 2, (f"{TARGET}.zip",)),
    Case("target-an-earlier-release-without-force", built, release(DIST), 2, ("--force",)),
    Case("target-an-earlier-release-with-a-user-file-force", built_and_edited, release(DIST, "--force"), 2,
         (TARGET,)),
    Case("target-an-earlier-release-force", built, release(DIST, "--force"), 0, (TARGET,)),
    # releasing a release into its own parent
    Case("rerelease-into-its-own-parent", built, release(DIST, path=f"{DIST}/{TARGET}"), 2, (TARGET,)),
    Case("rerelease-into-its-own-parent-force", built, release(DIST, "--force", path=f"{DIST}/{TARGET}"), 2,
         (TARGET,)),
    # where the manifest goes
    Case("releases-folder-a-file", releases_a_file, release(DIST), 2, ("releases",)),
    Case("manifest-symlink-outside", manifest_symlink_outside, release(DIST), 1, (f"releases/{VERSION}.json",)),
]


@pytest.mark.parametrize("case", params(CASES))
def test_release_refuses(case: Case, tmp_path: Path) -> None:
    run_case(case, tmp_path)


@pytest.mark.slow
def test_force_replaces_only_an_earlier_release_and_keeps_the_rest(tmp_path: Path) -> None:
    """With --force over an earlier release, the release is rebuilt byte for byte and nothing else in the
    output folder, the package or beside them changes."""
    env = Env(tmp_path)
    target = built(env)
    (dist(env) / "other-project").mkdir()
    (dist(env) / "other-project" / "data.csv").write_text("a,b\n1,2\n")
    first = snapshot(dist(env))
    package, outside = snapshot(env.root), snapshot(env.outside)
    code, out, err = run_in_process(["release", str(dist(env)), "--path", str(env.root), "--force"], tmp_path)
    assert code == 0 and "Traceback" not in out + err, (code, out, err)
    assert snapshot(dist(env)) == first  # the same bytes again, and the other project untouched
    assert snapshot(env.root) == package and snapshot(env.outside) == outside
    assert target.is_dir() and not any(p.name.startswith(".") for p in dist(env).iterdir()), os.listdir(dist(env))
