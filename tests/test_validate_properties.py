"""Property-based corruptions: whatever the row, column or value, validate names the place and the rule."""

from __future__ import annotations

import polars as pl
from conftest import REPO, PackageCopy, assert_reported
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from coalition_data.package import open_package

PACKAGE = open_package(REPO)
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

ENUM_COLUMNS = [(t.name, f["name"], f["constraints"]["enum"]) for t in PACKAGE.tables.values()
                for f in t.fields if "enum" in f.get("constraints", {})]
TEXT_COLUMNS = [(t.name, f["name"]) for t in PACKAGE.tables.values() for f in t.fields if f["type"] == "string"]
# No NUL or CR: the csv module writes a lone CR unquoted, which breaks the record itself (a structural corruption,
# reported as line-endings and field-count; see test_validate_structure.py), so no cell value is left to check.
CELL_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), min_size=1, max_size=30)


def _copy(tmp_path_factory) -> PackageCopy:
    return PackageCopy(tmp_path_factory.mktemp("package") / "p")


@SETTINGS
@given(st.sampled_from(ENUM_COLUMNS), st.data())
def test_any_value_outside_an_enum(tmp_path_factory, column, data) -> None:
    table, name, allowed = column
    package = _copy(tmp_path_factory)
    count = len(package.rows(table))
    if count == 0:
        return
    row = data.draw(st.integers(0, count - 1), label="row")
    near_miss = st.sampled_from(allowed).flatmap(lambda v: st.sampled_from([v.upper(), v.title(), f" {v}", f"{v} ", v + "s"]))
    value = data.draw(st.one_of(near_miss, CELL_TEXT).filter(lambda v: v not in allowed), label="value")
    line = package.set_cell(table, row, name, value)
    assert_reported(package.validate(), "enum", file=f"data/{table}.csv", line=line, column=name)


@SETTINGS
@given(st.sampled_from(TEXT_COLUMNS), st.sampled_from("=+-@"), st.data())
def test_any_text_cell_starting_like_a_formula(tmp_path_factory, column, prefix, data) -> None:
    table, name = column
    package = _copy(tmp_path_factory)
    filled = [i for i, r in enumerate(package.rows(table)) if r[name]]
    if not filled:
        return
    row = data.draw(st.sampled_from(filled), label="row")
    line = package.set_cell(table, row, name, prefix + package.rows(table)[row][name])
    assert_reported(package.validate(), "formula-prefix", file=f"data/{table}.csv", line=line, column=name)


@SETTINGS
@given(st.data(), st.integers(-6, 6).filter(bool), st.sampled_from(["char_start", "char_end"]))
def test_any_claim_with_shifted_offsets(tmp_path_factory, data, shift, column) -> None:
    package = _copy(tmp_path_factory)
    rows = package.rows("claims")
    row = data.draw(st.integers(0, len(rows) - 1), label="row")
    start, end = int(rows[row]["char_start"]), int(rows[row]["char_end"])
    moved = (start + shift, end) if column == "char_start" else (start, end + shift)
    if moved[0] < 0 or moved[0] >= moved[1]:
        return
    line = package.set_cell("claims", row, column, str(moved[0] if column == "char_start" else moved[1]))
    problems = [p for p in package.validate() if p.file == "data/claims.csv" and p.line == line]
    assert {p.rule for p in problems} & {"verbatim", "span-bounds"}, problems


@SETTINGS
@given(st.sampled_from([(t.name, t.primary_key[0]) for t in PACKAGE.tables.values()]), st.data())
def test_any_identifier_breaking_its_pattern(tmp_path_factory, key, data) -> None:
    table, name = key
    package = _copy(tmp_path_factory)
    rows = package.rows(table)
    spec = next(f for f in PACKAGE.table(table).fields if f["name"] == name)
    if not rows or "pattern" not in spec.get("constraints", {}):
        return
    row = data.draw(st.integers(0, len(rows) - 1), label="row")
    value = rows[row][name] + data.draw(st.sampled_from(["!", "#", "/", "%"]), label="suffix")  # in no ID pattern
    line = package.set_cell(table, row, name, value)
    assert_reported(package.validate(), "pattern", file=f"data/{table}.csv", line=line, column=name)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text("ابت ،x", max_size=12), max_size=8), st.lists(st.text("ابت ،x", min_size=1, max_size=4), max_size=12),
       st.integers(1, 4))
def test_attested_lookup_finds_exactly_the_values_that_occur(texts, values, batch) -> None:
    """Names are looked up in batches of articles, and a name found is not searched for again: the result
    must still be exactly the values occurring in some text, overlaps and repeats included."""
    from coalition_data.validation.provenance import _occurring

    distinct = pl.Series(values, dtype=pl.String).unique()
    found = set(_occurring(distinct, pl.Series(texts, dtype=pl.String), batch=batch).to_list())
    assert found == {v for v in distinct.to_list() if any(v in t for t in texts)}


@st.composite
def _spans_and_quotes(draw):
    """An article with combining marks, spans into it (some past its end), and quotes: verbatim, any text, or
    the spans' text cut at other places."""
    text = draw(st.text("ابت x\u064e\u0651", min_size=1, max_size=40))
    spans = draw(st.lists(st.tuples(st.integers(0, len(text) - 1), st.integers(1, 6)), min_size=1, max_size=8))
    starts = [start for start, _ in spans]
    ends = [start + length for start, length in spans]
    quotes = [draw(st.one_of(st.just(text[s:e]), st.text("ابت x\u064e", min_size=1, max_size=7)))
              for s, e in zip(starts, ends, strict=True)]
    if draw(st.booleans()):  # the same text cut elsewhere: joined, these quotes equal the spans joined
        joined = "".join(text[s:e] for s, e in zip(starts, ends, strict=True))
        cuts = sorted(draw(st.lists(st.integers(0, len(joined)), min_size=len(quotes) - 1, max_size=len(quotes) - 1)))
        quotes = [joined[a:b] for a, b in zip([0, *cuts], [*cuts, len(joined)], strict=True)]
    return text, starts, ends, quotes


@settings(max_examples=300, deadline=None)
@given(_spans_and_quotes())
@example(("abc", [0, 1], [1, 3], ["ab", "c"]))  # joined, the quotes equal the spans, but each is cut elsewhere
def test_spans_checked_at_once_agree_with_the_span_by_span_check(case) -> None:
    """check_spans compares a source's spans joined with its quotes joined (when each quote is as long as its
    span) and goes span by span only when that fails: the shortcut must pass exactly when no span is suspect."""
    from coalition_data.validation.provenance import (
        _all_verbatim,
        _by_source,
        _suspect_spans,
    )

    text, starts, ends, quotes = case
    spans = pl.DataFrame({"_row": range(len(starts)), "source_id": "S", "char_start": starts, "char_end": ends,
                          "quote": quotes}, schema_overrides={"_row": pl.UInt32})
    (_, rows, grouped_starts, grouped_ends, joined), = _by_source(spans, "quote").iter_rows()
    assert (rows, grouped_starts, grouped_ends) == (list(range(len(starts))), starts, ends)
    shortcut = joined is not None and _all_verbatim(text, starts, ends, joined)
    assert shortcut == (_suspect_spans(text, starts, ends, quotes) == [])
