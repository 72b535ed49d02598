"""A trained model's row: which project, which version, trained on what, how good, where it
lives on disk, and whether it is the project's active one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from annotator.db import Base, UTCDateTime, utcnow


class TrainedModel(Base):
    """One training run's model (every one is kept; at most one active per project)."""

    __tablename__ = "trained_model"
    __table_args__ = (
        UniqueConstraint("project_id", "version"),
        # One active model per project, in the schema as well as in services.activate.
        Index("uq_trained_model_active", "project_id", unique=True,
              sqlite_where=text("active"), postgresql_where=text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per project
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The job that trained it (NULL once the job row is gone).
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(16))
    epochs: Mapped[int] = mapped_column(Integer)
    split: Mapped[str] = mapped_column(String(16))  # "80/10/10", the export's split
    seed: Mapped[int] = mapped_column(Integer, default=0)
    train_sentences: Mapped[int] = mapped_column(Integer)
    train_spans: Mapped[int] = mapped_column(Integer)
    dev_sentences: Mapped[int] = mapped_column(Integer)
    dev_spans: Mapped[int] = mapped_column(Integer)
    # {"overall": {"p", "r", "f", "n"}, "labels": {LABEL: {...}}}; baseline: the gold
    # gazetteer on the same dev part. Empty without dev sentences.
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    baseline: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    curve: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # per epoch
    seconds: Mapped[float] = mapped_column(Float, default=0.0)  # training time
    path: Mapped[str] = mapped_column(String(1000))  # the nlp.to_disk folder
    active: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def f1(self) -> float | None:
        """Overall F1 on the dev part, or None when there was none."""
        overall = (self.scores or {}).get("overall")
        return overall.get("f") if overall else None
