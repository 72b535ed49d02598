"""The drill-down index counts exactly what ``list_disagreements`` lists, for every filter."""

from __future__ import annotations

from collections import Counter
from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.agreement import DISAGREEMENT_KINDS, list_disagreements
from annotator.reports.drilldown import Hit, corpus_of, matching_sentences

LABELS = ["ACTOR", "LOCATION", "EVENT"]
WORDS = "rebels shelled the town of Kamdesh near post nine today".split()


@st.composite
def spans_for(draw, n_words: int) -> list[dict] | None:
    """Flat spans over whole words (or None: the annotator did not annotate the sentence)."""
    if draw(st.integers(0, 5)) == 0:
        return None
    spans, word = [], 0
    while word < n_words:
        word += draw(st.integers(0, 3))
        if word >= n_words:
            break
        width = draw(st.integers(1, 3))
        end = min(word + width, n_words)
        label = draw(st.sampled_from(LABELS))
        attributes = {"event_type": draw(st.sampled_from(["a", "b"]))} if label == "EVENT" else {}
        spans.append((word, end, label, attributes))
        word = end
    offsets, at = [], 0
    for w in WORDS[:n_words]:
        offsets.append((at, at + len(w)))
        at += len(w) + 1
    return [{"start": offsets[s][0], "end": offsets[e - 1][1], "label": lb, "attributes": at_}
            for s, e, lb, at_ in spans]


@st.composite
def item_sets(draw) -> list[dict]:
    names = ["a", "b", "c"][: draw(st.integers(1, 3))]
    items = []
    for i in range(draw(st.integers(0, 6))):
        n = draw(st.integers(1, len(WORDS)))
        annotations = {name: draw(spans_for(n)) for name in names}
        items.append({"id": 100 + i, "text": " ".join(WORDS[:n]), "annotations": annotations,
                      "group": draw(st.sampled_from([None, 1, 2]))})
    return items


def filter_combinations(names: list[str]):
    pairs = [None] + [[x, y] for x in names for y in names if x != y]
    labels = [None, *LABELS, "NOPE"]
    kinds = [None, *DISAGREEMENT_KINDS]
    cells = [None] + [[x, y] for x in [*LABELS, "O"] for y in [*LABELS, "O"]]
    for pair, label, kind in product(pairs, labels, kinds):
        yield {"pair": pair, "label": label, "kind": kind, "cell": None}
    for cell, pair in product(cells, pairs):
        yield {"pair": pair, "label": None, "kind": None, "cell": cell}


def expected_hits(items: list[dict], **filters) -> list[tuple]:
    entries = list_disagreements(items, labels=LABELS, **filters)
    counts = Counter(e["sentence_id"] for e in entries)
    order = list(dict.fromkeys(e["sentence_id"] for e in entries))
    groups = {i["id"]: i.get("group") for i in items}
    return [(sid, groups[sid], counts[sid]) for sid in order]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item_sets())
def test_index_agrees_with_list_disagreements(items) -> None:
    corpus = corpus_of(items, LABELS)
    names = sorted({n for i in items for n in i["annotations"]})
    for filters in filter_combinations(names):
        got = [(h.sentence_id, h.group, h.count) for h in matching_sentences(corpus, **filters)]
        assert got == expected_hits(items, **filters), filters


def test_hand_made_case() -> None:
    text = "Rebels shelled Kamdesh."
    items = [
        {"id": "s1", "text": text, "group": 7, "annotations": {
            "a": [{"start": 0, "end": 6, "label": "ACTOR"}],
            "b": [{"start": 0, "end": 6, "label": "LOCATION"}],
            "c": [{"start": 0, "end": 6, "label": "ACTOR"},
                  {"start": 15, "end": 22, "label": "LOCATION"}]}},
        {"id": "s2", "text": text, "group": 8, "annotations": {
            "a": [], "b": None, "c": [{"start": 15, "end": 22, "label": "LOCATION"}]}},
    ]
    corpus = corpus_of(items, LABELS)
    assert matching_sentences(corpus) == [Hit("s1", 7, 4), Hit("s2", 8, 1)]
    assert matching_sentences(corpus, pair=["c", "a"]) == [Hit("s1", 7, 1), Hit("s2", 8, 1)]
    assert matching_sentences(corpus, pair=["a", "b"]) == [Hit("s1", 7, 1)]  # b skipped s2
    assert matching_sentences(corpus, kind="label_only") == [Hit("s1", 7, 2)]
    assert matching_sentences(corpus, cell=["O", "LOCATION"]) == [
        Hit("s1", 7, 2), Hit("s2", 8, 1)]
    assert matching_sentences(corpus, label="EVENT") == []
    assert matching_sentences(corpus, pair=["a", "zed"]) == []
    assert matching_sentences(corpus, pair=["a", "a"]) == []
    assert matching_sentences(corpus, cell=["ACTOR", "NOPE"]) == []
