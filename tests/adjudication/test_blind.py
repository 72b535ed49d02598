"""Blind adjudication: with names hidden, nothing a curator can open says who wrote what.

Curators see each annotator as the project's pseudonym "Annotator k", the same person under
the same pseudonym on every page, in the gold API and in the export; with names shown (an
admin's per-project setting) they see names, and admins always do.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from annotator.adjudication.automatic import auto_adjudicate
from annotator.adjudication.models import AnnotatorPseudonym
from annotator.adjudication.settings import set_show_names
from tests.conftest import login

NAME = re.compile(r"\bann[012]\b")  # the annotators' user names in the scene


@pytest.fixture
def adjudicated(db, scene) -> dict[str, Any]:
    """The scene after the automatic pass at M=3: "rebels" in s0's gold (all three), a label
    conflict on s0's "Kafr 0" (ann2 alone says UNIT) and two conflicts on s1 (ann2's
    "rebels shelled" boundary, ann0's "post 1" missed)."""
    auto_adjudicate(db.session, scene["project"].id, min_agree=3)
    db.session.commit()
    return scene


def curator_outputs(client, world: dict[str, Any]) -> dict[str, str]:
    """Every page, API answer and export a curator can open that concerns annotators."""
    pid, s0, s1 = world["project"].id, world["s0"], world["s1"]
    conflict = client.get(f"/projects/{pid}/adjudication/next").headers["Location"]
    urls = {
        "queue": f"/projects/{pid}/adjudication",
        "conflict": conflict,
        "gold page": f"/sentences/{s0.id}/gold",
        "gold page s1": f"/sentences/{s1.id}/gold",
        "gold api": f"/api/sentences/{s0.id}/gold",
        "gold api s1": f"/api/sentences/{s1.id}/gold",
        "project": f"/projects/{pid}",
        "export page": f"/projects/{pid}/export",
        "card": f"/projects/{pid}/export/card?include_annotations=1",
        **{
            f"export {fmt}": f"/projects/{pid}/export/download?format={fmt}"
                             "&include_annotations=1"
            for fmt in ("gold-json", "jsonl", "conll")
        },
    }
    outputs = {}
    for what, url in urls.items():
        response = client.get(url, buffered=True)  # downloads stream: read them in-request
        assert response.status_code == 200, (what, response.status_code)
        outputs[what] = response.get_data(as_text=True)
    return outputs


def user_refs(value: Any, key: str = "") -> set[Any]:
    """Every value under a key that holds a person's id (``curator_id``, ``user``...) in JSON."""
    found: set[Any] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            found |= user_refs(v, k)
    elif isinstance(value, list):
        for v in value:
            found |= user_refs(v, key)
    elif key == "user" or key.endswith("_id") and any(
            word in key for word in ("annotator", "curator", "user", "owner", "actor")):
        found.add(value)
    return found


def jsonl_records(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_curator_never_sees_who_wrote_what_while_names_are_hidden(client, db, adjudicated):
    login(client, "curator1")
    outputs = curator_outputs(client, adjudicated)
    for what, text in outputs.items():
        assert not NAME.search(text), f"{what} names an annotator"
    ids = {u.id for u in adjudicated["annotators"]}
    for what in ("gold api", "gold api s1", "export gold-json"):
        assert not user_refs(json.loads(outputs[what])) & ids, f"{what} gives a user id"
    for record in jsonl_records(outputs["export jsonl"]):
        assert not user_refs(record) & ids

    # The same person is the same pseudonym everywhere: ann2, alone with UNIT on s0 and
    # "rebels shelled" on s1, is one "Annotator k" in the API, the queue and the export.
    s0_api, s1_api = json.loads(outputs["gold api"]), json.loads(outputs["gold api s1"])
    (label_conflict,) = s0_api["conflicts"]
    (unit,) = [v["annotator"] for v in label_conflict["versions"]
               if v["spans"] and v["spans"][0]["label"] == "UNIT"]
    assert re.fullmatch(r"Annotator [123]", unit)
    (rebels,) = s0_api["spans"]
    assert rebels["annotators"] == ["Annotator 1", "Annotator 2", "Annotator 3"]
    text1 = adjudicated["s1"].text
    boundary = next(c for c in s1_api["conflicts"] if c["kind"] == "boundary")
    (wide,) = [v["annotator"] for v in boundary["versions"]
               if any(s["end"] - s["start"] == len("rebels shelled") for s in v["spans"])]
    assert wide == unit
    assert text1.index("rebels") == boundary["start"]
    exported = json.loads(outputs["export gold-json"])
    sentence = next(s for d in exported["documents"] for s in d["sentences"]
                    if s["id"] == adjudicated["s0"].id)
    assert sorted(sentence["annotators"]) == ["Annotator 1", "Annotator 2", "Annotator 3"]
    assert [s["label"] for s in sentence["annotations"][unit]["spans"]] == ["ACTOR", "UNIT"]
    assert f'<option value="{unit}"' in outputs["queue"]
    # Pages that name annotators are not the curator's: another's feedback, the agreement.
    pid, other = adjudicated["project"].id, adjudicated["annotators"][0].id
    assert client.get(f"/projects/{pid}/feedback?user={other}").status_code == 403
    assert client.get(f"/projects/{pid}/agreement").status_code == 403
    assert client.get(f"/sentences/{adjudicated['s0'].id}/history").status_code == 403


def test_the_queue_filters_by_pseudonym_and_never_by_a_real_name(client, db, adjudicated):
    pid = adjudicated["project"].id
    login(client, "curator1")
    api = client.get(f"/api/sentences/{adjudicated['s1'].id}/gold").json
    missed = next(c for c in api["conflicts"] if c["kind"] == "missed")
    (alone,) = [v["annotator"] for v in missed["versions"] if v["spans"]]  # ann0, "post 1"

    def rows(**query: str) -> int:
        page = client.get(f"/projects/{pid}/adjudication", query_string=query)
        return page.get_data(as_text=True).count("<tr data-sentence=")

    assert rows() == 3
    assert rows(annotator=alone) == 3  # everyone has a version (maybe empty) in each
    for probe in ("ann0", "ann2", "Annotator 99", "Annotator 0"):
        assert rows(annotator=probe) == 0, probe
    start = client.get(f"/projects/{pid}/adjudication/next", query_string={"annotator": "ann0"})
    assert "/conflicts/" not in start.headers["Location"]  # a name finds nothing to open


def test_names_are_shown_once_an_admin_turns_them_on_and_always_to_admins(
        app, client, db, adjudicated):
    admin = app.test_client()
    login(admin, "admin1")
    for what, text in curator_outputs(admin, adjudicated).items():
        if what in ("queue", "conflict", "gold page", "gold api", "export gold-json"):
            assert NAME.search(text), f"an admin sees names on the {what}"
    set_show_names(db.session, adjudicated["admin"], adjudicated["project"].id, True)
    db.session.commit()
    login(client, "curator1")
    outputs = curator_outputs(client, adjudicated)
    assert json.loads(outputs["gold api"])["spans"][0]["annotators"] == ["ann0", "ann1", "ann2"]
    exported = json.loads(outputs["export gold-json"])
    assert {"ann0", "ann1", "ann2"} <= set(exported["documents"][0]["sentences"][0]["annotators"])
    assert '<option value="ann2"' in outputs["queue"]


def test_pseudonyms_are_stored_once_and_new_annotators_get_the_next_number(
        client, db, adjudicated):
    pid = adjudicated["project"].id
    login(client, "curator1")
    client.get(f"/api/sentences/{adjudicated['s0'].id}/gold")
    first = dict(db.session.execute(select(AnnotatorPseudonym.user_id, AnnotatorPseudonym.number)
                                    .where(AnnotatorPseudonym.project_id == pid)).all())
    assert sorted(first.values()) == [1, 2, 3]
    curator_outputs(client, adjudicated)
    again = dict(db.session.execute(select(AnnotatorPseudonym.user_id, AnnotatorPseudonym.number)
                                    .where(AnnotatorPseudonym.project_id == pid)).all())
    assert again == first
