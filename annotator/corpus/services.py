"""Corpus changes made by admins: include or exclude a sentence from annotation."""

from __future__ import annotations

from sqlalchemy.orm import Session

from annotator.corpus.models import Sentence
from annotator.errors import NotFound


def set_excluded(session: Session, sentence_id: int, excluded: bool) -> Sentence:
    """Exclude a sentence from annotation (boilerplate), or include it again."""
    sentence = session.get(Sentence, sentence_id)
    if sentence is None:
        raise NotFound(f"sentence {sentence_id} does not exist")
    sentence.excluded = excluded
    sentence.excluded_reason = "excluded by an admin" if excluded else None
    session.flush()
    return sentence
