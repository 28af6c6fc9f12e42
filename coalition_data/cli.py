"""coalition-data: validate and inspect the curated data package.

Heavy imports happen inside the subcommand that needs them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from coalition_data.package import PackageError, is_installed


VALIDATE_EXTRA = ("frictionless", "pandera", "pyarrow")


def _missing_extra(command: str, modules: Sequence[str] = VALIDATE_EXTRA, extra: str = "validate") -> int | None:
    """Exit code 2 with the extra to install, if a library ``command`` needs is missing; else None."""
    from importlib.util import find_spec

    missing = [module for module in modules if find_spec(module) is None]
    if not missing:
        return None
    print(f"coalition-data {command} needs the {extra} extra (missing: {', '.join(missing)}): "
          f"pip install 'coalition-data[{extra}]'", file=sys.stderr)
    return 2


def _validate(args: argparse.Namespace) -> int:
    if (code := _missing_extra("validate")) is not None:
        return code
    from coalition_data.validation import format_json, format_text, validate
    from coalition_data.package import resolve_root
    from coalition_data.validation.problems import format_github

    resolve_root(args.path)  # no package there at all is the same error, exit 2, as in every other command
    problems = validate(args.path, frictionless_rows=args.frictionless)
    if args.format == "json":
        print(format_json(problems))
    elif args.format == "github":
        root = _package_root(args.path)
        print(format_github(problems, root, _repository_prefix(root), args.max_problems))
    elif problems:
        print(format_text(problems, args.max_problems))
        print(f"\n{len(problems)} problem(s) found: the package is NOT valid.", file=sys.stderr)
    else:
        print("valid: every check passed")
    return 1 if problems else 0


def _package_root(path: str | None) -> Path | None:
    from coalition_data.package import resolve_root

    try:
        return resolve_root(path)
    except PackageError:
        return None


def _repository_prefix(root: Path | None) -> str:
    """The package folder as GitHub names files: relative to the workspace (or the current folder)."""
    import os

    if root is None:
        return ""
    base = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    if not root.is_relative_to(base):
        return ""
    relative = root.relative_to(base).as_posix()
    return "" if relative == "." else relative + "/"


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return number


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
    if (code := _missing_extra("release", (*VALIDATE_EXTRA, "xlsxwriter", "pandas", "jinja2"), "release")) is not None:
        return code
    from coalition_data.package import resolve_root
    from coalition_data.release import ReleaseError, build_release

    resolve_root(args.path)  # no package there at all: exit 2, as in every command
    try:
        folder = build_release(args.path, Path(args.outdir), force=args.force)
    except ReleaseError as exc:
        print(f"coalition-data: {exc}", file=sys.stderr)
        return 1 if exc.invalid else 2
    print(f"{folder}\n{folder}.zip")
    return 0


def _diff(args: argparse.Namespace) -> int:
    from coalition_data.diff import diff, format_json, format_markdown, format_text, version_change

    results = diff(args.old, args.new)
    new = args.new or "working tree"
    if args.format == "markdown":
        try:
            change: object = version_change(args.old, args.new, results)
        except PackageError as exc:  # e.g. a version that is not MAJOR.MINOR.PATCH: the rows still differ
            change = f"cannot tell the version bump this change needs: {exc}"
        print(format_markdown(results, args.old, new, change), end="")
    else:
        print(format_json(results, args.old, new) if args.format == "json" else format_text(results, args.old, new))
    return 0


def _codebook(args: argparse.Namespace) -> int:
    from coalition_data.codebook import OUTPUT, render
    from coalition_data.output_files import refuse_unsafe, write_atomically
    from coalition_data.package import open_package

    package = open_package(args.path)
    if not args.check and not args.output and is_installed(package.root):
        print("coalition-data: the installed package is never written to; give --output FILE", file=sys.stderr)
        return 2
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
    if not args.output_dir and is_installed(package.root):
        print("coalition-data: the installed package is never written to; give --output-dir DIR", file=sys.stderr)
        return 2
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


def _site(args: argparse.Namespace) -> int:
    if args.outdir is None and args.screenshots is None:
        print("coalition-data site: give OUTDIR, --screenshots DIR or both", file=sys.stderr)
        return 2
    try:
        import jinja2  # noqa: F401

        from coalition_data.site import SiteError, write_site
        from coalition_data.site.browser import BrowserMissing
    except ImportError as exc:
        print(f"coalition-data site needs Jinja2: pip install 'coalition-data[site]' ({exc})", file=sys.stderr)
        return 2
    try:
        if args.outdir is not None:
            folder = write_site(args.path, Path(args.outdir), force=args.force)
            print(f"{folder / 'index.html'}")
        if args.screenshots is not None:
            from coalition_data.site.screenshots import take

            print("\n".join(str(file) for file in take(Path(args.screenshots), args.path)))
    except (SiteError, BrowserMissing) as exc:
        print(f"coalition-data: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"coalition-data: cannot write the site: {exc}", file=sys.stderr)
        return 2
    return 0


def _library_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("coalition-data")
    except PackageNotFoundError:  # run from a checkout that is not installed
        from coalition_data.package import open_package

        return open_package().version


def _add_path(command: argparse.ArgumentParser) -> None:
    """The one spelling of the package every command takes."""
    command.add_argument("--path", help="package folder, its datapackage.json, or a release zip "
                                        "(default: the shipped package)")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="coalition-data", description=__doc__.splitlines()[0].rstrip("."),
                                  epilog="Every command takes the package as --path (a folder, its datapackage.json "
                                         "or a release zip); by default the package shipped with the library.")
    top.add_argument("--version", action="version", version=f"%(prog)s {_library_version()}")
    commands = top.add_subparsers(dest="command", required=True)

    validate = commands.add_parser(
        "validate", help="run every check on the package and list every problem",
        description="Check the descriptor, every CSV against its Table Schema, cross-table integrity and "
                    "provenance. Lists every problem as file:line, column, rule and value; exits 1 if any.",
        epilog="example: coalition-data validate --format json path/to/package")
    validate.add_argument("positional_path", nargs="?", metavar="PATH", help="the same as --path (older spelling)")
    _add_path(validate)
    validate.add_argument("--format", choices=["text", "json", "github"], default="text",
                          help="text (repeated consequences folded, a summary line), json (every problem), or "
                               "github (GitHub Actions ::error annotations on each file, line and cell)")
    validate.add_argument("--max-problems", type=_positive, metavar="N",
                          help="show at most N entries in text (a folded group is one) or N annotations in github; "
                               "json always lists every problem")
    validate.add_argument("--frictionless", action="store_true",
                          help="also let frictionless validate every row (slow, independent cross-check)")
    validate.set_defaults(run=_validate)

    summary = commands.add_parser("summary", help="list the tables with their row counts",
                                  epilog="example: coalition-data summary")
    summary.add_argument("positional_path", nargs="?", metavar="PATH", help="the same as --path (older spelling)")
    _add_path(summary)
    summary.set_defaults(run=_summary)

    coverage = commands.add_parser(
        "coverage", help="share of each article's reporting text covered by claims; uncovered passages in full",
        description="For each source: the share of its non-whitespace text outside declared furniture that lies in "
                    "at least one claim span, the passages left uncovered, and how many claims, events, actors and "
                    "places draw on it. Exits 1 if a source is below --minimum.",
        epilog="example: coalition-data coverage --minimum 1.0")
    coverage.add_argument("positional_path", nargs="?", metavar="PATH", help="the same as --path (older spelling)")
    _add_path(coverage)
    coverage.add_argument("--minimum", type=float, default=0.95, help="lowest acceptable share per source (default 0.95)")
    coverage.set_defaults(run=_coverage)

    span = commands.add_parser("span", help="print the character offsets of a text in a source (for curators)",
                               epilog="example: coalition-data span 000_0f24138b4bfb8b6c 'بيان مشترك'")
    span.add_argument("source_id")
    span.add_argument("text")
    _add_path(span)
    span.set_defaults(run=_span)

    release = commands.add_parser(
        "release", help="build the downloadable release folder and zip (validates first)",
        description="Validate, then write OUTDIR/coalition-data-<version>/ (CSV, Parquet, source texts, descriptor "
                    "with sizes and hashes, CHANGELOG, LICENSE, CITATION.cff, README, SHA256SUMS) and its zip, "
                    "byte-identical on every rebuild; record the released IDs in releases/<version>.json.",
        epilog="example: coalition-data release dist/")
    release.add_argument("outdir")
    release.add_argument("--force", action="store_true",
                         help="replace an earlier release of this package in OUTDIR (recognised by its SHA256SUMS); "
                              "nothing else is ever replaced")
    _add_path(release)
    release.set_defaults(run=_release)

    changes = commands.add_parser(
        "diff", help="rows added, removed and changed, and schema changes, between two package folders",
        description="Compare two release folders (or a release and the working tree): per table the rows added, "
                    "removed and changed by primary key, with each changed column old -> new, and schema changes.",
        epilog="example: coalition-data diff dist/coalition-data-0.1.0 dist/coalition-data-0.2.0")
    changes.add_argument("old", help="older package folder")
    changes.add_argument("new", nargs="?", help="newer package folder (default: the shipped package)")
    changes.add_argument("--format", choices=["text", "json", "markdown"], default="text",
                         help="markdown: tables of the changes and the version bump they need, for "
                              "$GITHUB_STEP_SUMMARY or a pull-request comment")
    changes.set_defaults(run=_diff)

    codebook = commands.add_parser(
        "codebook", help="write docs/codebook.md: every table and column, generated from the schemas and data",
        description="Write the Markdown codebook (relations diagram, every table with its keys, every column with "
                    "type, constraints, meaning of an empty cell, an example value, allowed values) generated from "
                    "datapackage.json, schemas/ and data/. With --check, write nothing and exit 1 if the file "
                    "is out of date.",
        epilog="example: coalition-data codebook --check")
    codebook.add_argument("--check", action="store_true", help="exit 1 if the codebook differs from a fresh one")
    _add_path(codebook)
    codebook.add_argument("--output", metavar="FILE", help="where to write it (default: docs/codebook.md in the package)")
    codebook.set_defaults(run=_codebook)

    timeline = commands.add_parser(
        "timeline", help="draw the events on a 2014-2026 time axis (docs/timeline.svg and .png)",
        description="Draw every event on one time axis, showing how well its date is known: a dot for a day, a "
                    "block for a month or year, a bar for a range, a dotted arrow for an open bound; planned "
                    "events in red. Needs matplotlib: pip install 'coalition-data[timeline]'.",
        epilog="example: coalition-data timeline --output-dir docs")
    _add_path(timeline)
    timeline.add_argument("--output-dir", metavar="DIR", help="where to write them (default: docs/ in the package)")
    timeline.set_defaults(run=_timeline)

    site = commands.add_parser(
        "site", help="write the static provenance explorer: every row one click from its words in the article",
        description="Write a static site that works offline (from file:// or any static host, no network request): "
                    "each article with every claim marked, each event with its quotes linking to the exact words, "
                    "actor and place pages, and an index with the timeline and an English/Arabic search. It is "
                    "built beside OUTDIR and renamed into place; an OUTDIR that is not empty and not a site this "
                    "command wrote is refused (with --force it is moved aside, never deleted). Needs "
                    "pip install 'coalition-data[site]'.",
        epilog="example: coalition-data site /tmp/coalition-site && open /tmp/coalition-site/index.html")
    site.add_argument("outdir", nargs="?", help="folder to write the site into (outside the package)")
    _add_path(site)
    site.add_argument("--force", action="store_true",
                      help="move a non-empty OUTDIR that is not an earlier site aside instead of refusing")
    site.add_argument("--screenshots", metavar="DIR",
                      help="also write an article-page and an event-page PNG taken by headless Chromium into DIR")
    site.set_defaults(run=_site)
    return top


def _unzip_packages(args: argparse.Namespace, stack: ExitStack) -> None:
    """A zipped package given as a package path is read from a private unzipped copy."""
    from coalition_data.package import is_zip

    for attribute in ("path", "old", "new"):
        value = getattr(args, attribute, None)
        if is_zip(value):
            from coalition_data.zipped import unzipped

            setattr(args, attribute, str(stack.enter_context(unzipped(value))))


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):  # not when captured into a StringIO
            stream.reconfigure(encoding="utf-8")
    top = parser()
    args = top.parse_args(argv)
    positional = getattr(args, "positional_path", None)
    if positional is not None:
        if args.path is not None and args.path != positional:
            top.error(f"the package is given twice ({positional} and --path {args.path}); give it once")
        args.path = positional
    try:
        with ExitStack() as stack:
            _unzip_packages(args, stack)
            return args.run(args)
    except PackageError as exc:
        print(f"coalition-data: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped early (e.g. `| head`): nothing more to say
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 -- Python flushes stdout again at exit
        return 1
    except OSError as exc:  # e.g. a folder that cannot be read or written
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"coalition-data: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
