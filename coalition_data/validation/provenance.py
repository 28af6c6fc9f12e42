"""Rules tying rows to the article texts: checksums, verbatim spans, attested names."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path
from typing import NamedTuple

import polars as pl

from coalition_data.package import PackageError, inside
from coalition_data.validation.csv_reading import ParsedTable
from coalition_data.validation.problems import Problem

SPAN_TABLES = {"claims": "quote_ar", "furniture": "text_ar"}


# Source files converted to text per pass: enough to make the conversion cheap, few enough to bound the copy.
_FILES_PER_PASS = 500
# Spans compared per pass: the quotes of a pass are joined into one string, so this bounds that copy.
_SPANS_PER_PASS = 250_000


class Articles(NamedTuple):
    """The source texts that could be read, as one Polars column converted from the files' bytes (no Python
    string is made for an article until its spans are checked), each source_id's position in it, and the
    ``sources`` row of each text."""

    positions: dict[str, int]
    texts: pl.Series
    rows: list[int]

    def text(self, source_id: str) -> str | None:
        position = self.positions.get(source_id)
        return None if position is None else self.texts[position]


def read_sources(tables: dict[str, ParsedTable], root: Path) -> Articles:
    """Check each source file against its row; return the texts that could be read."""
    parsed = tables.get("sources")
    positions: dict[str, int] = {}
    rows: list[int] = []
    chunks = [pl.Series([], dtype=pl.String)]
    if parsed is None or parsed.frame is None:
        return Articles(positions, chunks[0], rows)
    batch: list[_SourceFile] = []
    columns = ["source_id", "path", "sha256", "bytes", "chars"]
    for row, (source_id, path, sha256, size, chars) in enumerate(parsed.frame.select(columns).iter_rows()):
        if source_id is None or path is None:
            continue
        try:
            file = inside(root, path)
        except PackageError as exc:
            parsed.problem(row, "path", path, "source-path", str(exc))
            continue
        if not file.is_file():
            parsed.problem(row, "path", path, "source-missing", "the source text file does not exist")
            continue
        raw = file.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if sha256 is not None and digest != sha256:
            parsed.problem(row, "sha256", sha256, "source-hash", f"the file's SHA-256 is {digest}: the text changed, or the hash is wrong")
            # the article itself, as the likelier cause (a hash is copied, a text gets edited)
            parsed.problems.append(Problem(path, None, None, None, "source-hash",
                                           f"this article's SHA-256 is not the one {parsed.file} {parsed.unit} {parsed.line(row)} "
                                           "records: the text changed (restore it exactly as published), or the hash is wrong"))
        if size is not None and len(raw) != size:
            parsed.problem(row, "bytes", size, "source-size", f"the file has {len(raw)} bytes")
        batch.append(_SourceFile(row, source_id, path, chars, raw))
        if len(batch) == _FILES_PER_PASS:
            chunks.append(_texts(batch, parsed, positions, rows, sum(map(len, chunks))))
            batch = []
    chunks.append(_texts(batch, parsed, positions, rows, sum(map(len, chunks))))
    return Articles(positions, pl.concat(chunks, rechunk=False), rows)


def unlisted_sources(tables: dict[str, ParsedTable], root: Path) -> list[Problem]:
    """Each file under data/sources/ that no ``sources`` row names (every one, when the descriptor has no
    sources table: dropping the table must not switch the check off)."""
    parsed = tables.get("sources")
    if parsed is not None and (parsed.frame is None or "path" not in parsed.frame.columns):
        return []  # the rows could not be read: which files they name is unknown
    listed = set(parsed.frame["path"].drop_nulls()) if parsed is not None else set()
    why = ("a file under data/sources/ has no row in sources: describe it or remove it" if parsed is not None else
           "a file under data/sources/, but datapackage.json has no sources table to describe it")
    folder = root / "data" / "sources"
    return [Problem(relative, None, None, None, "source-unlisted", why)
            for relative in (file.relative_to(root).as_posix() for file in sorted(folder.glob("*")) if folder.is_dir())
            if relative not in listed]


class _SourceFile(NamedTuple):
    row: int
    source_id: str
    path: str
    chars: int | None
    raw: bytes


def _texts(batch: list[_SourceFile], parsed: ParsedTable, positions: dict[str, int], rows: list[int],
           first: int) -> pl.Series:
    """The batch's files that are UTF-8, as text; each one's source_id and row are noted at its position (counted
    from ``first``). A file that is not UTF-8, or not as long as its row says, is reported."""
    try:
        texts = pl.Series([file.raw for file in batch], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.ComputeError:  # some file is not UTF-8: Python's decoder says which, and where
        decoded = []
        for file in batch:
            try:
                decoded.append((file, file.raw.decode("utf-8")))
            except UnicodeDecodeError as exc:
                parsed.problem(file.row, "path", file.path, "encoding", f"source text is not UTF-8 (byte offset {exc.start})")
        batch = [file for file, _ in decoded]
        texts = pl.Series([text for _, text in decoded], dtype=pl.String)
    for position, (file, length) in enumerate(zip(batch, texts.str.len_chars()), first):
        if file.chars is not None and length != file.chars:
            parsed.problem(file.row, "chars", file.chars, "source-size", f"the text has {length} characters")
        positions[file.source_id] = position
        rows.append(file.row)
    return texts


def check_spans(tables: dict[str, ParsedTable], articles: Articles) -> None:
    """Each quoted span equals its source text between the offsets, and cuts no letter from its marks."""
    sources = tables.get("sources")
    listed = set(sources.frame["source_id"].drop_nulls()) if sources is not None and sources.frame is not None else None
    readable = pl.col("source_id").is_in(list(articles.positions))
    for name, column in SPAN_TABLES.items():
        parsed = tables.get(name)
        if parsed is None or parsed.frame is None:
            continue
        frame = parsed.frame.select("source_id", "char_start", "char_end", column).with_row_index("_row")
        frame = frame.drop_nulls().filter(pl.col("char_start") < pl.col("char_end"))
        unread = frame.filter(~readable).group_by("source_id", maintain_order=True).agg(pl.col("_row").first(), pl.len())
        for source_id, row, count in unread.iter_rows():
            if listed is None or source_id in listed:  # an unlisted ID is the foreign-key rule's to report
                parsed.problem(row, "source_id", source_id, "span-unchecked",
                               f"the text of source {source_id} could not be read (see data/sources.csv), so the "
                               f"{count} span(s) citing it were not checked")
        for chunk in frame.filter(readable).sort("source_id", maintain_order=True).iter_slices(_SPANS_PER_PASS):
            for source_id, rows, starts, ends, joined in _by_source(chunk, column).iter_rows():
                text = articles.text(source_id)
                if joined is not None and _all_verbatim(text, starts, ends, joined):
                    continue
                quotes = parsed.frame[column].gather(rows).to_list()
                for i in _suspect_spans(text, starts, ends, quotes):
                    _report_span(parsed, column, text, rows[i], starts[i], ends[i], quotes[i])


def _by_source(spans: pl.DataFrame, column: str) -> pl.DataFrame:
    """Per source: its spans' rows and offsets, and its quotes joined into one UTF-8 string when each is as
    long as its span (else null). Comparing that with the text's spans joined checks every span at once,
    without turning each quote into a Python string (which cost more than all the comparisons)."""
    lengths_match = pl.col(column).str.len_chars() == pl.col("char_end") - pl.col("char_start")
    return spans.group_by("source_id", maintain_order=True).agg(
        "_row", "char_start", "char_end",
        pl.when(lengths_match.all()).then(pl.col(column).str.join("")).cast(pl.Binary).alias("_joined"))


def _all_verbatim(text: str, starts: list[int], ends: list[int], joined: bytes) -> bool:
    """True when the spans joined equal ``joined``, the quotes joined (only valid when each quote is as long
    as its span, as ``_by_source`` checks), and no span starts or ends on a combining mark."""
    size = len(text)
    if max(ends) > size:
        return False
    if "".join(map(text.__getitem__, map(slice, starts, ends))).encode() != joined:
        return False
    edges = "".join(map(text.__getitem__, starts)) + "".join([text[end] for end in ends if end < size])
    return not any(map(unicodedata.combining, edges))


def _suspect_spans(text: str, starts: list[int], ends: list[int], quotes: list[str]) -> list[int]:
    """Indexes of spans that differ from the text or start or end on a combining mark."""
    size, combining = len(text), unicodedata.combining
    return [i for i, (start, end, quote) in enumerate(zip(starts, ends, quotes, strict=True))
            if end > size or text[start:end] != quote or combining(text[start]) or (end < size and combining(text[end]))]


def _report_span(parsed: ParsedTable, column: str, text: str, row: int, start: int, end: int, quote: str) -> None:
    if end > len(text):
        parsed.problem(row, "char_end", end, "span-bounds", f"past the end of the source text ({len(text)} characters)")
        return
    actual = text[start:end]
    if actual != quote:
        parsed.problem(row, column, quote, "verbatim",
                       f"differs from the source text at {start}:{end}, which reads «{actual[:80]}»"
                       + _first_difference(quote, actual))
    else:
        parsed.problem(row, "char_start", start, "span-boundary", "the span cuts a letter from its diacritic mark")


def _first_difference(quote: str, actual: str) -> str:
    for index, (a, b) in enumerate(zip(quote, actual)):
        if a != b:
            return f" (first difference at character {index}: U+{ord(a):04X} vs U+{ord(b):04X})"
    return f" (lengths {len(quote)} vs {len(actual)})"


ARTICLE, ELIDED = "ال", "لل"  # the definite article, and li- before it with the alif elided


def check_attested(tables: dict[str, ParsedTable], articles: Articles) -> None:
    """Fields marked x-attested occur verbatim in a source text: names in some article, and what a ``sources``
    row says its own article prints (headline, outlet, credit line) in that article."""
    if articles.texts.is_empty():
        return
    anywhere = []
    for parsed in tables.values():
        if parsed.frame is not None:
            names = [spec["name"] for spec in parsed.table.fields if spec.get("x-attested")]
            if parsed.table.name == "sources":
                _check_in_own_article(parsed, names, articles)
            else:
                anywhere += [(parsed, name) for name in names]
    if not anywhere:
        return
    # An empty string trivially occurs (the empty-string rule reports it); as a pattern it would match inside letters.
    distinct = pl.concat([parsed.frame[name] for parsed, name in anywhere]).drop_nulls().unique()
    distinct = distinct.filter(distinct != "")
    # After the preposition li- the article's alif is not written (ل + الناطق is printed للناطق): a name is
    # attested in its bare form where its elided form occurs.
    elided = (ELIDED + distinct.filter(distinct.str.starts_with(ARTICLE)).str.slice(len(ARTICLE))).alias("elided")
    occurring = _occurring(pl.concat([distinct, elided]).unique(), articles.texts)
    bare = (ARTICLE + occurring.filter(occurring.str.starts_with(ELIDED)).str.slice(len(ELIDED)))
    found = pl.concat([occurring, bare, pl.Series([""])])
    for parsed, name in anywhere:
        values = parsed.frame[name]
        for row in (values.is_not_null() & ~values.is_in(found.implode())).arg_true().to_list():
            parsed.problem(row, name, values[row], "attested", "this text does not occur verbatim in any source article")


def _check_in_own_article(sources: ParsedTable, names: list[str], articles: Articles) -> None:
    """Each text beside its own row's values (gathering the texts instead would copy them all). A row whose
    article was not read (no source_id or path, or a file missing or not UTF-8) is left out: other rules report
    why."""
    rows = pl.Series(articles.rows, dtype=pl.UInt32)
    for name in names:
        values = sources.frame[name].gather(rows)
        absent = (values != "") & ~articles.texts.str.contains(values, literal=True)  # null: nothing to check
        for index in absent.fill_null(False).arg_true().to_list():
            row = articles.rows[index]
            sources.problem(row, name, values[index], "attested",
                            f"this text does not occur verbatim in the source's own article ({sources.frame['path'][row]})")


def _occurring(values: pl.Series, texts: pl.Series, batch: int = 200) -> pl.Series:
    """The values that occur in some text. Each Aho-Corasick pass finds every remaining value at once; a value
    found is not searched for again, so the batches of texts can double while fewer values remain."""
    found, start = [], 0
    while start < len(texts) and not values.is_empty():
        hits = (texts.slice(start, batch).str.extract_many(values.to_list(), overlapping=True)
                .explode().drop_nulls().unique())
        found.append(hits)
        values = values.filter(~values.is_in(hits.implode()))
        start, batch = start + batch, batch * 2
    return pl.concat(found).unique() if found else values.clear()
