"""Wheel build step: write the Parquet copy of every table from the CSV being packaged.

Built at build time from the same files the wheel carries, so the two can never drift.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class ParquetBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        sys.path.insert(0, self.root)
        try:
            from coalition_data.package import open_package
            from coalition_data.parquet import write_parquet
        finally:
            sys.path.remove(self.root)
        self._out = Path(tempfile.mkdtemp(prefix="coalition-data-parquet-"))
        write_parquet(open_package(self.root), self._out)
        build_data["force_include"][str(self._out)] = "coalition_data/_package/parquet"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if getattr(self, "_out", None) is not None:
            shutil.rmtree(self._out, ignore_errors=True)
