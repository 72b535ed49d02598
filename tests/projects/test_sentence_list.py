"""The project's sentence list: text search (accent- and case-insensitive), every filter,
paging, what each role sees, the query string's mistakes, and the project navigation bar."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from annotator.adjudication.models import GoldSentence, GoldStatus
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.assignments.models import Assignment
from annotator.assignments.services import create_batch
from annotator.corpus.folding import fold
from annotator.corpus.importing import import_articles
from annotator.corpus.models import Sentence
from annotator.corpus.services import set_excluded
from annotator.projects.access import Access
from annotator.projects.navigation import project_nav
from annotator.projects.sentence_list import Filters, list_sentences
from tests.conftest import login
from tests.factories import add_members, make_project, make_user

TEXTS = [
    "Shelling hit the outskirts of Ḥamā on Tuesday morning.",
    "Government forces regained control of Kafr Nabl after heavy clashes.",
    "Local councils in HAMA province reported new displacement.",
    "The monitor said 14% of the houses in Hamadiyah were damaged.",
    "قَصَفَتِ الْقُوَّاتُ مَدِينَةَ حَمَاةَ فَجْرَ الْيَوْمِ.",
    "Residents of Kafr_Nabl fled towards the border before dawn.",
]


def _span(text: str, words: str, label: str, event_type: str | None = None) -> dict:
    start = text.index(words)
    return {"start": start, "end": start + len(words), "label": label,
            "attributes": {"event_type": event_type} if event_type else {}}


def _save(session, user, sid: int, spans: list[dict], status: str, **kw: Any) -> None:
    save_annotation(session, user, sid, AnnotationIn(spans, status, 0, 1.0, **kw), max_spent=60)


@pytest.fixture
def scene(db) -> dict[str, Any]:
    """One article of six sentences (one excluded); ann_a and ann_b annotate some of them, one
    flag, one sentence with open conflicts and one with complete gold."""
    s = db.session
    admin = make_user(s, "boss", "admin")
    a, b = make_user(s, "ann_a"), make_user(s, "ann_b")
    curator = make_user(s, "cura")
    outsider = make_user(s, "outsider")
    project = make_project(s, "Hama reports")
    add_members(s, project, a, b)
    add_members(s, project, curator, role="curator")
    line = json.dumps({"title": "Hama week", "text": " ".join(TEXTS)})
    import_articles(s, project.id, [("hama.jsonl", line.encode())])
    ids = list(s.scalars(select(Sentence.id).where(Sentence.project_id == project.id)
                         .order_by(Sentence.index)))
    assert len(ids) == len(TEXTS)
    set_excluded(s, ids[5], True)
    t = TEXTS
    _save(s, a, ids[0], [_span(t[0], "Shelling", "EVENT", "shelling_artillery_missile"),
                         _span(t[0], "Ḥamā", "LOCATION")], "done")
    _save(s, b, ids[0], [_span(t[0], "Shelling", "EVENT", "air_drone_strike")], "done")
    _save(s, a, ids[1], [_span(t[1], "Government forces", "ACTOR")], "skipped")
    _save(s, b, ids[1], [_span(t[1], "regained", "EVENT", "government_regains_territory")],
          "in_progress", flagged=True, flag_comment="unsure about the actor")
    _save(s, b, ids[2], [], "done")
    s.add(GoldSentence(sentence_id=ids[0], status=GoldStatus.PARTIAL.value))
    s.add(GoldSentence(sentence_id=ids[2], status=GoldStatus.COMPLETE.value))
    s.commit()
    return {"project": project, "ids": ids, "admin": admin, "a": a, "b": b,
            "curator": curator, "outsider": outsider}


def ids_of(db, scene, user, role: str, **filters: Any) -> list[int]:
    page = list_sentences(db.session, Access(scene["project"].id, role), user,
                          Filters(**filters), None, 50, batched=False)
    assert page.pager.total == len(page.rows)
    return [scene["ids"].index(r.id) for r in page.rows]


def test_fold_drops_accents_harakat_and_case() -> None:
    assert fold("Ḥamā") == fold("HAMA") == fold("hama") == "hama"
    assert fold("حَمَاةَ") == fold("حماة")
    assert fold("Straße") == "strasse" and fold("ﬁghters") == "fighters"


def test_text_search_ignores_accents_case_and_harakat(db, scene) -> None:
    admin = scene["admin"]
    assert ids_of(db, scene, admin, "admin", text="hama") == [0, 2, 3]
    assert ids_of(db, scene, admin, "admin", text="ḤAMĀ PROV") == [2]
    assert ids_of(db, scene, admin, "admin", text="حماة") == [4]  # typed without harakat
    # LIKE's wildcards are plain characters here.
    assert ids_of(db, scene, admin, "admin", text="14%") == [3]
    assert ids_of(db, scene, admin, "admin", text="Kafr_") == [5]
    assert ids_of(db, scene, admin, "admin", text="no such words") == []


def test_each_filter(db, scene) -> None:
    admin, a, b = scene["admin"], scene["a"], scene["b"]
    assert ids_of(db, scene, admin, "admin", status="done") == [0, 2]
    assert ids_of(db, scene, admin, "admin", status="new") == [3, 4, 5]
    assert ids_of(db, scene, admin, "admin", status="done", annotator=a.id) == [0]
    # An annotator's sentences are those they annotated or were assigned: none unstarted here.
    assert ids_of(db, scene, admin, "admin", status="new", annotator=a.id) == []
    assert ids_of(db, scene, admin, "admin", annotator=b.id) == [0, 1, 2]
    assert ids_of(db, scene, admin, "admin", label="EVENT") == [0, 1]
    assert ids_of(db, scene, admin, "admin", label="LOCATION") == [0]
    assert ids_of(db, scene, admin, "admin", label="ACTOR", annotator=b.id) == []
    assert ids_of(db, scene, admin, "admin", event_type="air_drone_strike") == [0]
    assert ids_of(db, scene, admin, "admin", event_type="government_regains_territory") == [1]
    assert ids_of(db, scene, admin, "admin", flagged=True) == [1]
    assert ids_of(db, scene, admin, "admin", flagged=False) == [0, 2, 3, 4, 5]
    assert ids_of(db, scene, admin, "admin", excluded=True) == [5]
    assert ids_of(db, scene, admin, "admin", excluded=False) == [0, 1, 2, 3, 4]
    assert ids_of(db, scene, admin, "admin", gold="any") == [0, 2]
    assert ids_of(db, scene, admin, "admin", gold="conflict") == [0]
    assert ids_of(db, scene, admin, "admin", gold="complete") == [2]
    assert ids_of(db, scene, admin, "admin", gold="none") == [1, 3, 4, 5]
    # Filters combine.
    assert ids_of(db, scene, admin, "admin", text="hama", status="done", gold="complete") == [2]


def test_annotators_filter_their_own_work_only(db, scene) -> None:
    a = scene["a"]
    assert ids_of(db, scene, a, "annotator", status="done") == [0]
    assert ids_of(db, scene, a, "annotator", label="EVENT") == [0]
    assert ids_of(db, scene, a, "annotator", flagged=True) == []
    # They cannot filter by gold (they never see it).
    assert ids_of(db, scene, a, "annotator", gold="conflict") == [0, 1, 2, 3, 4, 5]


def test_batches_limit_annotators_to_their_assignments(db, scene) -> None:
    s, a, b = db.session, scene["a"], scene["b"]
    project, ids = scene["project"], scene["ids"]
    created = create_batch(s, project.id, source="remaining", annotators=[b.username],
                           overlap=1, seed=1, created_by=scene["admin"])
    s.commit()
    page = list_sentences(s, Access(project.id, "annotator"), a, Filters(), None, 50,
                          batched=True)
    assert page.rows == [] and page.pager.total == 0
    assigned = sorted(ids.index(i) for i in s.scalars(
        select(Assignment.sentence_id).where(Assignment.annotator_id == b.id)))
    assert assigned and 5 not in assigned  # the excluded sentence is never handed out
    page = list_sentences(s, Access(project.id, "annotator"), b, Filters(batch=created.batch.id),
                          None, 50, batched=True)
    assert [ids.index(r.id) for r in page.rows] == assigned
    admin = scene["admin"]
    assert ids_of(db, scene, admin, "admin", batch=created.batch.id) == assigned
    # Assigned to ann_b and not started by them: the batch's sentences ann_b never saved.
    assert ids_of(db, scene, admin, "admin", status="new", annotator=b.id) == [
        i for i in assigned if i not in (0, 1, 2)]


def test_paging_keeps_the_filters(client, db, scene) -> None:
    project = scene["project"]
    lines = [json.dumps({"title": f"Dispatch {i}",
                         "text": f"Clashes were reported near Ḥamā, dispatch {i}. Calm elsewhere."})
             for i in range(60)]
    import_articles(db.session, project.id, [("more.jsonl", "\n".join(lines).encode())])
    db.session.commit()
    login(client, "boss")
    url = f"/projects/{project.id}/sentences?q=HAMA&excluded=no"
    first = client.get(url).get_data(as_text=True)
    assert "63 sentences match · page 1 of 2" in first
    nxt = re.search(r'href="([^"]+page=2[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "q=HAMA" in nxt and "excluded=no" in nxt
    second = client.get(nxt).get_data(as_text=True)
    assert "page 2 of 2" in second and second.count('data-sentence="') == 13


def test_page_shows_each_annotators_status_to_admins_only(client, db, scene) -> None:
    project, ids = scene["project"], scene["ids"]
    login(client, "boss")
    html = client.get(f"/projects/{project.id}/sentences?status=done").get_data(as_text=True)
    row = html.split(f'data-sentence="{ids[0]}"')[1].split("</tr>")[0]
    assert re.search(r'ann_a</span> <span class="status status-done">done', row)
    assert re.search(r'ann_b</span> <span class="status status-done">done', row)
    assert "open conflicts" in row
    assert "2 sentences match" in html

    client.post("/logout", data={})
    client.delete_cookie("session")
    login(client, "cura")
    html = client.get(f"/projects/{project.id}/sentences").get_data(as_text=True)
    assert "ann_a" not in html and "ann_b" not in html  # curators see counts, not names
    row = html.split(f'data-sentence="{ids[0]}"')[1].split("</tr>")[0]
    assert "2 done" in row


def test_page_for_an_annotator_and_the_empty_state(client, db, scene) -> None:
    project, ids = scene["project"], scene["ids"]
    login(client, "ann_a")
    html = client.get(f"/projects/{project.id}/sentences?status=skipped").get_data(as_text=True)
    assert "1 sentence matches" in html and f'data-sentence="{ids[1]}"' in html
    assert "ann_b" not in html and 'name="annotator"' not in html and 'name="gold"' not in html
    html = client.get(f"/projects/{project.id}/sentences?q=zzzz").get_data(as_text=True)
    assert 'id="no-match"' in html and "No sentences match these filters." in html
    assert "0 sentences match" in html


def test_bad_filters_are_named_and_left_out(client, db, scene) -> None:
    project = scene["project"]
    login(client, "boss")
    response = client.get(f"/projects/{project.id}/sentences?status=finished&label=TANK"
                          f"&batch=99999999999999999999&annotator={scene['outsider'].id}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "no status &#39;finished&#39; here" in html and "no label &#39;TANK&#39;" in html
    assert "&#39;batch&#39; must be an id" in html and "no such annotator" in html
    assert "6 sentences" in html  # every sentence, the bad filters left out


def test_outsiders_get_404(client, db, scene) -> None:
    login(client, "outsider")
    assert client.get(f"/projects/{scene['project'].id}/sentences").status_code == 404


def test_navigation_bar_per_role_and_current_page(client, db, scene) -> None:
    labels = {role: [link.label for link in project_nav(role, None)]
              for role in ("annotator", "curator", "admin")}
    assert labels["admin"] == ["Sentences", "Documents", "Batches", "Dashboard", "Agreement",
                               "Adjudication", "Export", "Models", "Guidelines", "Settings"]
    assert labels["curator"] == ["Sentences", "Adjudication", "Export", "Guidelines"]
    assert labels["annotator"] == ["Sentences", "Guidelines"]
    project = scene["project"]
    login(client, "cura")
    html = client.get(f"/projects/{project.id}/export").get_data(as_text=True)
    nav = html.split('<nav class="project-nav" aria-label="Project">')[1].split("</nav>")[0]
    assert re.findall(r">([A-Za-z]+)</a></li>", nav) == labels["curator"]
    assert re.findall(r'aria-current="page">([A-Za-z]+)<', nav) == ["Export"]
    # Every link of the bar opens for this role.
    for href in re.findall(r'<li><a href="([^"]+)"', nav):
        assert client.get(href).status_code == 200, href
    # Pages outside a project have no project bar.
    assert 'class="project-nav"' not in client.get("/projects/").get_data(as_text=True)
