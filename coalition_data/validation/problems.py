"""A problem found in the package, and how problems are reported."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

MAX_VALUE_CHARS = 120


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (file, 1-based line, column), what (value) and which rule."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    rule: str
    message: str

    def sort_key(self) -> tuple:
        return (self.file, self.line or 0, self.column or "", self.rule, self.value or "")


def shown(value: object) -> str | None:
    """A value as a curator should see it: Arabic as Arabic, control characters visible, long text cut."""
    if value is None:
        return None
    text = str(value)
    text = "".join(ch if ch.isprintable() or ch == " " else f"\\u{ord(ch):04x}" for ch in text)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + "…"
    return text


def format_text(problems: list[Problem]) -> str:
    lines = []
    for p in problems:
        where = p.file + (f":{p.line}" if p.line is not None else "")
        column = f" column {p.column}:" if p.column else ""
        value = f" value «{p.value}»" if p.value is not None else ""
        lines.append(f"{where}:{column} [{p.rule}] {p.message}{value}")
    return "\n".join(lines)


def format_json(problems: list[Problem]) -> str:
    return json.dumps({"valid": not problems, "problems": [asdict(p) for p in problems]},
                      ensure_ascii=False, indent=2)
