"""Project listings with progress, and a project's sentences page by page."""

from __future__ import annotations

from dataclasses import dataclass

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
from annotator.projects.access import acting_role, visible_to
from annotator.projects.models import Project, ProjectMember


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
    role: str = "annotator"  # the role this user acts with in the project (docs/access.md)


def list_projects(session: Session, user: User) -> list[ProjectSummary]:
    """Every project this user may see, with its size and this user's progress."""
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
            role=acting_role(user.role, roles.get(p.id)) or "annotator",
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
