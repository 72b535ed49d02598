"""Batch pages through HTTP: creating, reassigning and removing batches; home page; dashboard."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from annotator.annotation.models import Annotation
from annotator.assignments import progress
from annotator.assignments.models import Assignment, Batch, BatchSentence
from annotator.auth.models import User
from annotator.corpus.models import Sentence
from tests.conftest import api_headers, csrf_from, login
from tests.factories import make_articles, make_project, make_user, prepare_batch


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def queue(db, user_id: int, batch_id: int) -> list[int]:
    return list(db.session.scalars(
        select(Assignment.sentence_id)
        .where(Assignment.annotator_id == user_id, Assignment.batch_id == batch_id)
        .order_by(Assignment.position)
    ))


@pytest.fixture
def campaign(db):
    """An admin, three annotators and a project of 4 articles x 4 sentences, no batch yet."""
    make_user(db.session, "admin1", "admin")
    for name in ("ann_a", "ann_b", "ann_c"):
        make_user(db.session, name)
    project = make_project(db.session)
    make_articles(db.session, project, 4)
    db.session.commit()
    return project


def admin_client(app):
    client = app.test_client()
    login(client, "admin1")
    return client


def post_form(client, url: str, **fields):
    token = csrf_from(client.get("/projects/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **fields})


def test_admin_creates_a_batch_with_overlap_in_the_web_ui(app, db, campaign) -> None:
    admin = admin_client(app)
    url = f"/projects/{campaign.id}/batches"
    page = admin.get(url)
    assert page.status_code == 200 and b"New batch" in page.data
    r = post_form(admin, url, name="Week 1", source="remaining",
                  annotators=["ann_a", "ann_b", "ann_c"], overlap="2", seed="4")
    assert r.status_code == 302
    batch = db.session.scalar(select(Batch))
    assert (batch.name, batch.overlap, batch.seed, batch.source) == ("Week 1", 2, 4, "remaining")
    per_sentence = Counter(db.session.scalars(select(Assignment.sentence_id)))
    assert len(per_sentence) == 16 and set(per_sentence.values()) == {2}
    listing = admin.get(url).get_data(as_text=True)
    assert "Created Week 1 with 16 sentences (overlap 2; ann_a:" in listing
    assert re.search(rf'<tr data-batch="{batch.id}">.*?<td>16</td><td>2</td>', listing, re.S)


def test_a_batch_assigned_by_hand_to_one_annotator(app, db, campaign) -> None:
    """Chosen documents, one annotator, overlap 1: the whole selection goes to that person."""
    admin = admin_client(app)
    docs = list(db.session.scalars(select(Sentence.document_id).distinct()
                                   .order_by(Sentence.document_id)))[:2]
    r = post_form(admin, f"/projects/{campaign.id}/batches", source="documents",
                  documents=[str(d) for d in docs], annotators=["ann_b"], overlap="1")
    assert r.status_code == 302
    ann_b = db.session.scalar(select(User).where(User.username == "ann_b"))
    batch = db.session.scalar(select(Batch))
    expected = list(db.session.scalars(
        select(Sentence.id).where(Sentence.document_id.in_(docs))
        .order_by(Sentence.document_id, Sentence.index)))
    assert queue(db, ann_b.id, batch.id) == expected  # all of it, in reading order
    assert count(db, Assignment) == len(expected) == 8


def test_web_sample_is_seeded(app, db, campaign) -> None:
    admin = admin_client(app)
    url = f"/projects/{campaign.id}/batches"

    def sample(seed: str) -> list[int]:
        assert post_form(admin, url, source="sample", sample="5", annotators=["ann_a"],
                         overlap="1", seed=seed).status_code == 302
        batch_id = db.session.scalar(select(func.max(Batch.id)))
        chosen = list(db.session.scalars(select(BatchSentence.sentence_id)
                                          .where(BatchSentence.batch_id == batch_id)
                                          .order_by(BatchSentence.position)))
        # remove it again (nobody worked on it) so the next sample draws from the same pool
        assert post_form(admin, f"/batches/{batch_id}/remove").status_code == 302
        return chosen

    first, again, other = sample("11"), sample("11"), sample("12")
    assert first == again and len(first) == 5 and first != other
    assert first == sorted(first, key=lambda sid: (db.session.get(Sentence, sid).document_id,
                                                   db.session.get(Sentence, sid).index))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"annotators": ["ann_a", "ann_b"], "overlap": "3"},
         "Overlap 3 needs at least 3 annotators; 2 chosen."),
        ({"annotators": ["ann_a", "ghost"], "overlap": "1"}, "unknown user(s): ghost"),
        ({"annotators": ["ann_a", "gone"], "overlap": "1"},
         "deactivated user(s) cannot be assigned: gone"),
        ({"annotators": [], "overlap": "1"}, "Choose at least one annotator."),
        ({"annotators": ["ann_a"], "overlap": "1", "source": "documents"},
         "Give the ids of the documents to take"),
        ({"annotators": ["ann_a"], "overlap": "1", "source": "sample", "sample": "99"},
         "only 16 unassigned"),
        ({"annotators": ["ann_a"], "overlap": "0"}, "Overlap"),
        ({"annotators": ["ann_a"], "overlap": "x"}, "Overlap"),
    ],
)
def test_bad_web_batches_say_why_and_create_nothing(app, db, campaign, fields, message) -> None:
    gone = make_user(db.session, "gone")
    gone.active = False
    db.session.commit()
    admin = admin_client(app)
    r = post_form(admin, f"/projects/{campaign.id}/batches", **{"source": "remaining", **fields})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message.replace("'", "&#39;") in html or message in html, html[:3000]
    assert (count(db, Batch), count(db, BatchSentence), count(db, Assignment)) == (0, 0, 0)


def test_the_batch_form_lists_every_problem_at_once(app, db, campaign) -> None:
    admin = admin_client(app)
    r = post_form(admin, f"/projects/{campaign.id}/batches", source="sample", overlap="2",
                  seed="x")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    summary = html[html.index('class="error-summary"'):html.index("</div>", html.index(
        'class="error-summary"'))]
    assert "4 problems to fix" in summary
    for words in ("Give the sample size N", "Choose at least one annotator.",
                  "Overlap 2 needs at least 2 annotators; 0 chosen.", 'href="#seed"'):
        assert words in summary, summary
    # the seed is explained beside its field
    assert "the same seed on the same sentences gives the same batch again" in html
    assert (count(db, Batch), count(db, BatchSentence), count(db, Assignment)) == (0, 0, 0)


def test_empty_selection_is_refused_in_the_web_ui(app, db, campaign) -> None:
    admin = admin_client(app)
    url = f"/projects/{campaign.id}/batches"
    assert post_form(admin, url, source="remaining", annotators=["ann_a"],
                     overlap="1").status_code == 302
    r = post_form(admin, url, source="remaining", annotators=["ann_b"], overlap="1")
    assert r.status_code == 422 and b"the selection holds no unassigned sentence" in r.data
    assert count(db, Batch) == 1


def save(client, sentence_id: int, status: str = "done", **extra):
    state = client.get(f"/api/sentences/{sentence_id}/annotation").json
    body = {"spans": [], "version": state["version"], "status": status, **extra}
    r = client.put(f"/api/sentences/{sentence_id}/annotation", json=body,
                   headers=api_headers(client))
    assert r.status_code == 200, r.json
    return r


def test_reassigning_from_a_deactivated_annotator_in_the_web_ui(app, db) -> None:
    data = prepare_batch(db.session, k=2, annotators=3, articles=3)
    a0, a1, a2 = data["annotators"]
    extra = make_user(db.session, "extra")
    db.session.commit()
    batch_id = data["batch"].id
    worker = app.test_client()
    login(worker, a0.username)
    q0 = queue(db, a0.id, batch_id)
    for sid in q0[:2]:
        save(worker, sid)
    save(worker, q0[2], "in_progress")
    before = {r.id: (r.status, r.version) for r in db.session.scalars(select(Annotation))}
    admin = admin_client(app)
    a0_row = db.session.get(User, a0.id)
    post_form(admin, f"/admin/users/{a0.id}/active")  # the annotator leaves first
    db.session.refresh(a0_row)
    assert not a0_row.active
    listing = admin.get(f"/projects/{data['project'].id}/batches").get_data(as_text=True)
    assert f"<option>{a0.username}</option>" in listing  # still offered as the one who leaves
    r = post_form(admin, f"/batches/{batch_id}/reassign", leaving=a0.username,
                  to=[a1.username, a2.username, extra.username])
    assert r.status_code == 302
    flashes = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert f"Moved {a0.username}&#39;s unfinished work" in flashes
    db.session.expire_all()
    assert queue(db, a0.id, batch_id) == q0[:2]  # only finished work stays with them
    per_sentence = Counter(db.session.scalars(
        select(Assignment.sentence_id).where(Assignment.batch_id == batch_id)))
    assert set(per_sentence.values()) == {2}  # overlap kept
    after = {r.id: (r.status, r.version) for r in db.session.scalars(select(Annotation))}
    assert after == before  # every annotation kept, untouched (the in-progress one too)
    for user in (a1, a2, extra):  # each queue still reads in document order
        q = queue(db, user.id, batch_id)
        keys = [(db.session.get(Sentence, s).document_id, db.session.get(Sentence, s).index)
                for s in q]
        assert keys == sorted(keys)


def test_reassignment_refusal_changes_nothing(app, db) -> None:
    data = prepare_batch(db.session, k=2, annotators=2, articles=1)
    a0, a1 = data["annotators"]
    rows = lambda: sorted(db.session.execute(  # noqa: E731
        select(Assignment.annotator_id, Assignment.sentence_id)).all())
    before = rows()
    admin = admin_client(app)
    # a1 already holds every sentence of a0: nobody free to keep overlap 2
    r = post_form(admin, f"/batches/{data['batch'].id}/reassign", leaving=a0.username,
                  to=[a1.username])
    page = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert "Nothing reassigned" in page and "add another annotator" in page
    db.session.expire_all()
    assert rows() == before


def test_removing_a_batch_with_annotations_asks_and_then_archives(app, db) -> None:
    data = prepare_batch(db.session, k=1, annotators=2, articles=1)
    a0 = data["annotators"][0]
    batch_id = data["batch"].id
    worker = app.test_client()
    login(worker, a0.username)
    sid = queue(db, a0.id, batch_id)[0]
    save(worker, sid)
    admin = admin_client(app)
    r = post_form(admin, f"/batches/{batch_id}/remove")  # no confirmation ticked
    page = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert "confirm to archive it" in page
    db.session.expire_all()
    assert db.session.get(Batch, batch_id).archived_at is None
    r = post_form(admin, f"/batches/{batch_id}/remove", confirm="y")
    assert "Batch archived." in admin.get(r.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Batch, batch_id).archived_at is not None
    assert count(db, Annotation) == 1 and count(db, Assignment) > 0  # kept, still exportable
    queue_answer = worker.get(f"/api/queue/next?batch={batch_id}")  # no queue any more
    assert queue_answer.status_code == 404 and "archived" in queue_answer.json["error"]["message"]
    going_on = worker.get(f"/batches/{batch_id}/continue")
    assert going_on.headers["Location"] == f"/batches/{batch_id}"
    assert b"(archived)" in worker.get(going_on.headers["Location"]).data
    # archived batches leave the annotator's home page and the live dashboard ...
    assert f'data-batch="{batch_id}"'.encode() not in worker.get("/projects/").data
    dash = admin.get(f"/projects/{data['project'].id}/dashboard")
    assert f'data-batch="{batch_id}"'.encode() not in dash.data
    # ... but the dashboard can still show them with their counts
    dash = admin.get(f"/projects/{data['project'].id}/dashboard?archived=1").get_data(as_text=True)
    assert re.search(rf'<tr data-batch="{batch_id}">.*?class="done">1<', dash, re.S)


def test_home_page_lists_batches_with_progress_and_says_complete(app, db) -> None:
    data = prepare_batch(db.session, k=2, annotators=2, articles=1)
    a0 = data["annotators"][0]
    batch_id = data["batch"].id
    client = app.test_client()
    login(client, a0.username)
    q = queue(db, a0.id, batch_id)
    home = client.get("/projects/").get_data(as_text=True)
    assert f'href="/batches/{batch_id}/continue"' in home
    assert f'<span class="remaining-count">{len(q)}</span>' in home
    # continue opens the first unfinished sentence; skip the first, finish the second
    first = client.get(f"/batches/{batch_id}/continue")
    assert first.headers["Location"].startswith(f"/sentences/{q[0]}")
    save(client, q[0], "skipped")
    save(client, q[1], "done")
    assert client.get(f"/batches/{batch_id}/continue").headers["Location"].startswith(
        f"/sentences/{q[2]}")
    home = client.get("/projects/").get_data(as_text=True)
    assert '<span class="done-count">1</span>' in home
    assert '<span class="skipped-count">1</span>' in home
    assert f'<span class="remaining-count">{len(q) - 2}</span>' in home
    assert 'aria-label="1 done, 1 skipped' in home  # the progress bar
    for sid in q[2:]:
        save(client, sid)
    home = client.get("/projects/").get_data(as_text=True)
    assert "Batch complete." in home and f'href="/batches/{batch_id}/continue"' not in home
    end = client.get(f"/batches/{batch_id}/continue")
    assert end.headers["Location"].endswith(f"/batches/{batch_id}?complete=1")
    batch_page = client.get(end.headers["Location"]).get_data(as_text=True)
    assert "Batch complete" in batch_page
    # an annotator's batch page shows their own row only, never a colleague's progress
    other = data["annotators"][1].username
    assert f'data-annotator="{a0.username}"' in batch_page
    assert f'data-annotator="{other}"' not in batch_page


def test_dashboard_shows_counts_times_chart_and_flags(app, db) -> None:
    data = prepare_batch(db.session, k=2, annotators=2, articles=1)
    a0, a1 = data["annotators"]
    batch_id = data["batch"].id
    c0, c1 = app.test_client(), app.test_client()
    login(c0, a0.username)
    login(c1, a1.username)
    q0, q1 = queue(db, a0.id, batch_id), queue(db, a1.id, batch_id)
    save(c0, q0[0], time_spent=12)
    save(c0, q0[1], time_spent=20)
    save(c0, q0[2], time_spent=99_999)  # an idle tab: capped by the server
    save(c0, q0[3], "skipped", flagged=True, flag_comment="not a conflict sentence <b>")
    save(c1, q1[0], time_spent=4)
    # one annotation finished "yesterday" for the daily chart
    yesterday = datetime.now(UTC) - timedelta(days=1)
    db.session.execute(update(Annotation).where(Annotation.sentence_id == q1[0],
                                                Annotation.annotator_id == a1.id)
                       .values(updated_at=yesterday))
    db.session.commit()
    cap = app.config["MAX_TIME_SPENT_SECONDS"]
    admin = admin_client(app)
    html = admin.get(f"/projects/{data['project'].id}/dashboard").get_data(as_text=True)

    def row(table: str, annotator: str | None = None) -> str:
        section = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
        attr = f'data-batch="{batch_id}"' + (f' data-annotator="{annotator}"' if annotator else "")
        return section.split(f"<tr {attr}>", 1)[1].split("</tr>", 1)[0]

    mine = row("progress", a0.username)
    assert f'class="assigned">{len(q0)}<' in mine and 'class="done">3<' in mine
    assert 'class="skipped">1<' in mine and 'class="flagged">1<' in mine
    assert 'class="median">20.0<' in mine  # median of 12, 20 and the capped idle tab
    assert datetime.now(UTC).strftime("%Y-%m-%d") in mine  # last activity
    total = row("batch-totals")
    assert f'class="assigned">{len(q0) + len(q1)}<' in total and 'class="done">4<' in total
    assert 'class="median">16.0<' in total  # median of 4, 12, 20, cap over the whole batch
    assert db.session.scalar(select(func.max(Annotation.time_spent))) == cap
    # the chart: one bar per day, drawn server-side as SVG (no script)
    bars = dict(re.findall(r'data-day="([0-9-]+)" data-count="(\d+)"', html))
    assert bars == {yesterday.strftime("%Y-%m-%d"): "1",
                    datetime.now(UTC).strftime("%Y-%m-%d"): "4"}
    # the flag, escaped, linking to its sentence
    flags = html.split('id="flags"', 1)[1]
    assert f'href="/sentences/{q0[3]}"' in flags
    assert f'href="/sentences/{q0[3]}/history"' in flags  # who changed what, restorable
    assert "not a conflict sentence &lt;b&gt;" in flags and "<b>" not in flags
    # and the admin can open the flagged sentence (free browsing stays open to admins)
    assert admin.get(f"/sentences/{q0[3]}").status_code == 200


def test_dashboard_lists_the_most_recent_flags_and_links_to_all(app, db, monkeypatch) -> None:
    """The flag list keeps its size however many sentences are flagged: the newest few, the
    total, and a link to the sentence list filtered on flags."""
    monkeypatch.setattr(progress, "FLAGS_SHOWN", 2)
    data = prepare_batch(db.session, k=1, annotators=1, articles=1)
    (a0,) = data["annotators"]
    client = app.test_client()
    login(client, a0.username)
    q0 = queue(db, a0.id, data["batch"].id)
    for i, sentence_id in enumerate(q0[:3]):
        save(client, sentence_id, flagged=True, flag_comment=f"flag number {i}")
    project_id = data["project"].id
    admin = admin_client(app)
    html = admin.get(f"/projects/{project_id}/dashboard").get_data(as_text=True)
    flags = html.split('id="flags-more"', 1)[1].split('id="flags"', 1)
    assert "The 2 most recent of 3 flagged annotations" in flags[0]
    assert f"/projects/{project_id}/sentences?flagged=yes" in flags[0]
    listed = flags[1].split("</table>", 1)[0]
    assert "flag number 2" in listed and "flag number 1" in listed
    assert "flag number 0" not in listed
    every = admin.get(f"/projects/{project_id}/sentences?flagged=yes").get_data(as_text=True)
    assert all(f'href="/sentences/{sid}"' in every for sid in q0[:3])


def test_daily_throughput_counts_utc_days_on_every_database(db) -> None:
    """Late-evening work counts on its UTC day whatever the database connection's time zone."""
    from annotator.annotation.services import AnnotationIn, save_annotation
    from annotator.assignments.progress import daily_throughput

    data = prepare_batch(db.session, k=1, annotators=1, articles=1)
    user = data["annotators"][0]
    sids = queue(db, user.id, data["batch"].id)[:3]
    for sid in sids:
        save_annotation(db.session, user, sid, AnnotationIn([], "done", 0, 1.0), max_spent=60)
    stamps = [datetime(2024, 3, 9, 23, 30, tzinfo=UTC), datetime(2024, 3, 10, 0, 30, tzinfo=UTC),
              datetime(2024, 3, 10, 0, 45, tzinfo=UTC)]
    for sid, at in zip(sids, stamps, strict=True):
        db.session.execute(update(Annotation).where(Annotation.sentence_id == sid)
                           .values(updated_at=at))
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        # a zone 13 hours ahead would move every one of these to the next local day
        db.session.execute(text("SET TIME ZONE 'Pacific/Auckland'"))
    from datetime import date

    assert daily_throughput(db.session, data["project"].id) == [
        (date(2024, 3, 9), 1), (date(2024, 3, 10), 2)]


def test_time_on_a_sentence_adds_up_across_saves_but_stays_capped(app, db) -> None:
    """The editor sends the seconds since its last save; the server sums and caps them."""
    data = prepare_batch(db.session, k=1, annotators=1, articles=1)
    user = data["annotators"][0]
    sid = queue(db, user.id, data["batch"].id)[0]
    client = app.test_client()
    login(client, user.username)
    cap = app.config["MAX_TIME_SPENT_SECONDS"]
    stored = []
    for spent in (cap / 3, cap / 3, -1, cap, cap):
        state = client.get(f"/api/sentences/{sid}/annotation").json
        r = client.put(f"/api/sentences/{sid}/annotation", headers=api_headers(client),
                       json={"spans": [], "version": state["version"], "time_spent": spent})
        assert r.status_code == (422 if spent < 0 else 200)
        db.session.expire_all()
        stored.append(db.session.scalar(select(Annotation.time_spent)))
    assert stored == pytest.approx([cap / 3, 2 * cap / 3, 2 * cap / 3, cap, cap])
