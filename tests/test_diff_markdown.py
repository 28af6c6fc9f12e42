"""`diff --format markdown`, read back with an independent Markdown renderer (markdown-it-py, GFM tables), and
its agreement with `validate` on the version bump a change needs and on files that only changed bytes."""

from __future__ import annotations

import csv
import io
import json
import shutil
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO, PackageCopy
from markdown_it import MarkdownIt

from coalition_data.cli import main
from coalition_data.package import open_package
from coalition_data.validation.versions import ONLY_BYTES, write_manifest


class Cells(HTMLParser):
    """Every rendered table as rows of cell texts, a <br> read as a line break."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def rendered(markdown: str) -> tuple[str, list[list[list[str]]]]:
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    cells = Cells()
    cells.feed(html)
    return html, cells.tables


def diff_markdown(old: Path, new: Path, capsys) -> str:
    assert main(["diff", str(old), str(new), "--format", "markdown"]) == 0
    return capsys.readouterr().out


@pytest.fixture
def released(tmp_path: Path) -> tuple[PackageCopy, PackageCopy]:
    """The package as released (manifest written, CHANGELOG in place), and a copy of it to change."""
    old = PackageCopy(tmp_path / "old")
    new = PackageCopy(tmp_path / "new")
    shutil.copy(REPO / "CHANGELOG.md", new.root / "CHANGELOG.md")
    write_manifest(open_package(new.root))
    return old, new


def version_bump(new: PackageCopy) -> str:
    [message] = [p.message for p in new.validate() if p.rule == "version-bump"]
    return message


def test_changed_cells_old_to_new_with_arabic_pipes_and_line_breaks(released, capsys) -> None:
    old, new = released
    before = new.rows("location_names")[0]
    hostile = before["name_ar"] + " | <b>جديد</b>\nسطر"
    rows = new.rows("events")
    rows[0]["summary_en"] = "Two | pipes\nand a line & more"
    new.write_rows("events", rows)
    _, tables = rendered(diff_markdown(old.root, new.root, capsys))
    changed = next(t for t in tables if t[0] == ["row", "column", "old", "→ new"])
    assert changed[1:] == [["EV0001", "summary_en", old.rows("events")[0]["summary_en"], rows[0]["summary_en"]]]
    summary = tables[0]
    assert summary[0][:5] == ["table", "status", "rows added", "rows removed", "rows changed"]
    assert summary[1:] == [["events", "changed", "0", "0", "1", "0"]]

    # a changed key: the composite key (location_id, name_ar) of location_names makes it a removal and an addition
    names = new.rows("location_names")
    names[0]["name_ar"] = hostile
    new.write_rows("location_names", names)
    markdown = diff_markdown(old.root, new.root, capsys)
    assert "\\u06" not in markdown and "<b>" not in markdown and "| <b>جديد</b>\nسطر" not in markdown
    assert "\\| &lt;b&gt;جديد&lt;/b&gt;<br>سطر" in markdown  # Arabic as Arabic; pipe, tag and line break escaped
    _, tables = rendered(markdown)
    header = list(before)
    added, removed = (t for t in tables if t[0] == header)
    assert added[1:] == [[before["location_id"], hostile, before["note_en"]]]  # read back exactly, in full
    assert removed[1:] == [list(before.values())]


def test_a_schema_change_needs_a_major_bump_and_both_commands_say_why(released, capsys) -> None:
    old, new = released
    new.set_constraints("events", "fatalities", maximum=100000)
    markdown = diff_markdown(old.root, new.root, capsys)
    reason = "schema of events changed: fields, types, constraints or keys (major)"
    assert "This change needs a **major** bump (before 1.0.0 a minor bump is enough), because:" in markdown
    assert f"- {reason}\n" in markdown
    assert "Changed files: schemas/events.schema.json\n" in markdown
    html = unescape(rendered(markdown)[0])
    assert '<li>events: ~ column fatalities: constraints {"minimum": 0} → {"minimum": 0, "maximum": 100000}</li>' in html
    assert "is no bump: ❌ <strong>not enough</strong>" in html

    message = version_bump(new)
    assert f"because {reason}; changed since {open_package(old.root).version}: schemas/events.schema.json" in message

    new.set_version(new.next_minor(), changelog=True)
    assert new.validate() == []
    assert "is a minor bump: ✅ enough" in diff_markdown(old.root, new.root, capsys)


def test_new_rows_need_a_minor_bump(released, capsys) -> None:
    old, new = released
    rows = new.rows("countries")
    rows.append({**rows[0], "country_code": "ZZZ", "iso_alpha2": "ZZ"})  # sorts last, as the table must
    new.write_rows("countries", rows)
    markdown = diff_markdown(old.root, new.root, capsys)
    assert "needs a **minor** bump, because:\n\n- countries has 1 more rows (minor)\n" in markdown
    assert "countries has 1 more rows (minor); changed since" in version_bump(new)


def resave_quoting_every_value(path: Path) -> None:
    """As a spreadsheet might save it: every non-empty value quoted; the same rows."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    text = "".join(",".join(f'"{v.replace(chr(34), 2 * chr(34))}"' if v else "" for v in row) + "\n" for row in rows)
    path.write_text(text, encoding="utf-8", newline="")


def test_a_resaved_file_with_the_same_rows_is_said_so_by_both(released, capsys) -> None:
    old, new = released
    resave_quoting_every_value(new.csv("events"))
    assert new.csv("events").read_bytes() != old.csv("events").read_bytes()

    message = version_bump(new)
    assert f"because {ONLY_BYTES}; changed since" in message
    assert message.endswith("data/events.csv (bytes changed, rows identical)")

    markdown = diff_markdown(old.root, new.root, capsys)
    _, tables = rendered(markdown)
    assert tables[0][1:] == [["events", "bytes changed, rows identical", "0", "0", "0", "0"]]
    assert f"- {ONLY_BYTES}\n" in markdown
    assert "Changed files: data/events.csv (bytes changed, rows identical)\n" in markdown

    assert main(["diff", str(old.root), str(new.root)]) == 0
    assert "events: changed; 0 added, 0 removed, 0 changed; bytes changed, rows identical" in capsys.readouterr().out
    assert main(["diff", str(old.root), str(new.root), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["tables"]["events"]["bytes"] == "bytes changed, rows identical"


def test_reordered_rows_are_not_called_identical(released, capsys) -> None:
    old, new = released
    new.write_rows("countries", new.rows("countries")[::-1])
    markdown = diff_markdown(old.root, new.root, capsys)
    assert "Bytes changed, the same rows by key in another order or spelling." in markdown
    assert ONLY_BYTES not in markdown
    assert "bytes changed, the same rows by key" in markdown.split("### countries")[0]  # in the summary table


def test_no_change_says_so(released, capsys) -> None:
    old, new = released
    markdown = diff_markdown(old.root, new.root, capsys)
    assert markdown.endswith("no data or schema change, no bump needed.\n\nNo differences in any table.\n")


def test_a_version_that_is_not_semver_still_gets_the_row_diff(released, capsys) -> None:
    old, new = released
    new.set_cell("events", 0, "title_en", "A corrected title")
    new.set_version("0.5")
    markdown = diff_markdown(old.root, new.root, capsys)
    assert "**Version**: cannot tell the version bump this change needs: version '0.5' is not MAJOR.MINOR.PATCH" in markdown
    assert "| EV0001 | title_en |" in markdown
