"""Blind adjudication: who a viewer may see behind each annotator's work.

Curators see every annotator of a project as "Annotator <number>", one pseudonym per person
and project, the same on every page and in every export (``AnnotatorPseudonym``), unless an
admin shows names for the project; admins always see names. A pseudonym is assigned the first
time one is needed (a page, a decision, an export), so these functions may write: callers
commit. See docs/adjudication.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from annotator.adjudication.models import AnnotatorPseudonym
from annotator.adjudication.queries import (
    Names,
    SentenceView,
    conflict_view,
    finished_annotators,
    sees_names,
)
from annotator.annotation.models import Annotation
from annotator.auth.models import User
from annotator.corpus.models import Sentence
from annotator.errors import Conflict

NO_MATCH = "\x00"  # a queue filter that no annotator's name can equal
PSEUDONYM = re.compile(r"Annotator ([1-9][0-9]{0,8})")
TRIES = 5  # concurrent first sightings of different annotators may claim the same number


def pseudonym_numbers(session: Session, project_id: int, user_ids: Iterable[int]) -> dict[int, int]:
    """Each user's pseudonym number in the project (user id -> number), assigning missing ones.

    New numbers follow the project's highest, in user-id order. Two requests assigning at
    once may pick the same number: the insert skips rows that collide (either key), and the
    loop reads again and numbers whoever is still missing.
    """
    wanted = sorted(set(user_ids))
    found: dict[int, int] = {}
    for _ in range(TRIES):
        found = dict(session.execute(
            select(AnnotatorPseudonym.user_id, AnnotatorPseudonym.number).where(
                AnnotatorPseudonym.project_id == project_id,
                AnnotatorPseudonym.user_id.in_(wanted),
            )
        ).all()) if wanted else {}
        missing = [uid for uid in wanted if uid not in found]
        if not missing:
            return found
        top = session.scalar(
            select(func.max(AnnotatorPseudonym.number))
            .where(AnnotatorPseudonym.project_id == project_id)
        ) or 0
        session.execute(_insert_skipping(session), [
            {"project_id": project_id, "user_id": uid, "number": top + i}
            for i, uid in enumerate(missing, start=1)
        ])
    raise Conflict("annotator pseudonyms are being assigned by another request; try again")


def _insert_skipping(session: Session):
    """INSERT ... ON CONFLICT DO NOTHING on either unique key (same in both databases)."""
    make = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[
        session.get_bind().dialect.name
    ]
    return make(AnnotatorPseudonym.__table__).on_conflict_do_nothing()


def names_for(
    session: Session, viewer: User | None, project_id: int, usernames: Iterable[str]
) -> Names:
    """How ``viewer`` sees these annotators of the project (pseudonyms assigned as needed).

    No viewer: the numbers alone (names shown), for ordering.
    """
    usernames = set(usernames)
    ids = dict(session.execute(
        select(User.username, User.id).where(User.username.in_(usernames))
    ).all()) if usernames else {}
    numbers = pseudonym_numbers(session, project_id, ids.values())
    return Names(
        shown=viewer is None or sees_names(session, viewer, project_id),
        numbers={name: numbers[uid] for name, uid in ids.items()},
    )


def sentence_view(session: Session, viewer: User, sentence: Sentence) -> SentenceView:
    """What the curator's pages and the gold API show of one sentence, blinded for ``viewer``."""
    names = names_for(session, viewer, sentence.project_id,
                      finished_annotators(session, sentence.id))
    return conflict_view(session, sentence, names)


def pseudonym_order(session: Session, project_id: int, voters: Sequence[str]) -> list[str]:
    """``voters`` in the order every viewer's page numbers them (keys 1-9): by pseudonym."""
    return names_for(session, None, project_id, voters).order(voters)


def resolve_annotator(session: Session, viewer: User, project_id: int, value: str) -> str:
    """The user name a queue filter's ``annotator`` value stands for, as ``viewer`` sees them.

    Viewers who see names filter by name. Curators of a blind project filter by pseudonym
    ("Annotator 3"); a real name then matches nothing, so filtering cannot probe names.
    """
    if sees_names(session, viewer, project_id):
        return value
    match = PSEUDONYM.fullmatch(value)
    if match is None:
        return NO_MATCH
    name = session.scalar(
        select(User.username)
        .join(AnnotatorPseudonym, AnnotatorPseudonym.user_id == User.id)
        .where(AnnotatorPseudonym.project_id == project_id,
               AnnotatorPseudonym.number == int(match.group(1)))
    )
    return name or NO_MATCH


def export_names(session: Session, viewer: User, project_id: int) -> dict[str, str] | None:
    """User name -> pseudonym for everyone who annotated in the project, or None for names.

    Every annotator of the project gets a pseudonym first, so the whole export (gold spans'
    provenance, who finished each sentence, everyone's own spans) is blinded alike.
    """
    if sees_names(session, viewer, project_id):
        return None
    annotated = (
        select(Annotation.annotator_id)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project_id)
        .distinct()
    )
    pseudonym_numbers(session, project_id, session.scalars(annotated).all())
    rows = session.execute(
        select(User.username, AnnotatorPseudonym.number)
        .join(AnnotatorPseudonym, AnnotatorPseudonym.user_id == User.id)
        .where(AnnotatorPseudonym.project_id == project_id)
    ).all()
    return {name: f"Annotator {number}" for name, number in rows}
