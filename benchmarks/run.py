"""Measure the loader and validate against their baselines, on the shipped data and synthetic packages.

    python benchmarks/run.py [--sizes 10000 100000 1000000] [--runs 5] [--output benchmarks/results.json]

Every figure is a whole process (wall time and peak RSS, median of --runs; the four loader commands
of a package, each a fraction of a second, run in turn for 6 × --runs rounds, their ratio the median of
the ratios within a round) except the in-process rows, and every ratio is against a baseline measured in
the same run on the same files:
- load:     ``import coalition_data; coalition_data.load('events', path=P)`` vs ``pl.read_parquet``
- load_all: ``coalition_data.load_all(path=P)`` vs ``pl.read_parquet`` of every file
- validate: ``coalition-data validate P`` vs ``frictionless validate P/datapackage.json`` (one run; one
  that takes longer than --frictionless-timeout is stopped and its time extrapolated from the rate
  on the previous size, marked "est.")
- checks:   in-process ``validate(P)`` vs the same checks written plainly, without reporting anything:
  a typed read, the Polars count of every column rule's failures that validate uses, one anti-join
  per foreign key ("column rules and keys"); plus each CSV read back to its own bytes, every article
  read and hashed, each source's spans joined and compared with its quotes joined (and their ends
  checked for combining marks), every attested name searched for in one Aho-Corasick pass ("every
  check"; the cheap cross-column and cross-table rules are left out)
Synthetic packages come from benchmarks/generate.py (seed 1) and are kept in --work between runs;
their Parquet files are rewritten every run by this checkout's release step.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "benchmarks"))


# Runs one command and reports its wall time and peak RSS. It is a small process of its own because a
# child's peak RSS counts the parent it was forked from, and this script holds Polars in memory.
LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
error = child.stderr.read().decode(errors="replace")
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"wall_s": time.perf_counter() - start, "peak_mib": usage.ru_maxrss / 1024,
                  "code": os.waitstatus_to_exitcode(status), "error": error[-2000:]}))
"""


def measure(command: list[str], runs: int, timeout: float | None = None, warmup: bool = False) -> dict[str, float] | None:
    """Median wall seconds and peak RSS (MiB) of ``command`` run ``runs`` times as a fresh process.

    ``warmup`` runs it once more first, untimed, so that every timed run finds the files in the page
    cache (this virtual machine's kernel evicts idle pages (DAMON pageout); a cold run was up to 50% slower).
    None when a run takes longer than ``timeout`` seconds (it is killed).
    """
    walls, peaks = [], []
    for index in range(-1 if warmup else 0, runs):
        launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, *command], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, _ = launcher.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)  # the launcher and the command it started
            launcher.communicate()
            return None
        result = json.loads(out)
        if result["code"] != 0:
            raise SystemExit(f"{' '.join(command)} failed ({result['code']}):\n{result['error']}")
        if index >= 0:
            walls.append(result["wall_s"])
            peaks.append(result["peak_mib"])
    return {"wall_s": statistics.median(walls), "peak_mib": statistics.median(peaks)}


# Loading takes a fraction of a second, and our import and load add about 10 ms to it, so one slow
# moment of the machine moves a median of five: the loader commands get six times the rounds.
LOADER_ROUNDS = 6


def measure_alternating(commands: list[list[str]], runs: int) -> list[dict[str, float]]:
    """``measure`` for commands compared with each other, run in turn, in a new order each round (seeded),
    so that a slow spell of the machine, or a command's position in the round, falls on all of them.
    Each result also holds ``walls``, its wall time in every round, for ratios taken round by round."""
    order = random.Random(1)
    results: list[list[dict[str, float]]] = [[] for _ in commands]
    for _ in range(runs):
        for i in order.sample(range(len(commands)), len(commands)):
            results[i].append(measure(commands[i], 1))
    return [{"wall_s": statistics.median(r["wall_s"] for r in runs_of),
             "peak_mib": statistics.median(r["peak_mib"] for r in runs_of),
             "walls": [r["wall_s"] for r in runs_of]} for runs_of in results]


def paired_ratio(ours: dict, baseline: dict) -> float:
    """The median of the per-round ratios: the two sides of a round ran within a second of each other, so a
    slow spell of this shared machine (which moved the ratio of medians from 1.02 to 1.16 between two runs
    of the same code) moves both sides of a round together."""
    return statistics.median(a / b for a, b in zip(ours["walls"], baseline["walls"], strict=True))


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def package_rows(root: Path) -> int:
    import polars as pl

    return sum(pl.scan_csv(path, infer_schema=False).select(pl.len()).collect().item()
               for path in (root / "data").glob("*.csv"))


def shipped_copy(work: Path) -> Path:
    """The shipped package with its Parquet files, as a wheel or a release holds it."""
    from coalition_data.package import open_package
    from coalition_data.parquet import write_parquet

    root = work / "shipped"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copy(REPO / "datapackage.json", root)
    for folder in ("schemas", "data"):
        shutil.copytree(REPO / folder, root / folder)
    write_parquet(open_package(root), root / "parquet")
    return root


def synthetic(work: Path, events: int) -> Path:
    from generate import generate

    from coalition_data.package import open_package
    from coalition_data.parquet import write_parquet

    root = work / f"events-{events}"
    if not root.is_dir():  # generated aside and renamed when complete, so an interrupted run leaves nothing
        partial = work / f"events-{events}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        generate(partial, events, seed=1)
        partial.rename(root)
    # rewritten every run, so the files are the ones this checkout's release step writes
    shutil.rmtree(root / "parquet", ignore_errors=True)
    write_parquet(open_package(root), root / "parquet")
    return root


# The least any validator of the package must do, as a whole process: read every table (as text) and every
# article (hashed, and decoded to count its characters), checking nothing.
READ_FILES = """
import hashlib, sys
from pathlib import Path
import polars as pl
root = Path(sys.argv[1])
for path in sorted((root / "data").glob("*.csv")):
    pl.read_csv(path, infer_schema=False)
raws = [path.read_bytes() for path in sorted((root / "data" / "sources").iterdir())]
digests = [hashlib.sha256(raw).hexdigest() for raw in raws]
texts = pl.Series(raws, dtype=pl.Binary).cast(pl.String)
"""
READ_FLOOR = "plain floor: read every file, no check"


def in_process(root: Path, runs: int) -> dict[str, float]:
    code = f"""
import hashlib, io, time, statistics, json, unicodedata
import polars as pl
from coalition_data.validation.run import validate
from coalition_data.validation.column_checks import failure_count
from coalition_data.validation.integrity import foreign_keys
from coalition_data.validation.csv_reading import ParsedTable
from coalition_data.package import open_package
from coalition_data.dtypes import polars_schema
root = {str(root)!r}
def floor():
    package = open_package(root)
    plain = lambda t: {{k: pl.String if isinstance(v, pl.Enum) else v for k, v in polars_schema(t.schema).items()}}
    frames = {{n: pl.read_csv(t.path, schema=plain(t)) for n, t in package.tables.items()}}
    for n, t in package.tables.items():
        failure_count(frames[n], t)
        for fields, target, ref in foreign_keys(ParsedTable(t, n)):
            frames[n].select(fields).drop_nulls().join(frames[target].select(ref).rename(dict(zip(ref, fields))),
                                                        on=fields, how="anti").height
    return package, frames
def every_check():
    package, frames = floor()
    for t in package.tables.values():  # the CSV structure: it reads back to the same bytes
        raw = t.path.read_bytes()
        written = io.BytesIO()
        pl.read_csv(raw, infer_schema=False).write_csv(written, line_terminator="\\n", quote_style="necessary")
        assert written.getvalue() == raw
    sources = frames["sources"].select("source_id", "path", "sha256", "bytes", "chars")
    raws = [(package.root / path).read_bytes() for path in sources["path"]]
    assert [hashlib.sha256(raw).hexdigest() for raw in raws] == sources["sha256"].to_list()
    assert [len(raw) for raw in raws] == sources["bytes"].to_list()
    articles = pl.Series(raws, dtype=pl.Binary).cast(pl.String)
    del raws
    assert (articles.str.len_chars() == sources["chars"]).all()
    position = dict(zip(sources["source_id"], range(len(articles))))
    for table, column in (("claims", "quote_ar"), ("furniture", "text_ar")):
        spans = frames[table].select("source_id", "char_start", "char_end", column)
        assert (spans[column].str.len_chars() == spans["char_end"] - spans["char_start"]).all()
        for (source,), group in spans.group_by("source_id"):  # each source's spans joined equal its quotes joined
            text = articles[position[source]]
            starts, ends = group["char_start"].to_list(), group["char_end"].to_list()
            assert "".join(map(text.__getitem__, map(slice, starts, ends))) == group[column].str.join("").item()
            edges = "".join(map(text.__getitem__, starts)) + "".join([text[end] for end in ends if end < len(text)])
            assert not any(map(unicodedata.combining, edges))
    for f in package.tables["sources"].fields:  # what a source prints, in its own article (read in row order)
        if f.get("x-attested"):
            assert articles.str.contains(frames["sources"][f["name"]], literal=True).fill_null(True).all()
    names = pl.concat([frames[n][f["name"]] for n, t in package.tables.items() for f in t.fields
                       if f.get("x-attested") and n != "sources"])
    names = names.drop_nulls().unique()
    found = articles.str.extract_many(names.to_list(), overlapping=True).explode().unique()
    assert names.is_in(found.implode()).all()
def full():
    assert validate(root) == []
out = {{}}
for name, job in (("floor", floor), ("every_check", every_check), ("validate", full)):
    job()
    times = []
    for _ in range({runs}):
        start = time.perf_counter(); job(); times.append(time.perf_counter() - start)
    out[name] = statistics.median(times)
print(json.dumps(out))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def machine() -> dict[str, str | int]:
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0") if Path("/proc/meminfo").is_file() else "0"
    import polars as pl

    return {"system": f"{platform.system()} {platform.machine()}", "cpus": os.cpu_count() or 0,
            "memory_gib": round(int(memory) / 1024**2), "python": platform.python_version(), "polars": pl.__version__,
            "processor": platform.processor() or "unknown"}


def row(table: list[dict], size: str, rows: int, command: str, result: dict, baseline: dict | None,
        estimated: bool = False) -> None:
    if baseline is None:
        ratio = None
    elif "walls" in result and "walls" in baseline:
        ratio = paired_ratio(result, baseline)
    else:
        ratio = result["wall_s"] / baseline["wall_s"]
    table.append({"size": size, "rows": rows, "command": command, "wall_s": round(result["wall_s"], 3),
                  "peak_mib": round(result.get("peak_mib", 0), 1), "ratio": round(ratio, 3) if ratio else None,
                  "estimated": estimated})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark the loader and validate against baselines.")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000], help="events per package")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--frictionless-timeout", type=float, default=600,
                        help="seconds after which frictionless is stopped and its time estimated from the "
                             "rate measured on the previous size")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "coalition-data-bench")
    parser.add_argument("--output", type=Path, default=REPO / "benchmarks" / "results.json")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    # pip compiles a wheel's modules when it installs them; an editable checkout under PYTHONDONTWRITEBYTECODE
    # never does, and compiling our modules anew in every process would add ~8 ms no user pays
    compileall.compile_dir(REPO / "coalition_data", quiet=1)
    packages = [("shipped", shipped_copy(args.work))]
    packages += [(f"{events:,} events", synthetic(args.work, events)) for events in args.sizes]

    results: list[dict] = []
    frictionless_rate = None
    for size, root in packages:
        rows = package_rows(root)
        print(f"{size}: {rows:,} rows in {root}", file=sys.stderr)
        events = root / "parquet" / "events.parquet"
        files = sorted(str(p) for p in (root / "parquet").glob("*.parquet"))
        polars_one, ours_one, polars_all, ours_all = measure_alternating([
            python(f"import polars as pl; pl.read_parquet({str(events)!r})"),
            python(f"import coalition_data; coalition_data.load('events', path={str(root)!r})"),
            python(f"import polars as pl; [pl.read_parquet(f) for f in {files!r}]"),
            python(f"import coalition_data; coalition_data.load_all(path={str(root)!r})"),
        ], LOADER_ROUNDS * args.runs)
        row(results, size, rows, "polars read_parquet(events)", polars_one, None)
        row(results, size, rows, LOAD_ONE, ours_one, polars_one)
        row(results, size, rows, "polars read_parquet(every table)", polars_all, None)
        row(results, size, rows, "coalition_data.load_all()", ours_all, polars_all)

        # frictionless streams for minutes, so reading cold files costs it little; it gets no warm-up run
        validate = measure([str(BIN / "coalition-data"), "validate", str(root)], max(1, args.runs // 2), warmup=True)
        frictionless = measure([str(BIN / "frictionless"), "validate", str(root / "datapackage.json")], 1,
                               timeout=args.frictionless_timeout)
        estimated = frictionless is None
        if frictionless is not None:
            frictionless_rate = rows / frictionless["wall_s"]
        elif frictionless_rate:  # stopped at the timeout, so it would have taken at least that long
            frictionless = {"wall_s": max(rows / frictionless_rate, args.frictionless_timeout), "peak_mib": 0}
        if frictionless:
            row(results, size, rows, "frictionless validate", frictionless, None, estimated)
            results[-1]["rows_per_s"] = round(rows / frictionless["wall_s"])
        read = measure([sys.executable, "-c", READ_FILES, str(root)], max(1, args.runs // 2), warmup=True)
        for command, result in (("coalition-data validate", validate), (READ_FLOOR, read)):
            row(results, size, rows, command, result, frictionless)
            results[-1]["rows_per_s"] = round(rows / result["wall_s"])
            if frictionless:
                results[-1]["speedup"] = round(frictionless["wall_s"] / result["wall_s"], 1)
        checks = in_process(root, max(1, args.runs // 2))
        row(results, size, rows, "plain floor: column rules and keys (in process)", {"wall_s": checks["floor"]}, None)
        row(results, size, rows, "plain floor: every check (in process)", {"wall_s": checks["every_check"]}, None)
        row(results, size, rows, "validate() (in process)", {"wall_s": checks["validate"]}, {"wall_s": checks["every_check"]})

    report = {"machine": machine(), "runs": args.runs, "results": results}
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(markdown(report))


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [(f"Machine: {m['system']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}, "
             f"Polars {m['polars']}; median of {report['runs']} runs (loading: of {LOADER_ROUNDS * report['runs']}, "
             f"validate: of {max(1, report['runs'] // 2)} after an untimed one, frictionless: 1)."), "",
             "| package | rows | command | wall (s) | peak RSS (MiB) | ratio to baseline |",
             "|---|---:|---|---:|---:|---:|"]
    for r in report["results"]:
        ratio = "baseline" if r["ratio"] is None else f"{r['ratio']:.2f}×"
        if "speedup" in r:
            ratio = f"{r['speedup']:,.1f}× faster than frictionless"
        wall = f"{r['wall_s']:.2f}" + (" est." if r["estimated"] else "")
        peak = f"{r['peak_mib']:,.0f}" if r["peak_mib"] else "–"
        lines.append(f"| {r['size']} | {r['rows']:,} | {r['command']} | {wall} | {peak} | {ratio} |")
    return "\n".join(lines + ["", *targets(report["results"])])


LOAD_ONE = "coalition_data.load('events')"


def targets(results: list[dict]) -> list[str]:
    """The figures issue #5 sets targets for, computed from the results (so no prose copies them by hand)."""
    def of(command: str) -> list[dict]:
        return [r for r in results if r["command"] == command]

    def spread(command: str) -> str:
        ratios = [r["ratio"] for r in of(command)]
        return f"{min(ratios):.2f}-{max(ratios):.2f}×"

    ours, theirs = of("coalition-data validate"), of("frictionless validate")  # by size, smallest first
    last, before = ours[-1], ours[-2]
    friction, read = theirs[-1], of(READ_FLOOR)[-1]
    budget = friction["wall_s"] / 100
    columns_and_keys = [r for r in of("plain floor: column rules and keys (in process)") if r["size"] == last["size"]][0]
    return [
        f"- `load('events')` against `pl.read_parquet`: {spread(LOAD_ONE)} (target ≤ 1.10)",
        f"- `load_all()` against reading every file with Polars: {spread('coalition_data.load_all()')} (target ≤ 1.15)",
        f"- validate in process against the same checks in plain Polars: {spread('validate() (in process)')} (target ≤ 3)",
        (f"- scaling, {before['size']} → {last['size']}: {last['wall_s'] / before['wall_s']:.1f}× the time for "
        f"{last['rows'] / before['rows']:.0f}× the rows (target ≤ 12×)"),
        f"- peak memory of validate at {last['size']}: {last['peak_mib']:,.0f} MiB (target < 2,048)",
        (f"- against frictionless at {last['size']}: {last['speedup']:.1f}× faster (target ≥ 100×); frictionless "
        f"{friction['wall_s']:,.0f} s{' (estimated)' if friction['estimated'] else ''}, "
        f"{friction['rows_per_s']:,} rows/s; validate {last['wall_s']:.1f} s, {last['rows_per_s']:,} rows/s"),
        (f"- what 100× would leave at {last['size']}: {budget:.1f} s for everything, where reading every file and "
         f"checking nothing takes {read['wall_s']:.1f} s ({read['wall_s'] / budget:.0%} of it) and the plain Polars "
         f"column rules and keys alone, the issue's practical floor for a part of the checks, "
         f"{columns_and_keys['wall_s']:.1f} s ({columns_and_keys['wall_s'] / budget:.0%})"),
    ]


if __name__ == "__main__":
    main()
