"""How much of each article's reporting text the claims cover, and what they leave out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from coalition_data.loader import load, source_text
from coalition_data.package import open_package
from coalition_data.schema_check import check


@dataclass(frozen=True)
class SourceCoverage:
    source_id: str
    reporting_chars: int  # non-whitespace characters outside declared furniture
    covered_chars: int  # of those, inside at least one claim span
    uncovered: list[tuple[int, int, str]]  # (start, end, text) of each uncovered passage
    claims: int
    events: int
    actors: int
    locations: int

    @property
    def share(self) -> float:
        return self.covered_chars / self.reporting_chars if self.reporting_chars else 1.0


def _mask(length: int, spans: pl.DataFrame) -> bytearray:
    mask = bytearray(length)
    for start, end in spans.select("char_start", "char_end").iter_rows():
        mask[max(start, 0):min(end, length)] = b"\x01" * (min(end, length) - max(start, 0))
    return mask


def measure(path: str | Path | None = None) -> list[SourceCoverage]:
    """Coverage of every source, in source order."""
    check(open_package(path))
    claims, furniture = load("claims", path=path), load("furniture", path=path)
    event_claims = load("event_claims", path=path)
    event_actors, event_locations = load("event_actors", path=path), load("event_locations", path=path)
    results = []
    for source_id in load("sources", path=path)["source_id"]:
        text = source_text(source_id, path=path)
        own = claims.filter(pl.col("source_id") == source_id)
        claimed = _mask(len(text), own)
        furnished = _mask(len(text), furniture.filter(pl.col("source_id") == source_id))
        reporting = [i for i, ch in enumerate(text) if not ch.isspace() and not furnished[i]]
        uncovered_index = [i for i in reporting if not claimed[i]]
        events = event_claims.join(own.select("claim_id"), on="claim_id").select("event_id").unique()
        actors = set(own["actor_id"].drop_nulls()) | set(own["via_actor_id"].drop_nulls()) | set(
            event_actors.join(events, on="event_id")["actor_id"])
        locations = event_locations.join(events, on="event_id")["location_id"].unique()
        results.append(SourceCoverage(
            source_id, len(reporting), len(reporting) - len(uncovered_index), _passages(text, uncovered_index),
            own.height, events.height, len(actors), locations.len()))
    return results


def _passages(text: str, indexes: list[int]) -> list[tuple[int, int, str]]:
    """Group uncovered character positions into passages (whitespace between them does not split)."""
    passages: list[tuple[int, int, str]] = []
    for i in indexes:
        if passages and not text[passages[-1][1]:i].strip():
            start = passages[-1][0]
            passages[-1] = (start, i + 1, text[start:i + 1])
        else:
            passages.append((i, i + 1, text[i]))
    return passages


def format_report(results: list[SourceCoverage]) -> str:
    lines = [f"{'source':<22} {'covered':>8} {'claims':>6} {'events':>6} {'actors':>6} {'places':>6}"]
    for r in results:
        lines.append(f"{r.source_id:<22} {r.share:>8.1%} {r.claims:>6} {r.events:>6} {r.actors:>6} {r.locations:>6}")
    for r in results:
        for start, end, passage in r.uncovered:
            lines.append(f"\n{r.source_id} {start}:{end} not covered by any claim:\n  {passage}")
    return "\n".join(lines)
