"""Screenshots of an article page and an event page, taken by headless Chromium, for the README.

Beside the PNGs we record a hash of the HTML and assets they were taken from, so a test can tell
that they are stale by building the site afresh, without comparing pixels across machines.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

from coalition_data.site.folder import SiteError

ARTICLE_PNG = "site-article.png"
EVENT_PNG = "site-event.png"
RECORD = "site-screenshots.json"
NOT_HASHED = ("static/search-index.js",)  # loaded by the index only, not by the pages shown


def shown(path: str | Path | None = None) -> tuple[str, str, str]:
    """The event page, the article page and the claim in it that the screenshots show: the first
    event's first supporting claim."""
    from coalition_data.loader import load

    event = load("events", path=path)["event_id"].sort()[0]
    links = load("event_claims", path=path)
    claim_id = links.filter(links["event_id"] == event)["claim_id"].sort()[0]
    claims = load("claims", path=path)
    source = claims.filter(claims["claim_id"] == claim_id)["source_id"][0]
    return f"events/{event}.html", f"sources/{source}.html", claim_id


def inputs_hash(site: Path, pages: tuple[str, ...]) -> str:
    """SHA-256 over the pages' HTML and every asset they load, with their names."""
    names = sorted({*pages, *(p.relative_to(site).as_posix() for p in (site / "static").rglob("*") if p.is_file())}
                   - set(NOT_HASHED))
    digest = hashlib.sha256()
    for name in names:
        data = (site / name).read_bytes()
        digest.update(f"{name}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def take(outdir: Path, path: str | Path | None = None) -> list[Path]:
    """Build the site in a temporary folder and write the two PNGs and their record into ``outdir``."""
    from coalition_data.site.browser import chromium
    from coalition_data.site.build import write_site

    from coalition_data.output_files import refuse_unsafe, write_atomically

    event_page, article_page, claim_id = shown(path)
    if outdir.is_symlink():
        raise SiteError(f"{outdir}: is a symbolic link; give a real folder for the screenshots")
    outdir.mkdir(parents=True, exist_ok=True)
    for name in (ARTICLE_PNG, EVENT_PNG, RECORD):
        refuse_unsafe(outdir / name)  # never written through a link, nor onto a folder or FIFO
    with tempfile.TemporaryDirectory(prefix="coalition-site-") as temp:
        shots = Path(temp) / "shots"
        shots.mkdir()
        site = write_site(path, Path(temp) / "site")
        driver = chromium(Path(temp) / "profile", height=1100)
        try:
            driver.get((site / article_page).as_uri())
            driver.find_element("id", claim_id).click()  # selected as a reader would, the page's top in view
            driver.execute_script("window.scrollTo(0, 0)")
            driver.save_screenshot(str(shots / ARTICLE_PNG))
            driver.get((site / event_page).as_uri())
            driver.save_screenshot(str(shots / EVENT_PNG))
        finally:
            driver.quit()
        for name in (ARTICLE_PNG, EVENT_PNG):
            write_atomically(outdir / name, (shots / name).read_bytes())
        record = {"article_page": article_page, "selected_claim": claim_id, "event_page": event_page,
                  "inputs_sha256": inputs_hash(site, (article_page, event_page)),
                  "png_sha256": {name: hashlib.sha256((outdir / name).read_bytes()).hexdigest()
                                 for name in (ARTICLE_PNG, EVENT_PNG)},
                  "redo": "coalition-data site --screenshots docs/"}
    write_atomically(outdir / RECORD, (json.dumps(record, indent=2) + "\n").encode("utf-8"))
    return [outdir / ARTICLE_PNG, outdir / EVENT_PNG, outdir / RECORD]
