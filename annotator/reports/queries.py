"""Reads for the agreement dashboard: the cached report of a project or batch, its drill-down."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.adjudication.queries import agreement_items
from annotator.agreement import agreement_report, list_disagreements
from annotator.annotation.models import Annotation
from annotator.assignments.models import Batch, BatchSentence
from annotator.corpus.models import Sentence
from annotator.projects.models import Project
from annotator.reports.figures import group_by_sentence

SEED = 0  # fixed: the same data always gives the same intervals


@dataclass(frozen=True)
class Scope:
    """What a report covers: a whole project, or one of its batches."""

    project: Project
    batch: Batch | None = None

    @property
    def batch_id(self) -> int | None:
        return self.batch.id if self.batch is not None else None


@dataclass(frozen=True)
class Filters:
    """Which disagreements a drill-down lists (all given ones must hold)."""

    pair: tuple[str, str] | None = None
    label: str | None = None
    kind: str | None = None
    cell: tuple[str, str] | None = None

    def as_kwargs(self) -> dict[str, Any]:
        return {"pair": self.pair, "label": self.label, "kind": self.kind, "cell": self.cell}


class _Cache:
    """A small per-process LRU whose entries are valid only for the data's fingerprint.

    Reports are cheap to keep but costly to compute on large projects; each worker process
    keeps its own copy, recomputed once the project's annotations change.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[Any, tuple[Any, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get_or_compute(self, key: Any, fingerprint: Any, compute: Callable[[], Any]) -> Any:
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None and hit[0] == fingerprint:
                self.entries.move_to_end(key)
                return hit[1]
        value = compute()
        with self.lock:
            self.entries[key] = (fingerprint, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


REPORTS = _Cache(16)
DRILLDOWNS = _Cache(32)


def fingerprint(session: Session, project: Project) -> tuple[Any, ...]:
    """A value that changes whenever anything the project's report reads changes.

    Every save of an annotation bumps its version and updated_at (whatever its status), a
    removed annotation lowers the count; batch membership decides the per-batch groups; the
    schema decides the labels and the event-type hierarchy.
    """
    annotations = session.execute(
        select(func.count(Annotation.id), func.max(Annotation.updated_at),
               func.coalesce(func.sum(Annotation.version), 0))
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project.id)
    ).one()
    batches = session.execute(
        select(func.count(BatchSentence.id), func.max(BatchSentence.id))
        .join(Batch, Batch.id == BatchSentence.batch_id)
        .where(Batch.project_id == project.id)
    ).one()
    schema = hashlib.sha256(
        json.dumps(project.label_schema, sort_keys=True).encode()).hexdigest()
    return (*annotations, *batches, schema, project.created_at)


def _items(session: Session, scope: Scope) -> list[dict[str, Any]]:
    items = list(agreement_items(session, scope.project.id, batch_id=scope.batch_id))
    if scope.batch is not None:
        # One batch: no per-batch breakdown inside it (a sentence's group is its newest batch,
        # which for a re-batched sentence is not necessarily this one).
        for item in items:
            item.pop("group", None)
    return items


def _key(session: Session, scope: Scope, *extra: Any) -> tuple[Any, ...]:
    return (str(session.get_bind().url), scope.project.id, scope.batch_id, *extra)


def get_report(session: Session, scope: Scope, *, bootstrap: int) -> dict[str, Any]:
    """The agreement report of ``scope`` (finished annotations only), with 95% intervals."""
    project = scope.project

    def compute() -> dict[str, Any]:
        return agreement_report(_items(session, scope), schema=project.schema,
                                bootstrap=bootstrap, seed=SEED)

    return REPORTS.get_or_compute(_key(session, scope, bootstrap),
                                  fingerprint(session, project), compute)


def list_disagreement_sentences(session: Session, scope: Scope,
                                filters: Filters) -> list[dict[str, Any]]:
    """The sentences where the filtered disagreements occur, with every involved annotator's
    spans over the text (see ``figures.group_by_sentence``), in reading order."""

    def compute() -> list[dict[str, Any]]:
        items = _items(session, scope)
        entries = list_disagreements(items, schema=scope.project.schema, **filters.as_kwargs())
        spans = {item["id"]: item["annotations"] for item in items}
        return group_by_sentence(entries, spans)

    return DRILLDOWNS.get_or_compute(_key(session, scope, filters),
                                     fingerprint(session, scope.project), compute)


def list_batches(session: Session, project_id: int) -> Sequence[Batch]:
    """The project's batches, oldest first (archived ones included)."""
    return session.scalars(
        select(Batch).where(Batch.project_id == project_id).order_by(Batch.id)).all()


def batch_names(batches: Sequence[Batch]) -> Mapping[int, str]:
    return {b.id: b.name for b in batches}
