"""coalition-data: validate and inspect the curated data package.

Heavy imports happen inside the subcommand that needs them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from coalition_data.package import PackageError


def _missing_extra(command: str, exc: ImportError) -> int:
    print(f"coalition-data {command} needs the validation extra: pip install 'coalition-data[validate]' ({exc})",
          file=sys.stderr)
    return 2


def _validate(args: argparse.Namespace) -> int:
    try:
        from coalition_data.validation import format_json, format_text, validate
    except ImportError as exc:
        return _missing_extra("validate", exc)
    problems = validate(args.path, frictionless_rows=args.frictionless)
    if args.format == "json":
        print(format_json(problems))
    elif problems:
        print(format_text(problems))
        print(f"\n{len(problems)} problem(s) found: the package is NOT valid.", file=sys.stderr)
    else:
        print("valid: every check passed")
    return 1 if problems else 0


def _summary(args: argparse.Namespace) -> int:
    from coalition_data.loader import load
    from coalition_data.package import open_package
    from coalition_data.schema_check import check

    package = open_package(args.path)
    check(package)
    descriptor = package.descriptor
    title = descriptor.get("title") or descriptor.get("name") or package.root.name
    version = descriptor.get("version")
    print(f"{title}\n" + (f"version {version}" if isinstance(version, str) else "no version given") + "\n")
    width = max(map(len, package.tables))
    for name, table in package.tables.items():
        frame = load(name, path=args.path)
        print(f"{name:<{width}}  {frame.height:>5} rows  {table.description.split('.')[0]}")
    return 0


def _coverage(args: argparse.Namespace) -> int:
    from coalition_data.coverage import format_report, measure

    if not 0 <= args.minimum <= 1:  # also refuses nan
        print(f"coalition-data coverage: --minimum is a share from 0 to 1 (e.g. 0.95), not {args.minimum}",
              file=sys.stderr)
        return 2
    results = measure(args.path)
    print(format_report(results))
    short = [r.source_id for r in results if r.share < args.minimum]
    if short:
        print(f"\nbelow {args.minimum:.0%}: {', '.join(short)}", file=sys.stderr)
    return 1 if short else 0


def _span(args: argparse.Namespace) -> int:
    from coalition_data.loader import source_text

    if not args.text:
        print("coalition-data span: the text to find is empty", file=sys.stderr)
        return 2
    text = source_text(args.source_id, path=args.path)
    starts = [i for i in range(len(text)) if text.startswith(args.text, i)]
    if not starts:
        print(f"{args.text!r} does not occur in source {args.source_id}", file=sys.stderr)
        return 1
    for start in starts:
        print(f"{args.source_id}\t{start}\t{start + len(args.text)}")
    return 0


def _release(args: argparse.Namespace) -> int:
    try:
        from coalition_data.release import ReleaseError, build_release
    except ImportError as exc:
        return _missing_extra("release", exc)
    try:
        folder = build_release(args.path, Path(args.outdir))
    except ReleaseError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{folder}\n{folder}.zip")
    return 0


def _diff(args: argparse.Namespace) -> int:
    from coalition_data.diff import diff, format_json, format_text

    results = diff(args.old, args.new)
    new = args.new or "working tree"
    print(format_json(results, args.old, new) if args.format == "json" else format_text(results, args.old, new))
    return 0


def _codebook(args: argparse.Namespace) -> int:
    from coalition_data.codebook import OUTPUT, render
    from coalition_data.output_files import refuse_unsafe, write_atomically
    from coalition_data.package import open_package

    package = open_package(args.path)
    output = Path(args.output) if args.output else package.root / OUTPUT
    shown = args.output or OUTPUT
    refuse_unsafe(output, None if args.output else package.root)  # the default is inside the package: stay there
    text = render(package)
    if args.check:
        rerun = " ".join(["coalition-data codebook", *(["--path", args.path] if args.path else []),
                          *(["--output", args.output] if args.output else [])])
        try:
            current = output.read_text(encoding="utf-8")
        except FileNotFoundError:
            print(f"{shown} is missing; run `{rerun}`", file=sys.stderr)
            return 1
        except (OSError, UnicodeDecodeError) as exc:
            print(f"coalition-data: cannot read {shown}: {exc}", file=sys.stderr)
            return 2
        if current != text:
            print(f"{shown} is stale; run `{rerun}`", file=sys.stderr)
            return 1
        print(f"{shown} is up to date")
        return 0
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(output, text.encode("utf-8"))
    except OSError as exc:
        print(f"coalition-data: cannot write {shown}: {exc}", file=sys.stderr)
        return 2
    print(output)
    return 0


def _timeline(args: argparse.Namespace) -> int:
    from coalition_data.package import open_package
    from coalition_data.timeline import write

    package = open_package(args.path)
    try:
        files = write(Path(args.output_dir) if args.output_dir else package.root / "docs", package.root,
                      inside=None if args.output_dir else package.root)  # the default is inside the package
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("matplotlib"):
            raise
        print("coalition-data: the timeline needs matplotlib: pip install 'coalition-data[timeline]'", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"coalition-data: cannot write the timeline: {exc}", file=sys.stderr)
        return 2
    print("\n".join(str(file) for file in files))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="coalition-data", description=__doc__.splitlines()[0].rstrip("."))
    commands = top.add_subparsers(dest="command", required=True)

    validate = commands.add_parser(
        "validate", help="run every check on the package and list every problem",
        description="Check the descriptor, every CSV against its Table Schema, cross-table integrity and "
                    "provenance. Lists every problem as file:line, column, rule and value; exits 1 if any.",
        epilog="example: coalition-data validate --format json path/to/package")
    validate.add_argument("path", nargs="?", help="package folder or datapackage.json (default: the shipped package)")
    validate.add_argument("--format", choices=["text", "json"], default="text")
    validate.add_argument("--frictionless", action="store_true",
                          help="also let frictionless validate every row (slow, independent cross-check)")
    validate.set_defaults(run=_validate)

    summary = commands.add_parser("summary", help="list the tables with their row counts",
                                  epilog="example: coalition-data summary")
    summary.add_argument("path", nargs="?", help="package folder (default: the shipped package)")
    summary.set_defaults(run=_summary)

    coverage = commands.add_parser(
        "coverage", help="share of each article's reporting text covered by claims; uncovered passages in full",
        description="For each source: the share of its non-whitespace text outside declared furniture that lies in "
                    "at least one claim span, the passages left uncovered, and how many claims, events, actors and "
                    "places draw on it. Exits 1 if a source is below --minimum.",
        epilog="example: coalition-data coverage --minimum 1.0")
    coverage.add_argument("path", nargs="?", help="package folder (default: the shipped package)")
    coverage.add_argument("--minimum", type=float, default=0.95, help="lowest acceptable share per source (default 0.95)")
    coverage.set_defaults(run=_coverage)

    span = commands.add_parser("span", help="print the character offsets of a text in a source (for curators)",
                               epilog="example: coalition-data span 000_0f24138b4bfb8b6c 'بيان مشترك'")
    span.add_argument("source_id")
    span.add_argument("text")
    span.add_argument("--path", help="package folder (default: the shipped package)")
    span.set_defaults(run=_span)

    release = commands.add_parser(
        "release", help="build the downloadable release folder and zip (validates first)",
        description="Validate, then write OUTDIR/coalition-data-<version>/ (CSV, Parquet, source texts, descriptor "
                    "with sizes and hashes, CHANGELOG, LICENSE, CITATION.cff, README, SHA256SUMS) and its zip, "
                    "byte-identical on every rebuild; record the released IDs in releases/<version>.json.",
        epilog="example: coalition-data release dist/")
    release.add_argument("outdir")
    release.add_argument("--path", help="package folder (default: the shipped package)")
    release.set_defaults(run=_release)

    changes = commands.add_parser(
        "diff", help="rows added, removed and changed, and schema changes, between two package folders",
        description="Compare two release folders (or a release and the working tree): per table the rows added, "
                    "removed and changed by primary key, with each changed column old -> new, and schema changes.",
        epilog="example: coalition-data diff dist/coalition-data-0.1.0 dist/coalition-data-0.2.0")
    changes.add_argument("old", help="older package folder")
    changes.add_argument("new", nargs="?", help="newer package folder (default: the shipped package)")
    changes.add_argument("--format", choices=["text", "json"], default="text")
    changes.set_defaults(run=_diff)

    codebook = commands.add_parser(
        "codebook", help="write docs/codebook.md: every table and column, generated from the schemas and data",
        description="Write the Markdown codebook (relations diagram, every table with its keys, every column with "
                    "type, constraints, meaning of an empty cell, an example value, allowed values) generated from "
                    "datapackage.json, schemas/ and data/. With --check, write nothing and exit 1 if the file "
                    "is out of date.",
        epilog="example: coalition-data codebook --check")
    codebook.add_argument("--check", action="store_true", help="exit 1 if the codebook differs from a fresh one")
    codebook.add_argument("--path", help="package folder (default: the shipped package)")
    codebook.add_argument("--output", metavar="FILE", help="where to write it (default: docs/codebook.md in the package)")
    codebook.set_defaults(run=_codebook)

    timeline = commands.add_parser(
        "timeline", help="draw the events on a 2014-2026 time axis (docs/timeline.svg and .png)",
        description="Draw every event on one time axis, showing how well its date is known: a dot for a day, a "
                    "block for a month or year, a bar for a range, a dotted arrow for an open bound; planned "
                    "events in red. Needs matplotlib: pip install 'coalition-data[timeline]'.",
        epilog="example: coalition-data timeline --output-dir docs")
    timeline.add_argument("--path", help="package folder (default: the shipped package)")
    timeline.add_argument("--output-dir", metavar="DIR", help="where to write them (default: docs/ in the package)")
    timeline.set_defaults(run=_timeline)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):  # not when captured into a StringIO
            stream.reconfigure(encoding="utf-8")
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except PackageError as exc:
        print(f"coalition-data: {exc}", file=sys.stderr)
        return 2
