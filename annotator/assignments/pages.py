"""What each batch page shows, read in one call per page (the views stay thin)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from annotator.assignments.models import Batch
from annotator.assignments.progress import (
    FlagRow,
    Progress,
    batch_annotators,
    batch_progress,
    batch_totals,
    daily_throughput,
    list_batches,
    list_flags,
)
from annotator.assignments.untyped import (
    UntypedRow,
    count_untyped,
    describe_untyped,
    list_untyped,
    project_expected_attributes,
)
from annotator.auth.queries import list_active_usernames
from annotator.corpus.queries import count_documents
from annotator.suggestions.queries import SourceCounts, suggestion_counts

UNTYPED_PER_PAGE = 100


@dataclass(frozen=True)
class BatchesPage:
    batches: list[tuple[Batch, int]]
    batch_annotators: dict[int, list[str]]
    documents: int  # how many the project has (the form takes ids; the documents page lists them)
    usernames: list[str]  # active users, for the form's annotator choices


def batches_page(session: Session, project_id: int) -> BatchesPage:
    """The project's batches and what the batch form offers."""
    return BatchesPage(
        batches=list_batches(session, project_id),
        batch_annotators=batch_annotators(session, project_id),
        documents=count_documents(session, project_id),
        usernames=list_active_usernames(session),
    )


@dataclass(frozen=True)
class DashboardPage:
    progress: list[Progress]
    totals: list[Progress]
    throughput: list[tuple[date, int]]
    flags: list[FlagRow]  # the most recent (FLAGS_SHOWN)
    flags_total: int
    untyped_what: str
    untyped_total: int
    suggestions: list[SourceCounts]  # per source and name: shown, accepted, rejected, changed


def dashboard_page(session: Session, project_id: int, *, archived: bool) -> DashboardPage:
    """The progress dashboard: per batch and annotator, totals, throughput, flags."""
    rows = batch_progress(session, project_id, include_archived=archived)
    flags, flags_total = list_flags(session, project_id)
    return DashboardPage(
        progress=rows,
        totals=batch_totals(session, project_id, include_archived=archived, per_annotator=rows),
        throughput=daily_throughput(session, project_id),
        flags=flags,
        flags_total=flags_total,
        untyped_what=describe_untyped(project_expected_attributes(session, project_id)),
        untyped_total=count_untyped(session, project_id),
        suggestions=suggestion_counts(session, project_id),
    )


def batch_rows(session: Session, batch: Batch, *, user_id: int | None) -> list[Progress]:
    """One batch's progress rows: every annotator's (``user_id`` None) or one's own."""
    return batch_progress(session, batch.project_id, user_id=user_id, batch_id=batch.id,
                          include_archived=True)


@dataclass(frozen=True)
class UntypedPage:
    rows: list[UntypedRow]
    total: int
    page: int
    pages: int
    untyped_what: str


def untyped_page(session: Session, project_id: int, *, batch_id: int | None,
                 annotator_id: int | None, openable_only: bool, page: int) -> UntypedPage:
    """One page of the sentences whose spans lack an expected attribute."""
    rows, total = list_untyped(
        session, project_id, batch_id=batch_id, annotator_id=annotator_id,
        openable_only=openable_only, limit=UNTYPED_PER_PAGE,
        offset=(page - 1) * UNTYPED_PER_PAGE,
    )
    return UntypedPage(
        rows=rows, total=total, page=page,
        pages=max((total + UNTYPED_PER_PAGE - 1) // UNTYPED_PER_PAGE, 1),
        untyped_what=describe_untyped(project_expected_attributes(session, project_id)),
    )
