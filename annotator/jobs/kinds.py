"""Every kind of background job, registered once: the worker runs them, the pages and the
API start them by name."""

from __future__ import annotations

from annotator.adjudication import auto_job
from annotator.corpus import import_job
from annotator.export import export_job
from annotator.export import import_job as annotation_import_job
from annotator.jobs.registry import KINDS, JobKind, register
from annotator.learning import train_job
from annotator.reports import report_job

__all__ = ["KINDS"]

register(JobKind(import_job.KIND, "Import articles", import_job.run, import_job.undo))
register(JobKind(annotation_import_job.KIND, "Import annotations", annotation_import_job.run,
                  annotation_import_job.undo))
register(JobKind(train_job.KIND, "Train a model", train_job.run, train_job.undo, max_attempts=2))
register(JobKind(auto_job.KIND, "Automatic adjudication", auto_job.run, auto_job.undo,
                  resumable=True))
register(JobKind(export_job.KIND, "Prepare an export file", export_job.run, export_job.undo))
register(JobKind(report_job.KIND, "Computing the agreement report", report_job.run))
