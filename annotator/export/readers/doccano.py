"""doccano's sequence-labelling JSONL export (pure).

One JSON object per line, ``text`` plus either shape doccano writes:

- ``"label": [[start, end, "LABEL"], ...]`` (``"labels"`` in older versions), or
- with relation labelling on, ``"entities": [{"id", "start_offset", "end_offset", "label"}]``
  and ``"relations": [{"id", "from_id", "to_id", "type"}]``.

Offsets are character offsets into ``text``. A whole file holding one JSON array of such
objects is read too. Each line is a document; its ``title`` (or ``meta.title``), when
present, names a document we create.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from annotator.export.readers.shape import (
    ForeignDocument,
    ForeignRelation,
    ForeignSpan,
    Reading,
    decode,
    is_offset,
    text_of,
)
from annotator.inputs import InputError, jsonl_lines, loads_json


def read_doccano(files: Sequence[tuple[str, bytes]]) -> Reading:
    """Every document of doccano JSONL ``files``, and the items that cannot be read."""
    reading = Reading()
    for name, data in files:
        text = decode(name, data, reading)
        if text is None:
            continue
        items = _items(name, text, reading)
        for where, item in items:
            document = _document(where, item, reading)
            if document is not None:
                reading.documents.append(document)
        if not items and not text.strip():
            reading.problem(name, "the file holds no documents")
    return reading


def _items(name: str, text: str, reading: Reading) -> list[tuple[str, Any]]:
    """(where, parsed object) for each line, or each element of a top-level JSON array."""
    if text.lstrip().startswith("["):
        try:
            whole = loads_json(text)
        except InputError as err:
            reading.problem(name, f"not JSON ({err})")
            return []
        if isinstance(whole, list):
            return [(f"{name} item {i}", item) for i, item in enumerate(whole, start=1)]
    items: list[tuple[str, Any]] = []
    for number, raw in enumerate(jsonl_lines(text), start=1):
        if not raw.strip():
            continue
        where = f"{name} line {number}"
        try:  # refuses deep nesting, integers past 64 bits, NUL and lone surrogates
            items.append((where, loads_json(raw)))
        except InputError as err:
            reading.problem(where, f"not JSON ({err})")
    return items


def _document(where: str, item: Any, reading: Reading) -> ForeignDocument | None:
    if not isinstance(item, dict):
        reading.problem(where, "must be a JSON object with 'text'")
        return None
    text = text_of(item.get("text"))
    if text is None:
        reading.problem(where, "'text' must be a non-empty string")
        return None
    meta = item.get("meta") if isinstance(item.get("meta"), dict) else {}
    title = text_of(item.get("title")) or text_of(meta.get("title"))
    document = ForeignDocument(where, text, title)
    if "entities" in item:
        _entities(document, item.get("entities"), item.get("relations"), reading)
    else:
        _labels(document, item.get("label", item.get("labels", [])), reading)
    return document


def _labels(document: ForeignDocument, raw: Any, reading: Reading) -> None:
    """The ``"label": [[start, end, "LABEL"], ...]`` shape."""
    if not isinstance(raw, list):
        reading.problem(document.where, "'label' must be a list of [start, end, label]")
        return
    for i, entry in enumerate(raw):
        where = f"{document.where}, label {i}"
        if (not isinstance(entry, list) or len(entry) != 3 or not is_offset(entry[0])
                or not is_offset(entry[1]) or text_of(entry[2]) is None):
            reading.problem(where, "must be [start, end, label] (two offsets and a label)")
            continue
        document.spans.append(ForeignSpan(f"#{i}", entry[0], entry[1], entry[2], where))


def _entities(document: ForeignDocument, raw: Any, relations: Any, reading: Reading) -> None:
    """The ``"entities"`` + ``"relations"`` shape."""
    if not isinstance(raw, list):
        reading.problem(document.where, "'entities' must be a list")
        return
    for i, entry in enumerate(raw):
        ident = entry.get("id", i) if isinstance(entry, dict) else i
        where = f"{document.where}, entity {ident}"
        if not isinstance(entry, dict):
            reading.problem(where, "must be an object with id, start_offset, end_offset, label")
            continue
        start, end, label = entry.get("start_offset"), entry.get("end_offset"), entry.get("label")
        if not is_offset(start) or not is_offset(end) or text_of(label) is None:
            reading.problem(where, "needs whole-number start_offset, end_offset and a label")
            continue
        document.spans.append(ForeignSpan(str(ident), start, end, label, where))
    if relations is None:
        return
    if not isinstance(relations, list):
        reading.problem(document.where, "'relations' must be a list")
        return
    for i, entry in enumerate(relations):
        ident = entry.get("id", i) if isinstance(entry, dict) else i
        where = f"{document.where}, relation {ident}"
        if (not isinstance(entry, dict) or "from_id" not in entry or "to_id" not in entry
                or text_of(entry.get("type")) is None):
            reading.problem(where, "must be an object with from_id, to_id and type")
            continue
        document.relations.append(
            ForeignRelation(str(entry["from_id"]), str(entry["to_id"]), entry["type"], where))
