"""Turn agreement items into validated NumPy arrays: spans, tokens and per-token labels (pure)."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter, methodcaller
from typing import Any

import numpy as np

from annotator.corpus.tokens import TOKEN_RE, is_mark

OUTSIDE = "O"


class AgreementInputError(ValueError):
    """An item or span is malformed; the message names the item (and annotator)."""


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


@dataclass
class SpanArrays:
    """One annotator's spans, sorted by (sentence, start); offsets are global (see Corpus)."""

    sentence: np.ndarray  # sentence index
    start: np.ndarray  # global start
    end: np.ndarray  # global end
    label: np.ndarray  # 1..L (0 is O)
    subtype: np.ndarray  # index into Corpus.subtypes, 0 = no subtype given

    def __len__(self) -> int:
        return int(self.sentence.size)

    def take(self, mask_or_index: np.ndarray) -> SpanArrays:
        return SpanArrays(self.sentence[mask_or_index], self.start[mask_or_index],
                          self.end[mask_or_index], self.label[mask_or_index],
                          self.subtype[mask_or_index])


@dataclass
class Corpus:
    """The items as arrays. Sentences are laid end to end with one space between them
    (``base[s]`` is the global offset of sentence s), so global offsets never collide and no
    token crosses a sentence boundary. Sentences are ordered by group, then input order."""

    ids: list[Any]
    texts: list[str]
    groups: list[Any]  # group of each sentence (None when the item has none)
    group_order: list[Any]  # distinct groups in order of first appearance
    group_bounds: list[tuple[int, int]]  # sentence index range of each group
    annotators: list[str]
    labels: list[str]  # label codes 1..L are labels[0..L-1]; code 0 is O
    subtypes: list[str | None]  # subtype codes; 0 is None (no subtype)
    base: np.ndarray  # global offset of each sentence
    lengths: np.ndarray  # length of each sentence
    present: np.ndarray  # annotators x sentences, bool: the annotator annotated the sentence
    spans: list[SpanArrays]  # per annotator
    tok_start: np.ndarray
    tok_end: np.ndarray
    tok_sentence: np.ndarray
    sentence_tokens: np.ndarray  # token index range start of each sentence (len S + 1)
    values: np.ndarray  # annotators x tokens, int8: -1 missing, 0 O, 1..L label
    unknown_labels: list[str]

    @property
    def width(self) -> int:
        return len(self.labels) + 1


@dataclass
class ItemColumns:
    """Items in columns, as a database read yields them without one dict per span.

    Sentences: ``ids``, ``texts``, ``groups`` (parallel lists). Annotations (an annotator read
    a sentence; missing data otherwise): ``annotation_item`` (index into ``ids``) and
    ``annotation_annotator`` (name). Spans: ``span_annotation`` (index into the annotations),
    ``span_start``, ``span_end`` (sentence offsets), ``span_label``, ``span_subtype`` (the
    subtype attribute's value or None). Equivalent to the items
    ``{"id", "text", "group", "annotations": {annotator: [span, ...]}}``.
    """

    ids: Sequence[Any]
    texts: Sequence[str]
    groups: Sequence[Any]
    annotation_item: Sequence[int]
    annotation_annotator: Sequence[str]
    span_annotation: Sequence[int]
    span_start: Sequence[int]
    span_end: Sequence[int]
    span_label: Sequence[str]
    span_subtype: Sequence[str | None]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic containers.

    Allocating millions of tuples and lists triggers full collections that rescan every live
    object (the caller's items included): half the time of a large report went there.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_corpus(items: Iterable[Mapping[str, Any]], *, labels: Sequence[str] | None = None,
                 subtype_attribute: str = "event_type") -> Corpus:
    """Validate ``items`` and lay them out as arrays.

    Each item is ``{"id", "text", "annotations": {annotator: [span, ...] | None}, "group"?}``
    with spans ``{"start", "end", "label", "attributes"?}`` (or objects with those attributes).
    An annotator who is absent or None did not annotate the sentence (missing data); an empty
    list means the sentence was read and nothing marked.

    Raises:
        AgreementInputError: naming the item (and annotator) of the first problem found.
    """
    with gc_paused():
        if isinstance(items, ItemColumns):
            return _corpus_from_columns(items, labels, subtype_attribute)
        return _build_corpus(items, labels, subtype_attribute)


def _corpus_from_columns(cols: ItemColumns, labels: Sequence[str] | None,
                         subtype_attribute: str) -> Corpus:
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

    def spans_of(k: int, name: str, vocab: _Vocab) -> tuple[np.ndarray, ...]:
        lo, hi = int(span_bounds[k]), int(span_bounds[k + 1])
        label_map = _register(label_values, label_tmp[lo:hi], vocab.label, name)
        sub_map = _register(sub_values, sub_tmp[lo:hi], vocab.subtype, name)
        a_lo, a_hi = int(ann_bounds[k]), int(ann_bounds[k + 1])
        return (ann_item[ann_order[a_lo:a_hi]], span_item[lo:hi], starts[lo:hi], ends[lo:hi],
                label_map[label_tmp[lo:hi]], sub_map[sub_tmp[lo:hi]])

    return _finish(rows, names, spans_of, labels, subtype_attribute)


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


def _build_corpus(items: Iterable[Mapping[str, Any]], labels: Sequence[str] | None,
                  subtype_attribute: str) -> Corpus:
    rows: list[tuple[Any, str, Any]] = []
    seen_ids: set[Any] = set()
    per_name: dict[str, _Spans] = {}
    for position, item in enumerate(items):
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
        rows.append((item_id, text, item.get("group")))

    names = sorted(per_name)

    def spans_of(k: int, name: str, vocab: _Vocab) -> tuple[np.ndarray, ...]:
        acc = per_name[name]
        positions = np.array(acc.present, dtype=np.int64)
        counts = np.array(acc.counts, dtype=np.int64)
        return (positions, np.repeat(positions, counts),
                *_columns(acc, None, vocab, rows, name)[1:])

    return _finish(rows, names, spans_of, labels, subtype_attribute)


def _finish(rows: list[tuple[Any, str, Any]], annotators: list[str], spans_of: Any,
            labels: Sequence[str] | None, subtype_attribute: str) -> Corpus:
    """Lay out checked rows (id, text, group) and each annotator's spans as a Corpus.

    ``spans_of(k, name, vocab)`` returns the annotator's (input positions of the items they
    annotated, input position of each span's item, starts, ends, label codes, subtype codes).
    """
    # Order sentences by group (first appearance), keeping input order within a group, so each
    # group is one contiguous slice of every array.
    group_order: list[Any] = []
    group_pos: dict[Any, int] = {}
    row_group = []
    for _, _, group in rows:
        key = group_key(group)
        if key not in group_pos:
            group_pos[key] = len(group_order)
            group_order.append(group)
        row_group.append(group_pos[key])
    order = np.argsort(np.array(row_group, dtype=np.int64), kind="stable")
    new_position = np.empty(len(rows), dtype=np.int64)
    new_position[order] = np.arange(len(rows))
    rows = [rows[i] for i in order.tolist()]
    sizes = np.bincount(np.array(row_group, dtype=np.int64), minlength=len(group_order))
    ends_at = np.cumsum(sizes).tolist()
    group_bounds = [(e - int(n), e) for e, n in zip(ends_at, sizes.tolist(), strict=True)]

    label_list = list(labels) if labels is not None else []
    label_code = {lb: i + 1 for i, lb in enumerate(label_list)}
    subtypes: list[str | None] = [None]
    subtype_code: dict[str | None, int] = {None: 0}
    vocab = _Vocab(label_list, label_code, subtypes, subtype_code, subtype_attribute)

    texts = [r[1] for r in rows]
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    base = np.zeros(len(texts), dtype=np.int64)
    if len(texts) > 1:
        base[1:] = np.cumsum(lengths + 1)[:-1]
    present = np.zeros((len(annotators), len(texts)), dtype=bool)
    per_ann = []
    for k, name in enumerate(annotators):
        positions, span_positions, *columns = spans_of(k, name, vocab)
        present[k, new_position[positions]] = True
        per_ann.append((new_position[span_positions], *columns))
    label_list, unknown = vocab.labels, vocab.unknown

    if labels is None and label_list:
        # No label list given: order the labels found alphabetically (deterministic output).
        ordered = sorted(label_list)
        remap = np.array([0] + [ordered.index(lb) + 1 for lb in label_list], dtype=np.int64)
        per_ann = [(a, b, c, remap[d], e) for a, b, c, d, e in per_ann]
        label_list, unknown = ordered, []
    elif unknown:
        # Labels missing from the list given come after it, sorted: the order then depends on
        # the data only, not on which annotator or span used them first (which, read from a
        # database, is the storage order), and a report read in chunks finds the same order.
        ordered = [*label_list[: len(label_list) - len(unknown)], *sorted(unknown)]
        if ordered != label_list:
            remap = np.array([0] + [ordered.index(lb) + 1 for lb in label_list], dtype=np.int64)
            per_ann = [(a, b, c, remap[d], e) for a, b, c, d, e in per_ann]
        label_list, unknown = ordered, sorted(unknown)

    spans_out: list[SpanArrays] = []
    for k, (sent, start_a, end_a, label_a, sub_a) in enumerate(per_ann):
        bad = (start_a < 0) | (end_a <= start_a) | (end_a > lengths[sent])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            s = int(sent[i])
            raise AgreementInputError(
                f"item {rows[s][0]!r}, annotator {annotators[k]!r}: span [{start_a[i]}, "
                f"{end_a[i]}) is outside 0 <= start < end <= {int(lengths[s])}")
        # Spans usually arrive sorted; sort only when they are not.
        key_sorted = sent.size < 2 or bool(np.all(
            (sent[1:] > sent[:-1]) | ((sent[1:] == sent[:-1]) & (start_a[1:] >= start_a[:-1]))))
        if not key_sorted:
            order_k = np.lexsort((end_a, start_a, sent))
            sent, start_a, end_a, label_a, sub_a = (x[order_k] for x in (
                sent, start_a, end_a, label_a, sub_a))
        arr = SpanArrays(sent, start_a + base[sent], end_a + base[sent], label_a, sub_a)
        # Flat annotation: one annotator's spans never overlap (as in the editor).
        clash = arr.start[1:] < arr.end[:-1]
        if clash.any():
            i = int(np.flatnonzero(clash)[0])
            s = int(arr.sentence[i])
            raise AgreementInputError(
                f"item {rows[s][0]!r}, annotator {annotators[k]!r}: spans "
                f"[{arr.start[i] - base[s]}, {arr.end[i] - base[s]}) and "
                f"[{arr.start[i + 1] - base[s]}, {arr.end[i + 1] - base[s]}) overlap")
        spans_out.append(arr)

    tok_start, tok_end = token_bounds(" ".join(texts)) if texts else (
        np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    # First token of each sentence (and the end), then each token's sentence.
    sentence_tokens = np.searchsorted(tok_start, np.append(base, np.iinfo(np.int64).max))
    tok_sentence = np.repeat(np.arange(len(texts), dtype=np.int64), np.diff(sentence_tokens))
    values = np.full((len(annotators), tok_start.size), -1, dtype=np.int8)
    if len(label_list) > 126:
        raise AgreementInputError("at most 126 distinct labels are supported")
    for k, arr in enumerate(spans_out):
        row = values[k]
        row[present[k][tok_sentence]] = 0
        _paint_tokens(row, arr, tok_start, tok_end)

    return Corpus(
        ids=[r[0] for r in rows], texts=texts, groups=[r[2] for r in rows],
        group_order=group_order, group_bounds=group_bounds, annotators=annotators,
        labels=label_list, subtypes=subtypes, base=base, lengths=lengths, present=present,
        spans=spans_out, tok_start=tok_start, tok_end=tok_end, tok_sentence=tok_sentence,
        sentence_tokens=sentence_tokens, values=values, unknown_labels=unknown,
    )


class _Vocab:
    """Label and subtype codes, grown as new values are met."""

    def __init__(self, labels: list[str], label_code: dict[str, int], subtypes: list[str | None],
                 subtype_code: dict[str | None, int], subtype_attribute: str) -> None:
        self.labels = labels
        self.label_code = label_code
        self.subtypes = subtypes
        self.subtype_code = subtype_code
        self.subtype_attribute = subtype_attribute
        self.unknown: list[str] = []

    def label(self, label: Any, where: str) -> int:
        code = self.label_code.get(label) if isinstance(label, str) else None
        if code is None:
            if not isinstance(label, str) or not label:
                raise AgreementInputError(f"{where}: label must be a string")
            code = len(self.labels) + 1
            self.labels.append(label)
            self.label_code[label] = code
            self.unknown.append(label)
        return code

    def subtype(self, value: Any, where: str) -> int:
        code = self.subtype_code.get(value) if value is None or isinstance(value, str) else None
        if code is None:
            if not isinstance(value, str):
                raise AgreementInputError(f"{where}: {self.subtype_attribute} must be a string")
            code = len(self.subtypes)
            self.subtypes.append(value)
            self.subtype_code[value] = code
        return code


_START = itemgetter("start")
_END = itemgetter("end")
_LABEL = itemgetter("label")
_ATTRIBUTES = methodcaller("get", "attributes")


def _columns(acc: _Spans, sent: np.ndarray, vocab: _Vocab, input_rows: list[Any],
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


def group_key(group: Any) -> Any:
    """The group as a dict key: itself when hashable, else its repr."""
    try:
        hash(group)
        return group
    except TypeError:
        return repr(group)


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


def _paint_tokens(row: np.ndarray, arr: SpanArrays, tok_start: np.ndarray,
                  tok_end: np.ndarray) -> None:
    """Give every token the label of the span overlapping it.

    A span covers the tokens it overlaps by at least one character. When a span boundary cuts a
    token that two spans share, the earlier span keeps it.
    """
    if len(arr) == 0:
        return
    first = np.searchsorted(tok_end, arr.start, side="right")
    stop = np.searchsorted(tok_start, arr.end, side="left")
    if first.size > 1:
        first[1:] = np.maximum(first[1:], stop[:-1])
    width = np.maximum(stop - first, 0)
    total = int(width.sum())
    if total == 0:
        return
    # Token indices of every covered token, run by run (the ranges are disjoint now).
    offsets = np.arange(total) - np.repeat(np.cumsum(width) - width, width)
    row[np.repeat(first, width) + offsets] = np.repeat(arr.label, width)


def token_regex_bounds(text: str) -> list[tuple[int, int]]:
    """The tokenizer's own offsets (for tests comparing the vectorised version against it)."""
    return [m.span() for m in TOKEN_RE.finditer(text)]
