"""The whole article of a sentence, an annotator's finished sentences, and the error pages a
browser gets (HTML with a way back) while the API keeps answering JSON."""

from __future__ import annotations

from sqlalchemy import select

from annotator.annotation.article import outlet_of, web_link
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.assignments.models import Assignment
from tests.conftest import login
from tests.factories import prepare_batch


def queue_of(db, user) -> list[int]:
    return list(db.session.scalars(
        select(Assignment.sentence_id).where(Assignment.annotator_id == user.id)
        .order_by(Assignment.position)))


def test_a_sentence_the_user_may_not_open_is_an_html_page_with_a_way_back(client, db) -> None:
    data = prepare_batch(db.session, k=1, annotators=2)
    theirs = queue_of(db, data["annotators"][1])[0]
    login(client, "ann0")
    for url in (f"/sentences/{theirs}", f"/sentences/{theirs}/article"):
        page = client.get(url, headers={"Referer": "http://localhost/projects/"})
        html = page.get_data(as_text=True)
        assert page.status_code == 403 and page.mimetype == "text/html", url
        assert "This sentence is not assigned to you." in html
        assert 'id="error-back" href="http://localhost/projects/"' in html
        assert 'id="error-home" href="/"' in html
    missing = client.get("/sentences/987654")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "Not found" in missing.get_data(as_text=True)
    # The API keeps its JSON errors.
    api = client.get(f"/api/sentences/{theirs}/article")
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "forbidden"


def test_the_article_of_an_assigned_sentence(client, db) -> None:
    data = prepare_batch(db.session, k=1, annotators=1, articles=2)
    mine = queue_of(db, data["annotators"][0])
    login(client, "ann0")
    body = client.get(f"/api/sentences/{mine[1]}/article").get_json()
    sentences = [p for p in body["pieces"] if p["index"] is not None]
    assert [p["current"] for p in sentences].count(True) == 1
    assert sentences[body["sentence_index"]]["current"]
    assert body["sentence_count"] == len(sentences)
    # The pieces are the article's whole text, nothing lost between sentences.
    page = client.get(f"/sentences/{mine[1]}/article").get_data(as_text=True)
    assert f'href="/sentences/{mine[1]}"' in page and 'id="current"' in page


def test_outlet_and_links() -> None:
    assert outlet_of("https://www.frontier-post.example/a/b") == "frontier-post.example"
    assert outlet_of(None) is None and outlet_of("not a url") is None
    assert web_link("https://x.example/a") == "https://x.example/a"
    assert web_link("javascript:alert(1)") is None and web_link("ftp://x/y") is None


def test_finished_sentences_per_batch_and_status(client, db) -> None:
    data = prepare_batch(db.session, k=1, annotators=1)
    user = data["annotators"][0]
    queue = queue_of(db, user)
    for sid, status in zip(queue[:3], ("done", "skipped", "in_progress"), strict=True):
        save_annotation(db.session, user, sid, AnnotationIn([], status, 0, 1.0), max_spent=60)
    db.session.commit()
    login(client, "ann0")
    project = data["project"].id
    html = client.get(f"/projects/{project}/my-sentences").get_data(as_text=True)
    assert "1 done · 1 skipped" in html
    assert html.count('class="button reopen"') == 2
    assert f'href="/sentences/{queue[2]}"' not in html  # in progress is not finished
    skipped = client.get(f"/projects/{project}/my-sentences?status=skipped"
                         f"&batch={data['batch'].id}").get_data(as_text=True)
    assert skipped.count('class="button reopen"') == 1 and f"/sentences/{queue[1]}" in skipped
    assert client.get(f"/projects/{project}/my-sentences?status=bogus").status_code == 400
    assert client.get(f"/projects/{project}/my-sentences?batch=999").status_code == 404
