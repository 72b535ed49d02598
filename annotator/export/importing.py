"""Load spans and relations from a JSONL file back in, as pre-annotations or as gold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.adjudication.models import GoldSentence
from annotator.annotation.models import Annotation
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.errors import Invalid, NotFound
from annotator.export.storing import Stored, store_prepared
from annotator.inputs import MAX_ROW_ID, InputError, jsonl_lines, loads_json, text_problem
from annotator.projects.access import may
from annotator.projects.models import Project
from annotator.relations import InvalidRelations, Relation, parse_relations
from annotator.spans import InvalidSpans, Span, parse_spans
from annotator.wording import plural

MODES = ("pre", "gold")
# Keys other tools (Prodigy) put on spans that carry no information we store: token indices
# are recomputed by the exporter from the sentence text.
IGNORED_SPAN_KEYS = ("token_start", "token_end")
MAX_ERRORS = 50  # a broken file would otherwise print one line per line


class ImportRefused(Invalid):
    """The file cannot be imported; ``errors`` names every bad line (nothing was stored)."""

    def __init__(self, errors: Sequence[str], what: str = "file") -> None:
        shown = list(errors[:MAX_ERRORS])
        more = len(errors) - len(shown)
        super().__init__(
            f"{plural(len(errors), 'problem')} in the {what}; nothing imported",
            errors=shown + ([f"... and {more} more"] if more else []),
        )
        self.errors = list(errors)


@dataclass(frozen=True)
class ImportResult:
    mode: str
    sentences: int
    spans: int
    matched_by_id: int
    matched_by_text: int
    relations: int = 0
    skipped: tuple[str, ...] = ()  # with skip_invalid: each line left out, and why


@dataclass
class _Line:
    number: int
    text: str
    spans: Any
    sentence_id: int | None  # from meta.sentence_id, when the file is one of our exports
    relations: Any = ()


# A line, its sentence, its valid spans and relations.
Accepted = tuple[_Line, int, list[Span], list[Relation]]


def api_relations(raw: Any) -> Any:
    """Turn Prodigy's relations (``rel.manual``, our jsonl export) into the API's shape.

    A Prodigy relation ``{"head": <token>, "child": <token>, "head_span": {"start", "end",
    ...}, "child_span": {...}, "label": role}`` names its spans by ``head_span`` and
    ``child_span`` (the token indices only repeat them); it becomes ``{"head": {"start",
    "end"}, "child": {"start", "end"}, "role": label}``. Relations already in the API's shape,
    and anything malformed, pass unchanged: ``relations.parse_relations`` judges them.
    """
    if not isinstance(raw, list):
        return raw
    return [_api_relation(item) for item in raw]


def _api_relation(item: Any) -> Any:
    if not isinstance(item, dict) or isinstance(item.get("head"), dict):
        return item
    if "head_span" not in item and "child_span" not in item:
        return item
    head, child = item.get("head_span"), item.get("child_span")
    return {
        "head": _offsets(head),
        "child": _offsets(child),
        "role": item.get("label", item.get("role")),
    }


def _offsets(span: Any) -> Any:
    if not isinstance(span, dict):
        return span
    return {"start": span.get("start"), "end": span.get("end")}


def _parse_lines(data: bytes, errors: list[str]) -> list[_Line]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        errors.append(f"the file is not UTF-8 text ({err.reason} at byte {err.start})")
        return []
    lines: list[_Line] = []
    for number, raw in enumerate(jsonl_lines(text), start=1):
        if not raw.strip():
            continue
        try:  # refuses deep nesting, integers past 64 bits, NUL and lone surrogates
            item = loads_json(raw)
        except InputError as err:
            errors.append(f"line {number}: not JSON ({err})")  # the reason in brackets
            continue
        if not isinstance(item, dict):
            errors.append(f"line {number}: must be a JSON object with text and spans")
            continue
        if not isinstance(item.get("text"), str) or not item["text"]:
            errors.append(f"line {number}: 'text' must be a non-empty string")
            continue
        if "spans" not in item:
            errors.append(f"line {number}: missing 'spans'")
            continue
        spans = item["spans"]
        if isinstance(spans, list):
            spans = [
                {k: v for k, v in s.items() if k not in IGNORED_SPAN_KEYS}
                if isinstance(s, dict) else s
                for s in spans
            ]
        meta = item.get("meta")
        sentence_id = meta.get("sentence_id") if isinstance(meta, dict) else None
        if sentence_id is not None and (
            not isinstance(sentence_id, int) or isinstance(sentence_id, bool)
            or not 1 <= sentence_id <= MAX_ROW_ID
        ):
            errors.append(f"line {number}: meta.sentence_id must be a sentence id "
                          f"(a whole number from 1 to {MAX_ROW_ID})")
            continue
        relations = api_relations(item.get("relations", []))
        lines.append(_Line(number, item["text"], spans, sentence_id, relations))
    if not lines and not errors:
        errors.append("the file has no lines to import")
    return lines


# A sentence's text, cut from its document in the database.
SENTENCE_TEXT = func.substr(Document.text, Sentence.start + 1, Sentence.end - Sentence.start)


def _match(
    session: Session, project_id: int, lines: list[_Line], errors: list[str]
) -> dict[int, tuple[int, bool]]:
    """Map line numbers to (sentence id, excluded): by meta.sentence_id, else by exact text.

    An id that is not a sentence of this project (a file exported from another project or
    installation) falls back to matching by text; an id of this project whose text differs
    is an error (the file is stale or edited).
    """
    matched: dict[int, tuple[int, bool]] = {}
    by_id = [ln for ln in lines if ln.sentence_id is not None]
    if by_id:
        _match_by_id(session, project_id, by_id, matched, errors)
    by_text = [ln for ln in lines if ln.sentence_id is None and ln.number not in matched]
    if by_text:
        _match_by_text(session, project_id, by_text, matched, errors)
    return matched


def _match_by_id(
    session: Session, project_id: int, lines: list[_Line],
    matched: dict[int, tuple[int, bool]], errors: list[str],
) -> None:
    """Match lines by meta.sentence_id; an id from elsewhere is dropped (matched by text)."""
    rows = {
        sid: (text, excluded)
        for sid, text, excluded in session.execute(
            select(Sentence.id, SENTENCE_TEXT, Sentence.excluded)
            .join(Document, Document.id == Sentence.document_id)
            .where(Sentence.project_id == project_id, Document.import_id.is_(None),
                   Sentence.id.in_({ln.sentence_id for ln in lines}))
        )
    }
    for ln in lines:
        found = rows.get(ln.sentence_id)
        if found is None:
            ln.sentence_id = None
        elif found[0] != ln.text:
            errors.append(
                f"line {ln.number}: the text differs from sentence {ln.sentence_id}'s text"
            )
        else:
            matched[ln.number] = (ln.sentence_id, found[1])


def _match_by_text(
    session: Session, project_id: int, lines: list[_Line],
    matched: dict[int, tuple[int, bool]], errors: list[str],
) -> None:
    """Match lines to the one sentence of the project with exactly their text."""
    wanted = {ln.text for ln in lines}
    lengths = {len(t) for t in wanted}
    candidates: dict[str, list[tuple[int, bool]]] = {}
    # Streams the project's sentences; only those with a wanted text are kept.
    stmt = (
        select(Sentence.id, SENTENCE_TEXT, Sentence.excluded)
        .join(Document, Document.id == Sentence.document_id)
        .where(Sentence.project_id == project_id, Document.import_id.is_(None),
               (Sentence.end - Sentence.start).in_(lengths))
        .order_by(Sentence.id)
        .execution_options(yield_per=2000)
    )
    for sid, text, excluded in session.execute(stmt):
        if text in wanted:
            candidates.setdefault(text, []).append((sid, excluded))
    for ln in lines:
        found = candidates.get(ln.text, [])
        if not found:
            errors.append(f"line {ln.number}: no sentence of the project has this text")
        elif len(found) > 1:
            errors.append(
                f"line {ln.number}: the text matches {len(found)} sentences "
                f"({', '.join(str(s) for s, _ in found[:5])}); give meta.sentence_id"
            )
        else:
            matched[ln.number] = found[0]


@dataclass(frozen=True)
class Prepared:
    """A checked file, ready to be stored: whose work it becomes, the items, the figures."""

    mode: str
    owner: User | None
    curator: User | None
    items: list[Stored]
    result: ImportResult


def import_annotations(session: Session, project: Project, data: bytes,
                       **options: Any) -> ImportResult:
    """Validate every line of a JSONL file, then store all of it or nothing, in the caller's
    transaction: ``prepare_annotations`` (its options) then ``store_prepared`` (the import
    command and job store in chunks).

    Raises:
        Invalid / NotFound: a bad mode or user.
        ImportRefused: naming every bad line; the database is unchanged.
    """
    prepared = prepare_annotations(session, project, data, **options)
    store_prepared(session, project.id, [prepared])
    return prepared.result


def prepare_annotations(
    session: Session,
    project: Project,
    data: bytes,
    *,
    mode: str,
    annotator: str | None = None,
    curator: str | None = None,
    source_name: str = "file",
    skip_invalid: bool = False,
) -> Prepared:
    """Check every line of a JSONL file (nothing is written).

    Each line is ``{"text", "spans": [{"start", "end", "label", "attributes"?}],
    "relations"?: [...], "meta"?}``; spans and relations are checked as the annotation API
    checks them (``spans.parse_spans`` against the sentence text, then
    ``relations.parse_relations`` against those spans). Relations come in the API's shape or
    Prodigy's (``api_relations``). ``mode`` "pre" stores them as ``annotator``'s in-progress
    annotation; "gold" as a complete gold sentence whose spans and relations have source
    curator (``curator`` if given) and a note naming the file and line.

    With ``skip_invalid`` a bad line is left out (named in ``skipped``) and the others are
    kept; a file with no good line at all is still refused.

    Raises:
        Invalid / NotFound: a bad mode or user.
        ImportRefused: naming every bad line.
    """
    owner, curator_user = check_users(session, project.id, mode, annotator, curator)
    errors: list[str] = []
    lines = _parse_lines(data, errors)
    matched = _match(session, project.id, lines, errors)
    accepted = _check_lines(lines, matched, project, errors)
    if accepted:
        taken = _existing(session, mode, owner, accepted)
        errors.extend(taken.values())
        accepted = [a for a in accepted if a[0].number not in taken]
    if errors and not (skip_invalid and accepted):
        raise ImportRefused(errors)
    items = [
        (sentence_id, spans, relations, f"imported from {source_name} line {ln.number}")
        for ln, sentence_id, spans, relations in accepted
    ]
    return Prepared(mode, owner, curator_user, items, ImportResult(
        mode=mode,
        sentences=len(accepted),
        spans=sum(len(s) for _, _, s, _ in accepted),
        matched_by_id=sum(1 for ln, _, _, _ in accepted if ln.sentence_id is not None),
        matched_by_text=sum(1 for ln, _, _, _ in accepted if ln.sentence_id is None),
        relations=sum(len(r) for _, _, _, r in accepted),
        skipped=tuple(errors),
    ))


def check_users(
    session: Session, project_id: int, mode: str, annotator: str | None, curator: str | None
) -> tuple[User | None, User | None]:
    """The owner of pre-annotations and the curator of gold the options name (or None).

    Raises:
        Invalid / NotFound: a bad mode, a missing, unknown or deactivated user, a curator
        without the right.
    """
    if mode not in MODES:
        raise Invalid(f"--as must be one of {', '.join(MODES)}")
    owner = curator_user = None
    if mode == "pre":
        if not annotator:
            raise Invalid("--as pre needs --annotator NAME (whose pre-annotations these are)")
        owner = _user(session, annotator)
    elif annotator:
        raise Invalid("--annotator is for --as pre; gold takes --curator NAME")
    if curator:
        if mode != "gold":
            raise Invalid("--curator is for --as gold")
        curator_user = _user(session, curator)
        if not may(session, curator_user, project_id, "curator"):
            raise Invalid(f"{curator} is not a curator or admin of this project")
    return owner, curator_user


def _check_lines(
    lines: list[_Line], matched: dict[int, tuple[int, bool]], project: Project,
    errors: list[str],
) -> list[Accepted]:
    """The matched lines whose sentence is given once, not excluded, and whose spans are valid
    (``spans.parse_spans``, as the annotation API checks them); the others go to ``errors``."""
    schema = project.schema
    seen: dict[int, int] = {}
    accepted: list[Accepted] = []
    for ln in lines:
        if ln.number not in matched:
            continue
        sentence_id, excluded = matched[ln.number]
        if sentence_id in seen:
            errors.append(
                f"line {ln.number}: sentence {sentence_id} was already given on line "
                f"{seen[sentence_id]}"
            )
            continue
        seen[sentence_id] = ln.number
        if excluded:
            errors.append(f"line {ln.number}: sentence {sentence_id} is excluded from annotation")
            continue
        try:
            spans = parse_spans(ln.spans, ln.text, schema)
        except InvalidSpans as err:
            errors.extend(f"line {ln.number}: span {e.index}: {e.message}" if e.index >= 0
                          else f"line {ln.number}: {e.message}" for e in err.errors)
            continue
        try:  # the annotation API's checks: spans of this line, roles of the schema, max
            relations = parse_relations(ln.relations, spans, schema)
        except InvalidRelations as err:
            errors.extend(f"line {ln.number}: relation {e.index}: {e.message}" if e.index >= 0
                          else f"line {ln.number}: relations: {e.message}" for e in err.errors)
            continue
        accepted.append((ln, sentence_id, spans, relations))
    return accepted


def _user(session: Session, name: str) -> User:
    if text_problem(name) is not None:  # undecodable bytes on the command line
        raise NotFound(f"no user named {name!r}")
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        raise NotFound(f"no user named {name!r}")
    if not user.active:
        raise Invalid(f"user {name!r} is deactivated")
    return user


def _existing(
    session: Session, mode: str, owner: User | None,
    accepted: list[Accepted],
) -> dict[int, str]:
    """Lines whose sentence already has what the import would create (never overwritten),
    by line number, with the message."""
    taken = taken_sentences(session, mode, owner, [sid for _, sid, _, _ in accepted])
    return {ln.number: f"line {ln.number}: {taken[sid]}"
            for ln, sid, _, _ in accepted if sid in taken}


def taken_sentences(
    session: Session, mode: str, owner: User | None, ids: Sequence[int]
) -> dict[int, str]:
    """Of these sentences, those that already have what an import would create (the owner's
    annotation, or gold), each with the reason in words; an import never overwrites."""
    taken: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        if mode == "pre":
            assert owner is not None
            stmt = select(Annotation.sentence_id).where(
                Annotation.annotator_id == owner.id, Annotation.sentence_id.in_(chunk)
            )
        else:
            stmt = select(GoldSentence.sentence_id).where(GoldSentence.sentence_id.in_(chunk))
        taken.update(session.scalars(stmt))
    what = f"{owner.username} already has an annotation of" if owner else "gold already exists for"
    return {sid: f"{what} sentence {sid}" for sid in taken}
