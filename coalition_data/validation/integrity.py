"""Rules across tables: foreign keys, parent cycles, orphans, support and coordinates."""

from __future__ import annotations

import polars as pl

from coalition_data.validation.csv_reading import ParsedTable

# Tables whose rows only describe another row (its spellings) do not keep that row from being an orphan.
DESCRIBING_TABLES = {"actor_names", "location_names"}
ORPHAN_CHECKED = ("sources", "actors", "locations")
RETIRED = "retired_ids"  # the tombstones of withdrawn IDs


def foreign_keys(parsed: ParsedTable) -> list[tuple[list[str], str, list[str]]]:
    """(fields, referenced table, referenced fields) for each foreign key; a missing resource means self."""
    keys = []
    for fk in parsed.table.schema.get("foreignKeys", []):
        fields, ref = fk["fields"], fk["reference"]
        fields = [fields] if isinstance(fields, str) else fields
        target = ref.get("resource") or parsed.table.name
        ref_fields = ref["fields"]
        keys.append((fields, target, [ref_fields] if isinstance(ref_fields, str) else ref_fields))
    return keys


def _frames_ok(tables: dict[str, ParsedTable], *names: str) -> bool:
    return all(name in tables and tables[name].frame is not None for name in names)


def check_foreign_keys(tables: dict[str, ParsedTable]) -> None:
    for parsed in tables.values():
        for fields, target, ref_fields in foreign_keys(parsed):
            if not _frames_ok(tables, parsed.table.name, target):
                continue
            # Lazy, and no unique() on the referenced side: an anti-join needs neither, and at a million
            # rows the eager copies and the extra hashing cost four times the join itself.
            referenced = tables[target].frame.lazy().select(
                [pl.col(r).cast(pl.String).alias(f) for f, r in zip(fields, ref_fields)])
            rows = parsed.frame.lazy().with_row_index("_row").select(
                "_row", *[pl.col(f).cast(pl.String) for f in fields]).drop_nulls(fields)
            dangling = rows.join(referenced, on=fields, how="anti").sort("_row").collect()
            for row, *values in dangling.iter_rows():
                parsed.problem(row, fields[0], ",".join(map(str, values)), "foreign-key",
                               f"no row in {target} has {', '.join(ref_fields)} = this value")


def check_cycles(tables: dict[str, ParsedTable]) -> None:
    """Parent chains (self references) must end: a → b → a is an error."""
    for parsed in tables.values():
        if parsed.frame is None:
            continue
        for fields, target, ref_fields in foreign_keys(parsed):
            if target != parsed.table.name or len(fields) != 1:
                continue
            child, parent = ref_fields[0], fields[0]
            parent_of = dict(parsed.frame.select(child, parent).drop_nulls().iter_rows())
            reported: set[str] = set()
            for start in parent_of:
                seen, node = [], start
                while node in parent_of and node not in seen:
                    seen.append(node)
                    node = parent_of[node]
                if node in seen and node not in reported:
                    cycle = seen[seen.index(node):]
                    reported.update(cycle)
                    rows = (parsed.frame[child] == node).arg_true()
                    parsed.problem(rows[0] if rows.len() else None, parent, node, "cycle",
                                   f"{parent} chain loops: {' → '.join(cycle + [node])}")


def _unreferenced(frame: pl.DataFrame, key: str, used: list[pl.Series]) -> pl.DataFrame:
    """(row, value) of the rows of ``frame`` whose ``key`` is in none of ``used``."""
    rows = frame.lazy().with_row_index("_row").select("_row", pl.col(key).cast(pl.String)).drop_nulls(key)
    if used:
        referenced = pl.concat([pl.LazyFrame(series.cast(pl.String).to_frame(key)) for series in used])
        rows = rows.join(referenced, on=key, how="anti")
    return rows.sort("_row").collect()


def check_orphans(tables: dict[str, ParsedTable]) -> None:
    """Every source, actor and location is used by some other row."""
    for name in ORPHAN_CHECKED:
        if not _frames_ok(tables, name):
            continue
        target = tables[name]
        key = target.table.primary_key[0]
        referring = [parsed for parsed in tables.values() if parsed.table.name not in DESCRIBING_TABLES
                     and any(ref_table == name for _, ref_table, _ in foreign_keys(parsed))]
        if any(parsed.frame is None for parsed in referring):
            continue  # which rows an unreadable table refers to is unknown: no row can be called an orphan
        used = [parsed.frame[fields[0]].alias(key) for parsed in referring
                for fields, ref_table, _ in foreign_keys(parsed) if ref_table == name and len(fields) == 1]
        for row, value in _unreferenced(target.frame, key, used).iter_rows():
            target.problem(row, key, value, "orphan", f"no other row refers to this {name[:-1]}")


def check_event_support(tables: dict[str, ParsedTable]) -> None:
    if not _frames_ok(tables, "events", "event_claims"):
        return
    used = [tables["event_claims"].frame["event_id"]]
    for row, event in _unreferenced(tables["events"].frame, "event_id", used).iter_rows():
        tables["events"].problem(row, "event_id", event, "unsupported-event", "no claim supports this event (see event_claims)")


def check_coordinates_in_country(tables: dict[str, ParsedTable]) -> None:
    if not _frames_ok(tables, "locations", "countries"):
        return
    located = tables["locations"].frame.with_row_index("_row").drop_nulls(["latitude", "longitude", "country_code"])
    boxes = tables["countries"].frame.select("country_code", "min_latitude", "max_latitude", "min_longitude", "max_longitude")
    outside = located.join(boxes, on="country_code").filter(
        ~pl.col("latitude").is_between("min_latitude", "max_latitude")
        | ~pl.col("longitude").is_between("min_longitude", "max_longitude"))
    for row, lat, lon, country in outside.select("_row", "latitude", "longitude", "country_code").iter_rows():
        tables["locations"].problem(row, "latitude", f"{lat},{lon}", "outside-country",
                                    f"coordinates fall outside the bounding box of {country} (see countries)")


def check_empty_tables(tables: dict[str, ParsedTable]) -> None:
    """A table left with its header and no rows while rows of other tables refer to it: reported once, as the
    cause of the foreign-key problems that follow (each of which that rule also reports). A table nothing
    refers to may have no rows (the tombstones before any ID is retired, the furniture of a package that
    declares none)."""
    for name, parsed in tables.items():
        if parsed.frame is None or parsed.frame.height:
            continue
        referring = {}
        for other in tables.values():
            if other is parsed or other.frame is None:
                continue
            for fields, target, _ in foreign_keys(other):
                if target == name and fields[0] in other.frame.columns:
                    referring[other.table.name] = referring.get(other.table.name, 0) + other.frame[fields[0]].count()
        used = {table: count for table, count in referring.items() if count}
        if used:
            parsed.problem(None, None, None, "empty-table", f"the table has a header and no rows; "
                           f"{sum(used.values())} references to it from {', '.join(used)} each follow as a "
                           "foreign-key problem")


def check_replacements(tables: dict[str, ParsedTable]) -> None:
    """A retired ID's replaced_by names a row that exists, in the table the retired row names."""
    if not _frames_ok(tables, RETIRED):
        return
    retired = tables[RETIRED]
    if not {"table_name", "replaced_by"} <= set(retired.frame.columns):
        return
    replaced = retired.frame.with_row_index("_row").drop_nulls("replaced_by")
    for (table_name,), group in replaced.group_by("table_name", maintain_order=True):
        target = tables.get(str(table_name))
        if target is None or target.frame is None or len(target.table.primary_key) != 1:
            continue  # the table_name rule reports an unknown table; an unreadable one is reported where it is
        key = target.table.primary_key[0]
        existing = target.frame[key].cast(pl.String).implode()
        missing = group.filter(~pl.col("replaced_by").cast(pl.String).is_in(existing))
        for row, value in missing.select("_row", "replaced_by").iter_rows():
            retired.problem(row, "replaced_by", value, "replaced-by",
                            f"no row in {table_name} has {key} = this value: a retired ID is replaced by one that exists")


ALL = (check_empty_tables, check_foreign_keys, check_replacements, check_cycles, check_orphans, check_event_support, check_coordinates_in_country)
