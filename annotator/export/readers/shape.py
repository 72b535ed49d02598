"""The neutral shape every reader of another tool's file produces (pure).

A reader turns files into ``ForeignDocument``s: the document's text and its spans with
absolute code-point offsets into that text, the peer's label and attributes as the peer spells
them, and relations between spans named by the peer's own ids. Nothing here knows our schema
or our sentences: ``placing.py`` maps labels, roles and event types onto the schema and the
spans onto sentences. What a reader cannot read becomes a ``Problem`` naming the file and the
line, task or id, and the item is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from annotator.inputs import text_problem

# A broken file would otherwise hold a problem per line: readers stop collecting past this.
MAX_PROBLEMS = 10_000


@dataclass(frozen=True)
class Problem:
    """An item that cannot be imported: where it is (file and line, task or id) and why."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class ForeignSpan:
    """A span as the peer gave it: offsets into the document's text, the peer's label."""

    ref: str  # the peer's id of the span ("T3", a region id, an entity id), unique per document
    start: int
    end: int
    label: str
    where: str  # "file.ann line 4 (T3)"
    attributes: tuple[tuple[str, str], ...] = ()  # (the peer's attribute name, value)
    text: str | None = None  # the covered text when the peer repeats it: checked on import


@dataclass(frozen=True)
class ForeignRelation:
    """A link between two spans of one document, by their refs, with the peer's type."""

    head: str
    child: str
    role: str
    where: str


@dataclass
class ForeignDocument:
    """One document of a peer's file, with its spans and relations."""

    where: str  # "file.jsonl line 3", "export.json task 17", "report.ann"
    text: str
    title: str | None = None
    spans: list[ForeignSpan] = field(default_factory=list)
    relations: list[ForeignRelation] = field(default_factory=list)


@dataclass
class Reading:
    """What the readers made of the files: the documents, and the items left out."""

    documents: list[ForeignDocument] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, where: str, message: str) -> None:
        """Record an item left out (up to ``MAX_PROBLEMS``)."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(where, message))


def decode(name: str, data: bytes, reading: Reading) -> str | None:
    """The file as text (UTF-8, a byte-order mark dropped), or None with a problem recorded."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        reading.problem(f"{name} line {line}", f"not UTF-8 text (byte {err.start})")
        return None
    problem = text_problem(text)
    if problem is not None:
        line = text[: _position(problem)].count("\n") + 1
        reading.problem(f"{name} line {line}", f"the text {problem}")
        return None
    return text


def _position(problem: str) -> int:
    """The character position ``inputs.text_problem`` names ("... (at 12) ...")."""
    head, _, tail = problem.partition("(at ")
    digits = tail.partition(")")[0]
    return int(digits) if digits.isdigit() else 0


def is_offset(value: object) -> bool:
    """Whether ``value`` is a whole number usable as an offset (not a bool, not negative)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def text_of(value: object) -> str | None:
    """``value`` when it is a non-empty string, else None."""
    return value if isinstance(value, str) and value else None
