"""Training a model as a background job ("train-model").

The job reads the project's complete gold (train and dev parts of the export split), trains
the NER pipeline (``training.py``) reporting each epoch as progress (a cancel stops it at the
next epoch), writes the model to a staging folder, renames it to its version's folder and
adds its row, left uncommitted: the runner commits the row with the job's "done", so a model
is registered exactly once and never half. ``undo`` removes the folders the job wrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from annotator.errors import Invalid
from annotator.jobs.context import JobContext, JobRefused
from annotator.learning import store
from annotator.learning.dataset import read_dataset
from annotator.learning.models import TrainedModel
from annotator.learning.queries import next_version
from annotator.learning.records import Epoch
from annotator.learning.services import TRAIN_KIND, register_model
from annotator.projects.models import Project

KIND = TRAIN_KIND
MAX_EPOCHS = 200


def model_root() -> Path:
    """The folder every project's models live under (``MODEL_STORE``, else the instance
    folder's ``models/``)."""
    configured = current_app.config.get("MODEL_STORE")
    return Path(configured) if configured else Path(current_app.instance_path) / "models"


def training_params(config: Any, epochs: int | None, activate: bool = False) -> dict[str, Any]:
    """The job's parameters: epochs (checked), split and seed from the settings."""
    epochs = int(config["MODEL_EPOCHS"] if epochs is None else epochs)
    if not 1 <= epochs <= MAX_EPOCHS:
        raise Invalid(f"epochs must be between 1 and {MAX_EPOCHS}, not {epochs}")
    return {"epochs": epochs, "patience": int(config["MODEL_PATIENCE"]),
            "split": str(config["MODEL_SPLIT"]),
            "seed": int(config["MODEL_SEED"]), "activate": bool(activate)}


def run(session: Session, ctx: JobContext) -> dict[str, Any]:
    """Train, save and register the project's next model (its row left uncommitted)."""
    project = session.get(Project, ctx.project_id) if ctx.project_id is not None else None
    if project is None:
        raise JobRefused("the project of this training no longer exists")
    epochs = int(ctx.params.get("epochs") or 10)
    split = str(ctx.params.get("split") or "80/10/10")
    seed = int(ctx.params.get("seed") or 0)
    ctx.report(0.0, "Reading the gold standard")
    data = read_dataset(session, project, split=split, seed=seed)
    if not any(sentence.spans for sentence in data.train):
        raise JobRefused(f"no complete gold sentence with spans in the train part of the "
                         f"{split} split: adjudicate some sentences first")
    session.rollback()  # end the read transaction: training takes minutes
    language = str(project.label_schema.get("language") or "xx")
    labels = project.schema.keys

    def on_epoch(point: Epoch) -> None:
        dev = f", dev F1 {point.dev_f1:.2f}" if point.dev_f1 is not None else ""
        ctx.report(0.02 + 0.93 * point.epoch / epochs,
                   f"Epoch {point.epoch} of {epochs}: loss {point.loss:,.1f}{dev}")

    ctx.report(0.02, f"Training on {len(data.train):,} sentences "
                     f"({len(data.dev):,} for evaluation)")
    # Imported here: spaCy takes a second and ~100 MB to load; only a training pays for it.
    from annotator.learning.training import train

    trained = train(data.train, data.dev, labels, language=language, epochs=epochs, seed=seed,
                    on_epoch=on_epoch, patience=int(ctx.params.get("patience") or 0))
    ctx.report(0.96, "Saving the model")
    root = model_root()
    version = next_version(session, project.id)
    staging = store.staging_dir(root, project.id, ctx.key)
    store.remove(staging)
    staging.parent.mkdir(parents=True, exist_ok=True)
    trained.nlp.to_disk(staging)
    target = store.model_dir(root, project.id, version)
    store.publish(staging, target, ctx.key, version)
    model = register_model(session, TrainedModel(
        project_id=project.id, version=version, job_id=ctx.id, language=language,
        epochs=len(trained.curve), split=split, seed=seed, **trained.sizes,
        scores={**trained.scores.as_json(), "best_epoch": trained.best_epoch}
        if trained.scores else {},
        baseline=trained.baseline.as_json() if trained.baseline else {},
        curve=[{"epoch": p.epoch, "loss": p.loss, "dev_f1": p.dev_f1, "seconds": p.seconds}
               for p in trained.curve],
        seconds=trained.seconds, path=str(target),
    ), activate=bool(ctx.params.get("activate")))
    f1 = trained.scores.overall["f"] if trained.scores else None
    quality = f", dev F1 {f1:.2f}" if f1 is not None else " (no dev sentences to score it)"
    if len(trained.curve) < epochs:
        quality += (f"; stopped after {len(trained.curve)} of {epochs} epochs, weights of "
                    f"epoch {trained.best_epoch}")
    return {"model_id": model.id, "version": version, "dev_f1": f1,
            "seconds": trained.seconds, "tone": "success",
            "message": f"Model v{version} trained on {len(data.train):,} sentences in "
                       f"{trained.seconds:.0f} s{quality}"}


def undo(session: Session, ctx: JobContext) -> None:
    """Remove the model folders this job wrote (its row was never committed)."""
    if ctx.project_id is not None:
        store.discard(model_root(), ctx.project_id, ctx.key)
