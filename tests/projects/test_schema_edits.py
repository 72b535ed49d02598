"""Editing a label schema: the pure comparison, refused removals, mapped rewrites with audit rows
and new versions, retired keys kept on spans but hidden from the editor, the version bump."""

from __future__ import annotations

import copy
from json import dumps as json_dumps

import pytest
from sqlalchemy import select

from annotator.adjudication.bulk import import_gold
from annotator.adjudication.models import GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation, SpanRow
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.audit.models import AuditEvent
from annotator.errors import Conflict, Frozen, Invalid
from annotator.projects.schema import SchemaError, default_schema_document, parse_schema
from annotator.projects.schema_changes import compare, parse_mappings
from annotator.projects.schema_edits import edit_schema
from annotator.projects.usage import span_usage
from annotator.spans import Span
from tests.factories import prepare_project


def renamed(doc: dict, old: str, new: str) -> dict:
    """The document with a label renamed, in the role targets too (as the browser editor does;
    ``edit_schema`` does it from the mapping when a file names the old key in targets)."""
    doc = copy.deepcopy(doc)
    for label in doc["labels"]:
        if label["key"] == old:
            label["key"] = new
        for role in label.get("roles", []):  # a role's targets name labels by key
            role["targets"] = [new if t == old else t for t in role["targets"]]
    return doc


def event_values(doc: dict) -> list:
    return next(lb for lb in doc["labels"] if lb["key"] == "EVENT")["attributes"][0]["values"]


def test_compare_finds_removed_added_and_retired_keys() -> None:
    old_doc = default_schema_document()
    new_doc = renamed(old_doc, "ACTOR", "AGENT")
    values = event_values(new_doc)
    values[:] = [v for v in values if v["value"] != "riot"]
    next(v for v in values if v["value"] == "protest")["retired"] = True
    new_doc["labels"][1]["retired"] = True  # LOCATION
    diff = compare(parse_schema(old_doc), parse_schema(new_doc))
    assert diff.removed_labels == ("ACTOR",) and diff.added_labels == ("AGENT",)
    assert diff.removed_values == (("EVENT", "event_type", "riot"),)
    assert diff.retired == ("EVENT.event_type.protest", "LOCATION")
    assert diff.changed
    assert not compare(parse_schema(old_doc), parse_schema({**old_doc, "version": "9"})).changed


@pytest.mark.parametrize("text", [
    "ACTOR", "=AGENT", "EVENT.event_type.riot=protest", "EVENT.event_type.riot=UNIT.x.riot",
    "A.b.c=A.b", "EVENT.actor1=UNIT.actor1",
])
def test_malformed_mappings_are_refused(text: str) -> None:
    with pytest.raises(SchemaError):
        parse_mappings([text])


def test_retired_must_be_a_boolean_and_one_label_stays() -> None:
    doc = default_schema_document()
    doc["labels"][0]["retired"] = "yes"
    with pytest.raises(SchemaError, match="retired"):
        parse_schema(doc)
    for label in doc["labels"]:
        label["retired"] = True
    with pytest.raises(SchemaError, match="at least one label"):
        parse_schema(doc)


@pytest.fixture
def annotated(db):
    """Two annotations and a gold record with ACTOR spans and a riot EVENT."""
    data = prepare_project(db.session)
    spans = [{"start": 0, "end": 17, "label": "ACTOR"},
             {"start": 18, "end": 25, "label": "EVENT", "attributes": {"event_type": "riot"}}]
    for user in (data["a"], data["b"]):
        save_annotation(db.session, user, 1, AnnotationIn(spans, "done", 0, 1.0), max_spent=60)
    import_gold(db.session, data["admin"], [(1, [Span(0, 17, "ACTOR")], "")])
    db.session.commit()
    return data


def spans_by_label(db) -> dict[str, int]:
    rows = db.session.execute(select(SpanRow.label, SpanRow.attributes)).all()
    rows += db.session.execute(select(GoldSpanRow.label, GoldSpanRow.attributes)).all()
    found: dict[str, int] = {}
    for label, attributes in rows:
        key = label + "".join(f".{v}" for v in (attributes or {}).values())
        found[key] = found.get(key, 0) + 1
    return found


def test_removing_a_used_key_is_refused_with_counts(db, annotated) -> None:
    project = annotated["project"]
    before = copy.deepcopy(project.label_schema)
    new_doc = renamed(before, "ACTOR", "AGENT")
    event_values(new_doc)[:] = [v for v in event_values(new_doc) if v["value"] != "riot"]
    with pytest.raises(Invalid) as refused:
        edit_schema(db.session, project, annotated["admin"].id, new_doc)
    assert "ACTOR (3 spans)" in refused.value.message
    assert "EVENT.event_type.riot (2 spans)" in refused.value.message
    db.session.rollback()
    assert project.label_schema == before
    assert spans_by_label(db) == {"ACTOR": 3, "EVENT.riot": 2}


def test_mapped_rename_rewrites_spans_audits_and_bumps_versions(db, annotated) -> None:
    project = annotated["project"]
    new_doc = renamed(project.label_schema, "ACTOR", "AGENT")
    event_values(new_doc)[:] = [v for v in event_values(new_doc) if v["value"] != "riot"]
    versions = dict(db.session.execute(select(Annotation.id, Annotation.version)).all())
    gold_version = db.session.scalar(select(GoldSentence.version))
    edited = edit_schema(db.session, project, annotated["admin"].id, new_doc,
                         ["ACTOR=AGENT", "EVENT.event_type.riot=EVENT.event_type.protest"])
    db.session.commit()
    assert (edited.annotations, edited.gold, edited.version) == (2, 1, "1.1")
    assert project.label_schema["version"] == "1.1"
    assert spans_by_label(db) == {"AGENT": 3, "EVENT.protest": 2}
    after = dict(db.session.execute(select(Annotation.id, Annotation.version)).all())
    assert after == {k: v + 1 for k, v in versions.items()}
    assert db.session.scalar(select(GoldSentence.version)) == gold_version + 1
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "schema_edit").order_by(AuditEvent.id)).all()
    assert [(e.target, e.version) for e in events] == [
        ("annotation", versions[min(versions)] + 1), ("annotation", versions[max(versions)] + 1),
        ("gold", gold_version + 1)]
    assert events[0].before["spans"][0]["label"] == "ACTOR"
    assert events[0].after["spans"][0]["label"] == "AGENT"
    assert events[0].after["spans"][1]["attributes"] == {"event_type": "protest"}
    # An editor still holding the old version cannot overwrite: a version conflict (or, as this
    # finished annotation has gold, the freeze that comes first): both 409.
    with pytest.raises((Conflict, Frozen)):
        save_annotation(db.session, annotated["a"], 1, AnnotationIn([], "done", 1, 1.0),
                        max_spent=60)


def test_retired_label_and_value_are_hidden_from_the_editor_but_kept(db, annotated) -> None:
    project = annotated["project"]
    new_doc = copy.deepcopy(project.label_schema)
    new_doc["labels"][0]["retired"] = True  # ACTOR
    next(v for v in event_values(new_doc) if v["value"] == "riot")["retired"] = True
    edited = edit_schema(db.session, project, annotated["admin"].id, new_doc)
    db.session.commit()
    assert edited.diff.retired == ("ACTOR", "EVENT.event_type.riot")
    assert edited.version == "1.1"
    assert spans_by_label(db) == {"ACTOR": 3, "EVENT.riot": 2}
    usage = span_usage(db.session, project.id, project.schema)
    assert usage.labels["ACTOR"] == 3 and usage.values[("EVENT", "event_type", "riot")] == 2


def test_an_unchanged_schema_keeps_its_version(db, annotated) -> None:
    project = annotated["project"]
    edited = edit_schema(db.session, project, None, {**project.label_schema, "version": "7"})
    assert edited.version == "1.0" and not edited.diff.changed


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_edit_schema_command_refuses_then_applies_with_maps(app, db, annotated, tmp_path) -> None:
    project = annotated["project"]
    before = copy.deepcopy(project.label_schema)
    file = tmp_path / "schema.json"
    file.write_text(json_dumps(renamed(before, "ACTOR", "AGENT")))
    refused = run(app, "edit-schema", "--project", "Test project", str(file))
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        "Error: spans use keys this schema removes: ACTOR (3 spans); map each to a key of the "
        "new schema (OLD=NEW) or retire it instead"]
    for args, message in [
        (["--map", "ACTOR"], "write OLD=NEW"),
        (["--map", "UNIT=AGENT"], "UNIT is not removed"),
        (["--map", "ACTOR=NOPE"], "NOPE is not a label"),
    ]:
        bad = run(app, "edit-schema", "--project", "Test project", str(file), *args)
        assert bad.exit_code == 1 and message in bad.output, bad.output
    (tmp_path / "broken.json").write_text("{")
    broken = run(app, "edit-schema", "--project", "Test project", str(tmp_path / "broken.json"))
    assert broken.exit_code == 1 and "cannot read schema" in broken.output
    unknown = run(app, "edit-schema", "--project", "Nope", str(file))
    assert unknown.exit_code == 1 and "no project named 'Nope'" in unknown.output
    db.session.expire_all()
    assert project.label_schema == before and spans_by_label(db) == {"ACTOR": 3, "EVENT.riot": 2}

    done = run(app, "edit-schema", "--project", "Test project", str(file), "--map", "ACTOR=AGENT")
    assert done.exit_code == 0, done.output
    assert "version 1.1: 2 annotations and 1 gold records rewritten" in done.output
    db.session.expire_all()
    assert project.label_schema["version"] == "1.1"
    assert spans_by_label(db) == {"AGENT": 3, "EVENT.riot": 2}
