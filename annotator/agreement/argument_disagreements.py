"""The concrete argument disagreements behind the argument figures, listed with both
annotators' links (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np

from annotator.agreement.arguments import (
    ARG_AGREE,
    ARGUMENT_DISAGREEMENT_KINDS,
    ARGUMENT_KINDS,
    ArgumentSide,
    PairArguments,
    pair_arguments,
)
from annotator.agreement.build import build_corpus
from annotator.agreement.data import Corpus
from annotator.agreement.frames import schema_roles
from annotator.agreement.matching import pair_events


def wanted_pairs(names: Sequence[str], pair: Sequence[str] | None) -> list[tuple[int, int]]:
    """The annotator pairs to look at: every one, or the one named (none if unknown)."""
    if pair is None:
        return list(combinations(range(len(names)), 2))
    if len(pair) != 2 or any(p not in names for p in pair) or pair[0] == pair[1]:
        return []
    ka, kb = sorted(names.index(p) for p in pair)
    return [(ka, kb)]


def argument_mask(side: ArgumentSide, corpus: Corpus, *, role: str | None = None,
                  kind: str | None = None) -> np.ndarray:
    """Which of one side's arguments are disagreements passing the filters (``role`` must be
    one of the corpus's roles)."""
    mask = side.kind != ARG_AGREE
    if kind is not None:
        mask &= side.kind == ARGUMENT_KINDS.index(kind)
    if role is not None:
        mask &= side.role == corpus.roles.index(role)
    return mask


def corpus_pairs(corpus: Corpus, pair: Sequence[str] | None
                 ) -> Iterable[tuple[int, int, PairArguments]]:
    """Each wanted pair with its argument matching."""
    for ka, kb in wanted_pairs(corpus.annotators, pair):
        yield ka, kb, pair_arguments(corpus, ka, kb, pair_events(corpus, ka, kb))


def list_argument_disagreements(
    items: Iterable[Mapping[str, Any]],
    *,
    pair: Sequence[str] | None = None,
    role: str | None = None,
    kind: str | None = None,
    schema: Any = None,
    labels: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List the arguments two annotators do not share exactly, in sentence order.

    Filters (AND): ``pair`` (two names, either order), ``role``, ``kind`` (one of
    ``ARGUMENT_DISAGREEMENT_KINDS``). Each entry: ``{"sentence_id", "text", "group",
    "annotators": [a, b], "kind", "role", "by": the annotator whose argument it is,
    "a_links": [...], "b_links": [...]}``: the argument on its annotator's side and, on the
    other side, that annotator's links sharing the event or the argument span (paired spans);
    links as ``{"head": span, "child": span, "role"}`` with spans ``{"start", "end", "label",
    "text"}`` relative to the sentence.
    """
    if kind is not None and kind not in ARGUMENT_DISAGREEMENT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ARGUMENT_DISAGREEMENT_KINDS)}")
    if labels is None and schema is not None:
        labels = list(schema.keys)
    corpus = build_corpus(items, labels=labels,
                          roles=schema_roles(schema) if roles is None else roles)
    if role is not None and role not in corpus.roles:
        return []
    found: list[tuple[int, int, int, int, dict[str, Any]]] = []
    for ka, kb, args in corpus_pairs(corpus, pair):
        for which, side, k in ((0, args.a, ka), (1, args.b, kb)):
            chosen = np.flatnonzero(argument_mask(side, corpus, role=role, kind=kind))
            for e in chosen.tolist():
                s = int(side.sentence[e])
                found.append((s, ka, kb, which, _describe(corpus, ka, kb, which, k,
                                                           int(side.index[e]), int(side.kind[e]))))
    found.sort(key=lambda x: x[:4])
    out = [f[4] for f in found]
    return out[:limit] if limit is not None else out


def _describe(corpus: Corpus, ka: int, kb: int, which: int, k: int, r: int, kind: int
              ) -> dict[str, Any]:
    rel = corpus.relations_of(k)
    other = kb if which == 0 else ka
    s = int(rel.sentence[r])
    head, child = int(rel.head[r]), int(rel.child[r])
    mine = [_link_json(corpus, k, r)]
    spans, other_spans = corpus.spans[k], corpus.spans[other]
    # The other side's links touching spans that overlap this argument's event or child.
    touch = set()
    for index in (head, child):
        lo = int(np.searchsorted(other_spans.end, spans.start[index], side="right"))
        hi = int(np.searchsorted(other_spans.start, spans.end[index], side="left"))
        touch.update(range(lo, hi))
    orel = corpus.relations_of(other)
    i, j = np.searchsorted(orel.sentence, [s, s + 1])
    theirs = [_link_json(corpus, other, q) for q in range(int(i), int(j))
              if int(orel.head[q]) in touch or int(orel.child[q]) in touch]
    a_links, b_links = (mine, theirs) if which == 0 else (theirs, mine)
    return {
        "sentence_id": corpus.ids[s], "text": corpus.texts[s], "group": corpus.groups[s],
        "annotators": [corpus.annotators[ka], corpus.annotators[kb]],
        "kind": ARGUMENT_KINDS[kind], "role": corpus.roles[int(rel.role[r])],
        "by": corpus.annotators[k], "a_links": a_links, "b_links": b_links,
    }


def _span_json(corpus: Corpus, k: int, i: int) -> dict[str, Any]:
    arr = corpus.spans[k]
    s = int(arr.sentence[i])
    start, end = int(arr.start[i] - corpus.base[s]), int(arr.end[i] - corpus.base[s])
    return {"start": start, "end": end, "label": corpus.labels[int(arr.label[i]) - 1],
            "text": corpus.texts[s][start:end]}


def _link_json(corpus: Corpus, k: int, r: int) -> dict[str, Any]:
    rel = corpus.relations_of(k)
    return {"head": _span_json(corpus, k, int(rel.head[r])),
            "child": _span_json(corpus, k, int(rel.child[r])),
            "role": corpus.roles[int(rel.role[r])]}
