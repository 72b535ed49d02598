"""Every kind of background job, registered once: the worker runs them, the pages and the
API start them by name."""

from __future__ import annotations

from annotator.corpus import import_job
from annotator.export import import_job as annotation_import_job
from annotator.jobs.registry import KINDS, JobKind, register
from annotator.learning import train_job

__all__ = ["KINDS"]

register(JobKind(import_job.KIND, "Import articles", import_job.run, import_job.undo))
register(JobKind(annotation_import_job.KIND, "Import annotations", annotation_import_job.run))
register(JobKind(train_job.KIND, "Train a model", train_job.run, train_job.undo, max_attempts=2))
