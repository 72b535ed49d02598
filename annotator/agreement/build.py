"""Check agreement input, items or ``ItemColumns``, and build the ``Corpus`` (pure).

Every problem raises ``AgreementInputError`` naming the item (and annotator) at fault; the
checked input is laid out by ``layout.lay_out``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter, methodcaller
from typing import Any

import numpy as np

from annotator.agreement.data import AgreementInputError, Corpus, ItemColumns, gc_paused
from annotator.agreement.frames import RelationLists, RoleColumn, read_item_relations
from annotator.agreement.layout import Row, Vocabulary, lay_out

NO_RELATIONS = (np.zeros(0, dtype=np.int64), (), (), (), (), ())


def build_corpus(items: Iterable[Mapping[str, Any]], *, labels: Sequence[str] | None = None,
                 subtype_attribute: str = "event_type", roles: Sequence[str] | None = None
                 ) -> Corpus:
    """Validate ``items`` and lay them out as arrays.

    Each item is ``{"id", "text", "annotations": {annotator: [span, ...] | None}, "group"?,
    "relations"?: {annotator: [{"head": {"start", "end"}, "child": {...}, "role"}]}}`` with
    spans ``{"start", "end", "label", "attributes"?}`` (or objects with those attributes).
    An annotator who is absent or None did not annotate the sentence (missing data); an empty
    list means the sentence was read and nothing marked. ``roles``: the schema's role order.

    Raises:
        AgreementInputError: naming the item (and annotator) of the first problem found.
    """
    with gc_paused():
        if isinstance(items, ItemColumns):
            return _corpus_from_columns(items, labels, subtype_attribute, roles)
        return _corpus_from_items(items, labels, subtype_attribute, roles)


def _corpus_from_columns(cols: ItemColumns, labels: Sequence[str] | None,
                         subtype_attribute: str, roles: Sequence[str] | None) -> Corpus:
    rows, names, ann_item, ann_who, span_ann = _checked_columns(cols)
    starts = np.asarray(cols.span_start)
    ends = np.asarray(cols.span_end)
    if span_ann.size and (starts.dtype.kind not in "iu" or ends.dtype.kind not in "iu"):
        raise AgreementInputError("span start and end must be integers")
    # Annotations by annotator then position; spans follow their annotation's order.
    ann_order = np.lexsort((np.arange(ann_item.size), ann_who))
    rank = np.empty(ann_item.size, dtype=np.int64)
    rank[ann_order] = np.arange(ann_item.size)
    span_order = np.argsort(rank[span_ann], kind="stable")
    span_who = ann_who[span_ann][span_order]
    ann_bounds = np.searchsorted(ann_who[ann_order], np.arange(len(names) + 1))
    span_bounds = np.searchsorted(span_who, np.arange(len(names) + 1))
    # Labels and subtypes as provisional codes (C-level), reordered with NumPy.
    label_values, label_tmp = _provisional_codes(cols.span_label, span_order)
    sub_values, sub_tmp = _provisional_codes(cols.span_subtype, span_order)
    starts = starts[span_order].astype(np.int64)
    ends = ends[span_order].astype(np.int64)
    span_item = ann_item[span_ann][span_order]

    def spans_of(k: int, name: str, vocab: Vocabulary) -> tuple[np.ndarray, ...]:
        lo, hi = int(span_bounds[k]), int(span_bounds[k + 1])
        label_map = _register(label_values, label_tmp[lo:hi], vocab.label, name)
        sub_map = _register(sub_values, sub_tmp[lo:hi], vocab.subtype, name)
        a_lo, a_hi = int(ann_bounds[k]), int(ann_bounds[k + 1])
        return (ann_item[ann_order[a_lo:a_hi]], span_item[lo:hi], starts[lo:hi], ends[lo:hi],
                label_map[label_tmp[lo:hi]], sub_map[sub_tmp[lo:hi]])

    return lay_out(rows, names, spans_of, labels, subtype_attribute,
                   _column_relations(cols, ann_item, ann_who, len(names)), roles,
                   strict_relations=False)


def _column_relations(cols: ItemColumns, ann_item: np.ndarray, ann_who: np.ndarray,
                      n_names: int) -> Any:
    """``RelationsOf`` for the relation columns, each annotator's taken with NumPy."""
    rel_ann = np.asarray(cols.relation_annotation, dtype=np.int64)
    columns = (cols.relation_head_start, cols.relation_head_end, cols.relation_role,
               cols.relation_child_start, cols.relation_child_end)
    if any(len(c) != rel_ann.size for c in columns):
        raise AgreementInputError("the relation columns must have the same length")
    if rel_ann.size == 0:
        return None
    if rel_ann.min() < 0 or rel_ann.max() >= ann_item.size:
        raise AgreementInputError("relation_annotation points outside the annotations")
    who = ann_who[rel_ann]
    order = np.argsort(who, kind="stable")
    bounds = np.searchsorted(who[order], np.arange(n_names + 1))
    offsets = [np.asarray(c)[order] for i, c in enumerate(columns) if i != 2]
    if any(a.dtype.kind not in "iu" for a in offsets):
        raise AgreementInputError("relation offsets must be integers")
    # Roles as provisional codes (C-level), each annotator's slice named by ``RoleColumn``.
    role_values, role_codes = _provisional_codes(cols.relation_role, order)
    positions = ann_item[rel_ann][order]

    def relations_of(k: int, name: str) -> tuple[Any, ...]:
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        hs, he, cs, ce = (a[lo:hi] for a in offsets)
        return (positions[lo:hi], hs, he, RoleColumn(role_values, role_codes[lo:hi]), cs, ce)

    return relations_of


def _checked_columns(cols: ItemColumns) -> tuple[list[Row], list[str], np.ndarray, np.ndarray,
                                                np.ndarray]:
    """Check the columns' shapes and references.

    Returns (rows (id, text, group), annotators sorted, each annotation's item and annotator
    code, each span's annotation).
    """
    n = len(cols.ids)
    if not (len(cols.texts) == len(cols.groups) == n):
        raise AgreementInputError("ids, texts and groups must have the same length")
    if len(set(cols.ids)) != n:
        raise AgreementInputError("duplicate item id")
    if any(not isinstance(t, str) for t in cols.texts):
        raise AgreementInputError("every text must be a string")
    rows = list(zip(cols.ids, cols.texts, cols.groups, strict=True))
    names = sorted(set(cols.annotation_annotator))
    if any(not isinstance(name, str) or not name for name in names):
        raise AgreementInputError("annotator names must be non-empty strings")
    code = {name: k for k, name in enumerate(names)}
    ann_item = np.asarray(cols.annotation_item, dtype=np.int64)
    ann_who = np.fromiter(map(code.__getitem__, cols.annotation_annotator), dtype=np.int64,
                          count=len(cols.annotation_annotator))
    if ann_item.size and (ann_item.min() < 0 or ann_item.max() >= n):
        raise AgreementInputError("annotation_item points outside the items")
    if np.unique(ann_item * max(len(names), 1) + ann_who).size != ann_item.size:
        raise AgreementInputError("an annotator has two annotations of one item")
    span_ann = np.asarray(cols.span_annotation, dtype=np.int64)
    columns = (cols.span_start, cols.span_end, cols.span_label, cols.span_subtype)
    if any(len(c) != span_ann.size for c in columns):
        raise AgreementInputError("the span columns must have the same length")
    if span_ann.size and (span_ann.min() < 0 or span_ann.max() >= ann_item.size):
        raise AgreementInputError("span_annotation points outside the annotations")
    return rows, names, ann_item, ann_who, span_ann


def _provisional_codes(values: Sequence[Any], order: np.ndarray) -> tuple[list[Any], np.ndarray]:
    """Distinct values (first appearance) and each value's index among them, in ``order``."""
    try:
        distinct = list(dict.fromkeys(values))
    except TypeError:
        raise AgreementInputError("labels and subtypes must be strings") from None
    index = {v: i for i, v in enumerate(distinct)}
    codes = np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))
    return distinct, codes[order]


def _register(distinct: list[Any], codes: np.ndarray, add: Any, name: str) -> np.ndarray:
    """Add the values one annotator uses to the vocabulary (in order of first use, as item
    input does) and return the provisional-code -> vocabulary-code table."""
    table = np.zeros(max(len(distinct), 1), dtype=np.int64)
    used, first = np.unique(codes, return_index=True)
    for i in used[np.argsort(first, kind="stable")].tolist():
        table[i] = add(distinct[i], f"annotator {name!r}")
    return table


class _Spans:
    """One annotator's spans as flat lists, appended item by item (no span dict is kept)."""

    def __init__(self) -> None:
        self.present: list[int] = []  # input positions of the items annotated
        self.counts: list[int] = []  # spans in each of those items
        self.starts: list[Any] = []
        self.ends: list[Any] = []
        self.labels: list[Any] = []
        self.subtypes: list[Any] = []

    def add_slowly(self, spans: Sequence[Any], item_id: Any, name: str,
                   subtype_attribute: str) -> None:
        """Span objects, or something malformed: one by one, naming the culprit."""
        for span in spans:
            start, end, label, attrs = _span_fields(span, item_id, name)
            self.starts.append(start)
            self.ends.append(end)
            self.labels.append(label)
            self.subtypes.append(attrs.get(subtype_attribute) if attrs else None)


_START = itemgetter("start")
_END = itemgetter("end")
_LABEL = itemgetter("label")
_ATTRIBUTES = methodcaller("get", "attributes")


def _corpus_from_items(items: Iterable[Mapping[str, Any]], labels: Sequence[str] | None,
                       subtype_attribute: str, roles: Sequence[str] | None) -> Corpus:
    rows: list[Row] = []
    seen_ids: set[Any] = set()
    per_name: dict[str, _Spans] = {}
    links: dict[str, RelationLists] = {}
    for position, item in enumerate(items):
        rows.append(_read_item(position, item, seen_ids, per_name, subtype_attribute))
        if "relations" in item:
            read_item_relations(item, rows[-1][0], position, item.get("annotations") or {},
                                links)

    names = sorted(per_name)

    def spans_of(k: int, name: str, vocab: Vocabulary) -> tuple[np.ndarray, ...]:
        acc = per_name[name]
        positions = np.array(acc.present, dtype=np.int64)
        counts = np.array(acc.counts, dtype=np.int64)
        return (positions, np.repeat(positions, counts),
                *_columns(acc, None, vocab, rows, name)[1:])

    def relations_of(k: int, name: str) -> tuple[Any, ...]:
        acc = links.get(name)
        return acc.columns() if acc is not None else NO_RELATIONS

    return lay_out(rows, names, spans_of, labels, subtype_attribute,
                   relations_of if links else None, roles)


def _read_item(position: int, item: Any, seen_ids: set[Any], per_name: dict[str, _Spans],
               subtype_attribute: str) -> Row:
    """Check one item and add its annotations' spans to each annotator's lists.

    Returns the item's (id, text, group).
    """
    if type(item) is not dict and not isinstance(item, Mapping):
        raise AgreementInputError(f"item {position}: must be an object")
    item_id = item.get("id", position)
    text = item.get("text")
    if not isinstance(text, str):
        raise AgreementInputError(f"item {item_id!r}: 'text' must be a string")
    annotations = item.get("annotations")
    if annotations is None:
        annotations = {}
    if type(annotations) is not dict and not isinstance(annotations, Mapping):
        raise AgreementInputError(f"item {item_id!r}: 'annotations' must be an object")
    try:
        hashable_id = item_id if not isinstance(item_id, list) else tuple(item_id)
        if hashable_id in seen_ids:
            raise AgreementInputError(f"item {item_id!r}: duplicate id")
        seen_ids.add(hashable_id)
    except TypeError:
        raise AgreementInputError(f"item {position}: 'id' must be a string or number") from None
    for name, spans in annotations.items():
        acc = per_name.get(name)
        if acc is None:
            if not isinstance(name, str) or not name:
                raise AgreementInputError(
                    f"item {item_id!r}: annotator names must be strings")
            acc = per_name[name] = _Spans()
        if spans is None:
            continue
        if type(spans) is not list and not isinstance(spans, tuple):
            raise AgreementInputError(
                f"item {item_id!r}, annotator {name!r}: spans must be a list or null")
        acc.present.append(position)
        acc.counts.append(len(spans))
        if not spans:
            continue
        # Inline fast path (this loop runs once per annotation: 300,000 times for the
        # benchmark): C-level passes over this item's span dicts while they are in cache.
        before = len(acc.starts)
        try:
            acc.starts.extend(map(_START, spans))
            acc.ends.extend(map(_END, spans))
            acc.labels.extend(map(_LABEL, spans))
            acc.subtypes.extend([a.get(subtype_attribute) if a else None
                                 for a in map(_ATTRIBUTES, spans)])
        except (KeyError, TypeError, AttributeError):
            for column in (acc.starts, acc.ends, acc.labels, acc.subtypes):
                del column[before:]
            acc.add_slowly(spans, item_id, name, subtype_attribute)
    return item_id, text, item.get("group")


def _columns(acc: _Spans, sent: np.ndarray, vocab: Vocabulary, input_rows: list[Any],
             name: str) -> tuple[np.ndarray, ...]:
    """One annotator's spans as arrays (sentence, start, end, label code, subtype code)."""
    def where(i: int) -> str:
        position = int(np.repeat(np.array(acc.present, dtype=np.int64),
                                 np.array(acc.counts, dtype=np.int64))[i])
        return f"item {input_rows[position][0]!r}, annotator {name!r}"

    for column in (acc.starts, acc.ends):
        if set(map(type, column)) - {int}:
            bad = next(i for i, v in enumerate(column) if type(v) is not int)
            raise AgreementInputError(f"{where(bad)}: span start and end must be integers")
    for label in dict.fromkeys(acc.labels):
        if label not in vocab.label_code:
            try:
                vocab.label(label, "")
            except (AgreementInputError, TypeError):
                bad = next(i for i, v in enumerate(acc.labels) if v is label)
                raise AgreementInputError(f"{where(bad)}: label must be a string") from None
    for value in dict.fromkeys(acc.subtypes):
        if value not in vocab.subtype_code:
            try:
                vocab.subtype(value, "")
            except (AgreementInputError, TypeError):
                bad = next(i for i, v in enumerate(acc.subtypes) if v is value)
                raise AgreementInputError(
                    f"{where(bad)}: {vocab.subtype_attribute} must be a string") from None
    try:
        start = np.array(acc.starts, dtype=np.int64)
        end = np.array(acc.ends, dtype=np.int64)
    except OverflowError:
        raise AgreementInputError(f"annotator {name!r}: span offsets out of range") from None
    label = np.array(list(map(vocab.label_code.__getitem__, acc.labels)), dtype=np.int64)
    sub = np.array(list(map(vocab.subtype_code.__getitem__, acc.subtypes)), dtype=np.int64)
    return sent, start, end, label, sub


def _span_fields(span: Any, item_id: Any, name: str) -> tuple[int, int, Any, Mapping[str, Any]]:
    if isinstance(span, Mapping):
        start, end, label = span.get("start"), span.get("end"), span.get("label")
        attrs = span.get("attributes") or {}
    else:  # annotator.spans.Span or any object with the same fields
        start, end, label = (getattr(span, "start", None), getattr(span, "end", None),
                             getattr(span, "label", None))
        attrs = getattr(span, "attributes", None) or {}
        if isinstance(attrs, tuple):
            attrs = dict(attrs)
    if type(start) is not int or type(end) is not int:
        raise AgreementInputError(
            f"item {item_id!r}, annotator {name!r}: span start and end must be integers")
    if not isinstance(attrs, Mapping):
        raise AgreementInputError(
            f"item {item_id!r}, annotator {name!r}: span attributes must be an object")
    return start, end, label, attrs
