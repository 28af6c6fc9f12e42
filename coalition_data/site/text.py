"""An article's text cut into pieces around its claim and furniture spans, and a quote's sentence.

Spans may nest, touch or cross. Crossing spans cannot both be one HTML element, so the later one
is closed where the earlier one ends and reopened after it; only its first piece carries the ``id``
a fragment link jumps to, and every piece carries its ``data-claim-id``.
"""

from __future__ import annotations

from dataclasses import dataclass

SENTENCE_ENDS = ".!?؟\n"
CONTEXT = 240  # characters of sentence shown on each side of a quote, at most


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # "claim" or "furniture"
    key: str  # claim_id, or the furniture kind
    note: str = ""
    number: int = 0  # the claim's place in the article, to tell touching spans apart


@dataclass(frozen=True)
class Piece:
    kind: str  # "text", "open" or "close"
    text: str = ""
    span: Span | None = None
    first: bool = False  # the span's first piece (carries the id)
    depth: int = 0


def pieces(text: str, spans: list[Span]) -> list[Piece]:
    """``text`` as text, open and close pieces, properly nested, covering every span."""
    starts: dict[int, list[Span]] = {}
    for span in spans:
        starts.setdefault(span.start, []).append(span)
    bounds = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out: list[Piece] = []
    stack: list[Span] = []
    opened: set[Span] = set()
    last = 0
    for at in bounds:
        if at > last:
            out.append(Piece("text", text[last:at]))
        last = at
        ending = [i for i, span in enumerate(stack) if span.end == at]
        if ending:
            closed = stack[ending[0]:]
            del stack[ending[0]:]
            out.extend(Piece("close", span=span) for span in reversed(closed))
            for span in closed:
                if span.end > at:  # crossed by a span that ended: continue it in a new piece
                    stack.append(span)
                    out.append(Piece("open", span=span, depth=len(stack)))
        for span in sorted(starts.get(at, []), key=lambda s: (-s.end, s.kind != "furniture", s.key)):
            stack.append(span)
            out.append(Piece("open", span=span, first=span not in opened, depth=len(stack)))
            opened.add(span)
    out.extend(Piece("close", span=span) for span in reversed(stack))
    return out


def in_sentence(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The words before the span in its sentence, the span, and the words after it."""
    before = start
    while before > 0 and start - before < CONTEXT and text[before - 1] not in SENTENCE_ENDS:
        before -= 1
    after = end
    while after < len(text) and after - end < CONTEXT and text[after - 1] not in SENTENCE_ENDS:
        after += 1
    lead = ("…" if before > 0 and text[before - 1] not in SENTENCE_ENDS else "") + text[before:start]
    tail = text[end:after] + ("…" if after < len(text) and text[after - 1] not in SENTENCE_ENDS else "")
    return lead.lstrip(), text[start:end], tail.rstrip()


def date_text(row: dict) -> str:
    """A date as finely as it is known: a day, a month, a year or a range; 'unknown' when it is not."""
    start, end, precision = row.get("date_start"), row.get("date_end"), row.get("date_precision")
    if start is None and end is None:
        return "date unknown"
    if start is None or end is None:
        return f"after {start}" if end is None else f"before {end}"
    if precision == "day" or start == end:
        return start.isoformat()
    if precision == "month":
        return start.strftime("%Y-%m")
    if precision == "year":
        return str(start.year)
    return f"{start.isoformat()} to {end.isoformat()}"
