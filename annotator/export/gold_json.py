"""gold-json: the whole gold standard with provenance, counts and card in one file (pure).

The shape is fixed by docs/gold-json.schema.json. Documents are written one per line as they
stream past; ``counts`` and ``card`` follow them, complete once every document was counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from json.encoder import encode_basestring
from typing import Any

from annotator.export.alignment import boundary_problems
from annotator.export.card import render_card
from annotator.export.records import (
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

FORMAT_VERSION = 1  # of the gold-json shape (docs/gold-json.schema.json)


def dumps(obj: Any) -> str:
    """Encode ``obj`` as compact JSON text, non-ASCII characters as they are."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def annotations_json(text: str, annotations: Mapping[str, AnnotatorWork]) -> dict[str, Any]:
    """Return every annotator's own work on a sentence as gold-json: status, spans, relations.

    An annotator's relations have the gold relations' ``head``/``child``/``role`` without
    provenance (they are one person's).
    """
    return {
        name: {
            "status": work.status,
            "spans": own_spans_json(text, work.spans),
            "relations": [
                {"head": {"start": r.head_start, "end": r.head_end},
                 "child": {"start": r.child_start, "end": r.child_end}, "role": r.role}
                for r in sorted_relations(work.relations)
            ],
        }
        for name, work in sorted(annotations.items())
    }


def own_spans_json(text: str, spans: Sequence[AnnotatorSpan]) -> list[dict[str, Any]]:
    """An annotator's own spans as JSON, by offset (gold-json and jsonl share the shape)."""
    return [
        {
            "start": s.start,
            "end": s.end,
            "label": s.label,
            "text": text[s.start : s.end],
            "attributes": dict(sorted(s.attributes.items())),
            **({"origin": dict(s.origin)} if s.origin else {}),
        }
        for s in sorted(spans)
    ]


def relations_json(relations: Sequence[GoldRelation]) -> str:
    """A sentence's gold relations as gold-json text: head, child, role and provenance."""
    if not relations:
        return "[]"
    return dumps([
        {"head": {"start": r.head_start, "end": r.head_end},
         "child": {"start": r.child_start, "end": r.child_end},
         "role": r.role, **relation_provenance(r)}
        for r in sorted_relations(relations)
    ])


class _SpanTails:
    """The JSON text of a gold span after its ``text``: attributes and provenance, cached.

    Most of a million spans share one of a few tails (same source, votes and annotators, no
    curator), so each distinct tail is encoded once. The output is exactly what ``dumps``
    makes of the whole span object (the golden files check it byte for byte).
    """

    LIMIT = 20_000  # distinct tails kept (curator spans have their own times and notes)

    def __init__(self) -> None:
        self._cache: dict[tuple, str] = {}
        self._names: dict[tuple[str, ...], str] = {}

    def names(self, annotators: tuple[str, ...]) -> str:
        """A sentence's ``annotators`` list as JSON (a few distinct lists in a whole export)."""
        text = self._names.get(annotators)
        if text is None:
            if len(self._names) >= self.LIMIT:
                self._names.clear()
            text = self._names[annotators] = dumps(list(annotators))
        return text

    def __call__(self, span: GoldSpan) -> str:
        attributes = span.attributes
        key = (tuple(attributes.items()) if attributes else (), span[4:])
        tail = self._cache.get(key)
        if tail is None:
            tail = dumps({
                "attributes": dict(sorted(attributes.items())),
                "source": span.source,
                "votes": {"k": span.votes, "n": span.voters},
                "annotators": list(span.annotators),
                "curator": span.curator,
                "curated_at": span.curated_at,
                "reason": span.reason,
                "note": span.note,
            })[1:-1]
            if len(self._cache) >= self.LIMIT:
                self._cache.clear()
            self._cache[key] = tail
        return tail


def _sentence_json(
    sentence: ExportSentence, spans: Sequence[GoldSpan], tails: _SpanTails,
    with_annotations: bool,
) -> str:
    """One gold-json sentence object, built from encoded pieces (the export's inner loop)."""
    text = sentence.text
    quote = encode_basestring  # json's own string encoder (ensure_ascii=False), in C
    span_texts = ",".join([
        f'{{"start":{s.start},"end":{s.end},"label":{quote(s.label)},'
        f'"text":{quote(text[s.start:s.end])},{tails(s)}}}'
        for s in spans
    ])
    out = (
        f'{{"id":{sentence.id},"index":{sentence.index},"text":{quote(text)},'
        f'"start":{sentence.start},"end":{sentence.end},'
        f'"gold_status":{quote(sentence.gold_status)},"spans":[{span_texts}],'
        f'"relations":{relations_json(sentence.relations)},'
        f'"annotators":{tails.names(tuple(sentence.annotators))}'
    )
    if with_annotations:
        out += ',"annotations":' + dumps(annotations_json(text, sentence.annotations or {}))
    return out + "}"


def write_gold_json(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[str]:
    """Yield the gold-json file: header keys, one document per line, then counts and card.

    ``counts`` and ``card`` come after ``documents`` because they are counted while the
    documents stream past (one pass, flat memory); JSON readers do not care about key order.
    """
    head = {
        "format_version": FORMAT_VERSION,
        "project": {"id": header.project_id, "name": header.project_name},
        "label_schema": header.label_schema,
        "exported_at": header.exported_at,
        "options": _public_options(header.options),
        "agreement": header.agreement,
    }
    yield "{\n" + "".join(f"{dumps(k)}:{dumps(v)},\n" for k, v in head.items())
    yield '"documents":['
    separator = "\n"
    with_annotations = header.include_annotations
    tails = _SpanTails()
    for document in documents:
        yield separator + _document_json(document, tally, tails, with_annotations)
        separator = ",\n"
    counts = tally.counts()
    yield (
        "\n],\n"
        f'"counts":{dumps(counts)},\n'
        f'"card":{dumps(render_card(header, counts))}\n'
        "}\n"
    )


def _document_json(
    document: ExportDocument, tally: Tally, tails: _SpanTails, with_annotations: bool
) -> str:
    """One gold-json document object with its sentences, counted into ``tally``."""
    tally.add_document(document)
    sentences = []
    for sentence in document.sentences:
        spans = sorted_spans(sentence.spans)
        tally.add_sentence(document, sentence, *boundary_problems(sentence.text, spans))
        sentences.append(_sentence_json(sentence, spans, tails, with_annotations))
    head = dumps({
        "id": document.id,
        "title": document.title,
        "url": document.url,
        "published": document.published,
        "split": document.split,
    })
    return f'{head[:-1]},"sentences":[{",".join(sentences)}]}}'


def _public_options(options: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("split", "seed", "part", "include_annotations", "complete_only")
    return {k: options.get(k) for k in keys}
