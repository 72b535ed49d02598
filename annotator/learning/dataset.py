"""The training data of a project: its complete gold, cut by the export's train/dev/test
split (``export/splits.py``: by document, deterministic for a seed) and read by the export's
own reader, so a model is trained and scored on exactly what an export with the same split
would put in its train and dev parts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from annotator.export.options import parse_options
from annotator.export.reading import iter_documents
from annotator.export.services import prepare_export
from annotator.learning.records import Labelled
from annotator.projects.models import Project


@dataclass
class Dataset:
    """Train and dev sentences of a project (the test part is left alone)."""

    train: list[Labelled] = field(default_factory=list)
    dev: list[Labelled] = field(default_factory=list)


def read_dataset(session: Session, project: Project, *, split: str = "80/10/10",
                 seed: int = 0) -> Dataset:
    """The project's complete gold sentences of the train and dev parts of ``split``.

    Partial gold is left out: its undecided spans would teach the model that they are not
    entities.
    """
    options = parse_options("gold-json", split=split, seed=seed, complete_only=True)
    prepared = prepare_export(session, project, options, with_agreement=False)
    data = Dataset()
    for document in iter_documents(session, prepared):
        part = {"train": data.train, "dev": data.dev}.get(document.split or "")
        if part is None:
            continue
        for sentence in document.sentences:
            part.append(Labelled(sentence.text, tuple((s.start, s.end, s.label)
                                                      for s in sentence.spans)))
    return data
