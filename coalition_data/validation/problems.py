"""A problem found in the package, and how problems are reported."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

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


# Text: one line per problem, a run of one rule with one cause folded into one entry, and a summary.

FOLD_AFTER = 5  # a group of more problems than this with the same rule and message is shown as one entry
_MISSING_REFERENCE = re.compile(r"no row in (?P<table>\S+) has ")


def _line(p: Problem) -> str:
    where = p.file + (f":{p.line}" if p.line is not None else "")
    column = f" column {p.column}:" if p.column else ""
    value = f" value «{p.value}»" if p.value is not None else ""
    return f"{where}:{column} [{p.rule}] {p.message}{value}"


def _entries(problems: list[Problem]) -> list[list[Problem]]:
    """Problems grouped by (rule, message): the single ones first, in order, then the folded runs in the order
    of their first problem, so that a cause (a table left empty) comes before its many consequences."""
    groups: dict[tuple[str, str], list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.rule, p.message), []).append(p)
    entries: list[list[Problem]] = []
    for group in groups.values():
        entries += [group] if len(group) > FOLD_AFTER else [[p] for p in group]
    order = {id(p): i for i, p in enumerate(problems)}
    return sorted(entries, key=lambda entry: (len(entry) > 1, order[id(entry[0])]))


def _folded(group: list[Problem]) -> str:
    files = len({p.file for p in group})
    first = group[0]
    reference = _MISSING_REFERENCE.match(first.message)
    if first.rule == "foreign-key" and reference:
        head = (f"{len(group)} rows in {files} table{'s' if files > 1 else ''} refer to {reference['table']} that do "
                f"not exist [foreign-key] ({first.message})")
    else:
        head = f"{len(group)} problems in {files} file{'s' if files > 1 else ''}: [{first.rule}] {first.message}"
    return "\n".join([f"{head}; first {FOLD_AFTER}:", *(f"  {_line(p)}" for p in group[:FOLD_AFTER])])


def summary(problems: list[Problem]) -> str:
    """One line: how many problems, by rule and by file, most first."""
    def counted(values: list[str]) -> str:
        return ", ".join(f"{name} {n}" for name, n in sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0])))

    plural = "s" if len(problems) != 1 else ""
    return (f"{len(problems)} problem{plural}; by rule: {counted([p.rule for p in problems])}"
            f"; by file: {counted([p.file for p in problems])}")


def format_text(problems: list[Problem], max_problems: int | None = None) -> str:
    """One line per problem, repeated consequences folded (``FOLD_AFTER``), at most ``max_problems`` entries
    (a folded group counts as one), then the summary line."""
    if not problems:
        return ""
    entries = _entries(problems)
    shown_entries = entries if max_problems is None else entries[:max_problems]
    lines = [_line(entry[0]) if len(entry) == 1 else _folded(entry) for entry in shown_entries]
    hidden = sum(len(entry) for entry in entries[len(shown_entries):])
    if hidden:
        lines.append(f"… {hidden} more problem{'s' if hidden > 1 else ''} not shown (--max-problems "
                     f"{max_problems}); --format json lists every one")
    lines.append(summary(problems))
    return "\n".join(lines)


def format_json(problems: list[Problem]) -> str:
    return json.dumps({"valid": not problems, "problems": [asdict(p) for p in problems]},
                      ensure_ascii=False, indent=2)


# GitHub Actions workflow commands: one ``::error`` per problem, placed on its line and cell in the pull request.

def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class _Cells:
    """Finds where a cell starts in a package's CSV files (read once each, never outside the package)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root.resolve() if root is not None else None
        self.files: dict[str, tuple[list[str], list[int], str] | None] = {}

    def _read(self, file: str) -> tuple[list[str], list[int], str] | None:
        if file not in self.files:
            self.files[file] = None
            if self.root is not None and file.endswith(".csv"):
                path = (self.root / file).resolve()
                if path.is_relative_to(self.root) and path.is_file():
                    text = path.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
                    header = next(csv.reader(io.StringIO(text[:text.find("\n") + 1 or None])), [])
                    starts = [0] + [match.end() for match in re.finditer("\n", text)]
                    self.files[file] = (header, starts, text)
        return self.files[file]

    def position(self, p: Problem) -> tuple[int, int] | None:
        """(line, 1-based character column) where the problem's cell starts, if the file and column are known."""
        if p.line is None or not p.column:
            return None
        read = self._read(p.file)
        if read is None:
            return None
        header, starts, text = read
        column = p.column.split(", ")[0]  # a rule over several columns names them all; point at the first
        if column not in header or not 1 <= p.line <= len(starts):
            return None
        target, field, quoted = header.index(column), 0, False
        line, line_start, i = p.line, starts[p.line - 1], starts[p.line - 1]
        while field < target:
            if i >= len(text):
                return None
            ch = text[i]
            if ch == '"':
                quoted = not quoted  # a doubled quote inside a quoted field toggles twice
            elif ch == "," and not quoted:
                field += 1
            elif ch == "\n":
                if not quoted:
                    return None  # the record ended before the column
                line, line_start = line + 1, i + 1
            i += 1
        return line, i - line_start + 1


def format_github(problems: list[Problem], root: Path | None = None, prefix: str = "",
                  max_problems: int | None = None) -> str:
    """GitHub Actions ``::error`` commands. ``root`` is the package folder (to find each cell's character
    column); ``prefix`` is that folder relative to the repository, put before every file name."""
    cells = _Cells(root)
    lines = []
    # GitHub shows the first ten errors of a step on the pull request, in print order: the single problems
    # (causes, more often) before the runs of one cause, as in the text report.
    ordered = [p for entry in _entries(problems) for p in entry]
    for p in ordered[:max_problems]:
        properties = {"file": f"{prefix}{p.file}"}
        position = cells.position(p)
        if position is not None:
            properties["line"], properties["col"] = str(position[0]), str(position[1])
        elif p.line is not None:
            properties["line"] = str(p.line)
        properties["title"] = p.rule
        column = f"column {p.column}: " if p.column else ""
        value = f" value «{p.value}»" if p.value is not None else ""
        props = ",".join(f"{k}={escape_property(v)}" for k, v in properties.items())
        lines.append(f"::error {props}::{escape_data(column + p.message + value)}")
    if max_problems is not None and len(problems) > max_problems:
        lines.append(f"{len(problems) - max_problems} more problem(s) not annotated (--max-problems {max_problems})")
    lines.append(escape_data(summary(problems)) if problems else "valid: every check passed")  # one plain line
    return "\n".join(lines)
