"""The active model's suggestions for a sentence (the "model" source of suggestions).

A model is loaded once per worker process and kept while it is the project's active one: the
cache is keyed by project and holds the active model's id; when the admin makes another
model active, the next prediction loads it and lets the old one go.

Scores: spaCy's NER has no calibrated probabilities, so the pipeline is ``beam_ner`` and a
span's score is the share of the beam's probability mass (``BEAM_WIDTH`` parses, each with its
normalised probability) in parses that contain exactly that span, label included — 1.0 when
every parse in the beam agrees, lower when some other reading competes. The beam is small, so
the figure is a ranking signal (used to order suggestions and for active learning), not a
calibrated probability.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from annotator.learning.queries import active_version

_lock = threading.Lock()
_loaded: dict[int, tuple[int, Any]] = {}  # project id -> (model id, its spaCy pipeline)


def loaded_model(project_id: int, model_id: int, path: str) -> Any:
    """The pipeline at ``path``, loaded once for the project's active model ``model_id``."""
    cached = _loaded.get(project_id)
    if cached is not None and cached[0] == model_id:
        return cached[1]
    with _lock:
        cached = _loaded.get(project_id)
        if cached is not None and cached[0] == model_id:
            return cached[1]
        # Imported here: spaCy takes a second and ~100 MB; a worker that never predicts
        # (no active model) does not pay for it.
        import spacy

        nlp = spacy.load(Path(path))
        _loaded[project_id] = (model_id, nlp)
        return nlp


def forget_models() -> None:
    """Drop every loaded model (tests; a worker reloads on its next prediction)."""
    with _lock:
        _loaded.clear()


def predict(session: Session, project_id: int, text: str,
            tokens: Sequence[tuple[int, int]] | None = None) -> list[dict[str, Any]]:
    """The active model's spans in ``text`` (sentence offsets, on ``tokens``: the project's
    tokens of the text, computed when not given), each with its score; [] without an active
    model or when its folder is gone."""
    active = active_version(session, project_id)
    if active is None:
        return []
    model_id, version, path = active
    try:
        nlp = loaded_model(project_id, model_id, path)
    except OSError:
        return []
    return spans_with_scores(nlp, text, tokens, f"model v{version}")


def _parse(nlp: Any, text: str,
           tokens: Sequence[tuple[int, int]] | None) -> tuple[Any, dict[tuple, float]]:
    """The text parsed with the beam: the Doc with its entities, and every candidate span's
    share of the beam's probability ``{(start token, end token, label): p}``."""
    # Imported here with spaCy (see loaded_model).
    from annotator.learning.training import PIPE, doc_from_text

    doc, _ = doc_from_text(nlp.vocab, text, tokens)
    if not len(doc):
        return doc, {}
    ner = nlp.get_pipe(PIPE)
    beams = ner.predict([doc])
    ner.set_annotations([doc], beams)
    return doc, dict(ner.scored_ents(beams)[0])


def spans_with_scores(nlp: Any, text: str, tokens: Sequence[tuple[int, int]] | None,
                      name: str) -> list[dict[str, Any]]:
    """Run the pipeline on ``text`` and give its entities as suggestions named ``name``."""
    doc, scored = _parse(nlp, text, tokens)
    return [{"start": ent.start_char, "end": ent.end_char, "label": ent.label_,
             "attributes": {}, "source": "model", "name": name,
             "score": _clamp(scored.get((ent.start, ent.end, ent.label_), 0.0))}
            for ent in doc.ents]


def _clamp(value: float) -> float:
    return round(min(1.0, max(0.0, float(value))), 4)


def sentence_uncertainty(nlp: Any, text: str) -> float:
    """How unsure the model is about ``text`` (0..1): its most undecided candidate span —
    for each span and label some parse of the beam proposes, with probability share p,
    ``1 - |2p - 1|`` (1 at p = 0.5, 0 when the beam is unanimous either way); 0 when no parse
    proposes anything."""
    _, scored = _parse(nlp, text, None)
    return _clamp(max((1.0 - abs(2.0 * _clamp(p) - 1.0) for p in scored.values()), default=0.0))
