"""Project listings with progress, and a project's sentences page by page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from annotator.annotation.models import Annotation, SpanRow
from annotator.assignments.models import Batch
from annotator.assignments.untyped import (
    count_untyped,
    describe_untyped,
    project_expected_attributes,
)
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.projects.guidelines import Entry, entries, render_markdown
from annotator.projects.models import GuidelinesVersion, Project
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


def list_project_names(session: Session) -> list[tuple[int, str]]:
    """Every project's id and name, by name (for choosing one)."""
    return [(pid, name) for pid, name in session.execute(
        select(Project.id, Project.name).order_by(Project.name))]


def list_projects(session: Session, user: User) -> list[ProjectSummary]:
    """Every project with its size and this user's progress."""
    projects = list(session.scalars(select(Project).order_by(Project.name)))
    docs: dict[int, int] = {
        pid: n
        for pid, n in session.execute(
            select(Document.project_id, func.count()).group_by(Document.project_id)
        )
    }
    sents: dict[int, int] = {
        pid: n
        for pid, n in session.execute(
            select(Sentence.project_id, func.count())
            .where(Sentence.excluded.is_(False))
            .group_by(Sentence.project_id)
        )
    }
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
    session: Session, user: User, project_id: int, page: int, per_page: int
) -> tuple[list[SentenceRow], int]:
    """One page of the project's sentences in reading order, with this user's status."""
    total = session.scalar(
        select(func.count()).select_from(Sentence).where(Sentence.project_id == project_id)
    )
    span_counts = (
        select(SpanRow.annotation_id, func.count().label("n"))
        .group_by(SpanRow.annotation_id)
        .subquery()
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
            func.coalesce(span_counts.c.n, 0),
        )
        .join(Document, Document.id == Sentence.document_id)
        .outerjoin(
            Annotation,
            and_(Annotation.sentence_id == Sentence.id, Annotation.annotator_id == user.id),
        )
        .outerjoin(span_counts, span_counts.c.annotation_id == Annotation.id)
        .where(Sentence.project_id == project_id)
        .order_by(Sentence.document_id, Sentence.index)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return [SentenceRow(*r) for r in rows], total or 0


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
    html: str  # sanitised
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
        return GuidelinesPage(project, project.schema.version, "", "",
                              entries(project.schema), None, True, history)
    current = guidelines_version(session, project.id)
    published = next((h for h in history if h.version == shown.version), None)
    return GuidelinesPage(
        project, shown.version, shown.body, render_markdown(shown.body),
        entries(parse_schema(shown.label_schema)), published,
        current is not None and current.id == shown.id, history,
    )
