"""Project listings with progress, and a project's sentences page by page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from annotator.annotation.models import Annotation, SpanRow
from annotator.assignments.models import Batch
from annotator.assignments.progress import MyBatch, list_my_batches
from annotator.assignments.untyped import (
    count_untyped,
    describe_untyped,
    project_expected_attributes,
)
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence, any_staged, published_sentence
from annotator.corpus.queries import count_sentences
from annotator.paging import Pager
from annotator.projects.access import acting_role, visible_to
from annotator.projects.guidelines import Entry, entries, render_markdown
from annotator.projects.models import GuidelinesVersion, Project, ProjectMember
from annotator.projects.schema import parse_schema


@dataclass(frozen=True)
class ProjectSummary:
    project: Project
    documents: int
    sentences: int  # annotatable (not excluded)
    done: int  # by this user
    skipped: int
    in_progress: int
    # This user's EVENT spans without an event type, in a project annotated without batches
    # (with batches, each batch card on the home page shows its own count).
    untyped: int = 0
    untyped_what: str = ""  # what ``untyped`` counts, in words ("EVENT spans without ...")
    # This user works here through batches (their queue, not the project's reading order):
    # the home page then offers their batches' Continue, not the project's.
    in_batches: bool = False
    batch_remaining: int = 0  # sentences left in this user's live batches of the project
    role: str = "annotator"  # the role this user acts with in the project (docs/access.md)


def list_project_names(session: Session) -> list[tuple[int, str]]:
    """Every project's id and name, by name (for choosing one)."""
    return [(pid, name) for pid, name in session.execute(
        select(Project.id, Project.name).order_by(Project.name))]


@dataclass(frozen=True)
class HomePage:
    summaries: list[ProjectSummary]
    my_batches: list[MyBatch]
    next_batch_id: int | None  # the first of the user's batches with work left


def home_page(session: Session, user: User) -> HomePage:
    """The home page: the user's batches, the projects, and the one place to continue."""
    my_batches = list_my_batches(session, user.id)
    remaining: dict[int, int] = {}
    for b in my_batches:
        pid = b.progress.project_id
        remaining[pid] = remaining.get(pid, 0) + b.progress.remaining
    return HomePage(
        summaries=list_projects(session, user, batch_remaining=remaining),
        my_batches=my_batches,
        next_batch_id=next(
            (b.progress.batch_id for b in my_batches if b.progress.remaining), None
        ),
    )


def list_projects(
    session: Session, user: User, *, batch_remaining: dict[int, int] | None = None
) -> list[ProjectSummary]:
    """Every project this user may see, with its size and this user's progress.

    ``batch_remaining`` (project id -> sentences left) names the projects where the user has
    live batches; an annotator also works through batches wherever a project has any.
    """
    batch_remaining = batch_remaining or {}
    projects = list(session.scalars(
        select(Project).where(visible_to(user, Project.id)).order_by(Project.name)))
    roles: dict[int, str] = {
        pid: role
        for pid, role in session.execute(
            select(ProjectMember.project_id, ProjectMember.role)
            .where(ProjectMember.user_id == user.id))
    }
    docs: dict[int, int] = {
        pid: n
        for pid, n in session.execute(
            select(Document.project_id, func.count())
            .where(Document.import_id.is_(None))
            .group_by(Document.project_id)
        )
    }
    sents = {p.id: count_sentences(session, p.id).annotatable for p in projects}
    progress: dict[tuple[int, str], int] = {
        (pid, status): n
        for pid, status, n in session.execute(
            select(Sentence.project_id, Annotation.status, func.count())
            .join(Annotation, Annotation.sentence_id == Sentence.id)
            .where(Annotation.annotator_id == user.id)
            .group_by(Sentence.project_id, Annotation.status)
        )
    }
    batched = set(session.scalars(
        select(Batch.project_id).where(Batch.archived_at.is_(None)).distinct()))
    summaries = []
    for p in projects:
        untyped, untyped_what = 0, ""
        role = acting_role(user.role, roles.get(p.id)) or "annotator"
        worked = any(progress.get((p.id, s)) for s in ("done", "skipped", "in_progress"))
        # Only projects this user worked in without batches: one count query each.
        if worked and p.id not in batched:
            untyped = count_untyped(session, p.id, user_id=user.id)
            if untyped:
                untyped_what = describe_untyped(project_expected_attributes(session, p.id))
        summaries.append(ProjectSummary(
            project=p,
            documents=docs.get(p.id, 0),
            sentences=sents.get(p.id, 0),
            done=progress.get((p.id, "done"), 0),
            skipped=progress.get((p.id, "skipped"), 0),
            in_progress=progress.get((p.id, "in_progress"), 0),
            untyped=untyped,
            untyped_what=untyped_what,
            in_batches=p.id in batch_remaining or (role == "annotator" and p.id in batched),
            batch_remaining=batch_remaining.get(p.id, 0),
            role=role,
        ))
    return summaries


@dataclass(frozen=True)
class SentenceRow:
    id: int
    document_id: int
    document_title: str
    index: int
    text: str
    excluded: bool
    status: str | None
    span_count: int


def list_sentences(
    session: Session, user: User, project_id: int, page: str | None, per_page: int
) -> tuple[list[SentenceRow], Pager]:
    """One page (``page`` as the query string gives it) of the project's sentences in reading
    order, with this user's status.

    The page's ids come from the (project, document, index) index alone, then only those
    rows are read in full; the total is ``count_sentences``' (kept between requests).
    """
    pager = Pager.of(page, per_page, count_sentences(session, project_id).total)
    ids = list(session.scalars(
        select(Sentence.id)
        .where(Sentence.project_id == project_id,
               published_sentence(project_id, staged=any_staged(session, project_id)))
        .order_by(Sentence.document_id, Sentence.index)
        .limit(pager.per_page)
        .offset(pager.offset)
    ))
    if not ids:
        return [], pager
    span_count = (
        select(func.count())
        .where(SpanRow.annotation_id == Annotation.id)
        .correlate(Annotation)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Sentence.id,
            Sentence.document_id,
            Document.title,
            Sentence.index,
            func.substr(Document.text, Sentence.start + 1, Sentence.end - Sentence.start),
            Sentence.excluded,
            Annotation.status,
            func.coalesce(span_count, 0),
        )
        .join(Document, Document.id == Sentence.document_id)
        .outerjoin(
            Annotation,
            and_(Annotation.sentence_id == Sentence.id, Annotation.annotator_id == user.id),
        )
        .where(Sentence.id.in_(ids))
        .order_by(Sentence.document_id, Sentence.index)
    ).all()
    return [SentenceRow(*r) for r in rows], pager


@dataclass(frozen=True)
class PublishedVersion:
    version: str
    published_at: datetime
    published_by: str | None


def guidelines_version(
    session: Session, project_id: int, version: str | None = None
) -> GuidelinesVersion | None:
    """Return the newest published guidelines of a project, or its newest ``version``."""
    query = select(GuidelinesVersion).where(GuidelinesVersion.project_id == project_id)
    if version is not None:
        query = query.where(GuidelinesVersion.version == version)
    return session.scalar(query.order_by(GuidelinesVersion.id.desc()).limit(1))


def guidelines_history(session: Session, project_id: int, limit: int = 50
                       ) -> list[PublishedVersion]:
    """Return the newest published versions of a project's guidelines, newest first."""
    rows = session.execute(
        select(GuidelinesVersion.version, GuidelinesVersion.published_at, User.username)
        .outerjoin(User, User.id == GuidelinesVersion.published_by)
        .where(GuidelinesVersion.project_id == project_id)
        .order_by(GuidelinesVersion.id.desc()).limit(limit)
    )
    return [PublishedVersion(*row) for row in rows]


@dataclass(frozen=True)
class GuidelinesPage:
    """What the guidelines page shows: one version's text (rendered) and definitions."""

    project: Project
    version: str
    body: str  # Markdown, for the editor
    html: Markup  # sanitised by render_markdown: shown as is
    entries: list[Entry]
    published: PublishedVersion | None  # None: nothing published yet (the schema's own text)
    is_current: bool
    history: list[PublishedVersion]


def guidelines_page(session: Session, project: Project, version: str | None = None
                    ) -> GuidelinesPage | None:
    """Return the guidelines page of ``version`` (default: current), None for an unknown one."""
    shown = guidelines_version(session, project.id, version)
    if shown is None and version is not None and version != project.schema.version:
        return None
    history = guidelines_history(session, project.id)
    if shown is None:  # nothing published yet: the schema's definitions, no text
        return GuidelinesPage(project, project.schema.version, "", Markup(""),
                              entries(project.schema), None, True, history)
    current = guidelines_version(session, project.id)
    published = next((h for h in history if h.version == shown.version), None)
    return GuidelinesPage(
        project, shown.version, shown.body, Markup(render_markdown(shown.body)),
        entries(parse_schema(shown.label_schema)), published,
        current is not None and current.id == shown.id, history,
    )
