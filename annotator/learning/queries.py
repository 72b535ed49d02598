"""Reads of trained models: a project's list, its active model, the next version number."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from annotator.adjudication.models import GoldSentence, GoldSpanRow
from annotator.corpus.models import Sentence
from annotator.learning.models import TrainedModel


def project_models(session: Session, project_id: int) -> list[TrainedModel]:
    """Every model of the project, newest version first."""
    return list(session.scalars(
        select(TrainedModel).where(TrainedModel.project_id == project_id)
        .order_by(TrainedModel.version.desc())))


def active_model(session: Session, project_id: int) -> TrainedModel | None:
    """The project's active model, or None."""
    return session.scalar(select(TrainedModel).where(TrainedModel.project_id == project_id,
                                                     TrainedModel.active.is_(True)))


def active_version(session: Session, project_id: int) -> tuple[int, int, str] | None:
    """(id, version, path) of the project's active model, or None: one small indexed read
    per prediction."""
    row = session.execute(
        select(TrainedModel.id, TrainedModel.version, TrainedModel.path)
        .where(TrainedModel.project_id == project_id, TrainedModel.active.is_(True))
    ).first()
    return (row[0], row[1], row[2]) if row is not None else None


def next_version(session: Session, project_id: int) -> int:
    """The version number the project's next model gets."""
    latest = session.scalar(select(func.max(TrainedModel.version))
                            .where(TrainedModel.project_id == project_id))
    return (latest or 0) + 1


def has_training_gold(session: Session, project_id: int) -> bool:
    """Whether the project has a complete gold sentence with a span (one indexed probe)."""
    return bool(session.scalar(select(exists().where(
        GoldSpanRow.gold_id == GoldSentence.id, GoldSentence.status == "complete",
        GoldSentence.sentence_id == Sentence.id, Sentence.project_id == project_id,
        Sentence.excluded.is_(False)))))
