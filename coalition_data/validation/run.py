"""Run every check on a package folder and collect all problems."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from coalition_data.package import (
    DESCRIPTOR,
    Package,
    PackageError,
    Table,
    article_files,
    inside,
    is_zip,
    member,
    open_package,
    read_bytes,
    resolve_root,
)
from coalition_data.validation import (
    column_checks,
    descriptor_features,
    integrity,
    provenance,
    row_rules,
    versions,
)
from coalition_data.validation.csv_reading import ParsedTable, read_table
from coalition_data.validation.descriptor import check_descriptor
from coalition_data.validation.parquet_reading import read_parquet_table
from coalition_data.validation.problems import Problem


def validate(path: str | Path | None = None, *, frictionless_rows: bool = False) -> list[Problem]:
    """All problems in the package at ``path`` (default: the shipped one, or a zipped package), sorted by file
    and line."""
    if is_zip(path):
        from coalition_data.zipped import unzipped

        try:
            with unzipped(path) as root:
                return validate(root, frictionless_rows=frictionless_rows)
        except PackageError as exc:
            return [Problem(str(path), None, None, None, "descriptor", str(exc))]
    try:
        root = resolve_root(path)
    except PackageError as exc:
        return [Problem(str(path), None, None, None, "descriptor", str(exc))]
    problems = check_descriptor(root)
    if problems:
        return problems  # tables cannot be trusted to mean what a broken descriptor says
    try:
        package = open_package(root)
    except PackageError as exc:
        return [Problem(exc.file or DESCRIPTOR, None, None, None, "descriptor", str(exc))]
    problems.extend(versions.identity_problems(package))
    problems.extend(_package_file_problems(root))
    problems.extend(_parquet_problems(package))
    problems.extend(_parquet_text_problems(package))
    problems.extend(_missing_references(package))
    tables: dict[str, ParsedTable] = {}
    for name, table in package.tables.items():
        reader = read_parquet_table if table.format == "parquet" else read_table
        parsed = reader(table, table.path.relative_to(root).as_posix())
        if parsed.frame is not None:
            _column_checks(parsed)
            for rule in row_rules.ALL:
                rule(parsed)
            parsed.frame = parsed.frame.select(_needed_later(table))
        tables[name] = parsed
    problems.extend(_unlisted_tables(package, root))
    for resource in package.descriptor["resources"]:
        table = package.tables[resource["name"]]
        problems.extend(descriptor_features.declared_file_problems(resource, table.path, table.path.relative_to(root).as_posix()))
    problems.extend(provenance.unlisted_sources(tables, root))
    articles = provenance.read_sources(tables, root)
    with ThreadPoolExecutor(1) as pool:  # Polars work, free of the GIL, beside the span loop, which holds it
        beside = pool.submit(_cross_table_checks, tables, articles)
        provenance.check_spans(tables, articles)
        beside.result()
    for parsed in tables.values():
        problems.extend(parsed.problems)
    if not problems:  # compare with the last release only what is itself valid
        problems.extend(versions.check(package))
    if frictionless_rows:
        problems.extend(_frictionless_rows(root))
    # an empty table first: the foreign-key problems that follow from it come after it, in whatever file
    return sorted(set(problems), key=lambda p: (p.rule != "empty-table", p.sort_key()))


def _unlisted_tables(package: Package, root: Path) -> list[Problem]:
    """A table file that no resource names, beside the others (a CSV under data/, a Parquet file beside the
    Parquet tables): its rows would go unchecked (say, after its resource was dropped)."""
    named = {table.path for table in package.tables.values()}
    folders = {(root / "data", ".csv")} | {(table.path.parent, table.path.suffix) for table in package.tables.values()
                                          if table.format == "parquet" and table.path.suffix == ".parquet"}
    return [Problem(file.relative_to(root).as_posix(), None, None, None, "table-unlisted",
                    f"a {kind[1:]} file beside the tables that {DESCRIPTOR} names as no resource, so none of its rows "
                    "is checked: describe it there or remove it")
            for folder, kind in sorted(folders) for file in sorted(folder.glob(f"*{kind}")) if file not in named]


PACKAGE_FILES = ("CHANGELOG.md", "LICENSE", "CITATION.cff")  # what a release copies besides tables and texts


def _package_file_problems(root: Path) -> list[Problem]:
    """A release copies these: each, where present, must be a regular file inside the package."""
    problems = []
    for name in PACKAGE_FILES:
        if (root / name).exists() or (root / name).is_symlink():
            try:
                inside(root, name)
            except PackageError as exc:
                problems.append(Problem(name, None, None, None, "package-file", str(exc)))
    return problems


def _missing_references(package: Package) -> list[Problem]:
    """A foreign key to a table the package does not have cannot be checked: a misspelt or dropped table must
    not switch the check off quietly."""
    problems = []
    for name, table in package.tables.items():
        for key in table.schema.get("foreignKeys", []):
            target = key.get("reference", {}).get("resource") or name
            if target not in package.tables:
                fields = key.get("fields")
                problems.append(Problem(table.schema_file, None,
                                        ", ".join(fields) if isinstance(fields, list) else str(fields), str(target),
                                        "schema", f"a foreign key of {name} refers to the table {target!r}, which the "
                                                  "package does not have, so it cannot be checked"))
    return problems


def _parquet_problems(package: Package) -> list[Problem]:
    """Where the package has Parquet copies (a release does), the loader reads them instead of the CSV that
    validate checks: each must hold exactly the CSV's rows."""
    from coalition_data.loader import load, load_file

    problems = []
    for name, table in package.tables.items():
        file = f"parquet/{name}.parquet"
        if table.format != "csv" or not ((package.root / file).exists() or (package.root / file).is_symlink()):
            continue
        try:
            same = load(name, path=package.root).equals(load_file(table))
        except PackageError as exc:
            problems.append(Problem(file, None, None, None, "parquet", str(exc)))
            continue
        if not same:
            problems.append(Problem(file, None, None, None, "parquet",
                                    f"holds other rows than {table.path.relative_to(package.root).as_posix()}, which "
                                    "validate checks and which the loader would not read: rebuild it or remove it"))
    return problems


def _parquet_text_problems(package: Package) -> list[Problem]:
    """A release's parquet/ package carries a copy of the articles: each must be the article it copies."""
    copies = package.root / "parquet" / "data" / "sources"
    if not copies.is_dir() or not copies.resolve().is_relative_to(package.root.resolve()):
        return []  # none, or a folder reached through a link out of the package: never listed
    try:
        originals = {path.name: path for path in article_files(package)}
    except PackageError:
        return []  # an article that is not a regular file inside the package: reported where it is named
    problems = []
    for copy in sorted(copies.iterdir()):
        file = copy.relative_to(package.root).as_posix()
        try:
            same = copy.name in originals and read_bytes(member(package.root, copy)) == read_bytes(originals[copy.name])
        except PackageError as exc:
            problems.append(Problem(file, None, None, None, "parquet", str(exc)))
            continue
        if not same:
            problems.append(Problem(file, None, None, None, "parquet", "not a byte-for-byte copy of an article under "
                                    "data/sources/: the Parquet package would cite other words; rebuild it"))
    missing = sorted(originals.keys() - {copy.name for copy in copies.iterdir()})
    problems += [Problem(f"parquet/data/sources/{name}", None, None, None, "parquet",
                         "the Parquet package has no copy of this article: rebuild it") for name in missing]
    return problems


def _cross_table_checks(tables: dict[str, ParsedTable], articles: provenance.Articles) -> None:
    for rule in integrity.ALL:
        rule(tables)
    provenance.check_attested(tables, articles)


def _needed_later(table: Table) -> list[str]:
    """The columns the cross-table checks read: our English texts are done with after the table's own checks
    (dropping them saves a third of the memory on a large package)."""
    keys = set(table.primary_key) | {f for fk in table.schema.get("foreignKeys", []) for f in fk["fields"]}
    return [f["name"] for f in table.fields if f.get("x-script") != "Latn" or f["name"] in keys]


def _column_checks(parsed: ParsedTable) -> None:
    # Polars counts what Pandera would find (one query, and one more per column with suspect text);
    # Pandera then runs only where there is something to report (it is many times slower on large tables).
    if column_checks.failure_count(parsed.frame, parsed.table) == 0:
        return
    import pandera.polars as pa

    schema, rules = column_checks.build(parsed.table)
    try:
        schema.validate(parsed.frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.select("schema_context", "column", "check", "index", "failure_case").iter_rows()
        for context, column, check, index, value in cases:
            if context == "DataFrameSchema":  # a rule over several columns (the composite key): name them all
                column = ", ".join(parsed.table.primary_key) if check == "multiple_fields_uniqueness" else None
            rule = rules.get((column, check)) or rules.get((None, check))
            if rule is None:
                rule = column_checks.Rule(check, f"fails pandera check {check}")
            if index is None:
                parsed.problems.append(Problem(parsed.file, None, column, value, rule.rule, rule.message))
            elif column in parsed.frame.columns:
                parsed.problem(index, column, parsed.frame[column][index], rule.rule, rule.message)
            else:
                parsed.problem(index, column, value, rule.rule, rule.message)

def _frictionless_rows(root: Path) -> list[Problem]:
    """The opt-in cross-check: frictionless reads every row itself (slow, but independent of our reader).
    It reads a Parquet table through pandas, and counts its rows from 2 as if a header line came first."""
    import frictionless

    report = frictionless.validate(str(root / DESCRIPTOR))
    problems = []
    for task in report.tasks:
        parquet = (task.place or "").endswith(".parquet")
        for error in task.errors:
            line = getattr(error, "row_number", None)
            line = line - 1 if parquet and line is not None else line
            column = getattr(error, "field_name", None)
            value = getattr(error, "cell", None)
            problems.append(Problem(task.place or DESCRIPTOR, line, column, value, f"frictionless:{error.type}", error.message))
    return problems
