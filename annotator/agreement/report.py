"""The agreement report: every figure overall, per label, per annotator pair and per group (pure).

``agreement_report(items)`` returns plain JSON-ready data; docs/agreement.md documents every
key. ``list_disagreements(items, ...)`` lists the concrete disagreements behind a figure, and
``reading(report)`` puts the summary into plain words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from annotator.agreement.data import OUTSIDE, Corpus, build_corpus
from annotator.agreement.matching import (
    AGREE,
    BOUNDARY_ONLY,
    DISAGREEMENT_KINDS,
    KINDS,
    SUBTYPE_ONLY,
    PairEvents,
    pair_events,
)
from annotator.agreement.metrics import (
    Figure,
    alpha_from_coincidence,
    cohen_kappa_from_table,
    coincidence_matrix,
    collapse_to_binary,
    contingency_table,
    defined,
    fleiss_kappa_from_counts,
    fleiss_subset,
    prf,
    undefined,
    unitizing_alpha_arrays,
    value_patterns,
)
from annotator.corpus.tokens import TOKEN_PATTERN_SUMMARY

REPORT_FORMAT = "annotator-agreement/1"
TOKENIZER = {
    "module": "annotator.corpus.tokens",
    "pattern": TOKEN_PATTERN_SUMMARY,
    "description": "maximal runs of word characters and combining marks, and every other "
                   "non-space character on its own with the combining marks that follow it "
                   "(the tokens the editor snaps selections to)",
}
MIN_UNITS = 10
SIBLING_CREDIT = 0.5


def agreement_report(
    items: Iterable[Mapping[str, Any]],
    *,
    schema: Any = None,
    labels: Sequence[str] | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    min_units: int = MIN_UNITS,
    sibling_credit: float = SIBLING_CREDIT,
    subtype_attribute: str = "event_type",
    hierarchy: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Measure inter-annotator agreement on ``items`` and return the report as plain data.

    Args:
        items: ``{"id", "text", "annotations": {annotator: [span, ...] | None}, "group"?}``;
            spans ``{"start", "end", "label", "attributes"?}``. An absent or null annotator did
            not annotate the sentence (missing data); an empty list means "read, nothing
            marked" (every token is O).
        schema: a ``LabelSchema``: its labels (in order) and the event-type hierarchy
            (``group`` of each value of the ``subtype_attribute``).
        labels: the label list when there is no schema (default: the labels found, sorted).
        bootstrap: number of bootstrap replicates for the 95% intervals (0: none).
        seed: seed of the bootstrap's random generator (same seed, same intervals).
        min_units: labels with fewer spans than this get a warning.
        sibling_credit: hierarchy-aware event-type credit for two different subtypes of one
            top-level type.
        subtype_attribute: the span attribute holding the subtype.
        hierarchy: subtype value -> top-level type, overriding the schema's.

    Raises:
        AgreementInputError: an item or span is malformed (the message names it).
    """
    if labels is None and schema is not None:
        labels = list(schema.keys)
    corpus = build_corpus(items, labels=labels, subtype_attribute=subtype_attribute)
    ctx = _Context(corpus, schema, hierarchy, subtype_attribute, sibling_credit)
    whole = (0, len(corpus.texts))
    main = _section(ctx, *whole)
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "annotators": list(corpus.annotators),
        "labels": list(corpus.labels),
        "tokenizer": dict(TOKENIZER),
        **main,
        "per_group": [],
        "warnings": [],
        "bootstrap": {"replicates": int(bootstrap), "seed": int(seed), "level": 0.95,
                      "method": "percentile; sentences resampled with replacement"},
    }
    groups = corpus.group_order
    if not (len(groups) == 1 and groups[0] is None):
        for group, (lo, hi) in zip(groups, corpus.group_bounds):
            section = main if (lo, hi) == whole else _section(ctx, lo, hi)
            report["per_group"].append({"group": group, **section})
    if bootstrap > 0:
        _bootstrap(ctx, report, int(bootstrap), int(seed))
    report["warnings"] = _warnings(ctx, report, min_units)
    report["reading"] = reading(report)
    return report


# --- shared state ----------------------------------------------------------------------------


class _Context:
    def __init__(self, corpus: Corpus, schema: Any, hierarchy: Mapping[str, str] | None,
                 subtype_attribute: str, sibling_credit: float) -> None:
        self.corpus = corpus
        self.pairs = list(combinations(range(len(corpus.annotators)), 2))
        self.events = {p: pair_events(corpus, *p) for p in self.pairs}
        self.sibling_credit = sibling_credit
        self.subtype_attribute = subtype_attribute
        groups: dict[str, str] = {}
        event_labels: set[int] = set()
        if schema is not None:
            for lb in schema.labels:
                attr = lb.attribute(subtype_attribute)
                if attr is None:
                    continue
                if lb.key in corpus.labels:
                    event_labels.add(corpus.labels.index(lb.key) + 1)
                for v in attr.values:
                    if v.group is not None:
                        groups[v.value] = v.group
        if hierarchy is not None:
            groups.update(hierarchy)
        if not event_labels:
            # No schema: the labels whose spans carry a subtype at all.
            for arr in corpus.spans:
                event_labels.update(np.unique(arr.label[arr.subtype > 0]).tolist())
        self.event_labels = sorted(event_labels)
        self.has_hierarchy = bool(groups)
        # Credit between subtype codes: 1 same, sibling_credit same top-level type, 0 otherwise.
        n = len(corpus.subtypes)
        top = [groups.get(v) if v is not None else None for v in corpus.subtypes]
        credit = np.eye(n)
        for i in range(n):
            for j in range(n):
                if i != j and top[i] is not None and top[i] == top[j]:
                    credit[i, j] = sibling_credit
        self.credit = credit

        self.continua: dict[tuple[int, int, bytes], dict[int, tuple[np.ndarray, ...]]] = {}

    def patterns(self, t0: int, t1: int) -> tuple[np.ndarray, np.ndarray]:
        """The distinct annotator-value patterns of tokens t0..t1-1 and their frequencies.

        Returns (patterns: P x annotators with values -1 missing, 0 O, 1..L; freq: P)."""
        return value_patterns(self.corpus.values[:, t0:t1], self.corpus.width)


def _put(block: dict[str, Any], name: str, fig: Figure) -> None:
    block[name] = fig.value
    if fig.value is None:
        block.setdefault("undefined", {})[name] = fig.reason


def _mean(figs: list[Figure], what: str) -> Figure:
    values = [f.value for f in figs if f.value is not None]
    if not values:
        return undefined(f"no annotator pair has a defined {what}")
    return defined(sum(values) / len(values))


# --- one section (the whole set, or one group) -------------------------------------------------


def _section(ctx: _Context, lo: int, hi: int) -> dict[str, Any]:
    corpus = ctx.corpus
    names = corpus.labels
    width = corpus.width
    t0, t1 = int(corpus.sentence_tokens[lo]), int(corpus.sentence_tokens[hi])
    present = corpus.present[:, lo:hi]
    n_present = present.sum(axis=0)
    # Every token-level figure is a sum over tokens of a function of the token's pattern (the
    # value each annotator gave it), so the tokens reduce to their distinct patterns.
    patterns, freq = ctx.patterns(t0, t1)
    counts = pattern_counts(patterns, width)
    rated = counts.sum(axis=1)
    inside = (patterns > 0).any(axis=1)
    rows, freq_all = counts, freq
    rows_in, freq_in = counts[inside], freq[inside]
    single = len(corpus.annotators) < 2

    overall: dict[str, Any] = {"undefined": {}}
    per_label: dict[str, dict[str, Any]] = {lb: {"undefined": {}} for lb in names}
    in_overall: dict[str, Any] = {"tokens": int(freq[inside].sum()), "undefined": {}}
    in_label: dict[str, dict[str, Any]] = {lb: {"undefined": {}} for lb in names}

    # Krippendorff's alpha over tokens (all, and inside any span).
    for target, labels_target, r, f in ((overall, per_label, rows, freq_all),
                                        (in_overall, in_label, rows_in, freq_in)):
        fig, label_figs = alpha_figures(coincidence_matrix(r, f), names, single, r.size)
        _put(target, "krippendorff_alpha", fig)
        for lb, fig in zip(names, label_figs, strict=True):
            _put(labels_target[lb], "krippendorff_alpha", fig)
        sub, sub_w, raters = fleiss_subset(r, f)
        fig = fleiss_kappa_from_counts(sub, sub_w) if raters else undefined(
            "no token was labelled by two or more annotators")
        _put(target, "fleiss_kappa", _why(fig, single, r.size))
        target["fleiss_raters_per_unit"] = raters or None
        target["fleiss_units"] = int(sub_w.sum())
        for c, lb in enumerate(names, start=1):
            binary = np.stack((raters - sub[:, c], sub[:, c]), axis=1) if raters else sub[:, :2]
            fig = fleiss_kappa_from_counts(binary, sub_w) if raters else undefined(
                "no token was labelled by two or more annotators")
            total_c = float(sub_w @ sub[:, c]) if raters else 0.0
            if fig.value is None and raters and total_c == 0:
                fig = undefined(f"nobody used {lb}")
            _put(labels_target[lb], "fleiss_kappa", _why(fig, single, r.size))

    # Pairs: Cohen's kappa on tokens, span matching, unitizing alpha.
    per_pair: list[dict[str, Any]] = []
    pair_kappa: list[Figure] = []
    pair_kappa_in: list[Figure] = []
    label_kappas: dict[str, list[Figure]] = {lb: [] for lb in names}
    label_kappas_in: dict[str, list[Figure]] = {lb: [] for lb in names}
    f1s: list[Figure] = []
    f1s_partial: list[Figure] = []
    label_f1: dict[str, list[Figure]] = {lb: [] for lb in names}
    label_f1_partial: dict[str, list[Figure]] = {lb: [] for lb in names}
    span_confusion = np.zeros((width, width), dtype=np.int64)
    token_confusion = np.zeros((width, width), dtype=np.int64)
    kinds_total = np.zeros(len(KINDS), dtype=np.int64)
    kinds_label = np.zeros((width, len(KINDS)), dtype=np.int64)
    et_pairs: list[np.ndarray] = []
    for ka, kb in ctx.pairs:
        ev = ctx.events[(ka, kb)].slice(lo, hi)
        entry = _pair_block(ctx, ka, kb, ev, patterns, freq, lo, hi)
        per_pair.append(entry.pop("_block"))
        table = entry["table"]
        table_in = entry["table_inside"]
        token_confusion += table + table.T
        pair_kappa.append(entry["kappa"])
        pair_kappa_in.append(entry["kappa_inside"])
        for c, lb in enumerate(names, start=1):
            label_kappas[lb].append(_label_kappa(table, c, lb))
            label_kappas_in[lb].append(_label_kappa(table_in, c, lb))
            label_f1[lb].append(entry["label_f1"][lb])
            label_f1_partial[lb].append(entry["label_f1_partial"][lb])
        f1s.append(entry["f1"])
        f1s_partial.append(entry["f1_partial"])
        span_confusion += entry["confusion"] + entry["confusion"].T
        kinds_total += entry["kinds"]
        kinds_label += entry["kinds_label"]
        et_pairs.append(entry["event_pairs"])

    none_reason = "only one annotator: nothing to compare" if single else None
    _put(overall, "cohen_kappa", undefined(none_reason) if single else
         _mean(pair_kappa, "Cohen's kappa"))
    _put(in_overall, "cohen_kappa", undefined(none_reason) if single else
         _mean(pair_kappa_in, "Cohen's kappa"))
    _put(overall, "span_f1", undefined(none_reason) if single else _mean(f1s, "span F1"))
    _put(overall, "span_f1_partial", undefined(none_reason) if single else
         _mean(f1s_partial, "span F1"))
    for lb in names:
        for target, src in ((per_label[lb], label_kappas[lb]), (in_label[lb], label_kappas_in[lb])):
            _put(target, "cohen_kappa", undefined(none_reason) if single else
                 _mean_label(src, "Cohen's kappa", lb))
        _put(per_label[lb], "span_f1", undefined(none_reason) if single else
             _mean_label(label_f1[lb], "span F1", lb))
        _put(per_label[lb], "span_f1_partial", undefined(none_reason) if single else
             _mean_label(label_f1_partial[lb], "span F1", lb))

    # Unitizing alpha on the sentences every annotator annotated.
    everyone = present.all(axis=0) if present.shape[0] else np.zeros(hi - lo, bool)
    u_all, u_label, u_sentences = _unitizing(ctx, list(range(len(corpus.annotators))),
                                             lo, hi, everyone)
    if single:
        u_all = undefined(none_reason)
        u_label = [undefined(none_reason)] * len(names)
    elif u_sentences == 0 and u_all.value is None:
        u_all = undefined("no sentence was annotated by every annotator; "
                          "see unitizing_alpha per annotator pair")
    _put(overall, "unitizing_alpha", u_all)
    overall["unitizing_sentences"] = u_sentences
    for c, lb in enumerate(names):
        _put(per_label[lb], "unitizing_alpha", u_label[c] if u_sentences or single else u_all)

    # Event types over matched spans, pooled over pairs.
    et = np.concatenate(et_pairs) if et_pairs else np.zeros((0, 2), dtype=np.int64)
    overall["event_type"] = _event_type_block(ctx, et, single)

    overall["disagreements"] = _kinds_dict(kinds_total)
    overall["inside_spans"] = in_overall
    for c, lb in enumerate(names, start=1):
        per_label[lb]["disagreements"] = _kinds_dict(kinds_label[c])
        per_label[lb]["inside_spans"] = in_label[lb]

    spans_by_label = {lb: 0 for lb in names}
    spans_by_annotator: dict[str, dict[str, int]] = {}
    for k, arr in enumerate(corpus.spans):
        i, j = np.searchsorted(arr.sentence, [lo, hi])
        bc = np.bincount(arr.label[i:j], minlength=width)
        spans_by_annotator[corpus.annotators[k]] = {lb: int(bc[c]) for c, lb in
                                                    enumerate(names, start=1)}
        for c, lb in enumerate(names, start=1):
            spans_by_label[lb] += int(bc[c])
    compared = n_present >= 2
    for c, lb in enumerate(names, start=1):
        per_label[lb]["spans"] = spans_by_label[lb]
        per_label[lb]["spans_compared"] = int(_spans_compared(corpus, lo, hi, compared, c))
    counts_block = {
        "sentences": hi - lo,
        "sentences_compared": int(compared.sum()),
        "annotations": int(present.sum()),
        "annotations_per_annotator": {a: int(present[k].sum())
                                      for k, a in enumerate(corpus.annotators)},
        "tokens": int(t1 - t0),
        "tokens_compared": int(freq[rated >= 2].sum()),
        "tokens_inside_spans": int(freq[inside].sum()),
        "spans": spans_by_label,
        "spans_per_annotator": spans_by_annotator,
    }
    order = [*range(1, width), 0]
    labels_o = [*names, OUTSIDE]
    confusion = {
        "labels": labels_o,
        "spans": span_confusion[np.ix_(order, order)].tolist(),
        "tokens": token_confusion[np.ix_(order, order)].tolist(),
    }
    return {"counts": counts_block, "overall": overall, "per_label": per_label,
            "per_pair": per_pair, "confusion": confusion}


def pattern_counts(patterns: np.ndarray, width: int) -> np.ndarray:
    """How many annotators gave each value (columns 0..width-1) in each value pattern."""
    counts = np.zeros((patterns.shape[0], width), dtype=np.int64)
    for k in range(patterns.shape[1]):
        given_k = patterns[:, k] >= 0
        np.add.at(counts, (np.flatnonzero(given_k), patterns[given_k, k]), 1)
    return counts


def alpha_figures(o: np.ndarray, names: Sequence[str], single: bool, size: int
                  ) -> tuple[Figure, list[Figure]]:
    """Krippendorff's alpha overall and per label (that label vs the rest) from a coincidence
    matrix, with the report's reasons when undefined (``size``: entries of the count table)."""
    overall = _why(alpha_from_coincidence(o), single, size)
    per_label = [_label_why(alpha_from_coincidence(collapse_to_binary(o, c)), o, c, lb, single)
                 for c, lb in enumerate(names, start=1)]
    return overall, per_label


def _why(fig: Figure, single: bool, size: int) -> Figure:
    if fig.value is not None:
        return fig
    if single:
        return undefined("only one annotator: nothing to compare")
    if fig.reason and fig.reason.startswith("every pairable value is the same") and size:
        return undefined("every token has the same label for every annotator "
                         "(for example nobody labelled anything): no variation, 0/0")
    return fig


def _label_why(fig: Figure, o: np.ndarray, c: int, lb: str, single: bool) -> Figure:
    if fig.value is not None:
        return fig
    if single:
        return undefined("only one annotator: nothing to compare")
    if o.sum() > 0 and o[c].sum() == 0:
        return undefined(f"nobody used {lb}")
    if o.sum() > 0 and o[c, c] == o.sum():
        return undefined(f"every compared token is {lb}: no variation, 0/0")
    return fig


def _label_kappa(table: np.ndarray, c: int, lb: str) -> Figure:
    fig = cohen_kappa_from_table(collapse_to_binary(table, c))
    if fig.value is None and table.sum() > 0 and table[c].sum() + table[:, c].sum() == 0:
        return undefined(f"nobody used {lb}")
    return fig


def _mean_label(figs: list[Figure], what: str, lb: str) -> Figure:
    fig = _mean(figs, what)
    if fig.value is None:
        reasons = {f.reason for f in figs}
        if reasons == {f"nobody used {lb}"}:
            return undefined(f"nobody used {lb}")
        if len(reasons) == 1 and None not in reasons:
            return undefined(next(iter(reasons)))
    return fig


def _kinds_dict(row: np.ndarray) -> dict[str, int]:
    return {name: int(row[i]) for i, name in enumerate(KINDS) if name in DISAGREEMENT_KINDS}


def _spans_compared(corpus: Corpus, lo: int, hi: int, compared: np.ndarray, c: int) -> int:
    total = 0
    for arr in corpus.spans:
        i, j = np.searchsorted(arr.sentence, [lo, hi])
        sel = (arr.label[i:j] == c) & compared[arr.sentence[i:j] - lo]
        total += int(sel.sum())
    return total


def _pair_block(ctx: _Context, ka: int, kb: int, ev: PairEvents, patterns: np.ndarray,
                freq: np.ndarray, lo: int, hi: int) -> dict[str, Any]:
    corpus = ctx.corpus
    names = corpus.labels
    width = corpus.width
    shared = ev.shared[lo:hi]
    va, vb = patterns[:, ka], patterns[:, kb]
    table = contingency_table(va, vb, width, freq)
    both_in = (va > 0) | (vb > 0)
    table_in = contingency_table(va[both_in], vb[both_in], width, freq[both_in])
    kappa = cohen_kappa_from_table(table)
    kappa_in = cohen_kappa_from_table(table_in)
    if not shared.any():
        kappa = kappa_in = undefined("no sentence was annotated by both")

    has_a = ev.a_index >= 0
    has_b = ev.b_index >= 0
    n_a = np.bincount(ev.a_label[has_a], minlength=width)
    n_b = np.bincount(ev.b_label[has_b], minlength=width)
    exact_mask = (ev.kind == AGREE) | (ev.kind == SUBTYPE_ONLY)
    exact = np.bincount(ev.a_label[exact_mask], minlength=width)
    partial = exact + np.bincount(ev.a_label[(ev.kind == BOUNDARY_ONLY) & ev.paired],
                                  minlength=width)
    confusion = np.bincount(ev.a_label * width + ev.b_label,
                            minlength=width * width).reshape(width, width)
    kinds = np.bincount(ev.kind, minlength=len(KINDS))
    # Per label: a disagreement counts for each label it involves (once if both sides agree).
    kinds_label = np.zeros((width, len(KINDS)), dtype=np.int64)
    np.add.at(kinds_label, (ev.a_label, ev.kind), 1)
    differ = ev.b_label != ev.a_label
    np.add.at(kinds_label, (ev.b_label[differ], ev.kind[differ]), 1)
    kinds_label[0] = 0
    kinds_label[:, AGREE] = 0
    kinds[AGREE] = 0

    a_name, b_name = corpus.annotators[ka], corpus.annotators[kb]
    block: dict[str, Any] = {
        "annotators": [a_name, b_name],
        "sentences": int(shared.sum()),
        "tokens": int(table.sum()),
        "undefined": {},
    }
    _put(block, "cohen_kappa", kappa)
    no_shared = "no sentence was annotated by both" if not shared.any() else None
    total = prf(float(exact[1:].sum()), float(n_a[1:].sum()), float(n_b[1:].sum()))
    total_p = prf(float(partial[1:].sum()), float(n_a[1:].sum()), float(n_b[1:].sum()))
    for key, fig in (("span_f1", total["f1"]), ("precision", total["precision"]),
                     ("recall", total["recall"]), ("span_f1_partial", total_p["f1"]),
                     ("precision_partial", total_p["precision"]),
                     ("recall_partial", total_p["recall"])):
        _put(block, key, undefined(no_shared) if no_shared else fig)
    block["reference"] = a_name
    block["spans"] = {a_name: int(n_a[1:].sum()), b_name: int(n_b[1:].sum())}
    block["matches"] = {"exact": int(exact[1:].sum()), "partial": int(partial[1:].sum())}
    block["disagreements"] = _kinds_dict(kinds)
    u_all, u_label, _ = _unitizing(ctx, [ka, kb], lo, hi, shared)
    _put(block, "unitizing_alpha", undefined(no_shared) if no_shared else u_all)
    inside_block: dict[str, Any] = {"tokens": int(table_in.sum()), "undefined": {}}
    _put(inside_block, "cohen_kappa", kappa_in)
    block["inside_spans"] = inside_block

    label_f1: dict[str, Figure] = {}
    label_f1_partial: dict[str, Figure] = {}
    pl: dict[str, dict[str, Any]] = {}
    for c, lb in enumerate(names, start=1):
        one = label_prf(exact[c], n_a[c], n_b[c], lb, no_shared)
        one_p = label_prf(partial[c], n_a[c], n_b[c], lb, no_shared)
        label_f1[lb] = one["f1"]
        label_f1_partial[lb] = one_p["f1"]
        entry: dict[str, Any] = {"undefined": {}}
        _put(entry, "cohen_kappa", undefined(no_shared) if no_shared else
             _label_kappa(table, c, lb))
        for key, fig in (("span_f1", one["f1"]), ("precision", one["precision"]),
                         ("recall", one["recall"]), ("span_f1_partial", one_p["f1"])):
            _put(entry, key, fig)
        _put(entry, "unitizing_alpha", undefined(no_shared) if no_shared else u_label[c - 1])
        entry["spans"] = {a_name: int(n_a[c]), b_name: int(n_b[c])}
        entry["matches"] = {"exact": int(exact[c]), "partial": int(partial[c])}
        entry["disagreements"] = _kinds_dict(kinds_label[c])
        pl[lb] = entry
    block["per_label"] = pl

    et_mask = ev.paired & (ev.a_label == ev.b_label) & np.isin(ev.a_label, ctx.event_labels) & (
        (ev.kind == AGREE) | (ev.kind == SUBTYPE_ONLY) | (ev.kind == BOUNDARY_ONLY))
    event_pairs = np.stack((ev.a_subtype[et_mask], ev.b_subtype[et_mask]), axis=1)
    block["event_type"] = _event_type_block(ctx, event_pairs, False)
    order = [*range(1, width), 0]
    block["confusion"] = confusion[np.ix_(order, order)].tolist()
    return {"_block": block, "table": table, "table_inside": table_in, "kappa": kappa,
            "kappa_inside": kappa_in, "f1": total["f1"] if not no_shared else undefined(no_shared),
            "f1_partial": total_p["f1"] if not no_shared else undefined(no_shared),
            "label_f1": label_f1, "label_f1_partial": label_f1_partial,
            "confusion": confusion, "kinds": kinds, "kinds_label": kinds_label,
            "event_pairs": event_pairs}


def label_prf(matched: float, n_a: float, n_b: float, lb: str, no_shared: str | None
              ) -> dict[str, Figure]:
    """One pair's precision, recall and F1 on one label, with the report's reasons
    (``no_shared``: why the pair has nothing in common, or None)."""
    one = prf(float(matched), float(n_a), float(n_b))
    if no_shared:
        return {k: undefined(no_shared) for k in one}
    if n_a + n_b == 0:
        return {k: undefined(f"nobody used {lb}") for k in one}
    return one


def _event_type_block(ctx: _Context, pairs: np.ndarray, single: bool) -> dict[str, Any]:
    block: dict[str, Any] = {"pairs": len(pairs), "undefined": {},
                             "sibling_credit": ctx.sibling_credit}
    if single:
        reason = "only one annotator: nothing to compare"
        for key in ("strict_agreement", "hierarchical_agreement", "strict_alpha",
                    "hierarchical_alpha"):
            _put(block, key, undefined(reason))
        return block
    if len(pairs) == 0:
        reason = "no matched pair of event spans"
        for key in ("strict_agreement", "hierarchical_agreement", "strict_alpha",
                    "hierarchical_alpha"):
            _put(block, key, undefined(reason))
        return block
    a, b = pairs[:, 0], pairs[:, 1]
    n = len(ctx.corpus.subtypes)
    _put(block, "strict_agreement", defined(float((a == b).mean())))
    credit = ctx.credit[a, b]
    # Each matched pair is a unit with two values; o counts both orders (m_u - 1 = 1).
    o = np.bincount(a * n + b, minlength=n * n).reshape(n, n).astype(np.float64)
    o = o + o.T
    strict = alpha_from_coincidence(o)
    if strict.value is None:
        strict = undefined("every matched event has the same event type: no variation, 0/0")
    _put(block, "strict_alpha", strict)
    if ctx.has_hierarchy:
        _put(block, "hierarchical_agreement", defined(float(credit.mean())))
        hier = alpha_from_coincidence(o, 1.0 - ctx.credit)
        if hier.value is None:
            hier = undefined("every matched event has the same event type: no variation, 0/0")
        _put(block, "hierarchical_alpha", hier)
    else:
        reason = "no event-type hierarchy (no schema)"
        _put(block, "hierarchical_agreement", undefined(reason))
        _put(block, "hierarchical_alpha", undefined(reason))
    return block


def _unitizing(ctx: _Context, coders: list[int], lo: int, hi: int, mask: np.ndarray
               ) -> tuple[Figure, list[Figure], int]:
    """Unitizing alpha over the sentences lo..hi-1 selected by ``mask``, laid end to end."""
    corpus = ctx.corpus
    n_labels = len(corpus.labels)
    chosen = np.flatnonzero(mask) + lo
    if chosen.size == 0:
        reason = "no sentence was annotated by all of these annotators"
        return undefined(reason), [undefined(reason)] * n_labels, 0
    lengths = corpus.lengths[chosen]
    # The overall figure and every pair usually share one continuum (every sentence seen by
    # everyone): lay each annotator's units on it once.
    key = (lo, hi, mask.tobytes())
    cache = ctx.continua.get(key)
    if cache is None:
        cache = ctx.continua[key] = {}
    arrays = []
    for k in coders:
        if k not in cache:
            new_base = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            shift = np.zeros(len(corpus.texts), dtype=np.int64)
            shift[chosen] = new_base - corpus.base[chosen]
            selected = np.zeros(len(corpus.texts), dtype=bool)
            selected[chosen] = True
            arr = corpus.spans[k]
            i, j = np.searchsorted(arr.sentence, [lo, hi])
            sub = arr.take(slice(i, j))
            sub = sub.take(selected[sub.sentence])
            starts = sub.start + shift[sub.sentence]
            ends = sub.end + shift[sub.sentence]
            cats = sub.label - 1
            order = np.argsort(cats, kind="stable")  # already sorted by start
            cache[k] = (starts[order], ends[order], cats[order])
        arrays.append(cache[k])
    overall, per, _ = unitizing_alpha_arrays(int(lengths.sum()), arrays, n_labels,
                                             corpus.labels)
    return overall, per, int(chosen.size)


# --- bootstrap -------------------------------------------------------------------------------

# Floats in one block of bootstrap replicates (their weights, or gathered copies): 8 MB.
RESAMPLING_BLOCK = 1_000_000


@dataclass
class Resampling:
    """What the bootstrap needs of the compared sentences (annotated by two or more annotators),
    numbered 0..sentences-1 in corpus order: per-sentence sufficient statistics, small next to
    the corpus.

    Tokens: each (sentence, value pattern with two or more values) and how many of the
    sentence's tokens have that pattern (``token_*``, parallel); ``pattern_counts`` says how
    many annotators gave each value in each pattern. Spans, per annotator pair in pair order
    (pairs with no span in a shared sentence left out): ``(sentence, row, rows)``, each
    sentence with spans and its row of ``rows`` (rows x 3 x width: exact matches, spans of the
    first annotator, spans of the second, per label code).
    """

    sentences: int
    token_sentence: np.ndarray
    token_pattern: np.ndarray
    token_freq: np.ndarray
    pattern_counts: np.ndarray
    pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]]


def token_patterns(values: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct value patterns of a coders x tokens matrix (-1 missing, 0..width-1) and
    each token's pattern: (patterns: P x coders, index of each token's pattern)."""
    v = np.asarray(values)
    m, n = v.shape
    if n == 0:
        return np.zeros((0, m), dtype=np.int64), np.zeros(0, dtype=np.int64)
    radix = width + 1
    if radix**m >= 2**62:
        patterns, inverse = np.unique(np.maximum(v, -1).T, axis=0, return_inverse=True)
        return patterns.astype(np.int64), inverse.reshape(-1).astype(np.int64)
    codes = np.zeros(n, dtype=np.int64)
    for k in range(m - 1, -1, -1):
        codes *= radix
        codes += np.maximum(v[k], -1) + 1
    if radix**m <= 4 * n + 65536:
        tally = np.bincount(codes, minlength=radix**m)
        distinct = np.flatnonzero(tally)
        lookup = np.zeros(tally.size, dtype=np.int64)
        lookup[distinct] = np.arange(distinct.size)
        inverse = lookup[codes]
    else:
        distinct, inverse = np.unique(codes, return_inverse=True)
    powers = radix ** np.arange(m, dtype=np.int64)
    return (distinct[:, None] // powers[None, :]) % radix - 1, inverse.reshape(-1)


def sentence_patterns(corpus: Corpus) -> tuple[np.ndarray, ...]:
    """The corpus's token patterns, per sentence.

    Returns (patterns: P x annotators, tokens per pattern, and for every sentence and pattern
    with two or more values: the sentence, the pattern, its number of tokens there).
    """
    patterns, inverse = token_patterns(corpus.values, corpus.width)
    freq = np.bincount(inverse, minlength=patterns.shape[0])
    pairable = (patterns >= 0).sum(axis=1) >= 2
    keep = pairable[inverse]
    n_patterns = max(patterns.shape[0], 1)
    keys, per_sentence = np.unique(corpus.tok_sentence[keep] * n_patterns + inverse[keep],
                                   return_counts=True)
    return patterns, freq, keys // n_patterns, keys % n_patterns, per_sentence


def pair_rows(ev: PairEvents, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pair's span counts per sentence with spans: (sentences, row of each, rows).

    A row holds the sentence's exact matches, spans of the first annotator and spans of the
    second, per label code (3 x width); sentences share rows they have in common.
    """
    sentences, pos = np.unique(ev.sentence, return_inverse=True)
    if sentences.size == 0:
        return sentences, np.zeros(0, dtype=np.int64), np.zeros((0, 3, width), dtype=np.int64)
    exact = (ev.kind == AGREE) | (ev.kind == SUBTYPE_ONLY)
    keys = [((pos[mask] * 3 + q) * width + label[mask])
            for q, (mask, label) in enumerate(((exact, ev.a_label), (ev.a_index >= 0, ev.a_label),
                                               (ev.b_index >= 0, ev.b_label)))]
    stats = np.bincount(np.concatenate(keys), minlength=sentences.size * 3 * width).reshape(
        sentences.size, 3 * width)
    radix = int(stats.max()) + 1
    if radix ** (3 * width) < 2**62:
        # Each row as one integer (its counts as digits): a plain sort instead of a sort of rows.
        codes = stats @ (radix ** np.arange(3 * width, dtype=np.int64))
        _, first, row = np.unique(codes, return_index=True, return_inverse=True)
        rows = stats[first]
    else:
        rows, row = np.unique(stats, axis=0, return_inverse=True)
    return sentences, row.reshape(-1), rows.reshape(-1, 3, width)


def _resampling(ctx: _Context) -> Resampling:
    corpus = ctx.corpus
    compared = corpus.present.sum(axis=0) >= 2
    rank = np.cumsum(compared) - 1  # number of each compared sentence among them
    patterns, _, sentence, pattern, freq = sentence_patterns(corpus)
    pairs = []
    for p in ctx.pairs:
        sentences, row, rows = pair_rows(ctx.events[p], corpus.width)
        if sentences.size:
            pairs.append((rank[sentences], row, rows))
    return Resampling(int(compared.sum()), rank[sentence], pattern, freq,
                      pattern_counts(patterns, corpus.width), pairs)


def resample(data: Resampling, width: int, replicates: int, seed: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bootstrap replicates of alpha and exact span F1, overall and per label (NaN: undefined).

    Each replicate draws the compared sentences with replacement (``rng.integers``, one call per
    replicate) and sums their statistics. Every such sum is a sum of integers below 2**53, exact
    in floating point whatever its order, so the replicates do not depend on how the statistics
    were gathered (from the whole corpus or chunk by chunk).
    """
    n_labels = width - 1
    alpha_all = np.full(replicates, np.nan)
    alpha_lab = np.full((replicates, n_labels), np.nan)
    f1_all = np.full(replicates, np.nan)
    f1_lab = np.full((replicates, n_labels), np.nan)
    n = data.sentences
    if n == 0 or replicates <= 0:
        return alpha_all, alpha_lab, f1_all, f1_lab
    order = np.argsort(data.token_pattern, kind="stable")
    t_sentence = data.token_sentence[order]
    t_freq = data.token_freq[order].astype(np.float64)
    used, starts = np.unique(data.token_pattern[order], return_index=True)
    counts = data.pattern_counts[used].astype(np.float64)
    m = counts.sum(axis=1)
    # A pattern's coincidences are n_c n_k - [c = k] n_c over m - 1 (Krippendorff 2011): the
    # integer part is summed exactly, then divided once per value of m.
    ordered_pairs = counts[:, :, None] * counts[:, None, :]
    ordered_pairs[:, np.arange(width), np.arange(width)] -= counts
    ordered_pairs = ordered_pairs.reshape(-1, width * width)
    groups = [(mm, np.flatnonzero(m == mm), ordered_pairs[m == mm]) for mm in np.unique(m)]
    pair_side = []
    for sentence, row, rows in data.pairs:
        by_row = np.argsort(row, kind="stable")
        used_rows, row_starts = np.unique(row[by_row], return_index=True)
        pair_side.append((sentence[by_row], row_starts,
                          rows[used_rows].reshape(-1, 3 * width).astype(np.float64)))
    widest = max(n, t_sentence.size, *(p[0].size for p in pair_side))
    block = max(1, min(replicates, RESAMPLING_BLOCK // widest))
    rng = np.random.default_rng(seed)
    for r0 in range(0, replicates, block):
        r1 = min(replicates, r0 + block)
        weights = np.empty((r1 - r0, n))
        for r in range(r1 - r0):
            weights[r] = np.bincount(rng.integers(0, n, n), minlength=n)
        o_rep = np.zeros((r1 - r0, width * width))
        if t_sentence.size:
            gathered = np.take(weights, t_sentence, axis=1)
            gathered *= t_freq
            per_pattern = np.add.reduceat(gathered, starts, axis=1)
            del gathered
            for mm, idx, table in groups:
                o_rep += (per_pattern[:, idx] @ table) / (mm - 1.0)
            del per_pattern
        reps = [(np.add.reduceat(weights[:, sentence], row_starts, axis=1) @ rows)
                for sentence, row_starts, rows in pair_side]
        del weights
        for r in range(r1 - r0):
            i = r0 + r
            o = o_rep[r].reshape(width, width)
            alpha_all[i] = _nan(alpha_from_coincidence(o))
            for c in range(1, width):
                alpha_lab[i, c - 1] = _nan(alpha_from_coincidence(collapse_to_binary(o, c)))
            f1_pairs = []
            f1_pairs_lab = []
            for rep in reps:
                st = rep[r].reshape(3, width)
                tot = st[1, 1:].sum() + st[2, 1:].sum()
                f1_pairs.append(2 * st[0, 1:].sum() / tot if tot else np.nan)
                den = st[1, 1:] + st[2, 1:]
                with np.errstate(invalid="ignore", divide="ignore"):
                    f1_pairs_lab.append(np.where(den > 0, 2 * st[0, 1:] / den, np.nan))
            if f1_pairs:
                f1_all[i] = _nanmean(np.array(f1_pairs))
                f1_lab[i] = _nanmean(np.array(f1_pairs_lab), axis=0)
    return alpha_all, alpha_lab, f1_all, f1_lab


def intervals(samples: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
              names: Sequence[str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Percentile 95% intervals of ``resample``'s replicates: (overall, per label)."""
    alpha_all, alpha_lab, f1_all, f1_lab = samples
    overall = {"krippendorff_alpha": _interval(alpha_all), "span_f1": _interval(f1_all)}
    per_label = {lb: {"krippendorff_alpha": _interval(alpha_lab[:, c]),
                      "span_f1": _interval(f1_lab[:, c])} for c, lb in enumerate(names)}
    return overall, per_label


def _bootstrap(ctx: _Context, report: dict[str, Any], replicates: int, seed: int) -> None:
    """Percentile 95% intervals for alpha and span F1, resampling the compared sentences."""
    samples = resample(_resampling(ctx), ctx.corpus.width, replicates, seed)
    overall, per_label = intervals(samples, ctx.corpus.labels)
    report["overall"]["ci"] = overall
    for lb, ci in per_label.items():
        report["per_label"][lb]["ci"] = ci


def _nan(fig: Figure) -> float:
    return np.nan if fig.value is None else fig.value


def _nanmean(x: np.ndarray, axis: int | None = None) -> Any:
    finite = np.isfinite(x)
    total = np.where(finite, x, 0.0).sum(axis=axis)
    n = finite.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _interval(samples: np.ndarray) -> list[float] | None:
    finite = samples[np.isfinite(samples)]
    if finite.size < max(10, samples.size // 2):
        return None
    lo, hi = np.percentile(finite, [2.5, 97.5])
    return [float(lo), float(hi)]


# --- warnings and the plain-words reading ----------------------------------------------------


def _warnings(ctx: _Context, report: dict[str, Any], min_units: int) -> list[str]:
    return warning_list(len(ctx.corpus.annotators), report["counts"]["sentences_compared"],
                        ctx.corpus.unknown_labels,
                        {lb: b["spans_compared"] for lb, b in report["per_label"].items()},
                        min_units)


def warning_list(annotators: int, sentences_compared: int, unknown_labels: Sequence[str],
                 spans_compared: Mapping[str, int], min_units: int) -> list[str]:
    """The report's warnings, from the few counts they depend on."""
    out: list[str] = []
    if annotators < 2:
        out.append("only one annotator: agreement needs two or more")
    elif sentences_compared == 0:
        out.append("no sentence was annotated by two or more annotators")
    for lb in unknown_labels:
        out.append(f"label {lb} is not in the label schema")
    for lb, n in spans_compared.items():
        if n < min_units:
            out.append(f"{lb}: only {n} span(s) in sentences seen by two or more annotators "
                       f"(fewer than {min_units}); its figures are not meaningful yet")
    return out


def _alpha_words(value: float) -> str:
    # Krippendorff (2004, p. 241; 2011): rely on data with alpha >= .800, draw tentative
    # conclusions only from .667 <= alpha < .800, and discard data below .667.
    if value >= 0.8:
        return "reliable"
    if value >= 0.667:
        return "tentative agreement: good enough for tentative conclusions only"
    return "unreliable: below Krippendorff's 0.667 minimum"


def _kappa_words(value: float) -> str:
    # Landis & Koch (1977) benchmarks, the ones most often quoted for kappa.
    for bound, words in ((0.0, "poor"), (0.2, "slight"), (0.4, "fair"), (0.6, "moderate"),
                         (0.8, "substantial")):
        if value <= bound:
            return words
    return "almost perfect"


ADVICE = {
    "missed": "annotators overlook mentions: check attention and the guidelines' coverage",
    "boundary_only": "annotators disagree on span extents: sharpen the boundary rules",
    "label_only": "annotators disagree on which label fits: clarify the label definitions",
    "label_and_boundary": "annotators disagree on both extent and label",
    "subtype_only": "annotators disagree on event types: clarify the event-type definitions",
}


def reading(report: Mapping[str, Any]) -> list[str]:
    """Return a short plain-words reading of a report's summary figures, one sentence each."""
    out: list[str] = []
    ov = report["overall"]
    alpha = ov.get("krippendorff_alpha")
    if alpha is None:
        out.append("Krippendorff's alpha is undefined: "
                   + ov.get("undefined", {}).get("krippendorff_alpha", "no data") + ".")
    else:
        out.append(f"alpha {alpha:.2f}: {_alpha_words(alpha)}.")
    kappa = ov.get("cohen_kappa")
    if kappa is not None:
        out.append(f"mean pairwise Cohen's kappa {kappa:.2f}: {_kappa_words(kappa)} "
                   "(Landis & Koch).")
    inside = ov.get("inside_spans", {}).get("krippendorff_alpha")
    if inside is not None and alpha is not None:
        out.append(f"alpha on tokens inside someone's span only {inside:.2f} (O tokens excluded;"
                   " lower than the overall alpha when agreement rests on the many O tokens).")
    f1 = ov.get("span_f1")
    if f1 is not None:
        part = ov.get("span_f1_partial")
        extra = f" ({part:.2f} when overlapping spans count)" if part is not None else ""
        out.append(f"span F1 {f1:.2f}{extra}: of the spans two annotators marked, "
                   f"{f1:.0%} match exactly.")
    labels = [(lb, b.get("krippendorff_alpha")) for lb, b in report.get("per_label", {}).items()]
    scored = [(lb, v) for lb, v in labels if v is not None]
    if len(scored) > 1:
        worst = min(scored, key=lambda x: x[1])
        best = max(scored, key=lambda x: x[1])
        out.append(f"weakest label {worst[0]} (alpha {worst[1]:.2f}), "
                   f"strongest {best[0]} (alpha {best[1]:.2f}).")
    pairs = [(p["annotators"], p.get("cohen_kappa")) for p in report.get("per_pair", [])]
    scored_pairs = [(a, v) for a, v in pairs if v is not None]
    if len(scored_pairs) > 1:
        worst_pair = min(scored_pairs, key=lambda x: x[1])
        out.append(f"least agreeing pair {worst_pair[0][0]} / {worst_pair[0][1]} "
                   f"(kappa {worst_pair[1]:.2f}).")
    kinds = ov.get("disagreements", {})
    total = sum(kinds.values())
    if total:
        top = max(kinds, key=lambda k: kinds[k])
        out.append(f"most disagreements are {top.replace('_', '-')} "
                   f"({kinds[top]} of {total}): {ADVICE[top]}.")
    return out


# --- drill-down ------------------------------------------------------------------------------


def list_disagreements(
    items: Iterable[Mapping[str, Any]],
    *,
    pair: Sequence[str] | None = None,
    label: str | None = None,
    kind: str | None = None,
    cell: Sequence[str] | None = None,
    schema: Any = None,
    labels: Sequence[str] | None = None,
    subtype_attribute: str = "event_type",
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List the concrete disagreements between annotator pairs, in sentence order.

    Filters (all optional, combined with AND): ``pair`` (two annotator names, either order),
    ``label`` (a disagreement involving that label on either side), ``kind`` (one of
    ``DISAGREEMENT_KINDS``), ``cell`` ((row label, column label) of the span confusion matrix,
    "O" for no span, either orientation). Each entry: ``{"sentence_id", "text", "group",
    "annotators": [a, b], "kind", "labels": [a's label | None, b's label | None],
    "a_spans": [...], "b_spans": [...]}`` with spans relative to the sentence; for a span left
    unpaired the other side lists the spans overlapping it.
    """
    if kind is not None and kind not in DISAGREEMENT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(DISAGREEMENT_KINDS)}")
    if labels is None and schema is not None:
        labels = list(schema.keys)
    corpus = build_corpus(items, labels=labels, subtype_attribute=subtype_attribute)
    names = corpus.annotators
    code = {lb: c for c, lb in enumerate(corpus.labels, start=1)}
    code[OUTSIDE] = 0
    wanted_pairs = list(combinations(range(len(names)), 2))
    if pair is not None:
        if len(pair) != 2 or any(p not in names for p in pair):
            return []
        ka, kb = sorted(names.index(p) for p in pair)
        wanted_pairs = [(ka, kb)]
    if (label is not None and label not in code) or (
            cell is not None and any(c not in code for c in cell)):
        return []
    found: list[tuple[int, int, int, dict[str, Any]]] = []
    for ka, kb in wanted_pairs:
        ev = pair_events(corpus, ka, kb)
        mask = ev.kind != AGREE
        if kind is not None:
            mask &= ev.kind == KINDS.index(kind)
        if label is not None:
            mask &= (ev.a_label == code[label]) | (ev.b_label == code[label])
        if cell is not None:
            x, y = code[cell[0]], code[cell[1]]
            forward = (ev.a_label == x) & (ev.b_label == y)
            mask &= forward | ((ev.a_label == y) & (ev.b_label == x))
        chosen = np.flatnonzero(mask)
        if limit is not None:
            chosen = chosen[:limit]  # events are in sentence order: each pair's first ones
        for e in chosen.tolist():
            s = int(ev.sentence[e])
            found.append((s, ka, kb, _describe(corpus, ka, kb, ev, e, subtype_attribute)))
    found.sort(key=lambda x: (x[0], x[1], x[2]))
    out = [f[3] for f in found]
    return out[:limit] if limit is not None else out


def _describe(corpus: Corpus, ka: int, kb: int, ev: PairEvents, e: int,
              subtype_attribute: str) -> dict[str, Any]:
    s = int(ev.sentence[e])
    A, B = corpus.spans[ka], corpus.spans[kb]
    ai, bi = int(ev.a_index[e]), int(ev.b_index[e])
    a_list = [ai] if ai >= 0 else _overlapping(A, B, bi)
    b_list = [bi] if bi >= 0 else _overlapping(B, A, ai)
    if ai >= 0 and bi < 0:
        b_list = _overlapping(B, A, ai)
    if bi >= 0 and ai < 0:
        a_list = _overlapping(A, B, bi)
    return {
        "sentence_id": corpus.ids[s],
        "text": corpus.texts[s],
        "group": corpus.groups[s],
        "annotators": [corpus.annotators[ka], corpus.annotators[kb]],
        "kind": KINDS[int(ev.kind[e])],
        "labels": [corpus.labels[ev.a_label[e] - 1] if ev.a_label[e] else None,
                   corpus.labels[ev.b_label[e] - 1] if ev.b_label[e] else None],
        "a_spans": [_span_json(corpus, A, i, subtype_attribute) for i in a_list],
        "b_spans": [_span_json(corpus, B, i, subtype_attribute) for i in b_list],
    }


def _overlapping(side: Any, other: Any, index: int) -> list[int]:
    if index < 0:
        return []
    start, end = other.start[index], other.end[index]
    lo = int(np.searchsorted(side.end, start, side="right"))
    hi = int(np.searchsorted(side.start, end, side="left"))
    return list(range(lo, hi))


def _span_json(corpus: Corpus, arr: Any, i: int, subtype_attribute: str) -> dict[str, Any]:
    s = int(arr.sentence[i])
    start = int(arr.start[i] - corpus.base[s])
    end = int(arr.end[i] - corpus.base[s])
    sub = corpus.subtypes[int(arr.subtype[i])]
    return {"start": start, "end": end, "label": corpus.labels[int(arr.label[i]) - 1],
            "attributes": {subtype_attribute: sub} if sub is not None else {},
            "text": corpus.texts[s][start:end]}
