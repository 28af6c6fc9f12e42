"""What every format says about the package: title, version, licence, citation, tables."""

from __future__ import annotations

from coalition_data.package import Package, PackageError


class FormatError(PackageError):
    """A table cannot be written faithfully in one of the formats."""


def citation(package: Package) -> str:
    descriptor = package.descriptor
    authors = ", ".join(c["title"] for c in descriptor.get("contributors", []) if "title" in c) or descriptor["name"]
    year = str(descriptor.get("created", ""))[:4]
    when = f" ({year})" if year else ""
    return f"{authors}{when}. {descriptor.get('title', descriptor['name'])}, version {package.version}. Data package."


def licence(package: Package) -> str:
    return "; ".join(f"{item.get('name', '')} ({item['path']})" if "path" in item else item.get("name", "")
                     for item in package.descriptor.get("licenses", []))


def about(package: Package) -> list[tuple[str, str]]:
    """The package's description as (what, value) pairs, in reading order."""
    descriptor = package.descriptor
    return [
        ("title", descriptor.get("title", descriptor["name"])),
        ("name", descriptor["name"]),
        ("version", package.version),
        ("description", descriptor.get("description", "")),
        ("licence", licence(package)),
        ("citation", citation(package)),
    ]
