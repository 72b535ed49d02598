"""import-annotations writes through the services: the rows and audit records of a normal save."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, func, select

from annotator.adjudication.bulk import import_gold
from annotator.adjudication.gold_edits import restore_gold
from annotator.adjudication.models import GoldSentence
from annotator.adjudication.queries import get_gold, gold_state
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.audit.models import AuditEvent
from annotator.auth.models import User
from annotator.corpus.models import Sentence
from annotator.annotation.models import Annotation
from annotator.errors import Conflict
from annotator.export import storing
from annotator.export.foreign_import import import_files
from annotator.export.importing import import_annotations
from tests.export.interop_data import sizes, store_failing_on
from annotator.spans import Span
from tests.factories import make_user, prepare_project


@pytest.fixture
def project(db):
    data = prepare_project(db.session)
    make_user(db.session, "cur", "curator")
    db.session.commit()
    return data["project"]


def first_sentences(db, n: int) -> list[Sentence]:
    return list(db.session.scalars(select(Sentence).order_by(Sentence.id).limit(n)))


def jsonl(sentences: list[Sentence]) -> bytes:
    """Each sentence with its first word as an ACTOR span, matched by id."""
    return "\n".join(json.dumps({
        "text": s.text, "meta": {"sentence_id": s.id},
        "spans": [{"start": 0, "end": s.text.index(" "), "label": "ACTOR"}],
    }) for s in sentences).encode()


def events(db, target: str) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.target == target).order_by(AuditEvent.id)))


def test_imported_pre_annotations_are_recorded_as_a_save_records_them(db, project) -> None:
    first, second = first_sentences(db, 2)
    import_annotations(db.session, project, jsonl([first]), mode="pre", annotator="ann_a")
    db.session.commit()
    ann_b = db.session.scalar(select(User).where(User.username == "ann_b"))
    save_annotation(db.session, ann_b, second.id, AnnotationIn(
        [{"start": 0, "end": second.text.index(" "), "label": "ACTOR"}], "in_progress", 0, 0.0),
        max_spent=60)
    db.session.commit()
    imported, saved = events(db, "annotation")
    assert (imported.action, imported.actor_id, imported.version, imported.before) == (
        "import", None, 1, None)
    assert list(imported.after) == list(saved.after)
    assert imported.after == {
        "spans": [{"start": 0, "end": first.text.index(" "), "label": "ACTOR",
                   "attributes": {}}], "relations": [],
        "status": "in_progress", "flagged": False, "flag_comment": "", "version": 1,
    }


def test_imported_gold_is_recorded_as_a_curators_save_and_can_be_restored(db, project) -> None:
    (sentence,) = first_sentences(db, 1)
    import_annotations(db.session, project, jsonl([sentence]), mode="gold", curator="cur",
                       source_name="gold.jsonl")
    db.session.commit()
    (event,) = events(db, "gold")
    gold = get_gold(db.session, sentence.id)
    assert (event.action, event.version, event.before) == ("import", 1, None)
    assert event.after == gold_state(db.session, gold)
    assert event.after["spans"][0]["note"] == "imported from gold.jsonl line 1"
    assert event.after["spans"][0]["curator"] == "cur"
    admin = db.session.scalar(select(User).where(User.username == "admin1"))
    saved = restore_gold(db.session, admin, event.id)
    db.session.commit()
    assert saved.version == 2 and saved.status == "complete"
    restored = gold_state(db.session, get_gold(db.session, sentence.id))
    assert restored["spans"] == event.after["spans"]


def test_gold_created_meanwhile_refuses_the_bulk_write(db, project) -> None:
    first, second = first_sentences(db, 2)
    import_gold(db.session, None, [(first.id, [], "one")])
    db.session.commit()
    with pytest.raises(Conflict):
        import_gold(db.session, None, [(second.id, [Span(0, 3, "ACTOR")], "two"),
                                       (first.id, [], "again")])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(GoldSentence)) == 1


def test_a_large_import_commits_in_chunks_and_a_failure_takes_out_every_chunk(
    db, project, monkeypatch
) -> None:
    """With chunk_rows (the import command and job) each chunk is its own short transaction,
    so saves never wait behind the whole file; an error after some chunks were committed
    takes them out again: the import is still all or nothing."""
    sentences = first_sentences(db, 4)
    assert len(sentences) == 4
    commits: list[int] = []
    event.listen(db.session(), "after_commit", lambda s: commits.append(1))
    outcome = import_files(db.session, project, [("f.jsonl", jsonl(sentences))], fmt="ours",
                           mode="pre", annotator="ann_a", chunk_rows=1)
    assert "4 pre-annotations" in outcome.summary
    assert len(commits) >= 4  # four chunks of one sentence, each committed
    db.session.commit()
    ann_a = db.session.scalar(select(User).where(User.username == "ann_a"))
    assert db.session.scalar(select(func.count()).select_from(Annotation)
                             .where(Annotation.annotator_id == ann_a.id)) == 4
    assert len(events(db, "annotation")) == 4

    before = sizes(db.session)
    monkeypatch.setattr(storing, "store_annotations",
                        store_failing_on(3, RuntimeError("the disk is full")))
    commits.clear()
    with pytest.raises(RuntimeError):
        import_files(db.session, project, [("g.jsonl", jsonl(sentences))], fmt="ours",
                     mode="gold", chunk_rows=1)
    db.session.rollback()
    assert len(commits) >= 2  # two chunks were committed before the failure...
    assert sizes(db.session) == before  # ...and taken out again, audit records included
