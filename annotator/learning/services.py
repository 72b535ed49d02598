"""Writes of trained models: register a trained one, choose the active one."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from annotator.errors import Conflict, Invalid, NotFound
from annotator.jobs import queries as job_queries
from annotator.learning.models import TrainedModel
from annotator.learning.queries import has_training_gold

TRAIN_KIND = "train-model"
NO_GOLD = "no complete gold sentence with spans to learn from: adjudicate some sentences first"


def register_model(session: Session, model: TrainedModel, *,
                   activate: bool = False) -> TrainedModel:
    """Store a trained model's row (flushed); with ``activate``, it becomes the active one."""
    session.add(model)
    session.flush()
    if activate:
        activate_model(session, model.project_id, model.id)
    return model


def activate_model(session: Session, project_id: int, model_id: int) -> TrainedModel:
    """Make the model the project's one active model (the previous one is set aside).

    Raises:
        NotFound: no such model in this project.
    """
    model = session.get(TrainedModel, model_id)
    if model is None or model.project_id != project_id:
        raise NotFound(f"no model {model_id} in this project")
    session.execute(update(TrainedModel)
                    .where(TrainedModel.project_id == project_id, TrainedModel.id != model_id,
                           TrainedModel.active.is_(True))
                    .values(active=False))
    session.flush()
    model.active = True
    session.flush()
    return model


def check_can_train(session: Session, project_id: int) -> None:
    """Refuse a training that cannot start: no complete gold with spans yet, or a training of
    the project already queued or running (the job itself checks the split's train part).

    Raises:
        Invalid: no gold to learn from.
        Conflict: naming the job already at work.
    """
    if not has_training_gold(session, project_id):
        raise Invalid(NO_GOLD)
    running = job_queries.list_jobs(session, project_id=project_id, state="active",
                                    kind=TRAIN_KIND, limit=1)
    if running:
        raise Conflict(f"a model of this project is being trained already (job {running[0].id})")
