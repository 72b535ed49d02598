"""Editing the roles of a stored project: removing a role or a target that relations use is
refused with the count unless mapped or confirmed; mapped roles and renamed labels keep the
relations valid; rewrites are audited and bump versions; the command line and the browser
form do the same."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from annotator.adjudication.bulk import import_gold
from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation, RelationRow
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.audit.models import AuditEvent
from annotator.errors import Invalid
from annotator.projects.models import Project
from annotator.projects.schema_edits import edit_schema
from annotator.spans import Span
from tests.conftest import login
from tests.factories import prepare_project
from tests.projects.test_schema_views import post_form

# "Government forces shelled the village of Kafr Tala on Monday, a local official said."
FORCES, SHELLED, KAFR_TALA, OFFICIAL = (0, 17), (18, 25), (41, 50), (62, 78)
# "The 25th Mechanised Brigade advanced 3.5 km along the M5 highway."
BRIGADE, ADVANCED = (0, 27), (28, 36)


def span(offsets: tuple[int, int], label: str, **attributes: str) -> dict:
    return {"start": offsets[0], "end": offsets[1], "label": label, "attributes": attributes}


def relation(head: tuple[int, int], role: str, child: tuple[int, int]) -> dict:
    return {"head": {"start": head[0], "end": head[1]}, "role": role,
            "child": {"start": child[0], "end": child[1]}}


def link(model, owner: dict, head: tuple[int, int], role: str, child: tuple[int, int]):
    return model(**owner, head_start=head[0], head_end=head[1], role=role,
                 child_start=child[0], child_end=child[1])


@pytest.fixture
def framed(db):
    """Sentence 1 linked by both annotators (actor1, location; annotator a has two actor1),
    sentence 2 by a (a UNIT as actor1), saved through the API's path, and sentence 1's gold
    (actor1, location)."""
    data = prepare_project(db.session)
    first = [span(FORCES, "ACTOR"), span(SHELLED, "EVENT", event_type="shelling_artillery_missile"),
             span(KAFR_TALA, "LOCATION")]
    frame = [relation(SHELLED, "actor1", FORCES), relation(SHELLED, "location", KAFR_TALA)]
    for user, extra, more in ((data["a"], [span(OFFICIAL, "ACTOR")],
                               [relation(SHELLED, "actor1", OFFICIAL)]), (data["b"], [], [])):
        save_annotation(db.session, user, 1, AnnotationIn(
            first + extra, "done", 0, 1.0, relations=frame + more), max_spent=60)
    save_annotation(db.session, data["a"], 2, AnnotationIn(
        [span(BRIGADE, "UNIT"), span(ADVANCED, "EVENT")], "in_progress", 0, 1.0,
        relations=[relation(ADVANCED, "actor1", BRIGADE)]), max_spent=60)
    import_gold(db.session, data["admin"], [(1, [
        Span(*FORCES, "ACTOR"), Span(*SHELLED, "EVENT"), Span(*KAFR_TALA, "LOCATION")], "")])
    gold = {"gold_id": db.session.scalar(select(GoldSentence.id)), "source": "curator",
            "votes": 0, "voters": 0, "annotators": []}
    db.session.add_all([link(GoldRelationRow, gold, SHELLED, "actor1", FORCES),
                        link(GoldRelationRow, gold, SHELLED, "location", KAFR_TALA)])
    db.session.commit()
    return data


def stored_links(db) -> list[tuple[str, str]]:
    """(body, role) of every stored relation, sorted: body "a<id>" or "gold"."""
    rows = [(f"a{r.annotation_id}", r.role) for r in db.session.scalars(select(RelationRow))]
    rows += [("gold", r.role) for r in db.session.scalars(select(GoldRelationRow))]
    return sorted(rows)


def event(doc: dict) -> dict:
    return next(label for label in doc["labels"] if label["key"] == "EVENT")


def role(doc: dict, key: str) -> dict:
    return next(r for r in event(doc)["roles"] if r["key"] == key)


def narrowed(project: Project) -> dict:
    """The schema without the location role and with actor1 taking ACTOR only."""
    doc = copy.deepcopy(project.label_schema)
    event(doc)["roles"] = [r for r in event(doc)["roles"] if r["key"] != "location"]
    role(doc, "actor1")["targets"] = ["ACTOR"]
    return doc


def test_removing_a_used_role_or_target_is_refused_with_counts(db, framed) -> None:
    project = framed["project"]
    before, links = copy.deepcopy(project.label_schema), stored_links(db)
    versions = dict(db.session.execute(select(Annotation.id, Annotation.version)).all())
    for confirm in (False, 3):  # unconfirmed, or confirmed for a count that is not (any more)
        with pytest.raises(Invalid) as refused:
            edit_schema(db.session, project, framed["admin"].id, narrowed(project),
                        drop_relations=confirm)
        assert ("relations use roles or targets this schema removes: EVENT.actor1 → UNIT "
                "(1 relation), EVENT.location (3 relations)") in refused.value.message
        db.session.rollback()
        assert project.label_schema == before and stored_links(db) == links

    edited = edit_schema(db.session, project, framed["admin"].id, narrowed(project),
                         drop_relations=4)
    db.session.commit()
    assert (edited.annotations, edited.gold, edited.dropped, edited.version) == (3, 1, 4, "1.1")
    assert [r for _, r in stored_links(db)] == ["actor1"] * 4
    after = dict(db.session.execute(select(Annotation.id, Annotation.version)).all())
    assert after == {k: v + 1 for k, v in versions.items()}
    audit = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "schema_edit").order_by(AuditEvent.id)).all()
    assert [e.target for e in audit] == ["annotation", "annotation", "annotation", "gold"]
    assert [r["role"] for r in audit[0].before["relations"]] == ["actor1", "actor1", "location"]
    assert [r["role"] for r in audit[0].after["relations"]] == ["actor1", "actor1"]
    assert audit[2].before["relations"][0]["child"] == {"start": 0, "end": 27}
    assert audit[2].after["relations"] == []
    assert [r["role"] for r in audit[3].after["relations"]] == ["actor1"]


def test_mapped_role_and_renamed_label_keep_relations_valid(db, framed) -> None:
    project = framed["project"]
    doc = copy.deepcopy(project.label_schema)
    doc["labels"][0]["key"] = "AGENT"  # ACTOR; the file still names ACTOR in the targets
    role(doc, "location")["key"] = "place"
    with pytest.raises(Invalid, match=r"EVENT.location \(3 relations\)"):
        edit_schema(db.session, project, None, doc, ["ACTOR=AGENT"])
    db.session.rollback()
    edited = edit_schema(db.session, project, None, doc,
                         ["ACTOR=AGENT", "EVENT.location=EVENT.place"])
    db.session.commit()
    assert (edited.annotations, edited.gold, edited.dropped) == (2, 1, 0)  # sentence 1's
    assert role(project.label_schema, "actor1")["targets"] == ["AGENT", "UNIT"]
    assert [r for _, r in stored_links(db)].count("place") == 3
    assert len(stored_links(db)) == 8
    assert set(db.session.scalars(select(GoldSpanRow.label))) == {"AGENT", "EVENT", "LOCATION"}
    gold_audit = db.session.scalar(select(AuditEvent).where(AuditEvent.target == "gold",
                                                             AuditEvent.action == "schema_edit"))
    assert [r["role"] for r in gold_audit.after["relations"]] == ["actor1", "place"]


def test_a_retired_target_stays_valid_and_a_lower_max_is_refused(db, framed) -> None:
    project = framed["project"]
    doc = copy.deepcopy(project.label_schema)
    doc["labels"][2]["retired"] = True  # UNIT, the actor1 of sentence 2
    edited = edit_schema(db.session, project, None, doc)
    db.session.commit()
    assert (edited.annotations, edited.dropped, len(stored_links(db))) == (0, 0, 8)
    doc = copy.deepcopy(project.label_schema)
    role(doc, "actor1")["max"] = 1
    with pytest.raises(Invalid, match="EVENT.actor1: 1 event has more than 1"):
        edit_schema(db.session, project, None, doc, drop_relations=True)
    db.session.rollback()
    role(doc, "actor1")["max"] = 2
    assert edit_schema(db.session, project, None, doc).version == "1.2"


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_edit_schema_command_drops_relations_and_adds_default_roles(app, db, framed, tmp_path):
    project = framed["project"]
    file = tmp_path / "schema.json"
    file.write_text(json.dumps(narrowed(project)))
    refused = run(app, "edit-schema", "--project", "Test project", str(file))
    assert refused.exit_code == 1 and "EVENT.location (3 relations)" in refused.output
    done = run(app, "edit-schema", "--project", "Test project", str(file), "--drop-relations")
    assert done.exit_code == 0, done.output
    assert done.output.strip().endswith(
        "3 annotations and 1 gold records rewritten; 4 relations deleted")
    db.session.expire_all()
    assert len(stored_links(db)) == 4

    back = run(app, "edit-schema", "--project", "Test project", "--default-roles")
    assert back.exit_code == 0, back.output
    assert back.output.startswith("default roles added: EVENT.location\n")
    db.session.expire_all()
    assert [r["key"] for r in event(project.label_schema)["roles"]] == [
        "actor1", "actor2", "location"]
    assert role(project.label_schema, "actor1")["targets"] == ["ACTOR"]  # the admin's kept
    nothing = run(app, "edit-schema", "--project", "Test project")
    assert nothing.exit_code == 1 and "--default-roles" in nothing.output


def test_schema_editor_shows_the_counts_and_deletes_once_confirmed(db, client, framed) -> None:
    project = framed["project"]
    login(client, "admin1")
    url = f"/projects/{project.id}/schema/edit"
    text = json.dumps(narrowed(project))
    check = post_form(client, url, {"document": text, "check": "1"})
    html = check.get_data(as_text=True)
    assert check.status_code == 200
    assert "Role removed: <code>EVENT.location</code> (3 relations)" in html
    assert ("Role target removed: <code>EVENT.actor1</code> no longer takes <code>UNIT</code>"
            in html)
    assert "EVENT.location (3 relations)" in html
    assert '<input type="checkbox" name="drop_relations" value="4"' in html
    refused = post_form(client, url, {"document": text, "apply": "1"})
    assert refused.status_code == 422 and "EVENT.actor1 → UNIT (1 relation)" in refused.get_data(
        as_text=True)
    assert len(stored_links(db)) == 8
    saved = post_form(client, url, {"document": text, "drop_relations": "4", "apply": "1"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert len(stored_links(db)) == 4 and project.label_schema["version"] == "1.1"
    shown = client.get(f"/projects/{project.id}/schema").get_data(as_text=True)
    assert "4 relations" in shown and "takes <code>ACTOR</code>" in shown
    assert db.session.scalar(select(func.count()).select_from(RelationRow)) == 3
