"""events-jsonl and events-csv: one record per gold event with its arguments (pure).

An event is a gold span whose label declares roles in the project's schema (EVENT in the
default schema); its arguments are the gold relations it heads. Each record carries where
the event was reported (project, document, title, URL, published date, sentence), its
trigger (the span's text and offsets), its event type and the type's group, and per role the
arguments' texts and offsets. ACLED-style event data comes straight out of it: who acted
(``actor1``), against whom (``actor2``), where (``location``).

The writers stream like the others: one document's records at a time, counted into the
``Tally`` for the card and the summary line. Columns and fields: docs/export.md.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotator.export.records import (
    ExportDocument,
    ExportHeader,
    ExportSentence,
    GoldRelation,
    sorted_spans,
)
from annotator.export.tally import Tally, parse_label_schema
from annotator.projects.schema import LabelSchema
from annotator.spreadsheet import neutralise

EVENT_TYPE = "event_type"  # the attribute that holds an event's type
FALLBACK_EVENT_LABEL = "EVENT"  # a schema without roles still has its EVENT spans exported
JOIN = "; "  # several arguments of one role in one CSV cell
EVENT_FORMATS = ("events-jsonl", "events-csv")
# One encoder for every record: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                           check_circular=False).encode


@dataclass(frozen=True)
class EventSchema:
    """What the event writers need from the label schema: event labels, roles, types."""

    labels: tuple[str, ...]  # labels whose spans are events, in schema order
    roles: tuple[str, ...]  # every role key of those labels, in schema order, once each
    groups: Mapping[str, Mapping[str, str | None]]  # label -> event type -> its group

    @classmethod
    def from_document(cls, label_schema: Mapping[str, Any]) -> EventSchema:
        """Read a stored schema document (nothing but EVENT if it no longer parses)."""
        schema = parse_label_schema(label_schema)
        if schema is None:
            return cls((FALLBACK_EVENT_LABEL,), (), {})
        return cls.from_schema(schema)

    @classmethod
    def from_schema(cls, schema: LabelSchema) -> EventSchema:
        """The labels that declare roles (EVENT alone when none does) and their roles."""
        labels = [label for label in schema.labels if label.roles]
        if not labels:
            labels = [label for label in schema.labels if label.key == FALLBACK_EVENT_LABEL]
        roles: list[str] = []
        for label in labels:
            roles += [role.key for role in label.roles if role.key not in roles]
        groups = {}
        for label in labels:
            attribute = label.attribute(EVENT_TYPE)
            groups[label.key] = (
                {v.value: v.group for v in attribute.values} if attribute is not None else {}
            )
        keys = tuple(label.key for label in labels) or (FALLBACK_EVENT_LABEL,)
        return cls(keys, tuple(roles), groups)


def event_records(
    header: ExportHeader, schema: EventSchema, document: ExportDocument,
    sentence: ExportSentence,
) -> list[dict[str, Any]]:
    """Return the sentence's events as records (the events-jsonl lines, before encoding)."""
    labels = schema.labels
    if not any(span[2] in labels for span in sentence.spans):
        return []  # most sentences: no event, nothing to build
    events = [s for s in sorted_spans(sentence.spans) if s.label in labels]
    text = sentence.text
    records = []
    by_head = _arguments_by_head(sentence.relations)
    label_at = {(s.start, s.end): s.label for s in sentence.spans}
    with_split = bool(header.options.get("split"))
    for event in events:
        event_type = event.attributes.get(EVENT_TYPE)
        record: dict[str, Any] = {
            "project": header.project_name,
            "project_id": header.project_id,
            "document_id": document.id,
            "title": document.title,
            "url": document.url,
            "published": document.published,
        }
        if with_split:
            record["split"] = document.split
        arguments: dict[str, list[dict[str, Any]]] = {role: [] for role in schema.roles}
        for role, start, end in by_head.get((event.start, event.end), ()):
            arguments.setdefault(role, []).append(
                {"text": text[start:end], "start": start, "end": end,
                 "label": label_at.get((start, end))}
            )
        record.update({
            "sentence_id": sentence.id,
            "sentence_index": sentence.index,
            "text": text,
            "gold_status": sentence.gold_status,
            "trigger": {"text": text[event.start:event.end], "start": event.start,
                        "end": event.end},
            "label": event.label,
            "event_type": event_type,
            "event_group": schema.groups.get(event.label, {}).get(event_type)
            if event_type else None,
            "arguments": arguments,
            "source": event.source,
        })
        records.append(record)
    return records


def _arguments_by_head(
    relations: Sequence[GoldRelation],
) -> dict[tuple[int, int], list[tuple[str, int, int]]]:
    """Each head's (role, child start, child end), sorted by role order then offsets."""
    out: dict[tuple[int, int], list[tuple[str, int, int]]] = {}
    for r in sorted(relations, key=lambda r: (r.child_start, r.child_end, r.role)):
        out.setdefault((r.head_start, r.head_end), []).append(
            (r.role, r.child_start, r.child_end)
        )
    return out


def _events(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[tuple[EventSchema, list[dict[str, Any]]]]:
    """Each document's event records, counted into ``tally`` (shared by both writers)."""
    schema = EventSchema.from_document(header.label_schema)
    for document in documents:
        tally.add_document(document)
        records: list[dict[str, Any]] = []
        for sentence in document.sentences:
            tally.add_sentence(document, sentence, 0, 0)
            records.extend(event_records(header, schema, document, sentence))
        yield schema, records


def write_events_jsonl(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[str]:
    """Yield one JSON line per gold event (docs/export.md, *events-jsonl*)."""
    for _, records in _events(header, documents, tally):
        if records:
            yield "".join([_encode(record) + "\n" for record in records])


def csv_columns(header: ExportHeader, schema: EventSchema) -> list[str]:
    """The events-csv header row: fixed columns, then per role its texts and offsets."""
    columns = ["project", "document_id", "title", "url", "published"]
    if header.options.get("split"):
        columns.append("split")
    columns += ["sentence_id", "sentence_text", "gold_status", "trigger_text", "trigger_start",
                "trigger_end", "label", "event_type", "event_group", "source"]
    for role in schema.roles:
        columns += [role, f"{role}_offsets"]
    return columns


def csv_row(record: Mapping[str, Any], schema: EventSchema, with_split: bool) -> list[str]:
    """One event record as CSV cells (text cells neutralised against formulas)."""
    row: list[Any] = [record["project"], record["document_id"], record["title"],
                      record["url"], record["published"]]
    if with_split:
        row.append(record["split"])
    trigger = record["trigger"]
    row += [record["sentence_id"], record["text"], record["gold_status"], trigger["text"],
            trigger["start"], trigger["end"], record["label"], record["event_type"],
            record["event_group"], record["source"]]
    arguments = record["arguments"]
    for role in schema.roles:
        found = arguments.get(role, ())
        row.append(JOIN.join(a["text"] for a in found))
        row.append(JOIN.join(f"{a['start']}-{a['end']}" for a in found))
    return [neutralise("" if cell is None else str(cell)) for cell in row]


def write_events_csv(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[str]:
    """Yield a CSV file: a header row, then one row per gold event (RFC 4180, CRLF)."""
    schema = EventSchema.from_document(header.label_schema)
    with_split = bool(header.options.get("split"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_columns(header, schema))
    yield out.getvalue()
    for _, records in _events(header, documents, tally):
        if not records:
            continue
        out.seek(0)
        out.truncate()
        writer.writerows(csv_row(record, schema, with_split) for record in records)
        yield out.getvalue()


