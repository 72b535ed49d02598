"""jsonl: one sentence per line, in the shape spaCy and Prodigy users load directly (pure).

Each line is ``{"text", "tokens", "spans", "relations", "meta"}``; tokens are the editor's,
whitespace included, so a spaCy ``Doc`` built from them has the sentence's exact text and
offsets. Relations take Prodigy's shape (``rel.manual``): ``head`` and ``child`` are token
indices, and the token that stands for a span is its **last** token (``token_end``), as
Prodigy writes it and spaCy's relation-extraction tutorial reads it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from annotator.export.alignment import Alignment, align
from annotator.export.gold_json import dumps, own_spans_json
from annotator.export.records import (
    AnnotatorRelation,
    AnnotatorSpan,
    AnnotatorWork,
    ExportDocument,
    ExportHeader,
    ExportSentence,
    GoldRelation,
    GoldSpan,
    relation_provenance,
    sorted_relations,
    sorted_spans,
)
from annotator.export.tally import Tally


def prodigy_tokens(text: str, tokens: Sequence[tuple[int, int]]) -> tuple[list[dict], list[int]]:
    """Return tokens in Prodigy's shape (text, start, end, id, ws), whitespace runs included.

    ``"".join(t["text"] + " " * t["ws"])`` rebuilds ``text`` exactly, so
    ``spacy.tokens.Doc(vocab, words, spaces)`` has the same text and character offsets.
    Like spaCy, a single space after a token is its ``ws``; any other whitespace becomes a
    token of its own. Returns the tokens and, for each of ``tokens``, its index among them.
    """
    out: list[dict[str, Any]] = []
    index_of: list[int] = []

    def add(start: int, end: int) -> None:
        out.append(
            {"text": text[start:end], "start": start, "end": end, "id": len(out), "ws": False}
        )

    position = 0
    for start, end in tokens:
        gap = start - position
        if gap:
            if out and text[position] == " ":
                out[-1]["ws"] = True
                position += 1
            if position < start:
                add(position, start)
        index_of.append(len(out))
        add(start, end)
        position = end
    if position < len(text):
        if out and text[position] == " ":
            out[-1]["ws"] = True
            position += 1
        if position < len(text):
            add(position, len(text))
    return out, index_of


def write_jsonl(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[str]:
    """Yield one line per sentence: ``{"text", "tokens", "spans", "relations", "meta"}``.

    A span gets ``token_start`` and ``token_end`` (inclusive, as in Prodigy) only when it
    sits exactly on token boundaries; provenance per span sits in ``meta.provenance``, per
    relation in ``meta.relation_provenance``. With ``include_annotations``,
    ``meta.annotations`` holds each annotator's status, spans and relations (Prodigy's shape,
    as the gold's).
    """
    with_annotations = header.include_annotations
    for document in documents:
        tally.add_document(document)
        for sentence in document.sentences:
            text = sentence.text
            spans = sorted_spans(sentence.spans)
            alignment = align(text, spans)
            tally.add_sentence(document, sentence, alignment.off_boundary, alignment.dropped)
            tokens, index_of = prodigy_tokens(text, alignment.tokens)
            meta = _meta(document, sentence, spans)
            out_spans = _spans_json(spans, alignment, index_of)
            relations = sorted_relations(sentence.relations) if sentence.relations else []
            meta["relation_provenance"] = [relation_provenance(r) for r in relations]
            if with_annotations:
                meta["annotations"] = _annotations_json(
                    text, sentence.annotations or {}, alignment.tokens, index_of)
            yield dumps({
                "text": text, "tokens": tokens, "spans": out_spans,
                "relations": _relations_json(relations, out_spans), "meta": meta,
            }) + "\n"


def _annotations_json(
    text: str, annotations: Mapping[str, AnnotatorWork], tokens: list[tuple[int, int]],
    index_of: Sequence[int],
) -> dict[str, Any]:
    """Every annotator's own work: status, spans as in gold-json, relations as the gold's.

    Each annotator's spans are aligned on the sentence's tokens (already cut for the gold),
    so their relations' ``head``/``child`` index the line's ``tokens`` like the gold's do.
    """
    out: dict[str, Any] = {}
    for name, work in sorted(annotations.items()):
        spans = sorted(work.spans)
        entry: dict[str, Any] = {"status": work.status, "spans": own_spans_json(text, spans)}
        relations = sorted_relations(work.relations)
        refs = _spans_json(spans, align(text, spans, tokens), index_of) if relations else []
        entry["relations"] = _relations_json(relations, refs)
        out[name] = entry
    return out


def _relations_json(
    relations: Sequence[GoldRelation] | Sequence[AnnotatorRelation],
    spans: Sequence[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Relations in Prodigy's shape: ``head``/``child`` the last token of each span.

    A span off token boundaries has no token indices; its relation's ``head`` or ``child``
    is then null (the offsets in ``head_span``/``child_span`` still name it).
    """
    if not relations:
        return []
    by_offsets = {(s["start"], s["end"]): s for s in spans}
    out = []
    for r in relations:
        head = _span_ref(by_offsets, r.head_start, r.head_end)
        child = _span_ref(by_offsets, r.child_start, r.child_end)
        out.append({
            "head": head.get("token_end"), "child": child.get("token_end"),
            "head_span": head, "child_span": child, "label": r.role,
        })
    return out


def _span_ref(by_offsets: dict[tuple[int, int], dict[str, Any]], start: int, end: int) -> dict:
    """The ``head_span``/``child_span`` object: offsets, token indices when exact, label."""
    span = by_offsets.get((start, end))
    ref: dict[str, Any] = {"start": start, "end": end}
    if span is not None:
        if "token_start" in span:
            ref["token_start"] = span["token_start"]
            ref["token_end"] = span["token_end"]
        ref["label"] = span["label"]
    return ref


def _spans_json(
    spans: Sequence[GoldSpan] | Sequence[AnnotatorSpan], alignment: Alignment,
    index_of: Sequence[int],
) -> list[dict[str, Any]]:
    """A sentence's spans, with Prodigy token indices where they sit exactly on tokens."""
    out = []
    for span, token_range, exact in zip(spans, alignment.ranges, alignment.exact, strict=True):
        item: dict[str, Any] = {"start": span.start, "end": span.end, "label": span.label}
        if exact and token_range is not None:
            item["token_start"] = index_of[token_range[0]]
            item["token_end"] = index_of[token_range[1] - 1]
        item["attributes"] = dict(sorted(span.attributes.items()))
        out.append(item)
    return out


def _meta(
    document: ExportDocument, sentence: ExportSentence, spans: Sequence[GoldSpan]
) -> dict[str, Any]:
    """A line's ``meta``: where the sentence comes from and each span's provenance."""
    return {
        "sentence_id": sentence.id,
        "document_id": document.id,
        "document": document.title,
        "index": sentence.index,
        "split": document.split,
        "gold_status": sentence.gold_status,
        "annotators": list(sentence.annotators),
        "provenance": [
            {
                "source": s.source,
                "votes": {"k": s.votes, "n": s.voters},
                "annotators": list(s.annotators),
                "curator": s.curator,
                "reason": s.reason,
            }
            for s in spans
        ],
    }
