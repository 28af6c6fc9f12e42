"""A wheel built from the repo carries the data and loads it in a fresh virtual environment."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import polars as pl
from conftest import REPO

from coalition_data import load_all


def test_wheel_installs_and_loads_every_table(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
                   check=True, capture_output=True)
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
    for name, frame in load_all().items():
        installed = pl.read_parquet(out / f"{name}.parquet")
        assert installed.schema == frame.schema and installed.equals(frame), name
