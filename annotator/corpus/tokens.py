"""The one tokenizer shared by the span editor (snapping), agreement metrics and CoNLL export."""

from __future__ import annotations

import re

# Maximal runs of word characters, and every other non-space character on its own.
# Offsets are Python string indices (code points), the unit used for spans everywhere.
TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def token_offsets(text: str) -> list[tuple[int, int]]:
    """Return the half-open [start, end) code-point offsets of every token in ``text``."""
    return [m.span() for m in TOKEN_RE.finditer(text)]


def tokenize(text: str) -> list[str]:
    """Return the tokens of ``text`` as strings."""
    return TOKEN_RE.findall(text)
