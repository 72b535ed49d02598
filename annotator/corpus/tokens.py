"""The one tokenizer shared by the span editor (snapping), agreement metrics and CoNLL export."""

from __future__ import annotations

import re
import sys
import unicodedata
from bisect import bisect_right
from functools import cache

# Combining marks (Unicode general categories Mn, Mc, Me) belong to the character they follow.
# Python's \w does not match them, so without this "cafe\u0301" (a decomposed é) would be
# "cafe" + "\u0301", and Arabic harakat (Mn) or Devanagari vowel signs (Mc) would cut words
# apart. The set comes from the interpreter's own unicodedata, read once at import: the same
# Unicode version as str.isalnum() and re's \w, so the regex, the agreement library's NumPy
# table (agreement/tokenizing.py) and the export's fast boundary test (export/formats.py) classify
# every code point alike (tests compare them for all of them). The third-party `regex` module's
# \p{M} would do too, but it ships its own Unicode version, which could disagree with \w.
# Marks live only in planes 0, 1 and 14 (2-3 hold CJK ideographs, 4-13 are unassigned, 15-16
# private use), so only those are scanned: about 15 ms per start instead of 65 ms for all
# 1.1 million code points (tests/corpus/test_tokens.py checks the result against a full scan).
_SCANNED_PLANES = (0, 1, 14)


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


def _mark_ranges() -> tuple[tuple[int, int], ...]:
    """Inclusive (first, last) code-point ranges of every combining mark."""
    ranges: list[list[int]] = []
    for plane in _SCANNED_PLANES:
        for cp in range(plane << 16, min((plane + 1) << 16, sys.maxunicode + 1)):
            if _is_mark(chr(cp)):
                if ranges and ranges[-1][1] == cp - 1:
                    ranges[-1][1] = cp
                else:
                    ranges.append([cp, cp])
    return tuple((a, b) for a, b in ranges)


@cache
def mark_ranges() -> tuple[tuple[int, int], ...]:
    """Inclusive (first, last) code-point ranges of every combining mark (scanned once, on
    first use: a command that never tokenizes does not pay for the scan)."""
    return _mark_ranges()


@cache
def _range_starts() -> list[int]:
    return [a for a, _ in mark_ranges()]


def is_mark(ch: str) -> bool:
    """Whether ``ch`` is a combining mark, as the tokenizer counts them (one code point)."""
    i = bisect_right(_range_starts(), ord(ch)) - 1
    return i >= 0 and ord(ch) <= mark_ranges()[i][1]


@cache
def token_re() -> re.Pattern[str]:
    """The token pattern, compiled on first use.

    A word token is a maximal run of word characters and combining marks (a mark at the
    start, e.g. after a space, simply starts one); every other non-space character is a token
    of its own together with the combining marks that follow it (an emoji and its U+FE0F
    variation selector). Offsets are Python string indices (code points), the unit used for
    spans everywhere.
    """
    marks = "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}"
                    for a, b in mark_ranges())
    return re.compile(rf"[\w{marks}]+|[^\w\s][{marks}]*")


def __getattr__(name: str) -> object:
    # MARK_RANGES, TOKEN_RE and TOKEN_PATTERN stay module attributes, built on first access.
    if name == "MARK_RANGES":
        return mark_ranges()
    if name == "TOKEN_RE":
        return token_re()
    if name == "TOKEN_PATTERN":
        return token_re().pattern
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# How the pattern reads, for reports and documentation (the real one lists the mark ranges).
TOKEN_PATTERN_SUMMARY = r"[\w\p{M}]+|[^\w\s]\p{M}*"


def token_offsets(text: str) -> list[tuple[int, int]]:
    """Return the half-open [start, end) code-point offsets of every token in ``text``."""
    return [m.span() for m in token_re().finditer(text)]


def tokenize(text: str) -> list[str]:
    """Return the tokens of ``text`` as strings."""
    return token_re().findall(text)
