"""The timeline picture: drawn from the data, deterministic, and current in docs/."""

from __future__ import annotations

import html
from pathlib import Path

from conftest import REPO, PackageCopy

import coalition_data
from coalition_data.cli import main


def test_drawing_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    from coalition_data.timeline import write

    first = [p.read_bytes() for p in write(tmp_path / "a")]
    second = [p.read_bytes() for p in write(tmp_path / "b")]
    assert first == second
    assert first[1].startswith(b"\x89PNG\r\n\x1a\n") and b"<svg" in first[0]


def test_every_event_is_drawn_and_the_committed_picture_is_current() -> None:
    committed = (REPO / "docs" / "timeline.svg").read_text(encoding="utf-8")
    for event in coalition_data.load("events").iter_rows(named=True):
        assert event["event_id"] in committed, f"{event['event_id']} missing: run `coalition-data timeline`"
        title = event["title_en"] if len(event["title_en"]) <= 60 else event["title_en"][:50]
        assert html.escape(title, quote=False) in committed or title in committed, event["event_id"]
    assert (REPO / "docs" / "timeline.png").stat().st_size > 10_000
    # Any change to the events (a date, a precision, a status) changes the fingerprint the picture carries.
    from coalition_data.timeline import drawn_from

    assert drawn_from() in committed, "docs/timeline.svg was drawn from other data: run `coalition-data timeline`"


def test_every_status_the_schema_allows_has_a_style() -> None:
    from coalition_data.package import open_package
    from coalition_data.timeline import OTHER_STATUS

    status = next(f for f in open_package(REPO).table("events").fields if f["name"] == "status")
    assert set(status["constraints"]["enum"]) == {"occurred", "planned", *OTHER_STATUS}


def test_statuses_other_than_occurred_get_their_own_colour_and_legend(package: PackageCopy, tmp_path: Path) -> None:
    from coalition_data.timeline import OCCURRED, OTHER_STATUS, write

    rows = package.rows("events")
    rows[0]["status"], rows[1]["status"] = "announced", "postponed"
    package.write_rows("events", rows)
    svg = write(tmp_path, package.root)[0].read_text(encoding="utf-8")
    for colour, label in OTHER_STATUS.values():
        assert colour in svg and label in svg
    assert OCCURRED in svg


def test_the_cli_draws_another_package(package: PackageCopy, tmp_path: Path, capsys) -> None:
    rows = package.rows("events")
    rows[0]["title_en"] = "A retitled event for this test"
    package.write_rows("events", rows)
    out = tmp_path / "pictures"
    assert main(["timeline", "--path", str(package.root), "--output-dir", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["timeline.png", "timeline.svg"]
    assert "A retitled event for this test" in (out / "timeline.svg").read_text(encoding="utf-8")
    assert str(out / "timeline.svg") in capsys.readouterr().out


def test_the_readme_shows_the_picture() -> None:
    assert "](docs/timeline.svg)" in (REPO / "README.md").read_text(encoding="utf-8")
