"""Writes for suggestions: gazetteer lists (CSV upload), token patterns, the case option, and
the record of suggestions shown, accepted and rejected."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from annotator.annotation.queries import get_schema, get_sentence_facts
from annotator.annotation.services import insert_unless_taken
from annotator.auth.models import User
from annotator.corpus.tokens import tokenize
from annotator.db import utcnow
from annotator.errors import Invalid, NotFound
from annotator.inputs import InputError, check_text, loads_json, text_problem
from annotator.projects.schema import LabelSchema
from annotator.suggestions.matching import InvalidPattern, check_pattern
from annotator.suggestions.models import (
    ACTIONS,
    MAX_NAME,
    MAX_TERM,
    SOURCES,
    GazetteerEntry,
    GazetteerList,
    SuggestionEvent,
    SuggestionPattern,
    SuggestionSetting,
)

MAX_LIST_ENTRIES = 200_000
MAX_LINE_ERRORS = 20  # problems named in one answer; the count says how many more
MAX_EVENTS = 500  # per request: a sentence never shows this many suggestions
HEADER = ("text", "label")


class BadPattern(Invalid):
    """A pattern the settings page refuses (bad JSON, unknown label, spaCy's own check)."""

    status = 400
    code = "invalid_pattern"


def _label_problem(schema: LabelSchema, label: str, event_type: str | None) -> str | None:
    """Why ``label`` (with ``event_type``) cannot be suggested in this schema, or None."""
    found = schema.label(label)
    if found is None or found.retired:
        return f"label {label!r} is not in the schema ({', '.join(schema.keys)})"
    if event_type:
        attribute = found.attribute("event_type")
        if attribute is None:
            return f"{label} has no event type"
        if event_type not in attribute.allowed:
            return f"event type {event_type!r} is not one of {label}'s"
    return None


def parse_gazetteer(text: str, schema: LabelSchema) -> list[tuple[str, str, str | None]]:
    """Read CSV lines ``text,label[,event_type]`` (a header line is optional).

    Raises:
        Invalid: naming every bad line (the first ``MAX_LINE_ERRORS``); nothing is taken.
    """
    problems: list[str] = []
    entries: list[tuple[str, str, str | None]] = []
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise Invalid(f"not a CSV file: {err}") from None
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if number == 1 and tuple(c.lower() for c in cells[:2]) == HEADER:
            continue
        problem = _entry_problem(cells, schema)
        if problem:
            problems.append(f"line {number}: {problem}")
            continue
        entries.append((cells[0], cells[1], (cells[2] if len(cells) > 2 else "") or None))
    if len(entries) > MAX_LIST_ENTRIES:
        problems.append(f"{len(entries):,} entries: at most {MAX_LIST_ENTRIES:,} per list")
    if problems:
        more = len(problems) - MAX_LINE_ERRORS
        message = "; ".join(problems[:MAX_LINE_ERRORS]) + (f"; and {more} more" if more > 0
                                                             else "")
        raise Invalid(f"nothing imported: {message}", lines=problems[:MAX_LINE_ERRORS])
    if not entries:
        raise Invalid("nothing imported: the file holds no entry (text,label[,event_type])")
    return entries


def _entry_problem(cells: Sequence[str], schema: LabelSchema) -> str | None:
    if len(cells) not in (2, 3):
        return f"{len(cells)} columns; expected text,label or text,label,event_type"
    text = cells[0]
    bad = text_problem(",".join(cells))
    if bad:
        return bad
    if not text or not tokenize(text):
        return "empty text"
    if len(text) > MAX_TERM:
        return f"text longer than {MAX_TERM} characters"
    return _label_problem(schema, cells[1], (cells[2] if len(cells) > 2 else "") or None)


def _check_name(name: str, what: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Invalid(f"give the {what} a name")
    if len(name) > MAX_NAME:
        raise Invalid(f"a {what} name has at most {MAX_NAME} characters")
    try:
        return check_text(name, f"the {what} name")
    except InputError as err:
        raise Invalid(str(err)) from None


@dataclass(frozen=True)
class Imported:
    list_id: int
    name: str
    entries: int


def import_gazetteer(session: Session, project_id: int, name: str, text: str,
                     user: User | None = None) -> Imported:
    """Store a CSV list of names under ``name`` (a new list of the project).

    Raises:
        Invalid: a bad line (all named), a name taken or empty; nothing is stored.
    """
    name = _check_name(name, "list")
    entries = parse_gazetteer(text, get_schema(session, project_id))
    taken = session.scalar(select(GazetteerList.id).where(
        GazetteerList.project_id == project_id, GazetteerList.name == name))
    if taken is not None:
        raise Invalid(f"the project has a list named {name!r} already: delete it first, "
                      "or give another name")
    gazetteer = GazetteerList(project_id=project_id, name=name,
                              created_by_id=user.id if user else None)
    session.add(gazetteer)
    session.flush()
    session.execute(GazetteerEntry.__table__.insert(), [
        {"list_id": gazetteer.id, "text": t, "label": label, "event_type": event_type}
        for t, label, event_type in entries
    ])
    session.flush()
    return Imported(gazetteer.id, name, len(entries))


def delete_gazetteer(session: Session, project_id: int, list_id: int) -> str:
    """Delete one of the project's lists with its entries; its name."""
    gazetteer = session.get(GazetteerList, list_id)
    if gazetteer is None or gazetteer.project_id != project_id:
        raise NotFound(f"list {list_id} does not exist in this project")
    name = gazetteer.name
    session.execute(delete(GazetteerEntry).where(GazetteerEntry.list_id == list_id))
    session.delete(gazetteer)
    session.flush()
    return name


def save_pattern(session: Session, project_id: int, *, name: str, label: str,
                 event_type: str | None, pattern_text: str,
                 pattern_id: int | None = None) -> SuggestionPattern:
    """Create a token pattern, or change ``pattern_id``, after spaCy's own validation.

    Raises:
        BadPattern: bad JSON, a pattern spaCy refuses, an unknown label, a name taken.
        NotFound: ``pattern_id`` is not one of the project's patterns.
    """
    try:
        name = _check_name(name, "pattern")
    except Invalid as err:
        raise BadPattern(err.message) from None
    try:
        pattern = loads_json(pattern_text or "")
    except (InputError, ValueError) as err:
        raise BadPattern(f"the pattern is not valid JSON: {err}") from None
    try:
        check_pattern(pattern)
    except InvalidPattern as err:
        raise BadPattern(f"pattern {name!r}: {err}") from None
    problem = _label_problem(get_schema(session, project_id), label or "", event_type or None)
    if problem:
        raise BadPattern(problem)
    row = None
    if pattern_id is not None:
        row = session.get(SuggestionPattern, pattern_id)
        if row is None or row.project_id != project_id:
            raise NotFound(f"pattern {pattern_id} does not exist in this project")
    other = session.scalar(select(SuggestionPattern.id).where(
        SuggestionPattern.project_id == project_id, SuggestionPattern.name == name))
    if other is not None and other != pattern_id:
        raise BadPattern(f"the project has a pattern named {name!r} already")
    if row is None:
        row = SuggestionPattern(project_id=project_id)
        session.add(row)
    row.name, row.label, row.event_type, row.pattern = name, label, event_type or None, pattern
    row.updated_at = utcnow()
    session.flush()
    return row


def delete_pattern(session: Session, project_id: int, pattern_id: int) -> str:
    """Delete one of the project's patterns; its name."""
    row = session.get(SuggestionPattern, pattern_id)
    if row is None or row.project_id != project_id:
        raise NotFound(f"pattern {pattern_id} does not exist in this project")
    name = row.name
    session.delete(row)
    session.flush()
    return name


def set_ignore_case(session: Session, project_id: int, ignore_case: bool) -> None:
    """Make the project's gazetteer match with or without regard to letter case."""
    row = session.get(SuggestionSetting, project_id)
    if row is None:
        row = SuggestionSetting(project_id=project_id)
        session.add(row)
    row.ignore_case, row.updated_at = ignore_case, utcnow()
    session.flush()


def _event_row(raw: Any, text_length: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise Invalid("each event is an object with action, source, name, start, end, label")
    action, source, name = raw.get("action"), raw.get("source"), raw.get("name")
    start, end, label = raw.get("start"), raw.get("end"), raw.get("label")
    if action not in ACTIONS:
        raise Invalid(f"action must be one of {', '.join(ACTIONS)}")
    if source not in SOURCES:
        raise Invalid(f"source must be one of {', '.join(SOURCES)}")
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME or text_problem(name):
        raise Invalid(f"name must be a text of 1 to {MAX_NAME} characters")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)) or not (
            0 <= start < end <= text_length):
        raise Invalid(f"start and end must be offsets 0 <= start < end <= {text_length}")
    if not isinstance(label, str) or not 0 < len(label) <= 32:
        raise Invalid("label must be a label key")
    return {"action": action, "source": source, "name": name, "start": start, "end": end,
            "label": label}


def record_events(session: Session, user: User, sentence_id: int,
                  read_body: Callable[[], Any]) -> int:
    """Record suggestions the editor showed, or the user accepted or rejected, on a sentence
    they may annotate; each at most once. Returns how many were new.

    The body is read (``read_body``) only once the user may annotate the sentence: a caller who
    may not gets the same 404 or 403 whatever they sent.

    Raises:
        NotFound / Forbidden: as saving the annotation would.  Invalid: a bad event.
    """
    facts = get_sentence_facts(session, user, sentence_id)
    body = read_body()
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list) or len(events) > MAX_EVENTS:
        raise Invalid(f"send {{\"events\": [...]}} with at most {MAX_EVENTS} events")
    rows = [_event_row(raw, len(facts.text)) for raw in events]
    if not rows:
        return 0
    now = utcnow()
    table = SuggestionEvent.__table__
    key = ("user_id", "sentence_id", "action", "source", "name", "start", "end", "label")
    inserted = session.execute(insert_unless_taken(session, table, key, ("id",)), [
        {**row, "project_id": facts.project_id, "sentence_id": sentence_id,
         "user_id": user.id, "created_at": now}
        for row in {tuple(sorted(r.items())): r for r in rows}.values()
    ]).all()
    session.flush()
    return len(inserted)

