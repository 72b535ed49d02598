"""The export's agreement figures: the agreement dashboard's report, summarized.

The one place where the export reads the agreement library (annotator.agreement), through
the reports package's input and cache. Nothing here reads the app's configuration: the
caller passes the setting it needs (``bootstrap_setting``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.annotation.models import Annotation
from annotator.corpus.models import Sentence
from annotator.projects.models import Project
from annotator.reports.counted import COUNTED_SENTENCE, COUNTED_STATUS

# Bootstrap replicates behind the 95% intervals: the agreement dashboard's number
# (reports.views.DEFAULT_BOOTSTRAP, setting AGREEMENT_BOOTSTRAP), so the card and the
# dashboard show the same figures, and one cached report serves both.
AGREEMENT_BOOTSTRAP = 200


def bootstrap_setting(config: Mapping[str, Any]) -> int:
    """Read the bootstrap replicate count from an app's configuration (AGREEMENT_BOOTSTRAP)."""
    return int(config.get("AGREEMENT_BOOTSTRAP", AGREEMENT_BOOTSTRAP))


def agreement_summary(
    session: Session, project: Project, *, bootstrap: int = AGREEMENT_BOOTSTRAP
) -> dict[str, Any] | None:
    """Summarize the project's agreement report for gold-json and the card.

    The figures are those of the project's agreement report as the agreement dashboard computes
    it (finished annotations of included sentences, seeded bootstrap of ``bootstrap``
    replicates; ``reports.queries``): Krippendorff's alpha and exact span F1, overall and per
    label, argument F1 overall and per role, with their 95% intervals, and the report's
    warnings (``summarize_report``). When
    this process holds the dashboard's report for the current data, it is summarized as it is;
    otherwise the summary is computed from the annotations read a chunk of documents at a time
    (``summarize_chunks``), which gives the same JSON without holding the project in memory.
    Returns the ``agreement`` object of gold-json (docs/export.md), or None when no sentence
    was finished by two annotators.
    """
    finished_twice = (
        select(Annotation.sentence_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project.id, Annotation.status == COUNTED_STATUS,
               COUNTED_SENTENCE)
        .group_by(Annotation.sentence_id)
        .having(func.count() >= 2)
        .limit(1)
    )
    if session.execute(finished_twice).first() is None:
        return None
    # Lazy for start-up speed: the agreement library (NumPy) is loaded only when two
    # annotators finished a sentence, so exporting a project without agreement never loads it.
    from annotator.agreement.summary import summarize_chunks, summarize_report
    from annotator.reports.input import agreement_column_chunks
    from annotator.reports.queries import SEED, Scope, cached_report

    report = cached_report(session, Scope(project), bootstrap=bootstrap)
    if report is not None:
        return summarize_report(report)
    return summarize_chunks(agreement_column_chunks(session, project.id),
                            schema=project.schema, bootstrap=bootstrap, seed=SEED)
