"""Label Studio's JSON export (pure).

The file is a list of tasks ``{"id", "data": {"text": ...}, "annotations": [{"result": [...],
"was_cancelled"}], "predictions": [...]}``. Each task is a document; its text is
``data[text_key]`` (``text`` by default, or the task's only string field). Of its
annotations the first one not cancelled is read (Label Studio lists them oldest first); a task
without one falls back to its first prediction (so our own Label Studio export, which carries
gold as predictions, reads back); a task with neither is left out (not annotated).

Result items read: ``labels`` (a region: ``value.start``, ``value.end``, ``value.text``,
``value.labels``), ``relation`` (``from_id``, ``to_id``, ``direction``, ``labels``), and
``choices`` / ``taxonomy`` items with the same ``id`` as a region (per-region classification:
the region's event type, or another attribute named by ``from_name``). Other result types
(text areas, ratings, task-level choices) carry nothing we store and are passed over.
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
from annotator.inputs import InputError, loads_json


def read_labelstudio(
    files: Sequence[tuple[str, bytes]], *, text_key: str | None = None
) -> Reading:
    """Every annotated task of Label Studio JSON export ``files`` as a document."""
    reading = Reading()
    for name, data in files:
        text = decode(name, data, reading)
        if text is None:
            continue
        try:
            tasks = loads_json(text)
        except InputError as err:
            reading.problem(name, f"not JSON ({err})")
            continue
        if isinstance(tasks, dict):  # a single task exported on its own
            tasks = [tasks]
        if not isinstance(tasks, list):
            reading.problem(name, "must be a JSON list of tasks (Label Studio's JSON export)")
            continue
        for i, task in enumerate(tasks, start=1):
            ident = task.get("id", i) if isinstance(task, dict) else i
            document = _task(f"{name} task {ident}", task, text_key, reading)
            if document is not None:
                reading.documents.append(document)
    return reading


def _task_text(where: str, data: Any, text_key: str | None, reading: Reading) -> str | None:
    if not isinstance(data, dict):
        reading.problem(where, "'data' must be an object holding the text")
        return None
    if text_key is None:
        strings = [k for k, v in data.items() if isinstance(v, str)]
        text_key = "text" if "text" in data or len(strings) != 1 else strings[0]
    text = text_of(data.get(text_key))
    if text is None:
        reading.problem(where, f"data.{text_key} must be a non-empty string (the text key "
                               "can be named with --text-key)")
    return text


def _results(task: dict[str, Any]) -> list[Any] | None:
    """The result list of the task's first annotation not cancelled, else its first
    prediction; None when there is neither."""
    for key in ("annotations", "completions", "predictions"):
        entries = task.get(key)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if isinstance(entry, dict) and not entry.get("was_cancelled"):
                result = entry.get("result")
                return result if isinstance(result, list) else []
    return None


def _task(where: str, task: Any, text_key: str | None, reading: Reading) -> ForeignDocument | None:
    if not isinstance(task, dict):
        reading.problem(where, "must be a task object with 'data'")
        return None
    results = _results(task)
    if results is None:
        return None  # nobody annotated this task: nothing to bring in
    text = _task_text(where, task.get("data"), text_key, reading)
    if text is None:
        return None
    data = task["data"]
    document = ForeignDocument(where, text, text_of(data.get("title")))
    attributes: dict[str, list[tuple[str, str]]] = {}
    regions: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(results):
        if not isinstance(item, dict):
            reading.problem(f"{where}, result {i}", "must be an object")
            continue
        kind = item.get("type")
        ident = item.get("id")
        if kind == "labels":
            if ident is None:
                ident = f"#{i}"
            regions[str(ident)] = {**item, "index": i}
        elif kind in ("choices", "taxonomy") and ident is not None:
            value = _choice(item)
            if value is not None:
                attributes.setdefault(str(ident), []).append(
                    (str(item.get("from_name") or ""), value))
        elif kind == "relation":
            _relation(document, f"{where}, result {i}", item, reading)
    for ident, item in regions.items():
        _region(document, ident, item, attributes.get(ident, []), reading)
    return document


def _choice(item: dict[str, Any]) -> str | None:
    """The chosen value of a per-region ``choices`` or ``taxonomy`` item (a taxonomy path's
    last step: its most specific class)."""
    value = item.get("value")
    if not isinstance(value, dict):
        return None
    if item.get("type") == "taxonomy":
        paths = value.get("taxonomy")
        if isinstance(paths, list) and paths and isinstance(paths[0], list) and paths[0]:
            return text_of(paths[0][-1])
        return None
    choices = value.get("choices")
    if isinstance(choices, list) and choices:
        return text_of(choices[0])
    return None


def _region(
    document: ForeignDocument, ident: str, item: dict[str, Any],
    attributes: list[tuple[str, str]], reading: Reading,
) -> None:
    where = f"{document.where}, region {ident}"
    value = item.get("value")
    if not isinstance(value, dict) or not is_offset(value.get("start")) \
            or not is_offset(value.get("end")):
        reading.problem(where, "value needs whole-number start and end (a text region)")
        return
    labels = value.get("labels")
    if not isinstance(labels, list) or len(labels) != 1 or text_of(labels[0]) is None:
        reading.problem(where, "a region needs exactly one label (value.labels)")
        return
    start, end = value["start"], value["end"]
    shown = value.get("text") if isinstance(value.get("text"), str) else None
    if shown is not None and document.text[start:end] != shown:
        # Label Studio counts in the browser's UTF-16 units: past an emoji they run ahead.
        start, end = _from_utf16(document.text, start), _from_utf16(document.text, end)
    document.spans.append(ForeignSpan(ident, start, end, labels[0], where,
                                      tuple(attributes), shown))


def _from_utf16(text: str, offset: int) -> int:
    """The code-point offset of UTF-16 offset ``offset`` in ``text`` (past the end: kept)."""
    units = 0
    for position, char in enumerate(text):
        if units >= offset:
            return position
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text) if units >= offset else offset


def _relation(document: ForeignDocument, where: str, item: dict[str, Any],
              reading: Reading) -> None:
    head, child = item.get("from_id"), item.get("to_id")
    labels = item.get("labels")
    if head is None or child is None:
        reading.problem(where, "a relation needs from_id and to_id")
        return
    if not isinstance(labels, list) or len(labels) != 1 or text_of(labels[0]) is None:
        reading.problem(where, "a relation needs exactly one label (its role)")
        return
    if item.get("direction") == "left":  # drawn from the child to the head
        head, child = child, head
    document.relations.append(ForeignRelation(str(head), str(child), labels[0], where))
