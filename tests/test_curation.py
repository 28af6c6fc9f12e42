"""The shipped data against the articles: coverage target and spot checks written from the texts."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import PackageCopy

from coalition_data import load, source_text
from coalition_data.coverage import measure

TARGET = 1.0  # issue 3: every character of reporting text covered by a claim
FLOOR = 0.95


def claims_of_event(event_type: str) -> pl.DataFrame:
    events = load("events").filter(pl.col("event_type") == event_type)
    assert events.height == 1, f"expected one {event_type} event, found {events.height}"
    return (load("event_claims").filter(pl.col("event_id") == events["event_id"][0])
            .join(load("claims"), on="claim_id"))


def linked(a: str, b: str) -> str | None:
    links = load("claim_links")
    hit = links.filter(((pl.col("claim_id") == a) & (pl.col("other_claim_id") == b))
                       | ((pl.col("claim_id") == b) & (pl.col("other_claim_id") == a)))
    return hit["relation"][0] if hit.height else None


def test_every_source_is_fully_covered() -> None:
    results = measure()
    assert [r.source_id for r in results] == load("sources")["source_id"].to_list()
    for r in results:
        assert r.share >= FLOOR, r.source_id
        assert r.share >= TARGET, f"{r.source_id}: uncovered {r.uncovered}"
        assert r.uncovered == []
        assert r.claims > 0 and r.events > 0 and r.actors > 0


def test_coverage_finds_a_dropped_claim(package: PackageCopy) -> None:
    rows = package.rows("claims")
    dropped = rows[0]
    package.write_rows("claims", rows[1:])
    result = next(r for r in measure(package.root) if r.source_id == dropped["source_id"])
    assert result.share < 1.0
    start, end = int(dropped["char_start"]), int(dropped["char_end"])
    assert any(s <= start < e or s < end <= e for s, e, _ in result.uncovered)
    assert "".join(p for _, _, p in result.uncovered).strip() in dropped["quote_ar"]


def test_furniture_is_not_reporting_text() -> None:
    furniture = load("furniture")
    assert set(furniture["source_id"]) <= set(load("sources")["source_id"])
    for source_id, start, end, text in furniture.select("source_id", "char_start", "char_end", "text_ar").iter_rows():
        assert source_text(source_id)[start:end] == text
    assert "اترك تعليقاً" in furniture["text_ar"].to_list()  # the comment form under 003


def test_airstrike_has_four_dead_and_both_characterisations() -> None:
    events = load("events").filter(pl.col("event_type") == "airstrike")
    assert events["fatalities"].to_list() == [4]
    claims = claims_of_event("airstrike")
    iraqi = claims.filter(pl.col("quote_ar").str.contains("جريمة نكراء", literal=True))
    american = claims.filter(pl.col("quote_ar").str.contains("ضربة جوية دفاعية", literal=True))
    assert iraqi.height == 1 and american.height == 1
    speakers = load("actors").filter(pl.col("actor_id").is_in([iraqi["actor_id"][0], american["actor_id"][0]]))
    assert sorted(speakers["country_code"].to_list()) == ["IRQ", "USA"]
    assert linked(iraqi["claim_id"][0], american["claim_id"][0]) == "frames-differently"
    places = (load("event_locations").filter(pl.col("event_id") == events["event_id"][0])
              .join(load("locations"), on="location_id"))
    assert "بابل" in places["name_ar"].to_list()


@pytest.mark.parametrize(("year", "source_ids"), [
    (2025, {"000_0f24138b4bfb8b6c", "001_c69383b77fba2e83"}),
    (2026, {"000_0f24138b4bfb8b6c", "001_c69383b77fba2e83", "003_5c17764dc2a32bb9"}),
])
def test_deadlines_are_month_precision(year: int, source_ids: set[str]) -> None:
    deadlines = load("events").filter(pl.col("event_type") == "mission-deadline",
                                      pl.col("date_start").dt.year() == year)
    assert deadlines.height == 1
    row = deadlines.row(0, named=True)
    assert (row["date_start"], row["date_end"]) == (dt.date(year, 9, 1), dt.date(year, 9, 30))
    assert row["date_precision"] == "month" and row["status"] == "planned"
    sources = set(load("event_claims").filter(pl.col("event_id") == row["event_id"])
                  .join(load("claims"), on="claim_id")["source_id"])
    assert source_ids <= sources


def test_troop_count_is_linked_across_every_article_that_gives_it() -> None:
    claims = load("claims").filter(pl.col("quote_ar").str.contains("2500", literal=True))
    by_source = dict(claims.group_by("source_id").agg(pl.col("claim_id").first()).iter_rows())
    assert set(by_source) == {"001_c69383b77fba2e83", "002_8cb95a9eb40e0622", "004_4638acede8f0e47e"}
    ids = sorted(by_source.values())
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            assert linked(a, b) == "corroborates", (a, b)
    supported = load("event_claims").filter(pl.col("claim_id").is_in(ids))
    assert supported.group_by("event_id").len()["len"].max() == 3  # one event holds all three


def test_only_advisers_is_recorded_against_the_troop_count() -> None:
    advisers = load("claims").filter(pl.col("quote_ar").str.contains("عدم وجود قوات امريكية", literal=True))
    assert advisers.height == 1
    counts = load("claims").filter(pl.col("quote_ar").str.contains("2500", literal=True))["claim_id"]
    relations = {linked(advisers["claim_id"][0], c) for c in counts}
    assert "frames-differently" in relations


def test_claims_that_disagree_support_a_common_event() -> None:
    """CURATION.md: when sources differ, each side is its own claim and both claims support the same event."""
    events = load("event_claims").group_by("claim_id").agg("event_id")
    disagreements = load("claim_links").filter(pl.col("relation").is_in(["contradicts", "frames-differently"]))
    assert disagreements.height >= 10
    pairs = (disagreements.join(events, on="claim_id")
             .join(events.rename({"claim_id": "other_claim_id", "event_id": "other_events"}), on="other_claim_id"))
    assert pairs.height == disagreements.height, "every linked claim supports some event"
    apart = [(a, b) for a, b, mine, theirs in pairs.select("claim_id", "other_claim_id", "event_id", "other_events").iter_rows()
             if not set(mine) & set(theirs)]
    assert apart == []


def test_fulfilled_commitments_and_inappropriate_timing_are_both_claims() -> None:
    fulfilled = load("claims").filter(pl.col("quote_ar").str.contains("التزامات", literal=True))
    timing = load("claims").filter(pl.col("quote_ar").str.contains("غير مناسب", literal=True))
    assert fulfilled.height >= 1 and timing.height >= 1
    assert any(linked(f, t) == "frames-differently" for f in fulfilled["claim_id"] for t in timing["claim_id"])


def test_inferred_publication_dates_say_how() -> None:
    sources = load("sources")
    inferred = sources.filter(pl.col("date_basis") != "stated")
    assert inferred.height == 4  # only 002 prints its own date
    assert inferred["date_note_en"].null_count() == 0
    stated = sources.filter(pl.col("date_basis") == "stated").row(0, named=True)
    assert (stated["source_id"], stated["date_start"]) == ("002_8cb95a9eb40e0622", dt.date(2024, 1, 25))
