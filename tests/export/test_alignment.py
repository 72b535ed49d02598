"""Token alignment: widening and dropping spans, the fast boundary check, BIO tags."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.export.alignment import align, bio_tags, boundary_problems
from tests.export.sample_records import TEXT, gold


@pytest.mark.parametrize(
    ("spans", "ranges", "exact", "off", "dropped"),
    [
        ([(5, 17)], [(2, 4)], [True], 0, 0),                      # "Samir Haddad"
        ([(0, 4)], [(0, 2)], [True], 0, 0),                       # "Gen." = Gen + .
        ([(6, 10)], [(2, 3)], [False], 1, 0),                     # "amir" widens to Samir
        ([(4, 10)], [(2, 3)], [False], 1, 0),                     # " Samir" (leading space)
        ([(4, 5)], [None], [False], 0, 1),                        # only a space: no token
        ([(5, 9), (8, 17)], [(2, 3), (3, 4)], [False, False], 2, 0),  # share "Samir"
        ([(5, 10), (6, 8)], [(2, 3), None], [True, False], 0, 1),     # inside a taken token
        ([(36, 45), (0, 4)], [(7, 9), None], [True, False], 0, 1),    # callers sort first
    ],
)
def test_align_widens_and_drops_deterministically(spans, ranges, exact, off, dropped) -> None:
    result = align(TEXT, [gold(s, e) for s, e in spans])
    assert (result.ranges, result.exact, result.off_boundary, result.dropped) == (
        ranges, exact, off, dropped)


def test_fast_boundary_check_uses_the_tokenizers_character_classes() -> None:
    """boundary_problems tests characters with str methods and tokens.is_mark instead of the
    regex: the same classes for every code point, and every mark at U+0300 or above (its
    quick pre-test)."""
    import re
    import sys

    from annotator.corpus.tokens import TOKEN_RE, is_mark

    word, space = re.compile(r"\w"), re.compile(r"\s")
    for i in range(sys.maxunicode + 1):
        ch = chr(i)
        assert (word.match(ch) is not None) == (ch.isalnum() or ch == "_"), hex(i)
        assert (space.match(ch) is not None) == ch.isspace(), hex(i)
        if is_mark(ch):
            assert ch >= "\u0300", hex(i)
            # The regex joins it to a word before it and to an "other" character before it.
            assert TOKEN_RE.fullmatch("a" + ch) and TOKEN_RE.fullmatch("!" + ch), hex(i)


# Combining marks (decomposed accents, Arabic harakat, Devanagari vowel signs, VS16, a keycap),
# alone and after letters, punctuation, spaces and emoji; ZWJ, which is not a mark.
MARKED_PIECES = ["\u0301", "e\u0301", "\u0642\u064e\u0651", "\u0939\u093f", "\u093e",
                 "\u2764\ufe0f", "\ufe0f", "1\ufe0f\u20e3", "!\u0301", "\u200d"]


@given(
    pieces=st.lists(st.sampled_from(["Kafr", "Tala", "_", ",", ".", " ", "  ", "\n", "é",
                                     "\u0663", "\U0001F4A5", "U.S.", "3.5", "\u00a0", "x",
                                     *MARKED_PIECES]),
                    min_size=1, max_size=15),
    cuts=st.lists(st.tuples(st.integers(0, 60), st.integers(1, 12)), max_size=5),
)
def test_fast_boundary_check_counts_like_align(pieces: list[str], cuts) -> None:
    text = "".join(pieces)
    spans = sorted(gold(s, min(s + n, len(text))) for s, n in cuts if s < len(text))
    spans = [s for s in spans if s.start < s.end]
    full = align(text, spans)
    assert boundary_problems(text, spans) == (full.off_boundary, full.dropped)


@given(
    pieces=st.lists(st.sampled_from(["Kafr", "Tala", "_", ",", " ", "\n", "é", "\u0663",
                                     "\U0001F4A5", "U.S.", "3.5", "\u00a0", *MARKED_PIECES]),
                    min_size=1, max_size=15),
    picks=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 3), st.integers(-1, 1),
                             st.integers(-1, 1)), max_size=4),
)
def test_fast_boundary_check_on_token_spans(pieces: list[str], picks) -> None:
    """Spans on whole tokens (the usual case), some nudged by one character."""
    text = "".join(pieces)
    tokens = align(text, []).tokens
    if not tokens:
        return
    spans = []
    for first, extra, nudge_start, nudge_end in picks:
        a = tokens[first % len(tokens)]
        b = tokens[min(first % len(tokens) + extra, len(tokens) - 1)]
        start, end = max(a[0] + nudge_start, 0), min(b[1] + nudge_end, len(text))
        if start < end:
            spans.append(gold(start, end))
    spans.sort()
    full = align(text, spans)
    assert boundary_problems(text, spans) == (full.off_boundary, full.dropped)


def test_bio_tags_mark_begin_and_inside() -> None:
    spans = [gold(5, 17), gold(36, 45, "LOCATION")]
    tags = bio_tags(align(TEXT, spans), spans)
    assert tags == ["O", "O", "B-ACTOR", "I-ACTOR", "O", "O", "O", "B-LOCATION", "I-LOCATION", "O"]
