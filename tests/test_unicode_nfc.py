"""The NFC pre-check class is what the Unicode database says, and catches every text NFC would change."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from coalition_data.validation import unicode_nfc


def _python_class(pattern: str) -> re.Pattern[str]:
    """The Rust-regex class (\\x{XXXX}) as a Python one."""
    return re.compile(re.sub(r"\\x\{([0-9A-F]+)\}", lambda m: f"\\U{int(m.group(1), 16):08X}", pattern))


def test_the_class_in_the_module_is_the_computed_one() -> None:
    assert unicode_nfc.source() in Path(unicode_nfc.__file__).read_text(encoding="utf-8")


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=12))
def test_a_text_without_suspects_is_already_nfc(text: str) -> None:
    if not _python_class(unicode_nfc.MAY_CHANGE_UNDER_NFC).search(text):
        assert unicodedata.normalize("NFC", text) == text


def test_known_changes_are_suspected() -> None:
    suspect = _python_class(unicode_nfc.MAY_CHANGE_UNDER_NFC)
    for text in ["e\u0301", "\u0627\u0653", "\u1100\u1161", "\u212b", "قال\u064e"]:
        assert unicodedata.normalize("NFC", text) != text or unicodedata.combining(text[-1])
        assert suspect.search(text), text
