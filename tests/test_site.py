"""The static provenance explorer, built from the tables and used in headless Chromium (Debian's chromium and
chromium-driver, driven by Selenium). A missing browser fails these tests: it never skips them."""

from __future__ import annotations

import hashlib
import json
import re
import struct
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import polars as pl
import pytest
from conftest import REPO, PackageCopy
from hypothesis import given
from hypothesis import strategies as st

from coalition_data.cli import main
from coalition_data.loader import load
from coalition_data.site import PAGE_SIZE, write_site
from coalition_data.site.browser import chromium, missing
from coalition_data.site.folder import MARKER
from coalition_data.site.screenshots import ARTICLE_PNG, EVENT_PNG, RECORD, inputs_hash, shown
from coalition_data.site.text import Span, in_sentence, pieces

sys.path.insert(0, str(REPO / "benchmarks"))
from generate import generate  # noqa: E402

SCRIPT = '<script>window.__pwned = 1</script>'


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_site(None, tmp_path_factory.mktemp("site") / "out")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Any:
    problem = missing()
    if problem:
        pytest.fail(f"the site's browser tests need headless Chromium: {problem}")
    driver = chromium(tmp_path_factory.mktemp("profile"))
    yield driver
    driver.quit()


def visit(driver: Any, page: Path, fragment: str = "") -> None:
    driver.get(page.as_uri() + (f"#{fragment}" if fragment else ""))


def requests_and_errors(driver: Any) -> tuple[list[str], list[str]]:
    """URLs the pages asked for since the last call (DevTools Network events) and console errors."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return urls, errors


def claim_texts(driver: Any) -> dict[str, str]:
    """Per data-claim-id, the text of all its pieces, as the page shows it."""
    return driver.execute_script("""
        const out = {};
        for (const el of document.querySelectorAll('#article [data-claim-id]')) {
            out[el.dataset.claimId] = (out[el.dataset.claimId] || '') + el.textContent;
        }
        return out;""")


# Fast part: the files, without a browser.

class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
        for name in ("href", "src"):
            if found.get(name):
                self.hrefs.append(found[name] or "")


def test_every_row_gets_its_page_and_every_link_lands(site: Path) -> None:
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    for table, key, folder in (("sources", "source_id", "sources"), ("events", "event_id", "events"),
                               ("actors", "actor_id", "actors"), ("locations", "location_id", "places")):
        assert {f"{folder}/{k}.html" for k in load(table)[key]} <= pages
    parsed = {}
    for name in pages:
        parser = Links()
        parser.feed((site / name).read_text(encoding="utf-8"))
        parsed[name] = parser
    for name, parser in parsed.items():
        for href in parser.hrefs:
            parts = urlsplit(href)
            if parts.scheme in ("https", "data"):
                continue  # the licence's address, and the empty favicon
            assert not parts.scheme and not parts.netloc, (name, href)
            target = (site / name).parent / unquote(parts.path) if parts.path else site / name
            target = target.resolve()
            assert target.is_file(), (name, href)
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in parsed[target.relative_to(site.resolve()).as_posix()].ids, (name, href)
    index = (site / "index.html").read_text(encoding="utf-8")
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    assert f">{descriptor['version']}<" in index and "CC-BY-4.0" in index
    for table, frame in {"claims": load("claims"), "events": load("events")}.items():
        assert re.search(rf"<code>{table}</code></td><td class=\"num\">{frame.height}<", index)
    assert json.loads((site / MARKER).read_text())["files"]


def test_differing_accounts_of_an_event_sit_side_by_side(site: Path) -> None:
    links = load("claim_links").filter(pl.col("relation").is_in(["contradicts", "frames-differently"]))
    claims = load("claims")
    event_claims = load("event_claims")
    assert links.height > 0
    for link in links.iter_rows(named=True):
        pair = [link["claim_id"], link["other_claim_id"]]
        events = event_claims.filter(pl.col("claim_id").is_in(pair))["event_id"].unique()
        assert events.len() > 0
        for event_id in events:
            html = (site / "events" / f"{event_id}.html").read_text(encoding="utf-8")
            blocks = re.findall(r'<div class="side-by-side">(.*?)\n</div>\n</div>', html, re.S)
            hrefs = [re.findall(r'class="quote-link" href="\.\./sources/([^"#]+)\.html#([^"]+)"', b) for b in blocks]
            expected = [tuple(claims.filter(pl.col("claim_id") == c).select("source_id", "claim_id").row(0))
                        for c in pair]
            assert expected in hrefs, (event_id, pair)


def test_the_shipped_site_builds_in_a_few_seconds_and_the_same_each_time(site: Path, tmp_path: Path) -> None:
    start = time.perf_counter()
    again = write_site(None, tmp_path / "site")
    assert time.perf_counter() - start < 10  # about 1 s alone; the machine running the tests is shared

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert files(again) == files(site)


def test_a_large_package_gets_paginated_listings(tmp_path: Path) -> None:
    counts = generate(tmp_path / "big", 2 * PAGE_SIZE + 50, seed=2)
    out = write_site(tmp_path / "big", tmp_path / "site")
    timeline = [out / "index.html", out / "timeline" / "page-2.html", out / "timeline" / "page-3.html"]
    assert not (out / "timeline" / "page-4.html").exists()
    linked = [re.findall(r'href="(?:\.\./)?events/(EV\d+)\.html"', page.read_text(encoding="utf-8")) for page in timeline]
    assert [len(ids) for ids in linked] == [PAGE_SIZE, PAGE_SIZE, 50]
    assert sorted(sum(linked, [])) == sorted(load("events", path=tmp_path / "big")["event_id"])
    actors = sorted((out / "actors").glob("page-*.html"))
    assert [p.name for p in actors] == ["page-2.html"] and counts["actors"] == PAGE_SIZE + 25
    assert 'href="../actors/page-2.html"' in (out / "actors" / "index.html").read_text(encoding="utf-8")
    assert len(list((out / "events").glob("EV*.html"))) == counts["events"]


# Closed world: where the site may go.

def test_it_refuses_the_package_a_file_a_symlink_and_a_foreign_folder(tmp_path: Path, capsys: Any) -> None:
    file = tmp_path / "file.txt"
    file.write_text("keep")
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    for target, words in ((REPO / "site-out", f"is inside {REPO}"), (REPO / "data" / "a" / "b", f"is inside {REPO}"),
                          (REPO, "is or holds the data package"), (REPO.parent, "is or holds the data package"),
                          (file, "is a file"), (link, "symbolic link"),
                          (foreign, "not a site written by coalition-data")):
        assert main(["site", str(target)]) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err
    assert not (REPO / "site-out").exists() and not (REPO / "data" / "a").exists()
    assert file.read_text() == "keep" and not any(real.iterdir())
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "foreign", "link", "real"]


def test_it_replaces_its_own_site_and_moves_a_foreign_folder_aside_only_with_force(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "site"
    assert main(["site", str(out)]) == 0 and (out / "index.html").is_file()
    assert main(["site", str(out)]) == 0  # an earlier site of ours, as we wrote it, is replaced
    (out / "index.html").write_text("my edit")  # a file changed since we wrote it is no longer ours to delete
    assert main(["site", str(out)]) == 2 and "not a site written" in capsys.readouterr().err
    (out / "my-notes.txt").write_text("mine")  # nor is a file we did not write
    assert main(["site", str(out)]) == 2 and "not a site written" in capsys.readouterr().err
    assert main(["site", str(out), "--force"]) == 0
    assert (tmp_path / "site.replaced-1" / "my-notes.txt").read_text() == "mine"
    assert (tmp_path / "site.replaced-1" / "index.html").read_text() == "my edit"
    assert (out / "index.html").is_file() and not (out / "my-notes.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "site.replaced-1"]  # no temporary folder left


def test_a_dangling_reference_is_a_clear_error(package: PackageCopy, tmp_path: Path, capsys: Any) -> None:
    package.set_cell("event_actors", 2, "actor_id", "AC9999")
    assert main(["site", str(tmp_path / "out"), "--path", str(package.root)]) == 2
    err = capsys.readouterr().err
    assert "event_actors.csv" in err and "AC9999" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_claim_whose_offsets_miss_its_quote_is_a_clear_error(package: PackageCopy, tmp_path: Path,
                                                               capsys: Any) -> None:
    package.set_cell("claims", 3, "char_start", str(int(package.rows("claims")[3]["char_start"]) + 1))
    claim = package.rows("claims")[3]["claim_id"]
    assert main(["site", str(tmp_path / "out"), "--path", str(package.root)]) == 2
    err = capsys.readouterr().err
    assert "claims.csv" in err and claim in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package"]  # nothing written, nothing left behind


def test_the_wheel_ships_the_templates_and_assets() -> None:
    """Hatch's own file selection for the wheel (``packages = ["coalition_data"]``) takes non-Python files."""
    from hatchling.builders.wheel import WheelBuilder

    shipped = {f.distribution_path for f in WheelBuilder(str(REPO)).recurse_included_files()}
    site = REPO / "coalition_data" / "site"
    wanted = {f"coalition_data/site/{p.relative_to(site).as_posix()}" for folder in ("templates", "static")
              for p in (site / folder).iterdir()}
    assert len(wanted) >= 10 and wanted <= shipped


# In the browser.

def test_each_article_marks_every_claim_and_its_furniture(site: Path, browser: Any) -> None:
    claims, furniture = load("claims"), load("furniture")
    for source_id in load("sources")["source_id"]:
        visit(browser, site / "sources" / f"{source_id}.html")
        own = claims.filter(pl.col("source_id") == source_id)
        article = browser.find_element("id", "article")
        assert article.get_attribute("lang") == "ar" and article.get_attribute("dir") == "rtl"
        spans = browser.find_elements("css selector", "#article [data-claim-id]")
        assert len(spans) == own.height
        assert sorted(s.get_attribute("id") for s in spans) == sorted(own["claim_id"])
        assert claim_texts(browser) == dict(zip(own["claim_id"], own["quote_ar"], strict=True))
        marked = browser.execute_script("""
            return Array.from(document.querySelectorAll('#article .furniture'),
                              el => [el.textContent, getComputedStyle(el, '::after').content]);""")
        expected = furniture.filter(pl.col("source_id") == source_id)["text_ar"].to_list()
        assert [text for text, _ in marked] == expected
        assert all("not coded" in after for _, after in marked)


def test_clicking_a_span_shows_its_claim(site: Path, browser: Any) -> None:
    claims = load("claims")
    for n, source_id in enumerate(load("sources")["source_id"]):
        visit(browser, site / "sources" / f"{source_id}.html")
        own = claims.filter(pl.col("source_id") == source_id)
        for claim in own.iter_rows(named=True) if n == 0 else own[[0, own.height // 2, -1]].iter_rows(named=True):
            span = browser.find_element("id", claim["claim_id"])
            span.click()
            shown_now = browser.execute_script("""
                return Array.from(document.querySelectorAll('.claim-detail'))
                    .filter(d => d.offsetParent !== null).map(d => [d.dataset.claimId, d.innerText]);""")
            assert [claim_id for claim_id, _ in shown_now] == [claim["claim_id"]]
            assert claim["text_en"] in shown_now[0][1]
            assert "selected" in span.get_attribute("class")


def test_from_an_event_to_its_words_and_back(site: Path, browser: Any) -> None:
    links = load("event_claims")
    for event_id in ["EV0001", "EV0010", load("events")["event_id"][-1]]:
        visit(browser, site / "events" / f"{event_id}.html")
        quotes = browser.find_elements("css selector", "a.quote-link")
        supporting = links.filter(pl.col("event_id") == event_id)["claim_id"].to_list()
        assert [q.get_attribute("data-claim-id") for q in quotes][:len(supporting)] == supporting
        claim_id = supporting[-1]
        quotes[len(supporting) - 1].click()
        assert browser.current_url.endswith(f".html#{claim_id}")
        span = browser.find_element("id", claim_id)
        top, bottom, height = browser.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight];", span)
        assert 0 <= top and bottom <= height, "the span is not scrolled into view"
        assert "selected" in span.get_attribute("class")
        assert span.value_of_css_property("background-color") == "rgba(253, 226, 147, 1)"  # the highlight
        assert browser.switch_to.active_element == span
        detail = browser.find_element("id", f"detail-{claim_id}")
        assert detail.is_displayed()
        detail.find_element("css selector", f'a[href="../events/{event_id}.html"]').click()
        assert browser.current_url.endswith(f"events/{event_id}.html")


def search(driver: Any, site: Path, query: str) -> dict[str, set[str]]:
    visit(driver, site / "index.html")
    box = driver.find_element("id", "search")
    box.send_keys(query)
    assert box.get_attribute("value") == query
    found: dict[str, set[str]] = {}
    for link in driver.find_elements("css selector", "#search-results a"):
        found.setdefault(link.get_attribute("data-kind"), set()).add(link.get_attribute("data-id"))
    return found


def events_mentioning(words: str, *, arabic: bool) -> set[str]:
    """Events whose own text, claims, actors or places contain ``words`` exactly as written (any case)."""
    events, claims = load("events"), load("claims")
    mentions: set[str] = set()
    for row in events.iter_rows(named=True):
        if not arabic and words.lower() in f"{row['title_en']} {row['summary_en']}".lower():
            mentions.add(row["event_id"])
    texts = claims.select("claim_id", (pl.col("quote_ar") + " " + pl.col("text_en")).alias("text"))
    for link in load("event_claims").join(texts, on="claim_id").iter_rows(named=True):
        if words.lower() in link["text"].lower():
            mentions.add(link["event_id"])
    for table, names, key in (("event_locations", "location_names", "location_id"),
                              ("event_actors", "actor_names", "actor_id")):
        named = load(names).select(key, "name_ar").vstack(
            load("locations" if key == "location_id" else "actors").select(key, "name_ar"))
        english = load("locations" if key == "location_id" else "actors").select(key, "name_en")
        for link in load(table).iter_rows(named=True):
            spellings = named.filter(pl.col(key) == link[key])["name_ar"].to_list()
            spellings += english.filter(pl.col(key) == link[key])["name_en"].to_list()
            if any(words.lower() in s.lower() for s in spellings):
                mentions.add(link["event_id"])
    return mentions


def test_search_in_arabic_folds_spellings_and_in_english_finds_the_events(site: Path, browser: Any) -> None:
    written = "عين الأسد"  # as the articles spell it
    expected = events_mentioning(written, arabic=True)
    assert len(expected) >= 3
    for query in ("عين الاسد", "عيـن الأسَد", "قاعده عين الاسد"):  # bare alef; tatweel and a haraka; ha for ta marbuta
        assert all(query not in text for text in load("claims")["quote_ar"])  # only folding can match it
        found = search(browser, site, query)
        if query.startswith("قاعده"):
            assert found.get("place") == {"LO0006"}
        else:
            assert found["event"] == expected
            assert "LO0006" in found["place"]
    english = search(browser, site, "Ain al-Asad")
    assert english["event"] == events_mentioning("Ain al-Asad", arabic=False) and english["place"] == {"LO0006"}
    assert search(browser, site, "no such words anywhere") == {}
    assert requests_and_errors(browser)[1] == []


def test_no_page_makes_a_network_request_or_logs_an_error(site: Path, browser: Any) -> None:
    requests_and_errors(browser)
    every = sorted(site.rglob("*.html"))
    # Pages made from one template load the same assets: every article and listing, and a few of the others.
    pages = [p for p in every if p.parent == site or p.name == "index.html" or p.parent.name == "sources"]
    for folder in ("events", "actors", "places"):
        pages += sorted((site / folder).glob("[A-Z]*.html"))[:4]
    for page in pages:
        visit(browser, page)
        urls, errors = requests_and_errors(browser)
        assert urls and all(url.startswith("file://") for url in urls), (page, urls)
        assert errors == [], (page, errors)
    assert len(every) > 100 and len(pages) == 21


def test_keyboard_reaches_links_and_spans_and_enter_selects(site: Path, browser: Any) -> None:
    from selenium.webdriver.common.keys import Keys

    source_id = load("sources")["source_id"][0]
    visit(browser, site / "sources" / f"{source_id}.html")
    reached = []
    for _ in range(40):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        active = browser.switch_to.active_element
        reached.append((active.tag_name, active.get_attribute("class") or "", active.get_attribute("id") or ""))
        if "claim" in reached[-1][1].split():
            break
    assert any(tag == "a" for tag, _, _ in reached) and "claim" in reached[-1][1].split()
    claim_id = reached[-1][2]
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert browser.find_element("id", f"detail-{claim_id}").is_displayed()
    visit(browser, site / "events" / "EV0001.html")
    for _ in range(40):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        if "quote-link" in (browser.switch_to.active_element.get_attribute("class") or ""):
            break
    else:
        pytest.fail("Tab never reached a quote's link")


def test_overlapping_and_touching_spans_stay_distinguishable(package: PackageCopy, tmp_path: Path,
                                                             browser: Any) -> None:
    rows = package.rows("claims")
    text = (package.root / "data" / "sources" / "000_0f24138b4bfb8b6c.txt").read_text(encoding="utf-8")
    first = next(r for r in rows if r["claim_id"] == "CL0001")
    added = {"CL9001": (10, 40), "CL9002": (40, 60), "CL9003": (150, 200)}  # nested, touching it, crossing two
    for claim_id, (start, end) in added.items():
        rows.append({**first, "claim_id": claim_id, "char_start": str(start), "char_end": str(end),
                     "quote_ar": text[start:end], "text_en": f"English of {claim_id}"})
    package.write_rows("claims", rows)
    out = write_site(package.root, tmp_path / "site")
    visit(browser, out / "sources" / "000_0f24138b4bfb8b6c.html")
    own = {r["claim_id"]: r["quote_ar"] for r in rows if r["source_id"] == "000_0f24138b4bfb8b6c"}
    assert claim_texts(browser) == own
    assert len(browser.find_elements("css selector", "#article .claim[id]")) == len(own)
    style = browser.execute_script("""
        const s = id => getComputedStyle(document.getElementById(id));
        return Object.fromEntries(['CL0001', 'CL9001', 'CL9002', 'CL9003'].map(
            id => [id, [s(id).backgroundColor, s(id).borderBottomStyle, s(id).borderBottomColor]]));""")
    assert style["CL9001"] != style["CL9002"]  # touching: other colours
    assert style["CL9001"][1] != style["CL0001"][1]  # nested: another border
    browser.find_element("id", "CL9002").click()
    assert "English of CL9002" in browser.find_element("id", "detail-CL9002").text


def test_a_script_in_a_quote_or_name_renders_as_text(package: PackageCopy, tmp_path: Path, browser: Any) -> None:
    package.set_cell("actors", 0, "name_en", f"Iraq {SCRIPT}")
    package.set_cell("claims", 0, "text_en", f"Said {SCRIPT} here")
    package.set_cell("events", 0, "title_en", f"Agreement {SCRIPT}")
    out = write_site(package.root, tmp_path / "site")
    html = (out / "events" / "EV0001.html").read_text(encoding="utf-8")
    assert SCRIPT not in html and "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    for page, words in ((out / "events" / "EV0001.html", f"Agreement {SCRIPT}"),
                        (out / "actors" / "AC0001.html", f"Iraq {SCRIPT}")):
        visit(browser, page)
        assert words in browser.find_element("tag name", "h1").text
        assert browser.execute_script("return window.__pwned") is None
    visit(browser, out / "sources" / "000_0f24138b4bfb8b6c.html", "CL0001")
    assert f"Said {SCRIPT} here" in browser.find_element("id", "detail-CL0001").text
    box = (visit(browser, out / "index.html"), browser.find_element("id", "search"))[1]
    box.send_keys("pwned")
    assert f"Agreement {SCRIPT}" in browser.find_element("id", "search-results").text
    assert browser.execute_script("return window.__pwned") is None


# The README's screenshots.

def test_the_screenshots_are_current() -> None:
    docs = REPO / "docs"
    record = json.loads((docs / RECORD).read_text(encoding="utf-8"))
    event_page, article_page, claim_id = shown()
    assert (record["event_page"], record["article_page"], record["selected_claim"]) == shown()
    import tempfile

    with tempfile.TemporaryDirectory() as temp:
        fresh = write_site(None, Path(temp) / "site")
        assert inputs_hash(fresh, (article_page, event_page)) == record["inputs_sha256"], (
            "the site's screenshots are stale: run `coalition-data site --screenshots docs/`")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in (ARTICLE_PNG, EVENT_PNG):
        data = (docs / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record["png_sha256"][name], f"{name} is not the one recorded"
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24])[0] == 1280
        assert f"](docs/{name})" in readme


# The article's pieces, for any spans.

@given(st.integers(1, 60).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, n)), max_size=8))))
def test_pieces_nest_properly_and_cover_each_span_exactly(case: tuple[int, list[tuple[int, int]]]) -> None:
    length, bounds = case
    text = "".join(chr(0x0627 + i % 20) for i in range(length))
    spans = [Span(a, b, "claim", f"C{i}", number=i) for i, (a, b) in enumerate(bounds) if a < b]
    stack: list[Span] = []
    covered: dict[str, str] = {s.key: "" for s in spans}
    firsts: list[str] = []
    shown = ""
    for piece in pieces(text, spans):
        if piece.kind == "text":
            shown += piece.text
            for span in stack:
                covered[span.key] += piece.text
        elif piece.kind == "open":
            assert piece.span not in stack  # a span's pieces never nest in each other
            stack.append(piece.span)
            firsts += [piece.span.key] if piece.first else []
        else:
            assert stack.pop() == piece.span  # closes what it opened last
    assert shown == text and stack == []
    assert covered == {s.key: text[s.start:s.end] for s in spans}
    assert sorted(firsts) == sorted(s.key for s in spans)


def test_a_quote_is_shown_in_its_sentence() -> None:
    text = "جملة أولى. ثم قال الوزير إن القوات ستغادر قريبا في الموعد. جملة ثالثة"
    start = text.index("إن القوات")
    end = text.index(" في الموعد")
    assert in_sentence(text, start, end) == ("ثم قال الوزير ", "إن القوات ستغادر قريبا", " في الموعد.")
    assert in_sentence(text, 0, text.index(".") + 1) == ("", "جملة أولى.", "")


def test_an_article_changed_since_its_hash_is_a_clear_error(package: PackageCopy, tmp_path: Path, capsys: Any) -> None:
    text = package.root / "data" / "sources" / "002_8cb95a9eb40e0622.txt"
    text.write_bytes(text.read_bytes().replace("الدولي".encode(), "الدولى".encode(), 1))
    assert main(["site", str(tmp_path / "out"), "--path", str(package.root)]) == 2
    err = capsys.readouterr().err
    assert "002_8cb95a9eb40e0622" in err and "SHA-256" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_without_jinja2_the_command_names_the_extra(tmp_path: Path) -> None:
    import os
    import subprocess

    hide = "import sys; sys.modules['jinja2'] = None; "
    code = hide + f"from coalition_data.cli import main; sys.exit(main(['site', {str(tmp_path / 'out')!r}]))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 2, run.stderr
    assert "pip install 'coalition-data[site]'" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()
