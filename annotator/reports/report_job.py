"""Computing a large project's agreement report as a background job.

The agreement page of a project whose report is not cached for the current data and that is
large (AGREEMENT_JOB_MIN_ANNOTATIONS finished annotations or more: its first report takes
seconds to tens of seconds) starts this job instead of holding the request; the job computes
the report and leaves it in the cache (``annotator.caching``, under the same key and
fingerprint the page looks up), and the page renders it once the job is done. The job writes
nothing to the database but its own row, so a killed attempt simply computes again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from annotator.assignments.models import Batch
from annotator.jobs.context import JobContext, JobRefused
from annotator.projects.models import Project
from annotator.reports import queries

KIND = "agreement-report"


def run(session: Session, ctx: JobContext) -> dict[str, Any]:
    """Compute the report of the job's scope (params ``batch_id``, ``bootstrap``) into the
    cache; the result names the data it was computed for (``fingerprint``)."""
    project = session.get(Project, ctx.project_id) if ctx.project_id is not None else None
    if project is None:
        raise JobRefused("the project of this report no longer exists")
    batch_id = ctx.params.get("batch_id")
    batch = session.get(Batch, batch_id) if batch_id is not None else None
    if batch_id is not None and (batch is None or batch.project_id != project.id):
        raise JobRefused(f"batch {batch_id} is no longer in this project")
    scope = queries.Scope(project, batch)
    bootstrap = int(ctx.params.get("bootstrap") or 0)
    fingerprint = queries.report_fingerprint(session, scope)
    report = queries.get_report(session, scope, bootstrap=bootstrap, step=ctx.report)
    return {
        "batch_id": batch_id, "bootstrap": bootstrap, "fingerprint": fingerprint,
        "sentences": report.counts.sentences,
        "message": f"The agreement report of {report.counts.sentences:,} sentences is ready",
    }


def same_scope(params: dict[str, Any], scope: queries.Scope, bootstrap: int) -> bool:
    """Whether a job with these parameters computes this scope's report."""
    return params.get("batch_id") == scope.batch_id and params.get("bootstrap") == bootstrap
