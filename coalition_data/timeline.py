"""Draw the events on one time axis, 2014 to 2026, showing how well each date is known.

Needs matplotlib (``pip install 'coalition-data[timeline]'``). Labels are our English titles:
matplotlib does not shape Arabic, and a mis-joined Arabic label would misquote the articles.
The files are deterministic (fixed fonts, no timestamps), so an unchanged table redraws the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any

import polars as pl

from coalition_data.loader import load
from coalition_data.output_files import refuse_unsafe, write_atomically
from coalition_data.package import PackageError, open_package
from coalition_data.schema_check import check

START, END = dt.date(2014, 1, 1), dt.date(2027, 1, 1)
OCCURRED, PLANNED = "#1f5f8b", "#c0392b"
# Statuses other than occurred and planned get their own colour (and a legend entry) when the data has them.
OTHER_STATUS = {"announced": ("#9a7d0a", "announced, not yet carried out"), "postponed": ("#6c7a89", "postponed")}
STYLE = {  # precision -> bar height and opacity: a month is a short solid block, a year a pale one
    "month": (0.55, 0.85), "year": (0.55, 0.45), "range": (0.25, 0.6),
}
OPEN_REACH = dt.timedelta(days=550)  # how far the dotted arrow of an open bound reaches (no date meant)
MIN_DAYS = 12


def _rows(path: str | Path | None) -> pl.DataFrame:
    package = open_package(path)
    check(package)
    events = load("events", path=path)
    drawable = {"day", *STYLE}
    unknown = events.filter(pl.col("date_precision").is_not_null()
                            & ~pl.col("date_precision").cast(pl.String).is_in(sorted(drawable)))
    if unknown.height:
        where = package.table("events").path.relative_to(package.root).as_posix()
        raise PackageError(f"{where}: event {unknown['event_id'][0]} has date_precision "
                           f"{unknown['date_precision'].cast(pl.String)[0]!r}, which the timeline cannot draw "
                           f"(it draws {', '.join(sorted(drawable))})")
    order = pl.coalesce("date_start", "date_end")
    return events.sort(order, "event_id", nulls_last=True).with_row_index("y")


def draw(path: str | Path | None = None) -> Any:
    """The timeline as a matplotlib Figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 8, "svg.hashsalt": "coalition-data",
                         "svg.fonttype": "none"})  # text stays text: searchable, and smaller
    rows = _rows(path)
    figure, axes = plt.subplots(figsize=(11, 0.28 * rows.height + 1.6))
    for event in rows.iter_rows(named=True):
        y = event["y"]
        colour = PLANNED if event["status"] == "planned" else OTHER_STATUS.get(event["status"], (OCCURRED,))[0]
        start, end, precision = event["date_start"], event["date_end"], event["date_precision"]
        if start is None and end is None:  # basis 'unknown': nothing to draw, the label says so
            event["title_en"] = f"{event['title_en'] or ''} (date unknown)"
        elif precision == "day" and start is not None:
            axes.plot([start], [y], "o", color=colour, markersize=5,
                      markerfacecolor="white" if event["status"] == "planned" else colour)
        elif start is None or end is None:  # a bound the article leaves open: a dotted arrow, not a bar
            known = start or end
            reach = OPEN_REACH if start is not None else -OPEN_REACH
            axes.plot([known, known + reach], [y, y], linestyle=":", color=colour, linewidth=1.6)
            axes.plot([known], [y], marker="|", color=colour, markersize=8, markeredgewidth=2)
            axes.plot([known + reach], [y], marker=">" if reach.days > 0 else "<", color=colour, markersize=5)
        else:
            height, alpha = STYLE.get(precision, STYLE["range"])  # no precision given: drawn as a range
            width = max((end - start).days, MIN_DAYS)  # a two-day range stays visible
            axes.barh(y, width, left=start, height=height, color=colour, alpha=alpha,
                      hatch="////" if event["status"] == "planned" else None, edgecolor=colour, linewidth=0.6)
        label = f"{event['event_id']}  {event['title_en']}" + (" †" if event["date_basis"] == "inferred" else "")
        axes.text(END + dt.timedelta(days=20), y, label if len(label) <= 70 else label[:68] + "…", va="center")
    axes.set_ylim(rows.height - 0.5, -0.5)
    axes.set_yticks([])
    axes.set_xlim(START, END)
    axes.xaxis.set_major_locator(mdates.YearLocator())
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.set_title("Events in the five articles, by date and how well the date is known", loc="left")
    handles = [
        Line2D([], [], marker="o", linestyle="", color=OCCURRED, label="known to the day"),
        Patch(color=OCCURRED, alpha=STYLE["month"][1], label="known to the month"),
        Patch(color=OCCURRED, alpha=STYLE["year"][1], label="known to the year"),
        Patch(color=OCCURRED, alpha=STYLE["range"][1], label="range between two known bounds (thin bar)"),
        Line2D([], [], marker=">", linestyle=":", color=OCCURRED,
               label="one bound known (|), the other open: before or after it, no date meant"),
        Patch(facecolor=PLANNED, alpha=0.85, hatch="////", edgecolor=PLANNED, label="planned (deadline), not occurred"),
        *[Patch(color=colour, label=label) for status, (colour, label) in OTHER_STATUS.items()
          if status in rows["status"].cast(pl.String).to_list()],
        Line2D([], [], linestyle="", label="† date inferred from the text (see date_note_en)"),
    ]
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.06 * 30 / max(rows.height, 1)),
                ncol=3, frameon=False)
    figure.subplots_adjust(left=0.02, right=0.62, top=0.95, bottom=0.14)
    return figure


def drawn_from(path: str | Path | None = None) -> str:
    """A fingerprint of the events table, kept in the SVG: a picture drawn from other data is stale."""
    digest = hashlib.sha256(load("events", path=path).write_csv().encode("utf-8")).hexdigest()
    return f"Drawn from events sha256:{digest}"


def write(out_dir: Path, path: str | Path | None = None, *, inside: Path | None = None) -> list[Path]:
    """Write ``timeline.svg`` and ``timeline.png`` into ``out_dir``; return their paths.

    A symlink, folder or device where a file goes is refused (never written through), and each file is
    replaced by renaming a finished one over it. With ``inside`` (the package folder, when the output goes
    into it), a symlink on the way from it, or a folder outside it, is refused too.
    """
    import matplotlib.pyplot as plt

    files = [out_dir / "timeline.svg", out_dir / "timeline.png"]
    for file in files:
        refuse_unsafe(file, inside)
    figure = draw(path)
    try:
        svg, png = io.BytesIO(), io.BytesIO()
        figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None, "Description": drawn_from(path)})
        figure.savefig(png, format="png", dpi=110, metadata={"Software": None})
    finally:
        plt.close(figure)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(files[0], svg.getvalue())
    write_atomically(files[1], png.getvalue())
    return files
