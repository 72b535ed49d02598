"""Original conflict-news articles and the same annotations written in each peer tool's own
file shape (doccano, Label Studio, brat, CoNLL), for the import round trips."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation, RelationRow, SpanRow
from annotator.audit.models import AuditEvent
from annotator.corpus.importing import import_articles
from annotator.corpus.models import Document, Sentence
from annotator.export import storing
from annotator.projects.models import Project
from tests.factories import make_project, make_user

# Two articles the project already holds, one that only the files bring.
KNOWN = [
    {"title": "Shelling near Kafr Nabl",
     "text": "Government artillery shelled Kafr Nabl on Tuesday morning. The 25th Division "
             "said its troops repelled rebel fighters near the town."},
    {"title": "Protest in Idlib",
     "text": "Hundreds of protesters marched in Idlib after the strike.\n"
             "Police dispersed the crowd with tear gas."},
]
NEW = {"title": "Convoy ambush",
       "text": "Militants ambushed an army convoy on the Aleppo road. Two soldiers of the 4th "
               "Armoured Brigade were killed."}
TEXTS = [KNOWN[0]["text"], KNOWN[1]["text"], NEW["text"]]

# Per document: spans (surface, label, event type) and relations (event, role, argument),
# every surface unique within its document. Every label, EVENTs with types, and relations.
SPANS: list[list[tuple[str, str, str | None]]] = [
    [("Government artillery", "ACTOR", None), ("shelled", "EVENT", "shelling_artillery_missile"),
     ("Kafr Nabl", "LOCATION", None), ("25th Division", "UNIT", None),
     ("repelled", "EVENT", "armed_clash"), ("rebel fighters", "ACTOR", None)],
    [("protesters", "ACTOR", None), ("marched", "EVENT", "protest"), ("Idlib", "LOCATION", None),
     ("Police", "ACTOR", None), ("dispersed", "EVENT", None)],
    [("Militants", "ACTOR", None), ("ambushed", "EVENT", "armed_clash"),
     ("army convoy", "ACTOR", None), ("Aleppo road", "LOCATION", None),
     ("4th Armoured Brigade", "UNIT", None)],
]
RELATIONS: list[list[tuple[str, str, str]]] = [
    [("shelled", "actor1", "Government artillery"), ("shelled", "location", "Kafr Nabl"),
     ("repelled", "actor1", "25th Division"), ("repelled", "actor2", "rebel fighters")],
    [("marched", "actor1", "protesters"), ("marched", "location", "Idlib"),
     ("dispersed", "actor1", "Police")],
    [("ambushed", "actor1", "Militants"), ("ambushed", "actor2", "army convoy"),
     ("ambushed", "location", "Aleppo road")],
]
# Display names as people type them in other tools: matched loosely to the schema.
ROLE_NAMES = {"actor1": "Actor 1", "actor2": "Actor 2", "location": "Location"}


def interop_project(session: Session) -> Project:
    """Project "Interop" holding the KNOWN articles; an admin (boss), a curator (cur) and an
    annotator (dora), committed."""
    make_user(session, "boss", "admin")
    make_user(session, "dora")
    made = make_project(session, "Interop")
    make_user(session, "cur", "curator")
    import_articles(session, made.id, [("known.jsonl", "\n".join(
        json.dumps(a) for a in KNOWN).encode())])
    session.commit()
    return made


def sizes(session: Session) -> tuple[int, ...]:
    """Row counts of every table an import may write: unchanged after a refusal."""
    return tuple(session.scalar(select(func.count()).select_from(t)) for t in (
        Document, Sentence, GoldSentence, GoldSpanRow, GoldRelationRow, Annotation, SpanRow,
        RelationRow, AuditEvent))


class Killed(BaseException):
    """The worker's process ends here (kill -9): nothing after it runs, not even a cleanup."""


def store_failing_on(chunk: int, error: BaseException) -> Callable[..., None]:
    """``storing.store_annotations`` that raises ``error`` on its ``chunk``-th call (a chunked
    import that fails, or whose worker dies, halfway)."""
    real, calls = storing.store_annotations, []

    def store(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == chunk:
            raise error
        real(*args, **kwargs)

    return store


def offsets(doc: int, surface: str) -> tuple[int, int]:
    start = TEXTS[doc].index(surface)
    return start, start + len(surface)


def expected() -> tuple[list[tuple], list[tuple]]:
    """Spans as (surface, label, event type) and relations as (event, role, argument),
    sorted, as the import should store them."""
    spans = sorted((s, label, et) for doc in SPANS for s, label, et in doc)
    relations = sorted(r for doc in RELATIONS for r in doc)
    return spans, relations


def doccano_label_shape() -> str:
    """doccano's plain sequence-labelling export: "label": [[start, end, LABEL]] (no
    relations, no event types: what that shape can say)."""
    return "".join(json.dumps({"id": i + 1, "text": text, "label": [
        [*offsets(i, s), label] for s, label, _ in SPANS[i]], "Comments": []}) + "\n"
        for i, text in enumerate(TEXTS))


def doccano_entities_shape() -> str:
    """doccano's export with relation labelling: entities and relations by id; the event
    type rides in the label ("EVENT" only: doccano has no span attributes, so none)."""
    lines = []
    for i, text in enumerate(TEXTS):
        ids = {s: 100 * (i + 1) + k for k, (s, _, _) in enumerate(SPANS[i])}
        lines.append(json.dumps({
            "id": i + 1, "text": text,
            "entities": [{"id": ids[s], "label": label.title(), "start_offset": offsets(i, s)[0],
                          "end_offset": offsets(i, s)[1]} for s, label, _ in SPANS[i]],
            "relations": [{"id": 900 + k, "from_id": ids[e], "to_id": ids[a],
                           "type": ROLE_NAMES[role]}
                          for k, (e, role, a) in enumerate(RELATIONS[i])],
            "Comments": []}))
    return "\n".join(lines) + "\n"


def labelstudio_tasks() -> str:
    """Label Studio's JSON export: one task per document, regions, per-region choices for the
    event type, relations by region id (one drawn from the argument, direction "left")."""
    tasks: list[dict[str, Any]] = []
    for i, text in enumerate(TEXTS):
        result: list[dict[str, Any]] = []
        ids = {s: f"r{i}x{k}" for k, (s, _, _) in enumerate(SPANS[i])}
        for s, label, event_type in SPANS[i]:
            start, end = offsets(i, s)
            result.append({"id": ids[s], "from_name": "label", "to_name": "text",
                           "type": "labels", "origin": "manual",
                           "value": {"start": start, "end": end, "text": s, "labels": [label]}})
            if event_type:
                result.append({"id": ids[s], "from_name": "event_type", "to_name": "text",
                               "type": "choices", "value": {"start": start, "end": end,
                                                            "choices": [event_type]}})
        for k, (e, role, a) in enumerate(RELATIONS[i]):
            flip = k == 0
            result.append({"from_id": ids[a] if flip else ids[e], "to_id": ids[e] if flip
                           else ids[a], "type": "relation",
                           "direction": "left" if flip else "right", "labels": [role]})
        tasks.append({"id": 40 + i, "data": {"text": text, "title": KNOWN[i]["title"]
                                             if i < 2 else NEW["title"]},
                      "annotations": [{"id": 7 + i, "completed_by": 1, "was_cancelled": False,
                                       "result": result}],
                      "predictions": []})
    tasks.append({"id": 99, "data": {"text": "Nobody has looked at this task yet."},
                  "annotations": [], "predictions": []})
    return json.dumps(tasks, indent=1)


def brat_files() -> list[tuple[str, str]]:
    """brat standoff: per document a .txt and an .ann with T, E (or R) and A lines."""
    files = []
    for i, text in enumerate(TEXTS):
        lines, ids = [], {}
        for k, (s, label, _) in enumerate(SPANS[i], start=1):
            ids[s] = f"T{k}"
            start, end = offsets(i, s)
            lines.append(f"T{k}\t{label} {start} {end}\t{s}")
        events = {e for e, _, _ in RELATIONS[i]}
        attr = 1
        for n, event in enumerate(sorted(events), start=1):
            if i == 0:  # the first document uses R lines, the others E lines
                continue
            args = " ".join(f"{ROLE_NAMES[r].replace(' ', '')}:{ids[a]}"
                            for e, r, a in RELATIONS[i] if e == event)
            lines.append(f"E{n}\tEVENT:{ids[event]} {args}")
        if i == 0:
            for n, (e, r, a) in enumerate(RELATIONS[i], start=1):
                lines.append(f"R{n}\t{r} Arg1:{ids[e]} Arg2:{ids[a]}")
        for s, _, event_type in SPANS[i]:
            if event_type:
                lines.append(f"A{attr}\tEventType {ids[s]} {event_type}")
                attr += 1
        lines.append(f"#1\tAnnotatorNotes {ids[SPANS[i][0][0]]}\tchecked twice")
        files.append((f"doc{i}.txt", text))
        files.append((f"doc{i}.ann", "\n".join(lines) + "\n"))
    return files


def conll_file() -> str:
    """CoNLL-2003 style: TOKEN POS CHUNK TAG, IOB2, -DOCSTART- between documents. Tokens are
    split off punctuation, so the rebuilt text differs from the articles in whitespace only."""
    out = []
    for i, text in enumerate(TEXTS):
        out.append("-DOCSTART- -X- -X- O\n")
        spans = sorted(offsets(i, s) + (label,) for s, label, _ in SPANS[i])
        for sentence in _sentences(text):
            for start, _end, token in sentence:
                tag = "O"
                for s_start, s_end, label in spans:
                    if s_start <= start < s_end:
                        tag = ("B-" if start == s_start else "I-") + label
                out.append(f"{token} NN O {tag}")
            out.append("")
    return "\n".join(out) + "\n"


def _sentences(text: str) -> list[list[tuple[int, int, str]]]:
    """Tokens with offsets, a sentence ending at each full stop."""
    import re

    sentences: list[list[tuple[int, int, str]]] = [[]]
    for m in re.finditer(r"\w+|[^\w\s]", text):
        sentences[-1].append((m.start(), m.end(), m.group()))
        if m.group() == ".":
            sentences.append([])
    return [s for s in sentences if s]
