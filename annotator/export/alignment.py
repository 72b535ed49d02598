"""Where spans fall on the editor's tokens, and their BIO tags (pure).

gold-json only counts spans off token boundaries (``boundary_problems``); jsonl and CoNLL
need each span's token range (``align``); CoNLL tags the tokens (``bio_tags``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import NamedTuple

from annotator.corpus.tokens import is_mark, token_offsets
from annotator.export.records import AnnotatorSpan, GoldSpan


class Alignment(NamedTuple):
    """Where each span of a sentence falls on its tokens."""

    tokens: list[tuple[int, int]]
    # Per span (in the sentence's span order): [first, last) token indices, or None when
    # the span covers no token that an earlier span has not already taken.
    ranges: list[tuple[int, int] | None]
    exact: list[bool]  # the span starts at a token start and ends at a token end
    off_boundary: int  # spans not exact but kept (their token range is widened)
    dropped: int  # spans left without any token


def align(
    text: str, spans: Sequence[GoldSpan | AnnotatorSpan],
    tokens: list[tuple[int, int]] | None = None,
) -> Alignment:
    """Map spans to tokens of ``corpus.tokens`` (the editor's tokenizer).

    ``tokens``, when given, are ``text``'s tokens from an earlier ``align`` (a sentence is
    tokenized once for its gold spans and every annotator's).

    The editor snaps selections to these tokens, so gold made in the app is always exact.
    Imported spans may not be: a span whose boundary falls inside a token (or on whitespace)
    is widened to every token it touches (spaCy's ``alignment_mode="expand"``); a token that an
    earlier span (by start) already took stays with it; a span left with no token is dropped.
    Both cases are counted, and the card warns about them.
    """
    if tokens is None:
        tokens = token_offsets(text)
    starts = [t[0] for t in tokens]
    ends = [t[1] for t in tokens]
    ranges: list[tuple[int, int] | None] = []
    exact: list[bool] = []
    off_boundary = dropped = 0
    taken = 0  # tokens before this index belong to earlier spans
    for span in spans:
        first = bisect_right(ends, span.start)  # first token ending after the span's start
        stop = bisect_left(starts, span.end)  # tokens starting before the span's end
        is_exact = (
            first < stop
            and first >= taken
            and starts[first] == span.start
            and ends[stop - 1] == span.end
        )
        first = max(first, taken)
        if first >= stop:
            ranges.append(None)
            exact.append(False)
            dropped += 1
            continue
        ranges.append((first, stop))
        exact.append(is_exact)
        if not is_exact:
            off_boundary += 1
        taken = stop
    return Alignment(tokens, ranges, exact, off_boundary, dropped)


def boundary_problems(text: str, spans: Sequence[GoldSpan | AnnotatorSpan]) -> tuple[int, int]:
    """Count ``(off_boundary, dropped)`` as ``align`` would, without tokenizing the sentence.

    gold-json needs only these two numbers. A span starts on a token start when its first
    character is not a space and does not continue the token before it (a token boundary lies
    between two characters unless both are word characters, or the second is a combining mark
    not preceded by a space, or it is a word character after marks of a word run); it ends on
    a token end likewise. When every
    span does both and none overlaps the previous one, nothing is widened or dropped; otherwise
    the full ``align`` decides.
    """
    # Inlined character tests (this runs for every exported sentence). The tokenizer's \w is
    # what Python's re counts as a word character: str.isalnum() or "_"; \s is str.isspace();
    # combining marks (tokens.is_mark, all at U+0300 or above) join the token before them.
    # The property tests compare this with align() on random text.
    previous_end = 0
    length = len(text)
    for span in spans:
        start, end = span[0], span[1]
        if start < previous_end or end > length or start >= end:
            break
        first, last = text[start], text[end - 1]
        if first.isspace() or last.isspace():
            break
        if start:
            before = text[start - 1]
            if first.isalnum() or first == "_":
                if before.isalnum() or before == "_" or (
                        before >= "\u0300" and _joined(text, start)):
                    break
            elif first >= "\u0300" and is_mark(first) and not before.isspace():
                break  # a mark continues the token before it
        if end < length:
            after = text[end]
            if after.isalnum() or after == "_":
                if last.isalnum() or last == "_" or (
                        last >= "\u0300" and _joined(text, end)):
                    break
            elif after >= "\u0300" and is_mark(after):
                break  # the next character is a mark of the span's last token
        previous_end = end
    else:
        return 0, 0
    alignment = align(text, spans)
    return alignment.off_boundary, alignment.dropped


def _joined(text: str, i: int) -> bool:
    """Whether a word character at ``i`` continues the token of the marks before it: it does
    when those marks belong to a word run (they follow a word character, a space or the start
    of the text), not when they are the tail of another character such as "!" or an emoji."""
    j = i - 1
    while j >= 0 and text[j] >= "\u0300" and is_mark(text[j]):
        j -= 1
    if j == i - 1:
        return False  # no mark before i (the caller already tested a word character there)
    if j < 0:
        return True
    owner = text[j]
    return owner.isspace() or owner.isalnum() or owner == "_"


def bio_tags(alignment: Alignment, spans: Sequence[GoldSpan | AnnotatorSpan]) -> list[str]:
    """Tag the alignment's tokens in BIO (IOB2): B-LABEL, I-LABEL or O."""
    tags = ["O"] * len(alignment.tokens)
    for span, token_range in zip(spans, alignment.ranges, strict=True):
        if token_range is None:
            continue
        first, stop = token_range
        tags[first] = "B-" + span.label
        for i in range(first + 1, stop):
            tags[i] = "I-" + span.label
    return tags
