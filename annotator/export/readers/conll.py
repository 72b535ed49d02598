"""CoNLL named-entity files: one token per line, the tag in the last column (pure).

Sentences end at a blank line and documents at a ``-DOCSTART-`` line (a file without one is
one document). Tags are BIO in either flavour: IOB2 (every span opens with ``B-``) and IOB1
(``I-`` opens a span unless it continues one of the same label; ``B-`` only splits two
neighbours); BIOES/BILOU's ``S-``/``U-`` (a one-token span) and ``E-``/``L-`` (a span's last
token) are read as well. CoNLL keeps tokens, not text, so the text is rebuilt: the tokens of a
sentence joined by one space, sentences by a line break. Offsets are counted in that text;
``placing.realign`` moves them onto a project document whose text differs from it only in
whitespace (the article the file was made from).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from annotator.export.readers.shape import ForeignDocument, ForeignSpan, Reading, decode

OUTSIDE = "O"
OPENERS = ("B", "S", "U")  # always open a new span
CLOSERS = ("E", "L", "S", "U")  # the span ends with this token


@dataclass
class _Building:
    """A document being rebuilt from its tokens."""

    where: str
    parts: list[str] = field(default_factory=list)
    length: int = 0
    sentence_open: bool = False
    span: list | None = None  # [start, end, label, where] of the span being read
    spans: list[tuple[int, int, str, str]] = field(default_factory=list)  # those read

    def add_token(self, token: str) -> tuple[int, int]:
        if self.sentence_open:
            self.parts.append(" ")
            self.length += 1
        elif self.parts:
            self.parts.append("\n")
            self.length += 1
        self.sentence_open = True
        start = self.length
        self.parts.append(token)
        self.length += len(token)
        return start, self.length


def read_conll(files: Sequence[tuple[str, bytes]]) -> Reading:
    """Every document of CoNLL ``files``, its text rebuilt and its BIO tags read as spans."""
    reading = Reading()
    for name, data in files:
        text = decode(name, data, reading)
        if text is None:
            continue
        documents: list[ForeignDocument] = []
        building = _Building(f"{name} line 1")
        for number, raw in enumerate(text.split("\n"), start=1):
            line = raw.strip()
            if line.startswith("-DOCSTART-"):
                _finish(building, documents)
                building = _Building(f"{name} line {number}")
                continue
            if not line:
                _close(building)
                building.sentence_open = False
                continue
            columns = line.split()
            where = f"{name} line {number}"
            if len(columns) < 2:
                reading.problem(where, "a token line is 'TOKEN ... TAG' (at least two columns)")
                continue
            _token(building, columns[0], columns[-1], where, reading)
        _finish(building, documents)
        if not documents:
            reading.problem(name, "the file holds no tokens")
        reading.documents.extend(documents)
    return reading


def _token(building: _Building, token: str, tag: str, where: str, reading: Reading) -> None:
    start, end = building.add_token(token)
    if tag == OUTSIDE:
        _close(building)
        return
    prefix, _, label = tag.partition("-")
    if prefix not in ("B", "I", "E", "L", "S", "U") or not label:
        _close(building)
        reading.problem(where, f"tag {tag!r} is not O, B-LABEL or I-LABEL (nor BIOES)")
        return
    current = building.span
    if prefix in OPENERS or current is None or current[2] != label:
        _close(building)
        building.span = [start, end, label, where]
    else:
        current[1] = end
    if prefix in CLOSERS:
        _close(building)


def _close(building: _Building) -> None:
    """End the span being read."""
    if building.span is not None:
        start, end, label, where = building.span
        building.spans.append((start, end, label, where))
        building.span = None


def _finish(building: _Building, documents: list[ForeignDocument]) -> None:
    _close(building)
    if not building.parts:
        return
    document = ForeignDocument(building.where, "".join(building.parts))
    for i, (start, end, label, where) in enumerate(building.spans):
        document.spans.append(ForeignSpan(f"#{i}", start, end, label, where))
    documents.append(document)
