"""Suggestion sources on the project's own tokens: a gazetteer (spaCy's PhraseMatcher) and token
patterns (spaCy's Matcher), and how the suggestions of several sources are combined (pure: no
Flask, no SQLAlchemy; plain data in and out).

Every source matches on the tokens of ``corpus/tokens.py``: the spaCy ``Doc`` is built from
those words, so a match is a run of whole tokens and its offsets are the tokens' own code-point
offsets; a suggestion never cuts a token. A source is any object with ``suggest(text, tokens)``
returning ``Suggestion`` values (``source``, ``name``, ``score``): the gazetteer and the patterns
here, a trained model later.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from annotator.corpus.tokens import tokenize

Offsets = Sequence[tuple[int, int]]

# Token attributes a pattern may test. A suggestion Doc has no pipeline (no tagger, parser or
# entity recognizer), so POS, LEMMA, DEP, ENT_TYPE and the like would never be set: refused.
PATTERN_KEYS = frozenset({
    "ORTH", "TEXT", "LOWER", "NORM", "LENGTH", "SHAPE", "PREFIX", "SUFFIX",
    "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT",
    "IS_SPACE", "IS_STOP", "IS_BRACKET", "IS_QUOTE", "IS_CURRENCY", "LIKE_NUM", "LIKE_URL",
    "LIKE_EMAIL", "OP",
})
MAX_PATTERN_TOKENS = 20
# How a suggestion of each source ranks against another one of the same span and length.
SOURCE_RANK = {"gazetteer": 0, "pattern": 1, "model": 2}


@dataclass(frozen=True, order=True)
class Suggestion:
    start: int  # code points, relative to the sentence, on token boundaries
    end: int
    label: str
    attributes: tuple[tuple[str, str], ...] = ()
    source: str = field(default="gazetteer", compare=False)  # gazetteer | pattern | model
    name: str = field(default="", compare=False)  # the list, pattern or model version
    score: float = field(default=1.0, compare=False)  # 0..1

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end, "label": self.label,
            "attributes": dict(self.attributes), "source": self.source, "name": self.name,
            "score": round(self.score, 4),
        }


class Source(Protocol):
    """Anything that proposes spans for a sentence."""

    def suggest(self, text: str, tokens: Offsets) -> list[Suggestion]:
        """The suggestions for ``text`` whose tokens are ``tokens``."""


@dataclass(frozen=True)
class Term:
    """A gazetteer entry: a name, the label (and event type) it suggests, where it comes from."""

    text: str
    label: str
    event_type: str | None = None
    name: str = "gold"  # "gold", or the uploaded list's name
    score: float = 1.0


class InvalidPattern(ValueError):
    """A token pattern spaCy's Matcher would not take, or one that could never match here."""


@cache
def _vocab() -> Any:
    # spaCy is imported on first use (start-up speed: it takes about a second): only a page
    # that shows suggestions pays for it. The multi-language blank pipeline needs no download.
    import spacy

    return spacy.blank("xx").vocab


def _doc(words: Sequence[str]) -> Any:
    from spacy.tokens import Doc  # lazy: see _vocab

    return Doc(_vocab(), words=list(words), spaces=[True] * len(words))


def _words(text: str, tokens: Offsets) -> list[str]:
    return [text[a:b] for a, b in tokens]


def gold_terms(spans: Iterable[tuple[str, str, str | None]], *, ignore_case: bool
               ) -> list[Term]:
    """Gazetteer terms from gold spans ``(text, label, event_type)``: one per token sequence,
    with its most frequent label and, for that label, its most frequent event type.

    The score is the share of the phrase's gold spans that have that label (ties: the label
    first in alphabetical order, so the result does not depend on the order read).
    """
    labels: dict[tuple[str, ...], Counter[str]] = {}
    types: dict[tuple[tuple[str, ...], str], Counter[str]] = {}
    shown: dict[tuple[str, ...], str] = {}
    for text, label, event_type in spans:
        words = tuple(tokenize(text))
        if not words:
            continue
        key = tuple(w.lower() for w in words) if ignore_case else words
        shown.setdefault(key, " ".join(words))
        labels.setdefault(key, Counter())[label] += 1
        if event_type:
            types.setdefault((key, label), Counter())[event_type] += 1
    terms = []
    for key, counts in sorted(labels.items()):
        label, n = min(counts.items(), key=lambda item: (-item[1], item[0]))
        type_counts = types.get((key, label))
        event_type = (min(type_counts.items(), key=lambda item: (-item[1], item[0]))[0]
                      if type_counts else None)
        terms.append(Term(shown[key], label, event_type, "gold", n / sum(counts.values())))
    return terms


class Gazetteer:
    """Names matched with spaCy's PhraseMatcher on the project's tokens; longest match wins."""

    source = "gazetteer"

    def __init__(self, terms: Iterable[Term], *, ignore_case: bool = False) -> None:
        from spacy.matcher import PhraseMatcher  # lazy: see _vocab

        self.ignore_case = ignore_case
        self.matcher = PhraseMatcher(_vocab(), attr="LOWER" if ignore_case else "ORTH")
        # One matcher key per label, the term found again from the matched words: far fewer
        # keys than terms (adding 50,000 keys one by one is what made building slow).
        self.terms: dict[tuple[str, ...], Term] = {}
        docs: dict[str, list[Any]] = {}
        # An uploaded list is the admin's word: its entries come before gold's for the same
        # phrase; among lists, the first read wins (the caller reads them in a fixed order).
        for term in sorted(terms, key=lambda t: t.name == "gold"):
            words = tokenize(term.text)
            key = self._key(words)
            if not words or key in self.terms:
                continue
            self.terms[key] = term
            docs.setdefault(term.label, []).append(_doc(words))
        for label, label_docs in docs.items():
            self.matcher.add(label, label_docs)
        self.size = len(self.terms)
        self._lock = threading.Lock()  # the Vocab's string store grows as texts are read

    def _key(self, words: Sequence[str]) -> tuple[str, ...]:
        return tuple(w.lower() for w in words) if self.ignore_case else tuple(words)

    def suggest(self, text: str, tokens: Offsets) -> list[Suggestion]:
        """The longest gazetteer matches in the sentence, none overlapping another."""
        if not tokens or not self.size:
            return []
        words = _words(text, tokens)
        with self._lock:
            matches = self.matcher(_doc(words))
        found = []
        for _, a, b in matches:
            term = self.terms.get(self._key(words[a:b]))
            if term is None:  # spaCy's LOWER and str.lower() differ on some letter
                continue
            attributes = (("event_type", term.event_type),) if term.event_type else ()
            found.append(Suggestion(tokens[a][0], tokens[b - 1][1], term.label, attributes,
                                    "gazetteer", term.name, term.score))
        return longest_first(found)


@dataclass(frozen=True)
class PatternRule:
    """An admin's token pattern: spaCy Matcher JSON, with the label it suggests."""

    name: str
    label: str
    pattern: tuple[Any, ...] | list[Any]
    event_type: str | None = None
    score: float = 1.0


def check_pattern(pattern: Any) -> None:
    """Check a token pattern as spaCy's Matcher validates it, plus what a Doc here can hold.

    Raises:
        InvalidPattern: with a message naming the problem.
    """
    from spacy.errors import MatchPatternError  # lazy: see _vocab
    from spacy.matcher import Matcher  # lazy: see _vocab

    if not isinstance(pattern, list) or not pattern:
        raise InvalidPattern("a pattern is a non-empty JSON list of token objects, e.g. "
                             '[{"LOWER": "al"}, {"IS_TITLE": true}]')
    if len(pattern) > MAX_PATTERN_TOKENS:
        raise InvalidPattern(f"at most {MAX_PATTERN_TOKENS} token objects per pattern")
    for i, token in enumerate(pattern):
        if not isinstance(token, dict):
            raise InvalidPattern(f"token {i + 1} is not an object")
        unknown = sorted(str(k) for k in token if str(k).upper() not in PATTERN_KEYS)
        if unknown:
            raise InvalidPattern(
                f"token {i + 1}: {', '.join(unknown)} cannot be used here (suggestions match "
                "on the text alone, with no tagger or parser: use ORTH, TEXT, LOWER, SHAPE, "
                "LENGTH, IS_* or LIKE_* tests, with REGEX, IN, NOT_IN or OP)")
    matcher = Matcher(_vocab(), validate=True)
    try:
        matcher.add("check", [pattern])
    except MatchPatternError as err:
        raise InvalidPattern(_first_lines(str(err))) from None
    except (ValueError, TypeError, KeyError) as err:
        raise InvalidPattern(f"spaCy refused the pattern: {_first_lines(str(err))}") from None
    if all(isinstance(t, dict) and t.get("OP") in ("?", "*", "!") for t in pattern):
        raise InvalidPattern("the pattern can match no token at all: give at least one token "
                             "without OP ?, * or !")


def _first_lines(message: str, limit: int = 400) -> str:
    text = " ".join(line.strip() for line in message.splitlines() if line.strip())
    return text[:limit]


class Patterns:
    """Admin token patterns matched with spaCy's Matcher (longest match per pattern)."""

    source = "pattern"

    def __init__(self, rules: Iterable[PatternRule]) -> None:
        from spacy.matcher import Matcher  # lazy: see _vocab

        self.rules = list(rules)
        self.matcher = Matcher(_vocab())
        for i, rule in enumerate(self.rules):
            self.matcher.add(str(i), [list(rule.pattern)], greedy="LONGEST")
        self._lock = threading.Lock()

    def suggest(self, text: str, tokens: Offsets) -> list[Suggestion]:
        """Every pattern's longest matches in the sentence, none overlapping another."""
        if not tokens or not self.rules:
            return []
        with self._lock:
            matches = self.matcher(_doc(_words(text, tokens)))
        vocab = _vocab()
        found = []
        for match_id, a, b in matches:
            rule = self.rules[int(vocab.strings[match_id])]
            attributes = (("event_type", rule.event_type),) if rule.event_type else ()
            found.append(Suggestion(tokens[a][0], tokens[b - 1][1], rule.label, attributes,
                                    "pattern", rule.name, rule.score))
        return longest_first(found)


def longest_first(found: Iterable[Suggestion]) -> list[Suggestion]:
    """Keep the longest of overlapping suggestions (then the higher score, the earlier
    source, the earlier start), in text order: the span a person would have drawn."""
    ranked = sorted(found, key=lambda s: (s.start - s.end, -s.score,
                                          SOURCE_RANK.get(s.source, 9), s.start, s.label))
    taken: list[Suggestion] = []
    for s in ranked:
        if all(s.end <= t.start or t.end <= s.start for t in taken):
            taken.append(s)
    return sorted(taken)


def combine(sources: Iterable[Source], text: str, tokens: Offsets,
            own: Iterable[tuple[int, int]] = ()) -> list[Suggestion]:
    """The suggestions of every source for a sentence: none overlapping a span the annotator
    saved (``own``, as ``(start, end)``), none overlapping another (``longest_first``)."""
    own = list(own)
    found = [s for source in sources for s in source.suggest(text, tokens)
             if all(s.end <= a or b <= s.start for a, b in own)]
    return longest_first(found)
