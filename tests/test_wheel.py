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

from coalition_data import load_all

pytestmark = pytest.mark.slow  # left out of the quick edit-test loop: pytest -m 'not slow'


def test_wheel_installs_and_loads_every_table(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # sdist first, then the wheel from the sdist, as `python -m build` does for a release
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)],
                   check=True, capture_output=True)
    assert len(list(dist.glob("coalition_data-*.tar.gz"))) == 1
    wheel = next(dist.glob("coalition_data-*.whl"))
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
