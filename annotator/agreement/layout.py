"""Lay checked agreement input out as a ``Corpus``: sentences by group and end to end, spans
on global offsets, label and subtype codes, and every token's value per annotator (pure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from annotator.agreement.data import AgreementInputError, Corpus, SpanArrays, group_key
from annotator.agreement.frames import RelationsOf, RoleVocabulary, place_relations
from annotator.agreement.tokenizing import paint_tokens, token_bounds

Row = tuple[Any, str, Any]  # (id, text, group) of an item, in input order


class Vocabulary:
    """Label and subtype codes, grown as new values are met (given labels first)."""

    def __init__(self, labels: Sequence[str] | None, subtype_attribute: str) -> None:
        self.labels: list[str] = list(labels) if labels is not None else []
        self.label_code = {lb: i + 1 for i, lb in enumerate(self.labels)}
        self.subtypes: list[str | None] = [None]
        self.subtype_code: dict[str | None, int] = {None: 0}
        self.subtype_attribute = subtype_attribute
        self.unknown: list[str] = []

    def label(self, label: Any, where: str) -> int:
        """The code of ``label`` (1..L), added if new (``where`` names it in an error)."""
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
        """The code of a subtype value (0: none), added if new."""
        code = self.subtype_code.get(value) if value is None or isinstance(value, str) else None
        if code is None:
            if not isinstance(value, str):
                raise AgreementInputError(f"{where}: {self.subtype_attribute} must be a string")
            code = len(self.subtypes)
            self.subtypes.append(value)
            self.subtype_code[value] = code
        return code


# spans_of(k, name, vocabulary) -> (input positions of the items annotator k annotated, input
# position of each span's item, starts, ends, label codes, subtype codes)
SpansOf = Callable[[int, str, Vocabulary], tuple[np.ndarray, ...]]


def lay_out(rows: list[Row], annotators: list[str], spans_of: SpansOf,
            labels: Sequence[str] | None, subtype_attribute: str,
            relations_of: RelationsOf | None = None, roles: Sequence[str] | None = None,
            strict_relations: bool = True) -> Corpus:
    """Lay out checked rows (id, text, group), each annotator's spans and their relations
    (``relations_of``, see ``frames``; ``roles``: the schema's role order) as a Corpus.

    Raises:
        AgreementInputError: a span outside its sentence, two spans of one annotator that
            overlap, more than 126 labels, or (``strict_relations``) a relation that does not
            resolve to the annotator's spans.
    """
    rows, new_position, group_order, group_bounds = _by_group(rows)
    vocab = Vocabulary(labels, subtype_attribute)
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
    label_list, unknown, per_ann = _ordered_labels(vocab, labels is None, per_ann)
    spans = [_placed(rows, annotators[k], lengths, base, *columns)
             for k, columns in enumerate(per_ann)]
    tok_start, tok_end = token_bounds(" ".join(texts)) if texts else (
        np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    # First token of each sentence (and the end), then each token's sentence.
    sentence_tokens = np.searchsorted(tok_start, np.append(base, np.iinfo(np.int64).max))
    tok_sentence = np.repeat(np.arange(len(texts), dtype=np.int64), np.diff(sentence_tokens))
    values = np.full((len(annotators), tok_start.size), -1, dtype=np.int8)
    if len(label_list) > 126:
        raise AgreementInputError("at most 126 distinct labels are supported")
    for k, arr in enumerate(spans):
        row = values[k]
        row[present[k][tok_sentence]] = 0
        paint_tokens(row, arr.start, arr.end, arr.label, tok_start, tok_end)
    role_list, unknown_roles, relations = _relations(
        rows, annotators, spans, base, new_position, relations_of, roles, strict_relations)
    return Corpus(
        ids=[r[0] for r in rows], texts=texts, groups=[r[2] for r in rows],
        group_order=group_order, group_bounds=group_bounds, annotators=annotators,
        labels=label_list, subtypes=vocab.subtypes, base=base, lengths=lengths,
        present=present, spans=spans, tok_start=tok_start, tok_end=tok_end,
        tok_sentence=tok_sentence, sentence_tokens=sentence_tokens, values=values,
        unknown_labels=unknown, roles=role_list, relations=relations,
        unknown_roles=unknown_roles,
    )


def _relations(rows: list[Row], annotators: list[str], spans: list[SpanArrays],
               base: np.ndarray, new_position: np.ndarray, relations_of: RelationsOf | None,
               roles: Sequence[str] | None, strict: bool
               ) -> tuple[list[str], list[str], list]:
    """Each annotator's relations resolved to their spans, and the role order."""
    vocab = RoleVocabulary(roles)
    if relations_of is None:
        return vocab.roles, [], []
    ids = [r[0] for r in rows]
    placed = []
    for k, name in enumerate(annotators):
        positions, hs, he, role, cs, ce = relations_of(k, name)
        sentence = new_position[np.asarray(positions, dtype=np.int64)]
        placed.append(place_relations(ids, name, spans[k], base, sentence, (hs, he, cs, ce),
                                      vocab.codes(role), strict=strict))
    ordered, unknown, remap = vocab.final()
    for arr in placed:
        arr.role = remap[arr.role] if arr.role.size else arr.role
    if not any(len(arr) for arr in placed):
        unknown = []
    return ordered, unknown, placed


def _by_group(rows: list[Row]) -> tuple[list[Row], np.ndarray, list[Any], list[tuple[int, int]]]:
    """Order sentences by group (first appearance), keeping input order within a group, so
    each group is one contiguous slice of every array.

    Returns (rows in that order, new position of each input row, the groups, the sentence
    range of each group).
    """
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
    sizes = np.bincount(np.array(row_group, dtype=np.int64), minlength=len(group_order))
    ends_at = np.cumsum(sizes).tolist()
    group_bounds = [(e - int(n), e) for e, n in zip(ends_at, sizes.tolist(), strict=True)]
    return [rows[i] for i in order.tolist()], new_position, group_order, group_bounds


def _ordered_labels(vocab: Vocabulary, found_only: bool, per_ann: list[tuple[np.ndarray, ...]]
                    ) -> tuple[list[str], list[str], list[tuple[np.ndarray, ...]]]:
    """The report's label order and the labels not given, with the spans' codes renumbered.

    ``found_only``: no label list was given, so every label was found in the data.
    """
    label_list, unknown = vocab.labels, vocab.unknown
    if found_only and label_list:
        # No label list given: order the labels found alphabetically (deterministic output).
        ordered = sorted(label_list)
        remap = np.array([0] + [ordered.index(lb) + 1 for lb in label_list], dtype=np.int64)
        return ordered, [], [(a, b, c, remap[d], e) for a, b, c, d, e in per_ann]
    if unknown:
        # Labels missing from the list given come after it, sorted: the order then depends on
        # the data only, not on which annotator or span used them first (which, read from a
        # database, is the storage order), and a report read in chunks finds the same order.
        ordered = [*label_list[: len(label_list) - len(unknown)], *sorted(unknown)]
        if ordered != label_list:
            remap = np.array([0] + [ordered.index(lb) + 1 for lb in label_list], dtype=np.int64)
            per_ann = [(a, b, c, remap[d], e) for a, b, c, d, e in per_ann]
        return ordered, sorted(unknown), per_ann
    return label_list, unknown, per_ann


def _placed(rows: list[Row], annotator: str, lengths: np.ndarray, base: np.ndarray,
            sent: np.ndarray, start: np.ndarray, end: np.ndarray, label: np.ndarray,
            sub: np.ndarray) -> SpanArrays:
    """One annotator's spans checked, sorted and placed at global offsets.

    Raises:
        AgreementInputError: a span outside its sentence, or two spans that overlap.
    """
    bad = (start < 0) | (end <= start) | (end > lengths[sent])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        s = int(sent[i])
        raise AgreementInputError(
            f"item {rows[s][0]!r}, annotator {annotator!r}: span [{start[i]}, "
            f"{end[i]}) is outside 0 <= start < end <= {int(lengths[s])}")
    # Spans usually arrive sorted; sort only when they are not.
    key_sorted = sent.size < 2 or bool(np.all(
        (sent[1:] > sent[:-1]) | ((sent[1:] == sent[:-1]) & (start[1:] >= start[:-1]))))
    if not key_sorted:
        order = np.lexsort((end, start, sent))
        sent, start, end, label, sub = (x[order] for x in (sent, start, end, label, sub))
    arr = SpanArrays(sent, start + base[sent], end + base[sent], label, sub)
    # Flat annotation: one annotator's spans never overlap (as in the editor).
    clash = arr.start[1:] < arr.end[:-1]
    if clash.any():
        i = int(np.flatnonzero(clash)[0])
        s = int(arr.sentence[i])
        raise AgreementInputError(
            f"item {rows[s][0]!r}, annotator {annotator!r}: spans "
            f"[{arr.start[i] - base[s]}, {arr.end[i] - base[s]}) and "
            f"[{arr.start[i + 1] - base[s]}, {arr.end[i + 1] - base[s]}) overlap")
    return arr
