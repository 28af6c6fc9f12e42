"""A wheel built from the repo carries the data and loads it in a fresh virtual environment."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO
from test_release_safety import snapshot

from coalition_data import load_all
from coalition_data.release import build_release

pytestmark = pytest.mark.slow  # minutes: see docs/testing.md for the fast subset

pytestmark = pytest.mark.slow  # left out of the quick edit-test loop: pytest -m 'not slow'


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    # sdist first, then the wheel from the sdist, as `python -m build` does for a release
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)],
                   check=True, capture_output=True)
    assert len(list(dist.glob("coalition_data-*.tar.gz"))) == 1
    return next(dist.glob("coalition_data-*.whl"))


def test_wheel_installs_and_loads_every_table(wheel: Path, tmp_path: Path) -> None:
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True)
    out = tmp_path / "frames"
    code = ("import sys, coalition_data as c\n"
            "for name, frame in c.load_all().items(): frame.write_parquet(f'{sys.argv[1]}/{name}.parquet')\n"
            "print(c.__version__, c.__file__)")
    out.mkdir()
    result = subprocess.run([python, "-c", code, str(out)], check=True, capture_output=True, text=True, cwd=tmp_path)
    version, location = result.stdout.split()
    assert version == json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))["version"]
    assert str(env) in location, "must load from the installed wheel, not the checkout"
    bundled = Path(location).parent / "_package"
    for name, frame in load_all().items():
        assert (bundled / "parquet" / f"{name}.parquet").is_file(), f"the wheel lacks the Parquet copy of {name}"
        installed = pl.read_parquet(out / f"{name}.parquet")
        assert installed.schema == frame.schema and installed.equals(frame), name

    # a file changed after installation is refused, not read
    tampered = bundled / "parquet" / "events.parquet"
    tampered.write_bytes(tampered.read_bytes()[:-9] + b"x" + tampered.read_bytes()[-8:])
    for call in ("c.load('events')", "c.scan('events').collect()", "c.load_all()"):
        result = subprocess.run([python, "-c", f"import coalition_data as c; {call}"],
                                capture_output=True, text=True, cwd=tmp_path, check=False)
        assert result.returncode != 0, call
        assert "changed after installation" in result.stderr and "events.parquet" in result.stderr, call

    # a Parquet file deleted after installation is refused too, not silently replaced by the CSV
    (bundled / "parquet" / "actors.parquet").unlink()
    for call in ("c.load('actors')", "c.scan('actors').collect()"):
        result = subprocess.run([python, "-c", f"import coalition_data as c; {call}"],
                                capture_output=True, text=True, cwd=tmp_path, check=False)
        assert result.returncode != 0, call
        assert "missing from the installed package" in result.stderr and "actors.parquet" in result.stderr, call


def test_a_release_from_the_installed_wheel_is_the_release_from_the_checkout(wheel: Path, tmp_path: Path) -> None:
    """With the validate extra, the wheel alone builds the same bytes, docs included, and writes nothing into
    the installed library. (The extra's libraries come from this test environment, the package from the wheel.)"""
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True,
                   capture_output=True)
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    ours = [p for p in sys.path if p.endswith("site-packages")]
    (site / "zz_test_dependencies.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    installed = site / "coalition_data" / "_package"
    for doc in ("CHANGELOG.md", "LICENSE", "CITATION.cff", "docs/codebook.md", "docs/CURATION.md", "docs/recipes.md"):
        assert (installed / doc).read_bytes() == (REPO / doc).read_bytes(), doc
    before = snapshot(site / "coalition_data")

    out = tmp_path / "from-wheel"
    run = subprocess.run([python, "-m", "coalition_data", "release", str(out)], capture_output=True, text=True,
                         cwd=tmp_path, check=False)
    assert run.returncode == 0, run.stderr
    check = subprocess.run([python, "-m", "coalition_data", "codebook", "--check"], capture_output=True, text=True,
                           cwd=tmp_path, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert snapshot(site / "coalition_data") == before, "release wrote into the installed library"

    checkout = build_release(REPO, tmp_path / "from-checkout")
    wheel_folder = out / checkout.name
    assert sorted(p.relative_to(wheel_folder) for p in wheel_folder.rglob("*")) == \
        sorted(p.relative_to(checkout) for p in checkout.rglob("*"))
    for path in sorted(p for p in checkout.rglob("*") if p.is_file()):
        assert (wheel_folder / path.relative_to(checkout)).read_bytes() == path.read_bytes(), path
    zip_name = f"{checkout.name}.zip"
    assert (out / zip_name).read_bytes() == (checkout.parent / zip_name).read_bytes()
