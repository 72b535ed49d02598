"""labelstudio: Label Studio tasks with the gold as predictions, and their labelling config (pure).

One task per **document**: ``data.text`` is the whole article and every region's offsets are
absolute (the sentence's start plus the span's), so an annotator in Label Studio reads and
corrects each span in its context, and the offsets match the document text our other tools
keep. Sentence-level tasks would cut event frames' context and make one task of each line of an
article; the document's exported sentences (ids, offsets, gold status) are in ``meta``.

Each task holds one prediction, ``model_version`` ``"gold"``: per gold span a ``labels``
result, per attribute value (an EVENT's ``event_type``) a per-region ``choices`` result with the
region's id, and per gold relation a ``relation`` result whose label is the role. With
``include_annotations`` each annotator's own work is one more prediction
(``model_version`` ``"annotator:NAME"``). ``labelstudio_config`` writes the ``<View>`` that
declares exactly these names. Label Studio counts offsets in code points, as we do.

The file is one JSON array, written a task per line as the documents stream past.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import quoteattr

from annotator.export.alignment import boundary_problems
from annotator.export.records import (
    AnnotatorRelation,
    AnnotatorSpan,
    ExportDocument,
    ExportHeader,
    ExportSentence,
    GoldRelation,
    GoldSpan,
    sorted_relations,
    sorted_spans,
)
from annotator.export.tally import Tally, parse_label_schema
from annotator.projects.schema import LabelSchema

FROM_NAME = "label"  # the <Labels> tag
TO_NAME = "text"  # the <Text> tag, reading data.text
GOLD_VERSION = "gold"
ANNOTATOR_VERSION = "annotator:"  # + the annotator's name (or pseudonym)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def attribute_tags(schema: LabelSchema | None) -> dict[str, str]:
    """Each attribute key of the schema -> the name of its ``<Choices>`` tag.

    The tag is named for the key (``event_type``): one tag per key, shared by every label
    that has the attribute, so results read back as our attribute keys.
    """
    if schema is None:
        return {}
    return {a.key: a.key for label in schema.labels for a in label.attributes}


def labelstudio_config(label_schema: Mapping[str, Any]) -> str:
    """Write the Label Studio labelling config (XML) matching the tasks of ``label_schema``.

    ``<Labels name="label">`` with a ``<Label>`` per schema label (its colour and description),
    ``<Relations>`` with a ``<Relation>`` per role, and per attribute a per-region
    ``<Choices>`` shown when a region of a label that has it is selected.
    """
    schema = parse_label_schema(label_schema)
    lines = ["<View>"]
    roles: list[str] = []
    if schema is not None:
        for label in schema.labels:
            roles += [role.key for role in label.roles if role.key not in roles]
    if roles:
        lines.append("  <Relations>")
        lines += [f"    <Relation value={quoteattr(role)}/>" for role in roles]
        lines.append("  </Relations>")
    lines.append(f"  <Labels name={quoteattr(FROM_NAME)} toName={quoteattr(TO_NAME)}>")
    for label in schema.labels if schema is not None else ():
        hint = f" hint={quoteattr(label.description)}" if label.description else ""
        lines.append(f"    <Label value={quoteattr(label.key)} "
                     f"background={quoteattr(label.color)}{hint}/>")
    lines.append("  </Labels>")
    lines.append(f"  <Text name={quoteattr(TO_NAME)} value=\"$text\"/>")
    for key, tag in attribute_tags(schema).items():
        holders = [label for label in schema.labels if label.attribute(key) is not None]
        values: list[tuple[str, str]] = []
        for label in holders:
            for value in label.attribute(key).values:
                if value.value not in (v for v, _ in values):
                    values.append((value.value, value.name))
        # Label Studio's visibleWhen names one label; a key several labels share shows with
        # any selected region.
        when = (f" whenTagName={quoteattr(FROM_NAME)} whenLabelValue={quoteattr(holders[0].key)}"
                if len(holders) == 1 else "")
        lines.append(f"  <View visibleWhen=\"region-selected\"{when}>")
        lines.append(f"    <Header value={quoteattr(holders[0].attribute(key).name)}/>")
        lines.append(f"    <Choices name={quoteattr(tag)} toName={quoteattr(TO_NAME)} "
                     "perRegion=\"true\" choice=\"single\">")
        lines += [f"      <Choice value={quoteattr(value)} hint={quoteattr(name)}/>"
                  for value, name in values]
        lines.append("    </Choices>")
        lines.append("  </View>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def write_labelstudio(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[str]:
    """Yield a JSON array of Label Studio tasks, one task (one document) per line."""
    tags = attribute_tags(parse_label_schema(header.label_schema))
    with_annotations = header.include_annotations
    first = True
    yield "["
    for document in documents:
        tally.add_document(document)
        for sentence in document.sentences:
            tally.add_sentence(document, sentence,
                               *boundary_problems(sentence.text, sorted_spans(sentence.spans)))
        task = task_json(header, document, tags, with_annotations)
        yield ("\n" if first else ",\n") + _dumps(task)
        first = False
    yield "\n]\n"


def task_json(
    header: ExportHeader, document: ExportDocument, tags: Mapping[str, str],
    with_annotations: bool,
) -> dict[str, Any]:
    """One document as a Label Studio task: data, meta and the gold (and annotators') results."""
    text = document.text
    predictions = [{
        "model_version": GOLD_VERSION,
        "result": _results(
            text, [(s, s.spans, s.relations) for s in document.sentences], tags),
    }]
    if with_annotations:
        names = sorted({name for s in document.sentences for name in (s.annotations or {})})
        for name in names:
            work = [(s, s.annotations[name].spans, s.annotations[name].relations)
                    for s in document.sentences if name in (s.annotations or {})]
            predictions.append({"model_version": ANNOTATOR_VERSION + name,
                                "result": _results(text, work, tags)})
    return {
        "data": {"text": text, "title": document.title, "url": document.url,
                 "published": document.published},
        "meta": {
            "project_id": header.project_id,
            "document_id": document.id,
            "split": document.split,
            "sentences": [_sentence_meta(s) for s in document.sentences],
        },
        "predictions": predictions,
    }


def _sentence_meta(sentence: ExportSentence) -> dict[str, Any]:
    return {"id": sentence.id, "index": sentence.index, "start": sentence.start,
            "end": sentence.end, "gold_status": sentence.gold_status,
            "annotators": list(sentence.annotators)}


def region_id(sentence: ExportSentence, start: int, end: int) -> str:
    """A region's id in a task: the sentence id and the span's offsets in the sentence."""
    return f"s{sentence.id}-{start}-{end}"


def _results(
    text: str,
    parts: Sequence[tuple[ExportSentence, Sequence[GoldSpan] | Sequence[AnnotatorSpan],
                          Sequence[GoldRelation] | Sequence[AnnotatorRelation]]],
    tags: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Label Studio results of one prediction: regions, their choices, then relations."""
    results: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for sentence, spans, relations in parts:
        for span in sorted(spans, key=lambda s: (s.start, s.end, s.label)):
            start, end = sentence.start + span.start, sentence.start + span.end
            value = {"start": start, "end": end, "text": text[start:end]}
            rid = region_id(sentence, span.start, span.end)
            results.append({"id": rid, "from_name": FROM_NAME, "to_name": TO_NAME,
                            "type": "labels", "value": {**value, "labels": [span.label]}})
            for key, choice in sorted(span.attributes.items()):
                if key in tags:
                    results.append({"id": rid, "from_name": tags[key], "to_name": TO_NAME,
                                    "type": "choices", "value": {**value, "choices": [choice]}})
        for r in sorted_relations(relations):
            links.append({"from_id": region_id(sentence, r.head_start, r.head_end),
                          "to_id": region_id(sentence, r.child_start, r.child_end),
                          "type": "relation", "direction": "right", "labels": [r.role]})
    return results + links
