"""coalition-data: curated tables on the end of the anti-ISIS coalition's mission in Iraq.

>>> import coalition_data
>>> events = coalition_data.load("events")
"""

from coalition_data.loader import load, load_all, scan, schema, source_text, tables
from coalition_data.package import PackageError, open_package

__all__ = ["PackageError", "__version__", "load", "load_all", "scan", "schema", "source_text", "tables"]


def __getattr__(name: str) -> str:
    if name == "__version__":
        return open_package().version
    raise AttributeError(f"module 'coalition_data' has no attribute {name!r}")
