"""A project's sentence list: text search and filters, one page at a time (reads).

What a viewer sees depends on the role they act with in the project (docs/access.md):

- admins: every sentence, each annotator's status on it by name, and the annotator filter;
- curators: every sentence, with how many annotators are at each status (names stay hidden
  from curators, as on the adjudication pages);
- annotators: the sentences they may open (all of a project without live batches; once it
  has batches, only those assigned to them) and their own status; the status, label, event
  type and flagged filters then read their own annotations only.

The text search is a substring test on ``sentence.search_text`` (the text folded by
``corpus.folding.fold``), so it ignores accents, harakat and case on both databases. Every
filter is a semi-join (``IN (SELECT ...)``) the database runs once per query; the page
itself is read by the (project, document, index) index in reading order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, false, func, select, true
from sqlalchemy.orm import Session

from annotator.adjudication.models import GoldSentence, GoldStatus
from annotator.annotation.models import STATUSES, Annotation, SpanRow
from annotator.assignments.models import Assignment, Batch, BatchSentence
from annotator.assignments.queue import project_has_batches
from annotator.auth.models import User
from annotator.corpus.folding import fold
from annotator.corpus.models import Document, Sentence, any_staged, published_sentence
from annotator.corpus.queries import count_sentences
from annotator.inputs import parse_int
from annotator.paging import Pager, page_number
from annotator.projects.access import Access, list_members
from annotator.projects.schema import LabelSchema

NOT_STARTED = "new"  # the status filter's value for "nobody (or you) saved it yet"
STATUS_NAMES = {NOT_STARTED: "not started", "in_progress": "in progress", "done": "done",
                "skipped": "skipped"}
GOLD_NAMES = {"any": "has gold", "conflict": "has open conflicts",
              "complete": "gold complete", "none": "no gold yet"}
YES_NO = {"yes": True, "no": False}
MAX_QUERY = 200  # characters of a text search


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; every field None (or "") means "any"."""

    text: str = ""
    status: str | None = None
    label: str | None = None
    event_type: str | None = None
    annotator: int | None = None  # a user id (admins only)
    flagged: bool | None = None
    excluded: bool | None = None
    batch: int | None = None
    gold: str | None = None  # a key of GOLD_NAMES

    @property
    def active(self) -> bool:
        return any(v not in (None, "") for v in self.__dict__.values())

    def to_args(self) -> dict[str, str]:
        """The filters as query-string arguments (the page links and the pager keep them)."""
        raw = {"q": self.text, "status": self.status, "label": self.label,
               "event_type": self.event_type, "annotator": self.annotator,
               "batch": self.batch, "gold": self.gold,
               "flagged": _yes_no(self.flagged), "excluded": _yes_no(self.excluded)}
        return {k: str(v) for k, v in raw.items() if v not in (None, "")}


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


@dataclass(frozen=True)
class Choices:
    """The values each filter offers this viewer (the form's options)."""

    labels: list[tuple[str, str]]  # (key, display name)
    event_types: list[tuple[str, str]]
    annotators: list[tuple[int, str]]  # (user id, name): admins only
    batches: list[tuple[int, str]]
    show_gold: bool  # curators and admins


def list_choices(session: Session, here: Access, user: User, schema: LabelSchema) -> Choices:
    """The filter options of the project's sentence list for this viewer."""
    labels = [(lb.key, lb.name) for lb in schema.labels]
    event_types: dict[str, str] = {}
    for lb in schema.labels:
        attribute = lb.attribute("event_type")
        for v in attribute.values if attribute else ():
            event_types.setdefault(v.value, v.name)
    batches = select(Batch.id, Batch.name).where(Batch.project_id == here.project_id)
    if not here.is_curator:
        batches = batches.where(Batch.archived_at.is_(None), Batch.id.in_(
            select(Assignment.batch_id).where(Assignment.annotator_id == user.id)))
    annotators = ([(m.user_id, m.username) for m in list_members(session, here.project_id)]
                  if here.is_admin else [])
    return Choices(
        labels=labels,
        event_types=sorted(event_types.items(), key=lambda kv: kv[1].casefold()),
        annotators=annotators,
        batches=[(bid, name) for bid, name in session.execute(batches.order_by(Batch.id))],
        show_gold=here.is_curator,
    )


def read_filters(args: Mapping[str, str], choices: Choices) -> tuple[Filters, list[str]]:
    """The filters a query string asks for, and what was wrong with it (those are dropped)."""
    problems: list[str] = []

    def pick(name: str, allowed: Mapping[Any, str] | list[Any], what: str) -> Any:
        raw = (args.get(name) or "").strip()
        if not raw:
            return None
        keys = {str(k): k for k in (allowed if isinstance(allowed, Mapping) else allowed)}
        if raw not in keys:
            problems.append(f"no {what} '{raw[:40]}' here; that filter was left out")
            return None
        return keys[raw]

    text = (args.get("q") or "").strip()
    if len(text) > MAX_QUERY:
        problems.append(f"the search text was cut to {MAX_QUERY} characters")
        text = text[:MAX_QUERY]
    annotator = _id_arg(args, "annotator", problems)
    batch = _id_arg(args, "batch", problems)
    if annotator is not None and annotator not in dict(choices.annotators):
        problems.append("no such annotator among the members; that filter was left out")
        annotator = None
    if batch is not None and batch not in dict(choices.batches):
        problems.append(f"no batch {batch} here; that filter was left out")
        batch = None
    flagged = pick("flagged", YES_NO, "choice")
    excluded = pick("excluded", YES_NO, "choice")
    filters = Filters(
        text=text,
        status=pick("status", STATUS_NAMES, "status"),
        label=pick("label", dict(choices.labels), "label"),
        event_type=pick("event_type", dict(choices.event_types), "event type"),
        annotator=annotator,
        flagged=None if flagged is None else YES_NO[flagged],
        excluded=None if excluded is None else YES_NO[excluded],
        batch=batch,
        gold=pick("gold", GOLD_NAMES, "gold state") if choices.show_gold else None,
    )
    return filters, problems


def _id_arg(args: Mapping[str, str], name: str, problems: list[str]) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_int(raw, name, minimum=1)
    except ValueError:
        problems.append(f"'{name}' must be an id; that filter was left out")
        return None


@dataclass(frozen=True)
class AnnotatorStatus:
    name: str
    status: str
    flagged: bool


@dataclass(frozen=True)
class ListedSentence:
    id: int
    document_id: int
    document_title: str
    index: int
    text: str
    excluded: bool
    status: str | None  # the viewer's own annotation's status (None: not started)
    spans: int  # spans of the viewer's own annotation
    gold: str | None = None  # gold status (curators and admins)
    statuses: list[AnnotatorStatus] = field(default_factory=list)  # admins: by name
    counts: dict[str, int] = field(default_factory=dict)  # curators: annotators per status


@dataclass(frozen=True)
class SentencePage:
    rows: list[ListedSentence]
    pager: Pager
    filters: Filters
    role: str  # the viewer's role in the project


def _scope(here: Access, user: User, filters: Filters) -> int | None:
    """Whose annotations the status, label and flag filters read (None: anyone's)."""
    if not here.is_curator:
        return user.id
    return filters.annotator


def _annotations(owner: int | None) -> Select[Any]:
    query = select(Annotation.sentence_id)
    return query.where(Annotation.annotator_id == owner) if owner is not None else query


def build_conditions(
    session: Session, here: Access, user: User, filters: Filters, *, batched: bool
) -> list[Any]:
    """The WHERE clauses of the filtered list (``batched``: the project has live batches)."""
    project_id = here.project_id
    conditions: list[Any] = [
        Sentence.project_id == project_id,
        published_sentence(project_id, staged=any_staged(session, project_id)),
    ]
    if not here.is_curator and batched:  # blind annotation: only what is assigned to them
        conditions.append(Sentence.id.in_(
            select(Assignment.sentence_id).join(Batch, Batch.id == Assignment.batch_id)
            .where(Assignment.annotator_id == user.id, Batch.archived_at.is_(None))))
    if filters.text:
        folded = fold(filters.text)
        if folded:
            # The pattern is built here, once: LIKE's own wildcards escaped, no per-row concat.
            escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conditions.append(Sentence.search_text.like(f"%{escaped}%", escape="\\"))
    owner = _scope(here, user, filters)
    if filters.annotator is not None:
        conditions.append(Sentence.id.in_(
            _annotations(filters.annotator).union(
                select(Assignment.sentence_id).where(
                    Assignment.annotator_id == filters.annotator))))
    if filters.status == NOT_STARTED:
        conditions.append(Sentence.id.not_in(_annotations(owner)))
    elif filters.status is not None:
        conditions.append(Sentence.id.in_(
            _annotations(owner).where(Annotation.status == filters.status)))
    if filters.label is not None or filters.event_type is not None:
        spans = _annotations(owner).join(SpanRow, SpanRow.annotation_id == Annotation.id)
        if filters.label is not None:
            spans = spans.where(SpanRow.label == filters.label)
        if filters.event_type is not None:
            spans = spans.where(
                SpanRow.attributes["event_type"].as_string() == filters.event_type)
        conditions.append(Sentence.id.in_(spans))
    if filters.flagged is not None:
        flagged = Sentence.id.in_(_annotations(owner).where(Annotation.flagged.is_(True)))
        conditions.append(flagged if filters.flagged else ~flagged)
    if filters.excluded is not None:
        # "= 1" (not "IS 1"): SQLite uses the partial index of excluded sentences only then
        conditions.append(Sentence.excluded == (true() if filters.excluded else false()))
    if filters.batch is not None:
        members = (select(BatchSentence.sentence_id).where(BatchSentence.batch_id == filters.batch)
                   if here.is_curator else
                   select(Assignment.sentence_id).where(Assignment.batch_id == filters.batch,
                                                        Assignment.annotator_id == user.id))
        conditions.append(Sentence.id.in_(members))
    if filters.gold is not None and here.is_curator:
        golds = select(GoldSentence.sentence_id)
        if filters.gold == "conflict":
            golds = golds.where(GoldSentence.status == GoldStatus.PARTIAL.value)
        elif filters.gold == "complete":
            golds = golds.where(GoldSentence.status == GoldStatus.COMPLETE.value)
        conditions.append(Sentence.id.not_in(golds) if filters.gold == "none"
                          else Sentence.id.in_(golds))
    return conditions


def list_sentences(
    session: Session, here: Access, user: User, filters: Filters, page: str | None,
    per_page: int, *, batched: bool,
) -> SentencePage:
    """One page of the project's sentences that pass ``filters``, in reading order.

    The page's ids are read in the order of the (project, document, index) index, so the
    database stops after the page's last row. Without any filter (for admins and curators)
    the total is ``count_sentences``' (kept between requests); filtered, a first page shorter
    than a page is its own total, and any other needs one COUNT. (Measured: ``count(*) OVER
    ()`` beside the ids makes the database sort every match, slower than the two queries.)
    """
    conditions = build_conditions(session, here, user, filters, batched=batched)
    ordered = select(Sentence.id).where(*conditions).order_by(Sentence.document_id,
                                                               Sentence.index)
    if not filters.active and here.is_curator:
        pager = Pager.of(page, per_page, count_sentences(session, here.project_id).total)
        ids = list(session.scalars(ordered.limit(pager.per_page).offset(pager.offset)))
        return SentencePage(_read_rows(session, here, user, ids), pager, filters, here.role)
    asked = Pager(page_number(page), per_page, 0)
    ids = list(session.scalars(ordered.limit(per_page).offset(asked.offset)))
    if asked.page == 1 and len(ids) < per_page:
        pager = Pager(1, per_page, len(ids))
    else:
        total = session.scalar(
            select(func.count()).select_from(Sentence).where(*conditions)) or 0
        pager = Pager.of(page, per_page, total)
        if pager.page != asked.page:  # past the end: the last page instead
            ids = list(session.scalars(ordered.limit(per_page).offset(pager.offset)))
    return SentencePage(_read_rows(session, here, user, ids), pager, filters, here.role)


def _read_rows(session: Session, here: Access, user: User, ids: list[int]) -> list[ListedSentence]:
    """The shown sentences in full: text, title, the viewer's own status, and what the role
    sees of the others'."""
    if not ids:
        return []
    span_count = (select(func.count()).where(SpanRow.annotation_id == Annotation.id)
                  .correlate(Annotation).scalar_subquery())
    gold = (select(GoldSentence.status).where(GoldSentence.sentence_id == Sentence.id)
            .correlate(Sentence).scalar_subquery() if here.is_curator else None)
    found = session.execute(
        select(
            Sentence.id, Sentence.document_id, Document.title, Sentence.index,
            func.substr(Document.text, Sentence.start + 1, Sentence.end - Sentence.start),
            Sentence.excluded, Annotation.status, func.coalesce(span_count, 0),
            gold if gold is not None else true(),
        )
        .join(Document, Document.id == Sentence.document_id)
        .outerjoin(Annotation, and_(Annotation.sentence_id == Sentence.id,
                                    Annotation.annotator_id == user.id))
        .where(Sentence.id.in_(ids))
        .order_by(Sentence.document_id, Sentence.index)
    ).all()
    others: dict[int, list[AnnotatorStatus]] = {}
    if here.is_curator:
        for sid, name, status, flagged in session.execute(
            select(Annotation.sentence_id, User.username, Annotation.status, Annotation.flagged)
            .join(User, User.id == Annotation.annotator_id)
            .where(Annotation.sentence_id.in_(ids))
            .order_by(User.username)
        ):
            others.setdefault(sid, []).append(AnnotatorStatus(name, status, bool(flagged)))
    rows = []
    for sid, doc, title, index, text, excluded, status, spans, gold_status in found:
        everyone = others.get(sid, [])
        counts: dict[str, int] = {}
        for s in everyone:
            counts[s.status] = counts.get(s.status, 0) + 1
        rows.append(ListedSentence(
            id=sid, document_id=doc, document_title=title, index=index, text=text,
            excluded=bool(excluded), status=status, spans=spans,
            gold=gold_status if here.is_curator else None,
            statuses=everyone if here.is_admin else [],
            counts={s: counts[s] for s in STATUSES if s in counts} if here.is_curator else {},
        ))
    return rows


@dataclass(frozen=True)
class SentenceListView:
    """Everything the sentence list page shows, read in one call."""

    page: SentencePage
    choices: Choices
    problems: list[str]  # what was wrong with the query string (those filters left out)


def sentence_list_view(
    session: Session, here: Access, user: User, schema: LabelSchema,
    args: Mapping[str, str], per_page: int,
) -> SentenceListView:
    """The sentence list page for this viewer, filtered as the query string ``args`` asks."""
    choices = list_choices(session, here, user, schema)
    filters, problems = read_filters(args, choices)
    shown = list_sentences(session, here, user, filters, args.get("page"), per_page,
                           batched=project_has_batches(session, here.project_id))
    return SentenceListView(shown, choices, problems)
