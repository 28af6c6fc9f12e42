"""Write a valid synthetic package of any size with the real schemas, deterministically by seed.

    python benchmarks/generate.py OUT --events 100000 [--seed 1] [--parquet]

Per event: 2 claims, 0.5 actors, 0.1 places, 0.01 source articles, and link tables in proportion
(2 event_claims, 1 event_actor, 0.5 event_locations, 0.2 claim_links, 0.5 actor_names, 0.1
location_names). Source texts are Arabic sentences built from a word pool; every claim is a
verbatim span of its article, every Arabic name occurs in some article, and the reference tables
(event_types, countries) are the real ones. ``validate`` passes on the result (checked by a test).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parent.parent
REAL_TABLES = ("event_types", "countries")  # copied as they are
CLAIMS_PER_SOURCE = 200

GIVEN = ["محمد", "علي", "حسين", "أحمد", "عمر", "خالد", "سعد", "يوسف", "إبراهيم", "فؤاد", "جواد", "كريم", "سلمان",
         "عباس", "هادي", "ناصر", "طارق", "زياد", "ماجد", "رائد"]
FAMILY = ["الجبوري", "الدليمي", "العبيدي", "الساعدي", "الموسوي", "الحسيني", "الربيعي", "الكعبي", "الزيدي",
          "التميمي", "الشمري", "العامري", "الخفاجي", "السوداني", "الحكيم", "الأسدي"]
TITLES = ["النائب", "الوزير", "المتحدث", "القائد", "المستشار", "السفير", "المحافظ", "اللواء"]
PLACES = ["بغداد", "البصرة", "الموصل", "أربيل", "كركوك", "النجف", "كربلاء", "الحلة", "الرمادي", "الفلوجة", "سامراء",
          "تكريت", "الكوت", "العمارة", "الناصرية", "الديوانية", "بعقوبة", "دهوك", "السليمانية", "حديثة"]
VERBS = ["قال", "أكد", "أعلن", "أوضح", "ذكر", "صرح", "أشار"]
CLAUSES = ["إن الاتفاق يمثل مرحلة جديدة من العلاقات الثنائية", "إن القوات ستغادر القاعدة خلال الأشهر المقبلة",
           "إن الحكومة ملتزمة بحماية المستشارين الأجانب", "إن الهجوم استهدف مخزنا للأسلحة", "إن المفاوضات ستستأنف قريبا",
           "إن التحالف أنهى مهامه القتالية", "إن الجانبين اتفقا على جدول زمني للانسحاب",
           "إن الضربة الجوية جاءت في توقيت غير مناسب", "إن اللجنة العسكرية العليا عقدت اجتماعها الأخير"]
ENGLISH = ["the agreement opens a new phase of bilateral relations", "the forces will leave the base in the coming months",
           "the government is committed to protecting foreign advisers", "the attack targeted a weapons depot",
           "the negotiations will resume soon", "the coalition has ended its combat tasks",
           "the two sides agreed on a timetable for withdrawal", "the airstrike came at an inappropriate time",
           "the higher military committee held its last meeting"]


def _ids(prefix: str, count: int) -> list[str]:
    width = max(4, len(str(count)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]


def _write(frame: pl.DataFrame, path: Path) -> None:
    frame.write_csv(path, line_terminator="\n", quote_style="necessary")


def generate(out: Path, events: int, seed: int = 1) -> dict[str, int]:
    """Write the package into ``out`` (created); return the row count of every table."""
    rng = random.Random(seed)
    n_claims, n_actors = 2 * events, max(1, events // 2)
    n_locations, n_sources = max(1, events // 10), max(1, -(-n_claims // CLAIMS_PER_SOURCE))
    (out / "data" / "sources").mkdir(parents=True)
    shutil.copytree(REPO / "schemas", out / "schemas")
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["title"] = f"Synthetic benchmark package ({events:,} events, seed {seed})"
    (out / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for name in REAL_TABLES:
        shutil.copy(REPO / "data" / f"{name}.csv", out / "data" / f"{name}.csv")
    event_types = pl.read_csv(REPO / "data" / "event_types.csv")["event_type"].to_list()

    actor_ids, location_ids = _ids("AC", n_actors), _ids("LO", n_locations)
    claim_ids, event_ids = _ids("CL", n_claims), _ids("EV", events)
    actor_names = [f"{TITLES[i % len(TITLES)]} {GIVEN[rng.randrange(len(GIVEN))]} {FAMILY[rng.randrange(len(FAMILY))]}"
                   for i in range(n_actors)]
    place_names = [PLACES[i % len(PLACES)] for i in range(n_locations)]

    # Claim i is spoken by actor i // 4 (every actor speaks) and mentions place i % n_locations.
    claim_source, claim_start, claim_end, quotes, texts_en, speakers = [], [], [], [], [], []
    source_ids, source_rows = [], []
    for s in range(n_sources):
        parts, position = [], 0
        first, last = s * CLAIMS_PER_SOURCE, min(n_claims, (s + 1) * CLAIMS_PER_SOURCE)
        for i in range(first, last):
            clause = rng.randrange(len(CLAUSES))
            actor = (i // 4) % n_actors
            quote = (f"{VERBS[rng.randrange(len(VERBS))]} {actor_names[actor]} في {place_names[i % n_locations]} "
                     f"{CLAUSES[clause]}.")
            claim_start.append(position)
            claim_end.append(position + len(quote))
            quotes.append(quote)
            texts_en.append(f"Summary: an official says {ENGLISH[clause]}.")
            speakers.append(actor_ids[actor])
            parts.append(quote)
            position += len(quote) + 1
        text = "\n".join(parts) + "\n"
        raw = text.encode("utf-8")
        digest = hashlib.sha256(raw).hexdigest()
        source_id = f"{s:0{max(3, len(str(n_sources - 1)))}d}_{digest[:16]}"
        (out / "data" / "sources" / f"{source_id}.txt").write_bytes(raw)
        claim_source += [source_id] * (last - first)
        source_ids.append(source_id)
        source_rows.append((source_id, f"data/sources/{source_id}.txt", digest, len(raw), len(text), parts[0]))

    _write(pl.DataFrame({
        "source_id": source_ids, "path": [r[1] for r in source_rows], "sha256": [r[2] for r in source_rows],
        "bytes": [r[3] for r in source_rows], "chars": [r[4] for r in source_rows], "language": "ar",
        "headline_ar": [r[5] for r in source_rows], "headline_en": "Synthetic article (a generated headline)",
        "outlet_ar": None, "outlet_en": None, "outlet_actor_id": None, "syndication_ar": None, "syndication_en": None,
        "url": None, "date_start": None, "date_end": None, "date_precision": None, "date_basis": "unknown",
        "date_note_en": None, "rights_en": "Synthetic text generated for benchmarks; no rights reserved.",
    }, schema_overrides={c: pl.String for c in ("outlet_ar", "outlet_en", "outlet_actor_id", "syndication_ar",
                                                "syndication_en", "url", "date_start", "date_end", "date_precision",
                                                "date_note_en")}), out / "data" / "sources.csv")
    nulls = pl.lit(None, pl.String)
    _write(pl.DataFrame({
        "claim_id": claim_ids, "source_id": claim_source, "char_start": claim_start, "char_end": claim_end,
        "quote_ar": quotes, "actor_id": speakers,
    }).with_columns(via_actor_id=nulls, speech=pl.lit("reported"), modality=pl.lit("asserted"), date_start=nulls,
                    date_end=nulls, date_precision=nulls, date_basis=pl.lit("unknown"), date_note_en=nulls,
                    text_en=pl.Series(texts_en), text_en_kind=pl.lit("summary")), out / "data" / "claims.csv")

    days = [rng.randrange(0, 4000) for _ in range(events)]
    event_frame = pl.DataFrame({
        "event_id": event_ids, "event_type": [event_types[rng.randrange(len(event_types))] for _ in range(events)],
        "title_en": [f"Synthetic event {i + 1}" for i in range(events)],
        "summary_en": [f"An official says {ENGLISH[rng.randrange(len(ENGLISH))]} (generated)." for _ in range(events)],
        "day": days,
        "fatalities": [rng.randrange(0, 20) if rng.random() < 0.2 else None for _ in range(events)],
    }).with_columns(date_start=pl.date(2014, 1, 1) + pl.duration(days=pl.col("day")))
    _write(event_frame.select(
        "event_id", "event_type", "title_en", "summary_en", "date_start", date_end=pl.col("date_start"),
        date_precision=pl.lit("day"), date_basis=pl.lit("stated"), date_note_en=nulls,
        status=pl.lit("occurred"), fatalities=pl.col("fatalities")), out / "data" / "events.csv")

    countries = pl.read_csv(REPO / "data" / "countries.csv").filter(pl.col("country_code") == "IRQ").row(0, named=True)
    _write(pl.DataFrame({
        "actor_id": actor_ids, "name_en": [f"Synthetic official {i + 1}" for i in range(n_actors)],
        "name_ar": actor_names, "actor_type": "person", "parent_actor_id": None, "country_code": "IRQ",
        "description_en": "A generated person.",
        "reference_basis_en": "Reference knowledge (not from the articles): generated.",
    }, schema_overrides={"parent_actor_id": pl.String}), out / "data" / "actors.csv")
    _write(pl.DataFrame({
        "location_id": location_ids, "name_en": [f"Synthetic place {i + 1}" for i in range(n_locations)],
        "name_ar": place_names, "location_type": "city", "parent_location_id": None, "country_code": "IRQ",
        "subdivision_code": None,
        "latitude": [round(rng.uniform(countries["min_latitude"], countries["max_latitude"]), 4) for _ in location_ids],
        "longitude": [round(rng.uniform(countries["min_longitude"], countries["max_longitude"]), 4) for _ in location_ids],
        "geo_precision": "city", "reference_basis_en": "Reference knowledge (not from the articles): generated.",
    }, schema_overrides={"parent_location_id": pl.String, "subdivision_code": pl.String}),
        out / "data" / "locations.csv")

    index = pl.int_range(0, events, eager=True)
    _write(pl.DataFrame({"event_id": event_ids * 2,
                         "claim_id": [claim_ids[i] for i in range(0, n_claims, 2)] + claim_ids[1::2]})
           .sort("event_id", "claim_id"), out / "data" / "event_claims.csv")
    _write(pl.DataFrame({"event_id": event_ids, "actor_id": [actor_ids[i % n_actors] for i in index],
                         "role": "participant"}), out / "data" / "event_actors.csv")
    sited = events // 2 if events >= 2 * n_locations else events
    _write(pl.DataFrame({"event_id": event_ids[:sited], "location_id": [location_ids[i % n_locations] for i in range(sited)],
                         "role": "site"}), out / "data" / "event_locations.csv")
    linked = range(0, n_claims - 1, 10)
    _write(pl.DataFrame({"claim_id": [claim_ids[i] for i in linked], "other_claim_id": [claim_ids[i + 1] for i in linked],
                         "relation": "corroborates", "note_en": "Generated link."}), out / "data" / "claim_links.csv")
    _write(pl.DataFrame({"actor_id": actor_ids, "name_ar": [n.split(" ", 1)[1] for n in actor_names],
                         "note_en": "Name without title."}), out / "data" / "actor_names.csv")
    _write(pl.DataFrame({"location_id": location_ids, "name_ar": [f"في {n}" for n in place_names],
                         "note_en": "With the preposition."}), out / "data" / "location_names.csv")
    for name in ("furniture", "retired_ids"):
        header = ",".join(f["name"] for f in json.loads((REPO / "schemas" / f"{name}.schema.json").read_text())["fields"])
        (out / "data" / f"{name}.csv").write_text(header + "\n", encoding="utf-8")
    counts = {name: pl.scan_csv(out / "data" / f"{name}.csv").select(pl.len()).collect().item()
              for name in (r["name"] for r in descriptor["resources"])}
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to create (must not exist)")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parquet", action="store_true", help="also write parquet/ as a release does")
    args = parser.parse_args(argv)
    if args.out.exists():
        parser.error(f"{args.out} exists")
    counts = generate(args.out, args.events, args.seed)
    if args.parquet:
        from coalition_data.package import open_package
        from coalition_data.parquet import write_parquet

        write_parquet(open_package(args.out), args.out / "parquet")
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
