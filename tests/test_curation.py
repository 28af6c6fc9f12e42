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


def test_the_syria_mission_runs_to_a_stated_month() -> None:
    deadlines = load("events").filter(pl.col("event_type") == "mission-deadline", pl.col("date_start").dt.year() == 2026)
    assert deadlines.height == 1
    row = deadlines.row(0, named=True)
    assert (row["date_start"], row["date_end"]) == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert row["date_precision"] == "month" and row["status"] == "planned"
    sources = set(load("event_claims").filter(pl.col("event_id") == row["event_id"])
                  .join(load("claims"), on="claim_id")["source_id"])
    assert {"000_0f24138b4bfb8b6c", "001_c69383b77fba2e83", "003_5c17764dc2a32bb9"} <= sources


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


def claims_quoting(text: str, source_id: str | None = None) -> list[str]:
    claims = load("claims").filter(pl.col("quote_ar").str.contains(text, literal=True))
    if source_id is not None:
        claims = claims.filter(pl.col("source_id") == source_id)
    return claims["claim_id"].to_list()


def actors_of(event_id: str, role: str) -> set[str]:
    rows = load("event_actors").filter(pl.col("event_id") == event_id, pl.col("role") == role)
    return set(rows["actor_id"])


def test_a_weekday_nothing_anchors_dates_004_as_a_range_of_thursdays() -> None:
    """004 dates its lead only 'on Thursday': the first Thursday after the Wednesday 31 July 2024 it reports as past,
    to the last Thursday before 27 September 2024, when 003 dates the announcement it says was postponed (001 says only
    'yesterday evening')."""
    source = load("sources").filter(pl.col("source_id") == "004_4638acede8f0e47e").row(0, named=True)
    assert (source["date_precision"], source["date_basis"]) == ("range", "bounded")
    start, end = source["date_start"], source["date_end"]
    assert start.weekday() == end.weekday() == 3  # Thursdays
    assert start == dt.date(2024, 8, 1) and dt.date(2024, 9, 27) - end < dt.timedelta(days=7) and end < dt.date(2024, 9, 27)
    # Every row dated from that Thursday carries the range, not the single day the lead was once taken to be.
    thursday = claims_quoting("يوم الخميس", "004_4638acede8f0e47e")
    assert thursday
    of_004 = load("claims").filter(pl.col("source_id") == "004_4638acede8f0e47e")
    # events that only 004 supports take their date from it (an event others date, such as the agreement, does not)
    only_004 = (load("event_claims").join(load("claims").select("claim_id", "source_id"), on="claim_id")
                .group_by("event_id").agg((pl.col("source_id") == "004_4638acede8f0e47e").all().alias("only"))
                .filter(pl.col("only")).select("event_id"))
    events_004 = load("events").join(only_004, on="event_id")
    for frame, key in ((of_004, "claim_id"), (events_004, "event_id")):
        single = frame.filter(pl.col("date_precision") == "day", pl.col("date_start") > dt.date(2024, 7, 31))
        assert single[key].to_list() == [], key
    dated = load("claims").filter(pl.col("claim_id").is_in(thursday)).row(0, named=True)
    assert (dated["date_start"], dated["date_end"]) == (start, end)


def test_one_happening_is_one_event_even_when_the_claims_contradict() -> None:
    """No two occurred events are each supported by one side of a contradicts link alone."""
    supports = load("event_claims").join(load("events").select("event_id", "status"), on="event_id")
    sole = (supports.group_by("event_id").agg(pl.col("claim_id"), pl.col("status").first())
            .filter(pl.col("claim_id").list.len() == 1, pl.col("status") == "occurred")
            .select(pl.col("claim_id").list.first(), "event_id"))
    only = dict(sole.group_by("claim_id").agg("event_id").iter_rows())
    contradicts = load("claim_links").filter(pl.col("relation") == "contradicts")
    split = [(a, b, only[a], only[b]) for a, b in contradicts.select("claim_id", "other_claim_id").iter_rows()
             if a in only and b in only]
    assert split == []


def test_the_start_of_the_talks_is_one_event_over_both_dates() -> None:
    august, january = claims_quoting("أغسطس/آب 2023"), claims_quoting("27 يناير")
    assert len(august) == 1 and len(january) == 1
    assert linked(august[0], january[0]) == "contradicts"
    shared = (load("event_claims").filter(pl.col("claim_id") == august[0])
              .join(load("event_claims").filter(pl.col("claim_id") == january[0]), on="event_id")
              .join(load("events"), on="event_id").filter(pl.col("event_type") == "negotiation"))
    assert shared.height == 1
    row = shared.row(0, named=True)
    assert (row["date_start"], row["date_end"], row["date_basis"]) == (dt.date(2023, 8, 1), dt.date(2024, 1, 27), "bounded")
    retired = load("retired_ids").filter(pl.col("table_name") == "events")
    assert row["event_id"] in retired["replaced_by"].to_list()
    assert not set(retired["id"]) & set(load("events")["event_id"])


@pytest.mark.parametrize(("one_side", "other_side", "event_type", "start", "end"), [
    # the committee: 000 "announced on 25 January 2024" against 001 "the rounds that began on 27 January"
    ("أعلنت في 25 يناير 2024", "بدأت في بغداد في 27 يناير", "committee-formation", dt.date(2024, 1, 25), dt.date(2024, 1, 27)),
    # the deadline: 001 "definitively by the end of September 2025" against 003 "the second until September 2026"
    ("بشكل نهائي في موعد أقصاه نهاية سبتمبر/أيلول 2025", "والثانية تمتد حتى سبتمبر/أيلول 2026", "mission-deadline",
     dt.date(2025, 9, 1), dt.date(2026, 9, 30)),
    # the talks: 002 "since August 2023" against 001 "began in Baghdad on 27 January"
    ("التي بدأت منذ أغسطس/آب 2023", "بدأت في بغداد في 27 يناير", "negotiation", dt.date(2023, 8, 1), dt.date(2024, 1, 27)),
])
def test_an_event_dated_differently_by_contradicting_claims_spans_both(
        one_side: str, other_side: str, event_type: str, start: dt.date, end: dt.date) -> None:
    """CURATION.md: claims linked `contradicts` about when an event happens both support it, and its dates are the
    bounds both sides allow (a bounded range over both), not the day or month one side gives; the note quotes both."""
    a, b = claims_quoting(one_side), claims_quoting(other_side)
    assert len(a) == 1 and len(b) == 1
    assert linked(a[0], b[0]) == "contradicts"
    shared = (load("event_claims").filter(pl.col("claim_id") == a[0])
              .join(load("event_claims").filter(pl.col("claim_id") == b[0]), on="event_id")
              .join(load("events"), on="event_id").filter(pl.col("event_type") == event_type))
    assert shared.height == 1
    row = shared.row(0, named=True)
    assert (row["date_start"], row["date_end"]) == (start, end)
    assert (row["date_precision"], row["date_basis"]) == ("range", "bounded")
    sides = load("claims").filter(pl.col("claim_id").is_in([a[0], b[0]]))["source_id"].str.slice(0, 3)
    assert all(side in row["date_note_en"] for side in sides), row["date_note_en"]


def test_the_deadline_in_iraq_is_linked_to_the_second_phase_until_2026() -> None:
    """000/001 end the mission in Iraq by September 2025 (001 'definitively'); 003 runs a second phase until
    September 2026 from the Erbil base. Each claim carrying the 2025 deadline is linked to 003's second phase."""
    second_phase = claims_quoting("والثانية تمتد حتى سبتمبر/أيلول 2026", "003_5c17764dc2a32bb9")
    assert len(second_phase) == 1
    deadline = [c for text in ("سبتمبر 2025", "سبتمبر/أيلول 2025") for c in claims_quoting(text)]
    assert len(deadline) >= 3
    for claim_id in deadline:
        assert linked(claim_id, second_phase[0]) in {"contradicts", "frames-differently"}, claim_id
    definitive = claims_quoting("بشكل نهائي")
    assert [linked(c, second_phase[0]) for c in definitive] == ["contradicts"]
    leaves = claims_quoting("التحالف الدولي يغادر العراق")
    assert [linked(c, second_phase[0]) for c in leaves] == ["contradicts"]


def test_every_doer_a_claim_names_is_an_actor_of_the_event() -> None:
    """The Babil strike: the spokesman names coalition forces, the US official his country's forces; the Ain al-Asad
    handover: the committee names the last coalition advisers, the defence ministry US forces."""
    actor = dict(load("actors").select("name_ar", "actor_id").iter_rows())
    coalition, us_forces, advisers = actor["التحالف الدولي"], actor["القوات الأميركية"], actor["مستشاري التحالف"]
    strike = load("events").filter(pl.col("event_type") == "airstrike")["event_id"][0]
    assert {coalition, us_forces} <= actors_of(strike, "initiator")
    handover = load("events").filter(pl.col("event_type") == "base-handover")["event_id"][0]
    assert {advisers, us_forces} <= actors_of(handover, "initiator")
    claims = set(load("event_claims").filter(pl.col("event_id") == handover)["claim_id"])
    assert set(claims_quoting("آخر المستشارين")) <= claims
    assert set(claims_quoting("انسحاب القوات الأمريكية")) <= claims


def test_a_claim_that_adds_detail_elaborates_the_sparer_one() -> None:
    fuller = claims_quoting("وقد بدأت الخطوات العملية")
    sparer = claims_quoting("ستلتزم بإعداد وصياغة الإجراءات", "000_0f24138b4bfb8b6c")
    links = load("claim_links").filter(pl.col("claim_id") == fuller[0], pl.col("other_claim_id") == sparer[0])
    assert links["relation"].to_list() == ["elaborates"]


def test_names_are_names_of_the_thing_they_name() -> None:
    """'North of Babil' is a part of Babil, not another name for it; 002's 'the two sides' are not the joint
    statement's authors; 002's 'negotiation rounds' is a sub-heading, not a site section."""
    babil = load("locations").filter(pl.col("name_ar") == "بابل")["location_id"][0]
    assert "شمال بابل" not in load("location_names").filter(pl.col("location_id") == babil)["name_ar"].to_list()
    north = load("locations").filter(pl.col("name_ar") == "شمال بابل")
    assert north["parent_location_id"].to_list() == [babil]
    joint = load("actors").filter(pl.col("name_ar") == "الجانبان")["actor_id"][0]
    assert "الجانبين" not in load("actor_names").filter(pl.col("actor_id") == joint)["name_ar"].to_list()
    heading = load("furniture").filter(pl.col("text_ar") == "جولات تفاوض")
    assert heading["kind"].cast(pl.String).to_list() == ["sub-heading"]
    forces = load("actors").filter(pl.col("name_ar").is_in(["قوات فرنسية", "أسترالية", "بريطانية"]))
    assert forces.height == 3 and forces["parent_actor_id"].null_count() == 0


def test_the_contingents_the_articles_name_together_have_one_parent() -> None:
    """001 and 004: French, Australian and British forces 'operating within the coalition forces': one rule for all
    three, the coalition as parent and the country in country_code."""
    coalition = load("actors").filter(pl.col("name_ar") == "التحالف الدولي")["actor_id"][0]
    forces = load("actors").filter(pl.col("name_ar").is_in(["قوات فرنسية", "أسترالية", "بريطانية"]))
    assert forces["parent_actor_id"].to_list() == [coalition] * 3
    assert sorted(forces["country_code"].to_list()) == ["AUS", "FRA", "GBR"]
