"""The shared tokenizer: word runs with their combining marks, other characters one by one."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.corpus.tokens import MARK_RANGES, is_mark, token_offsets, tokenize


def _every_mark() -> list[int]:
    return [cp for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp))[0] == "M"]


def test_the_mark_table_is_every_combining_mark_of_unicodedata() -> None:
    """Only planes 0, 1 and 14 are scanned at import; a full scan finds the same marks."""
    marks = _every_mark()
    listed = [cp for first, last in MARK_RANGES for cp in range(first, last + 1)]
    assert listed == marks
    assert min(marks) == 0x300  # the fast tests elsewhere rely on this
    for cp in (0x2FF, 0x300, 0x36F, 0x370, 0x93E, 0xFE0F, 0x20E3, 0xE0100, 0x41, 0x10FFFF):
        assert is_mark(chr(cp)) == (unicodedata.category(chr(cp))[0] == "M"), hex(cp)


def test_no_mark_is_a_word_or_space_character_for_re() -> None:
    word, space = re.compile(r"\w"), re.compile(r"\s")
    for cp in _every_mark():
        assert not word.match(chr(cp)) and not space.match(chr(cp)), hex(cp)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Plain ASCII and punctuation: as before (\w+|[^\w\s]).
        ("", []),
        ("   \n\t", []),
        ("The 25th Brigade, near al-Numan.", ["The", "25th", "Brigade", ",", "near", "al", "-",
                                              "Numan", "."]),
        ("3.5 km", ["3", ".", "5", "km"]),
        ("U.S.-backed", ["U", ".", "S", ".", "-", "backed"]),
        ("Kafr_Tala (x)", ["Kafr_Tala", "(", "x", ")"]),
        # Decomposed accents: e + U+0301 stays one word.
        ("cafe\u0301 au lait", ["cafe\u0301", "au", "lait"]),
        ("Bogota\u0301, Cu\u0308rdistan", ["Bogota\u0301", ",", "Cu\u0308rdistan"]),
        # Arabic with harakat (fatha, kasra, shadda, damma: all Mn).
        ("\u0642\u064e\u0635\u064e\u0641\u064e \u0627\u0644\u062c\u064e\u064a\u0652\u0634\u064f",
         ["\u0642\u064e\u0635\u064e\u0641\u064e",
          "\u0627\u0644\u062c\u064e\u064a\u0652\u0634\u064f"]),
        ("\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f\u064c.",
         ["\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f\u064c", "."]),
        # Devanagari vowel signs (Mc) and virama (Mn); Bengali likewise.
        ("\u0939\u093f\u0928\u094d\u0926\u0940 \u092d\u093e\u0937\u093e",
         ["\u0939\u093f\u0928\u094d\u0926\u0940", "\u092d\u093e\u0937\u093e"]),
        ("\u09ac\u09be\u0982\u09b2\u09be", ["\u09ac\u09be\u0982\u09b2\u09be"]),
        # An emoji with the U+FE0F variation selector (Mn) is one token; a keycap too.
        ("\u2764\ufe0f Kyiv", ["\u2764\ufe0f", "Kyiv"]),
        ("1\ufe0f\u20e3", ["1\ufe0f\u20e3"]),
        ("\U0001F4A5!", ["\U0001F4A5", "!"]),
        # ZWJ sequences: U+200D is a format character (Cf), not a mark, so a family emoji is
        # five tokens (emoji, ZWJ, emoji, ZWJ, emoji); skin tones (Sk) and flags' regional
        # indicators (So) are tokens of their own too.
        ("\U0001F468\u200d\U0001F469\u200d\U0001F467",
         ["\U0001F468", "\u200d", "\U0001F469", "\u200d", "\U0001F467"]),
        ("\U0001F44D\U0001F3FD", ["\U0001F44D", "\U0001F3FD"]),
        ("\U0001F1EB\U0001F1F7", ["\U0001F1EB", "\U0001F1F7"]),
        # Marks after punctuation belong to it; a word after them starts a new token.
        ("!\u0301a", ["!\u0301", "a"]),
        # A leading mark (at the start, or after a space) starts a word token.
        ("\u0301abc x \u0308y", ["\u0301abc", "x", "\u0308y"]),
    ],
)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected
    assert [text[s:e] for s, e in token_offsets(text)] == expected


def _reference(text: str) -> list[tuple[int, int]]:
    """The rule in words, one character at a time (independent of the regex)."""

    def kind(ch: str) -> str:
        if ch.isspace():
            return "space"
        if ch.isalnum() or ch == "_":
            return "word"
        if unicodedata.category(ch)[0] == "M":
            return "mark"
        return "other"

    out: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        k = kind(text[i])
        if k == "space":
            i += 1
            continue
        j = i + 1
        if k in ("word", "mark"):
            while j < len(text) and kind(text[j]) in ("word", "mark"):
                j += 1
        else:
            while j < len(text) and kind(text[j]) == "mark":
                j += 1
        out.append((i, j))
        i = j
    return out


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(
    st.sampled_from(["a", "Z", "_", "7", " ", "\n", "!", "-", ".", "\u0301", "\u064e",
                     "\u093e", "\ufe0f", "\u20e3", "\u200d", "\U0001F468", "\u0939", "\u00a0"]),
    st.characters(codec="utf-8")), max_size=40).map("".join))
def test_the_regex_follows_the_rule(text: str) -> None:
    assert token_offsets(text) == _reference(text)

