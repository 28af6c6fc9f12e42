"""Render the site's pages from the loaded tables with Jinja2 (autoescaped) templates."""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from coalition_data.package import Package, open_package
from coalition_data.site.folder import SiteError, check_target, write_atomically
from coalition_data.site.text import Span, date_text, in_sentence, pieces

HERE = Path(__file__).parent
PAGE_SIZE = 200  # rows per listing page
SIDE_BY_SIDE = ("contradicts", "frames-differently")
LISTINGS = {"sources": "Sources", "actors": "Actors", "places": "Places"}


SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # a page's name comes from a row ID: never a path
NEEDED = ("sources", "claims", "events", "actors", "locations", "event_types", "countries", "furniture",
          "event_claims", "event_actors", "event_locations", "claim_links", "actor_names", "location_names")


def write_site(package_root_or_path: str | Path | None, outdir: Path, *, force: bool = False,
               page_size: int = PAGE_SIZE) -> Path:
    """Write the static site of the package at ``package_root_or_path`` (None: the shipped one) into
    ``outdir``, built beside it and renamed into place; return ``outdir``."""
    from coalition_data.schema_check import check

    package = open_package(package_root_or_path)
    check(package)
    missing = [name for name in NEEDED if name not in package.tables]
    if missing:
        raise SiteError(f"{package.root / 'datapackage.json'}: the site needs the tables {', '.join(missing)}")
    outdir = Path(outdir)
    library = Path(__file__).resolve().parent.parent  # never write into the installed library
    check_target(outdir, package.root, library, force=force)
    from jinja2 import TemplateError

    try:
        site = Site(package, package_root_or_path, page_size)
        return write_atomically(outdir, package.root, library, site.write, force=force)
    except (KeyError, TypeError, AttributeError, ValueError, TemplateError) as exc:  # a descriptor of odd shapes
        raise SiteError(f"{package.root / 'datapackage.json'}: the package cannot be shown as a site ({type(exc).__name__}: "
                        f"{exc}); run `coalition-data validate`") from None


def _by(rows: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


class Site:
    """The package's tables, indexed for the pages that cite each other."""

    def __init__(self, package: Package, path: str | Path | None, page_size: int) -> None:
        from coalition_data.loader import load_all, source_text

        self.package, self.page_size = package, max(1, page_size)
        frames = load_all(path=path)
        self._check_references(frames)
        self.counts = {name: frame.height for name, frame in frames.items()}
        rows = {name: frame.to_dicts() for name, frame in frames.items()}
        self.sources = {r["source_id"]: r for r in rows["sources"]}
        self.claims = {r["claim_id"]: r for r in rows["claims"]}
        self.events = {r["event_id"]: r for r in rows["events"]}
        self.actors = {r["actor_id"]: r for r in rows["actors"]}
        self.places = {r["location_id"]: r for r in rows["locations"]}
        self.types = {r["event_type"]: r for r in rows["event_types"]}
        self.countries = {r["country_code"]: r for r in rows["countries"]}
        self.claims_of_source = _by(sorted(rows["claims"], key=lambda r: (r["char_start"], r["claim_id"])), "source_id")
        self.furniture = _by(rows["furniture"], "source_id")
        self.claims_of_event = _by(rows["event_claims"], "event_id")
        self.events_of_claim = _by(rows["event_claims"], "claim_id")
        self.actors_of_event = _by(rows["event_actors"], "event_id")
        self.events_of_actor = _by(rows["event_actors"], "actor_id")
        self.places_of_event = _by(rows["event_locations"], "event_id")
        self.events_of_place = _by(rows["event_locations"], "location_id")
        self.actor_names = _by(rows["actor_names"], "actor_id")
        self.place_names = _by(rows["location_names"], "location_id")
        self.actor_children = _by([r for r in rows["actors"] if r["parent_actor_id"]], "parent_actor_id")
        self.place_children = _by([r for r in rows["locations"] if r["parent_location_id"]], "parent_location_id")
        self.spoken = _by([r for r in rows["claims"] if r["actor_id"]], "actor_id")
        self.links: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for link in rows["claim_links"]:
            self.links[link["claim_id"]].append({**link, "other": link["other_claim_id"], "reverse": False})
            self.links[link["other_claim_id"]].append({**link, "other": link["claim_id"], "reverse": True})
        self.texts = {sid: source_text(sid, path=path) for sid in self.sources}  # checked against its SHA-256
        self._check_spans()
        self.timeline = sorted(self.events.values(), key=lambda e: (e["date_start"] is None, e["date_start"] or date.min,
                                                                    e["date_end"] or date.max, e["event_id"]))

    def _check_references(self, frames: dict[str, Any]) -> None:
        """Every foreign key the schemas declare must land, or a page would link to nothing."""
        import polars as pl

        for name, table in self.package.tables.items():
            for key in table.schema.get("foreignKeys", []):
                fields, reference = key.get("fields"), key.get("reference", {})
                fields = [fields] if isinstance(fields, str) else fields
                target = reference.get("resource") or name
                targets = reference.get("fields")
                targets = [targets] if isinstance(targets, str) else targets
                if target not in frames or not fields or not targets or len(fields) != len(targets):
                    continue
                rows = frames[name].select(fields).drop_nulls()
                missing = rows.join(frames[target].select(pl.col(t).alias(f) for f, t in zip(fields, targets)),
                                    on=fields, how="anti")
                if missing.height:
                    value = ", ".join(str(v) for v in missing.row(0))
                    raise SiteError(f"{table.path}: {', '.join(fields)} {value!r} is not in {target} "
                                    f"({missing.height} such row(s); run `coalition-data validate`)")

    def _check_spans(self) -> None:
        """A claim whose offsets do not give its quote would mark the wrong words: refuse it."""
        where = self.package.tables["claims"].path
        for claim in self.claims.values():
            text = self.texts.get(claim["source_id"])
            start, end = claim["char_start"], claim["char_end"]
            if text is None or not 0 <= start < end <= len(text) or text[start:end] != claim["quote_ar"]:
                raise SiteError(f"{where}: claim {claim['claim_id']}: characters {start}-{end} of source "
                                f"{claim['source_id']} are not its quote_ar (run `coalition-data validate`)")

    # pages

    def write(self, out: Path) -> None:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined

        env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
        env.filters["date_text"] = date_text
        env.globals["site"] = self

        def page(relative: str, template: str, **context: Any) -> None:
            if not all(SAFE_NAME.fullmatch(part) for part in relative.split("/")):
                raise SiteError(f"{relative!r}: a row ID names this page, and it is not a plain file name (letters, "
                                "digits, '.', '_', '-'); run `coalition-data validate`")
            path = out / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            root = "../" * relative.count("/")
            html = env.get_template(template).render(root=root, **context)
            path.write_text(html, encoding="utf-8", newline="\n")

        shutil.copytree(HERE / "static", out / "static")
        (out / "static" / "search-index.js").write_text(self._search_index(), encoding="utf-8", newline="\n")
        pages = self._pages(self.timeline)
        page("index.html", "index.html", events=pages[0], pager=self._pager(len(pages), 1, "timeline"),
             descriptor=self.package.descriptor, tables=self._tables(), citation=self._citation())
        for number, chunk in enumerate(pages[1:], start=2):
            page(f"timeline/page-{number}.html", "listing.html", kind="timeline", title="Timeline", rows=chunk,
                 pager=self._pager(len(pages), number, "timeline"))
        for kind, title in LISTINGS.items():
            chunks = self._pages(self._listing(kind))
            for number, chunk in enumerate(chunks, start=1):
                name = "index.html" if number == 1 else f"page-{number}.html"
                page(f"{kind}/{name}", "listing.html", kind=kind, title=title, rows=chunk,
                     pager=self._pager(len(chunks), number, kind))
        for sid, source in self.sources.items():
            page(f"sources/{sid}.html", "source.html", source=source, pieces=self._pieces(sid),
                 claims=self.claims_of_source.get(sid, []), furniture=self.furniture.get(sid, []))
        for eid, event in self.events.items():
            page(f"events/{eid}.html", "event.html", event=event, **self._event(eid))
        for aid, actor in self.actors.items():
            page(f"actors/{aid}.html", "actor.html", actor=actor)
        for lid, place in self.places.items():
            page(f"places/{lid}.html", "place.html", place=place)

    def _pages(self, rows: list[Any]) -> list[list[Any]]:
        return [rows[i:i + self.page_size] for i in range(0, len(rows), self.page_size)] or [[]]

    @staticmethod
    def _pager(count: int, current: int, kind: str) -> list[dict[str, Any]]:
        """Links to every page of a listing, relative to the site root."""
        if count == 1:
            return []
        first = "index.html" if kind == "timeline" else f"{kind}/index.html"
        return [{"number": n, "href": first if n == 1 else f"{kind}/page-{n}.html", "current": n == current}
                for n in range(1, count + 1)]

    def _listing(self, kind: str) -> list[dict[str, Any]]:
        if kind == "sources":
            return list(self.sources.values())
        if kind == "actors":
            return sorted(self.actors.values(), key=lambda r: r["actor_id"])
        return sorted(self.places.values(), key=lambda r: r["location_id"])

    def _tables(self) -> list[dict[str, Any]]:
        return [{"name": name, "rows": self.counts[name], "description": table.description.split(". ")[0]}
                for name, table in self.package.tables.items()]

    def _citation(self) -> str:
        d = self.package.descriptor
        authors = "; ".join(c.get("title", "") for c in d.get("contributors", []) if isinstance(c, dict))
        licences = ", ".join(x.get("name", "") for x in d.get("licenses", []) if isinstance(x, dict))
        return f"{authors}. {d.get('title', d['name'])}, version {d['version']} (data package, {licences})."

    def _pieces(self, sid: str) -> list[Any]:
        spans = [Span(c["char_start"], c["char_end"], "claim", c["claim_id"], number=n)
                 for n, c in enumerate(self.claims_of_source.get(sid, []))]
        spans += [Span(f["char_start"], f["char_end"], "furniture", f["kind"], note=f["note_en"] or "")
                  for f in self.furniture.get(sid, []) if f["char_start"] < f["char_end"]]
        return pieces(self.texts[sid], spans)

    def quote(self, claim_id: str) -> dict[str, Any]:
        """A claim with its sentence around it and the address of its spot, relative to the site root."""
        claim = self.claims[claim_id]
        before, words, after = in_sentence(self.texts[claim["source_id"]], claim["char_start"], claim["char_end"])
        return {"claim": claim, "before": before, "words": words, "after": after,
                "href": f"sources/{claim['source_id']}.html#{claim_id}", "source": self.sources[claim["source_id"]]}

    def _event(self, eid: str) -> dict[str, Any]:
        claim_ids = [r["claim_id"] for r in self.claims_of_event.get(eid, [])]
        ours = set(claim_ids)
        pairs, seen = [], set()
        for cid in claim_ids:
            for link in self.links.get(cid, []):
                key = (link["claim_id"], link["other_claim_id"])
                if link["relation"] in SIDE_BY_SIDE and key not in seen:
                    seen.add(key)
                    pairs.append({"relation": link["relation"], "note": link["note_en"],
                                  "left": self.quote(link["claim_id"]), "right": self.quote(link["other_claim_id"]),
                                  "outside": [c for c in key if c not in ours]})
        return {"quotes": [self.quote(cid) for cid in claim_ids], "pairs": pairs,
                "type": self.types.get(self.events[eid]["event_type"]),
                "actors": self.actors_of_event.get(eid, []), "places": self.places_of_event.get(eid, [])}

    def _search_index(self) -> str:
        """Every event, claim, actor and place with the English and Arabic text a search looks through."""
        def names(table: dict[str, Any], variants: list[dict[str, Any]]) -> list[str]:
            return [table["name_en"], table["name_ar"], *(v["name_ar"] for v in variants)]

        entries = []
        for event in self.timeline:
            eid = event["event_id"]
            text = [eid, event["title_en"], event["summary_en"] or "", event["event_type"]]
            for link in self.claims_of_event.get(eid, []):
                claim = self.claims[link["claim_id"]]
                text += [claim["quote_ar"], claim["text_en"] or ""]
            for link in self.actors_of_event.get(eid, []):
                text += names(self.actors[link["actor_id"]], self.actor_names.get(link["actor_id"], []))
            for link in self.places_of_event.get(eid, []):
                text += names(self.places[link["location_id"]], self.place_names.get(link["location_id"], []))
            entries.append(["event", eid, f"{date_text(event)}: {event['title_en']}", f"events/{eid}.html", text])
        for cid, claim in self.claims.items():
            entries.append(["claim", cid, f"{cid}: {claim['text_en'] or claim['quote_ar']}",
                            f"sources/{claim['source_id']}.html#{cid}", [cid, claim["quote_ar"], claim["text_en"] or ""]])
        for aid, actor in self.actors.items():
            entries.append(["actor", aid, f"{actor['name_en']} ({actor['name_ar']})", f"actors/{aid}.html",
                            [aid, *names(actor, self.actor_names.get(aid, []))]])
        for lid, place in self.places.items():
            entries.append(["place", lid, f"{place['name_en']} ({place['name_ar']})", f"places/{lid}.html",
                            [lid, *names(place, self.place_names.get(lid, []))]])
        for entry in entries:
            entry[4] = "\n".join(entry[4])
        data = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
        data = data.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        return f"window.COALITION_SEARCH = {data};\n"
