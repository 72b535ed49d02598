"""The editor's tokenizer, vectorised: token bounds of a text as arrays, identical to
``annotator.corpus.tokens``, and each token's label from flat spans (pure)."""

from __future__ import annotations

import numpy as np

from annotator.corpus.tokens import TOKEN_RE, is_mark

# Character classes of the tokenizer (annotator.corpus.tokens): 0 space, 1 word character,
# 2 any other character, 3 combining mark. Python's re treats a character as \w when
# str.isalnum() is true or it is "_", and as \s when str.isspace() is true; marks are the
# tokenizer's own set (categories Mn, Mc, Me), none of which is \w or \s. Tests check this
# table against the regex itself for every code point.
_SPACE, _WORD, _OTHER, _MARK = 0, 1, 2, 3
# A mark that follows an "other" character continues that character's token.
_OTHER_TAIL = 4


def _char_class(ch: str) -> int:
    if ch.isspace():
        return _SPACE
    if ch.isalnum() or ch == "_":
        return _WORD
    if is_mark(ch):
        return _MARK
    return _OTHER


_BMP_CLASSES: np.ndarray | None = None


def _bmp_classes() -> np.ndarray:
    global _BMP_CLASSES
    if _BMP_CLASSES is None:
        _BMP_CLASSES = np.array([_char_class(chr(i)) for i in range(0x10000)], dtype=np.int8)
    return _BMP_CLASSES


def char_classes(text: str) -> np.ndarray:
    """Return the tokenizer's class (0 space, 1 word, 2 other, 3 combining mark) of every code
    point of ``text``."""
    if text.isascii():
        return _bmp_classes()[:128][np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    small = cp < 0x10000
    if small.all():
        return _bmp_classes()[cp]
    classes = np.empty(cp.size, dtype=np.int8)
    classes[small] = _bmp_classes()[cp[small]]
    big = np.flatnonzero(~small)
    if big.size:
        values, inverse = np.unique(cp[big], return_inverse=True)
        table = np.array([_char_class(chr(int(v))) for v in values], dtype=np.int8)
        classes[big] = table[inverse]
    return classes


def token_bounds(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Return token starts and ends of ``text``, identical to ``TOKEN_RE.finditer`` (vectorised)."""
    cls = char_classes(text)
    marks = np.flatnonzero(cls == _MARK)
    if marks.size:
        # A mark takes the role of the last non-mark character before it: after a word
        # character (or a space, or at the start: a leading mark starts a word run) it is part
        # of a word run; after an "other" character it is that token's tail.
        cls = cls.copy()
        not_mark = np.where(cls != _MARK, np.arange(cls.size), -1)
        owner = np.maximum.accumulate(not_mark)[marks]
        owner_cls = np.where(owner >= 0, cls[np.maximum(owner, 0)], _SPACE)
        cls[marks] = np.where(owner_cls == _OTHER, _OTHER_TAIL, _WORD)
    word = cls == _WORD
    # A word run starts where a word character follows a non-word one, and ends before the
    # next non-word character; every "other" character starts a token of its own, which ends
    # after the marks that follow it.
    edges = np.diff(word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    run_starts = np.flatnonzero(edges == 1)
    run_ends = np.flatnonzero(edges == -1)
    del edges, word
    others = np.flatnonzero(cls == _OTHER)
    other_ends = others + 1
    if marks.size:
        tail = np.append(cls == _OTHER_TAIL, False)
        # Each "other" token ends at the first position after it that is not its tail.
        not_tail = np.flatnonzero(~tail)
        other_ends = not_tail[np.searchsorted(not_tail, other_ends)]
    starts = np.concatenate((run_starts, others))
    ends = np.concatenate((run_ends, other_ends))
    order = np.argsort(starts, kind="stable")
    return starts[order].astype(np.int64), ends[order].astype(np.int64)


def paint_tokens(row: np.ndarray, start: np.ndarray, end: np.ndarray, label: np.ndarray,
                 tok_start: np.ndarray, tok_end: np.ndarray) -> None:
    """Give every token the label of the span overlapping it (spans sorted, not overlapping).

    A span covers the tokens it overlaps by at least one character. When a span boundary cuts a
    token that two spans share, the earlier span keeps it.
    """
    if start.size == 0:
        return
    first = np.searchsorted(tok_end, start, side="right")
    stop = np.searchsorted(tok_start, end, side="left")
    if first.size > 1:
        first[1:] = np.maximum(first[1:], stop[:-1])
    width = np.maximum(stop - first, 0)
    total = int(width.sum())
    if total == 0:
        return
    # Token indices of every covered token, run by run (the ranges are disjoint now).
    offsets = np.arange(total) - np.repeat(np.cumsum(width) - width, width)
    row[np.repeat(first, width) + offsets] = np.repeat(label, width)


def token_regex_bounds(text: str) -> list[tuple[int, int]]:
    """The tokenizer's own offsets (for tests comparing the vectorised version against it)."""
    return [m.span() for m in TOKEN_RE.finditer(text)]
