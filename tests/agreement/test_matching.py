"""Span pairing and disagreement classes: hand-made cases, and the vectorised path vs the loop."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.agreement.build import build_corpus
from annotator.agreement.matching import KINDS, match_sentence, pair_events


def S(start, end, label="A", sub=None):
    return (start, end, label, sub)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([S(0, 5)], [S(0, 5)], [("agree", 0, 0, True)]),
        ([S(0, 5, "E", "x")], [S(0, 5, "E", "y")], [("subtype_only", 0, 0, True)]),
        ([S(0, 5, "A")], [S(0, 5, "B")], [("label_only", 0, 0, True)]),
        ([S(0, 5)], [S(2, 7)], [("boundary_only", 0, 0, True)]),
        ([S(0, 5, "A")], [S(2, 7, "B")], [("label_and_boundary", 0, 0, True)]),
        ([S(0, 5)], [], [("missed", 0, -1, False)]),
        ([], [S(3, 4)], [("missed", -1, 0, False)]),
        ([S(0, 5)], [S(5, 9)], [("missed", 0, -1, False), ("missed", -1, 0, False)]),
        # A merges what B splits: one boundary pair, B's second piece left over (boundary).
        ([S(0, 10)], [S(0, 4), S(5, 10)],
         [("boundary_only", 0, 0, True), ("boundary_only", -1, 1, False)]),
        # Same-label overlap wins over a different-label overlap.
        ([S(0, 10, "A")], [S(0, 4, "B"), S(5, 10, "A")],
         [("label_and_boundary", -1, 0, False), ("boundary_only", 0, 1, True)]),
        # B's one span overlaps both of A's: the first pairs, the second is left over but is
        # not "missed" (something overlaps it); B's far span is missed by A.
        ([S(0, 4), S(5, 9)], [S(3, 9), S(10, 12)],
         [("boundary_only", 0, 0, True), ("boundary_only", 1, -1, False),
          ("missed", -1, 1, False)]),
    ],
)
def test_match_sentence_cases(a, b, expected) -> None:
    got = [(KINDS[e.kind], e.a, e.b, e.paired) for e in match_sentence(a, b)]
    assert sorted(got) == sorted(expected)


def test_every_span_appears_exactly_once_per_side() -> None:
    a = [S(0, 3), S(4, 9, "B"), S(10, 20), S(25, 30)]
    b = [S(0, 2), S(2, 3), S(5, 12), S(14, 16, "B"), S(17, 19), S(40, 41)]
    events = match_sentence(a, b)
    assert sorted(e.a for e in events if e.a >= 0) == list(range(len(a)))
    assert sorted(e.b for e in events if e.b >= 0) == list(range(len(b)))


@st.composite
def flat_spans(draw, length: int):
    cuts = sorted(set(draw(st.lists(st.integers(0, length), max_size=10))))
    spans = []
    for s, e in zip(cuts, cuts[1:], strict=False):
        if draw(st.integers(0, 2)) == 0:
            continue
        label = draw(st.sampled_from(["ACTOR", "UNIT", "EVENT"]))
        attrs = {}
        if label == "EVENT" and draw(st.booleans()):
            attrs = {"event_type": draw(st.sampled_from(["x", "y", "z"]))}
        spans.append({"start": s, "end": e, "label": label, "attributes": attrs})
    return spans


@st.composite
def items(draw):
    out = []
    for i in range(draw(st.integers(1, 6))):
        text = "w " * draw(st.integers(1, 12))
        ann = {}
        for name in ("p", "q", "r"):
            if draw(st.integers(0, 4)) == 0:
                continue
            ann[name] = draw(flat_spans(len(text)))
        out.append({"id": i, "text": text, "annotations": ann})
    return out


@settings(max_examples=300, deadline=None)
@given(items())
def test_vectorised_matching_equals_the_per_sentence_matcher(data) -> None:
    corpus = build_corpus(data)
    for ka in range(len(corpus.annotators)):
        for kb in range(ka + 1, len(corpus.annotators)):
            ev = pair_events(corpus, ka, kb)
            got = Counter(
                (int(s), int(k), int(a), int(b), bool(p))
                for s, k, a, b, p in zip(ev.sentence, ev.kind, ev.a_index, ev.b_index, ev.paired,
                                         strict=True)
            )
            expected: Counter = Counter()
            A, B = corpus.spans[ka], corpus.spans[kb]
            for s in range(len(corpus.texts)):
                if not (corpus.present[ka, s] and corpus.present[kb, s]):
                    continue
                ia = [i for i in range(len(A)) if A.sentence[i] == s]
                ib = [j for j in range(len(B)) if B.sentence[j] == s]
                sa = [(int(A.start[i]), int(A.end[i]), int(A.label[i]), int(A.subtype[i]))
                      for i in ia]
                sb = [(int(B.start[j]), int(B.end[j]), int(B.label[j]), int(B.subtype[j]))
                      for j in ib]
                for e in match_sentence(sa, sb):
                    expected[(s, e.kind, ia[e.a] if e.a >= 0 else -1,
                              ib[e.b] if e.b >= 0 else -1, e.paired)] += 1
            assert got == expected
