"""Active learning: the project's sentences ranked by how unsure its active model is about
them (``prediction.sentence_uncertainty``: the most undecided candidate span of the beam),
for batches made with ``--order uncertain``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.corpus.models import Document, Sentence
from annotator.errors import Invalid
from annotator.learning.prediction import loaded_model, sentence_uncertainty
from annotator.learning.queries import active_version

MAX_SCORED = 20_000  # sentences scored for one batch (about 10 ms each)
CHUNK = 2_000


def uncertainties(session: Session, project_id: int,
                  sentence_ids: Sequence[int]) -> dict[int, float]:
    """Each sentence's uncertainty (0..1) under the project's active model.

    Raises:
        Invalid: no active model, its folder is gone, or too many sentences to score.
    """
    active = active_version(session, project_id)
    if active is None:
        raise Invalid("ordering by uncertainty needs an active model: train one on the "
                      "project's Models page (or `annotator train`) and make it active")
    if len(sentence_ids) > MAX_SCORED:
        raise Invalid(f"ordering by uncertainty scores at most {MAX_SCORED:,} sentences, "
                      f"this selection has {len(sentence_ids):,}: choose documents or a sample")
    model_id, version, path = active
    try:
        nlp = loaded_model(project_id, model_id, path)
    except OSError:
        raise Invalid(f"the active model v{version} is missing its folder {path}") from None
    scores: dict[int, float] = {}
    ids = list(sentence_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for sentence_id, text in session.execute(
                select(Sentence.id, func.substr(Document.text, Sentence.start + 1,
                                                Sentence.end - Sentence.start))
                .join(Document, Document.id == Sentence.document_id)
                .where(Sentence.id.in_(chunk))):
            scores[sentence_id] = sentence_uncertainty(nlp, text)
    return scores


def most_uncertain_first(sentence_ids: Sequence[int], scores: dict[int, float]) -> list[int]:
    """``sentence_ids`` from the most uncertain down; ties keep their given (reading) order."""
    place = {sid: i for i, sid in enumerate(sentence_ids)}
    return sorted(sentence_ids, key=lambda sid: (-scores.get(sid, 0.0), place[sid]))
