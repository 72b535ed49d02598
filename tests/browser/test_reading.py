"""Context and orientation on the annotation page: the whole article at hand (key `a` and a
link, without leaving the sentence), more or less context remembered per user, where the
annotator is in the batch, a notice before a new article, "not started", a plain flag notice;
the list of finished sentences; one way to continue on the home page; HTML error pages."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.browser.conftest import browser_login
from tests.browser.helpers import open_sentence, seed_article, stored, wait_ready, wait_saved
from tests.factories import make_user

FIRST = (
    "Militia fighters seized the hilltop village of Sarkand before dawn on Tuesday. "
    "Residents said the attackers arrived in pick-up trucks from the east. "
    "The regional governor called for reinforcements by telephone. "
    "Army units from the 9th Brigade left their barracks at noon. "
    "By evening the road to Sarkand had been cut in two places. "
    "Aid workers said hundreds of families were sheltering in a school. "
    "The militia did not comment."
)
SECOND = (
    "Talks on a local truce opened in Varda on Thursday. "
    "Both sides agreed to let ambulances through."
)


def seed_batch(database, unique) -> dict:
    """Two articles in a batch given to one annotator (article order), an outsider (a member
    of the project with no work there) and a stranger (no member)."""
    from annotator.assignments.services import create_batch
    from annotator.auth.models import User
    from annotator.corpus.importing import import_articles
    from annotator.corpus.models import Sentence
    from annotator.projects.membership import ensure_members
    from annotator.projects.models import Project

    seeded = seed_article(database, unique, text=None)
    user = make_user_in(database, unique("reader"))
    outsider = make_user_in(database, unique("outsider"))
    stranger = make_user_in(database, unique("stranger"))
    batch_name = unique("Week ")
    lines = "\n".join(json.dumps(a) for a in [
        {"title": "Militia takes Sarkand", "text": FIRST, "published": "2024-03-05",
         "url": "https://www.frontier-post.example/2024/03/05/sarkand"},
        {"title": "Truce talks in Varda", "text": SECOND},
    ])
    with database.session() as session:
        import_articles(session, seeded.project_id, [("two.jsonl", lines.encode())])
        session.flush()
        create_batch(session, seeded.project_id, source="remaining", annotators=[user],
                     overlap=1, seed=1, name=batch_name)
        outsider_id = session.scalar(select(User.id).where(User.username == outsider))
        ensure_members(session, seeded.project_id, [outsider_id], role="annotator")
        rows = session.execute(
            select(Sentence.id, Sentence.document_id)
            .where(Sentence.project_id == seeded.project_id)
            .order_by(Sentence.document_id, Sentence.index)
        ).all()
        name = session.get(Project, seeded.project_id).name
    return {"project": seeded.project_id, "name": name, "user": user, "outsider": outsider,
            "stranger": stranger,
            "batch": batch_name, "ids": [r[0] for r in rows],
            "docs": [r[1] for r in rows]}


def make_user_in(database, name: str) -> str:
    with database.session() as session:
        return make_user(session, name).username


def context_shown(page) -> tuple[int, int]:
    """How many context sentences are visible before and after the sentence."""
    return (page.locator("#context-before .context:visible").count(),
            page.locator("#context-after .context:visible").count())


def test_whole_article_context_and_place(live, database, unique, page):
    world = seed_batch(database, unique)
    ids, user = world["ids"], world["user"]
    browser_login(page, live.url, user)

    # The fourth sentence of seven: "4 of 9 in batch Week N", a new sentence "not started".
    sid = ids[3]
    open_sentence(page, live.url, sid)
    url = page.url
    assert " ".join(page.text_content("#queue-place").split()).startswith(
        f"4 of 9 in batch {world['batch']}")
    assert page.text_content("#status-value") == "not started"
    assert page.locator("#flag-panel").is_hidden()  # the flag form waits for f or Flag
    assert page.locator("#next-article").count() == 0  # the next one is in the same article

    # Context: ±1 by default; + widens to ±3, remembered after a reload; - narrows.
    page.evaluate("() => localStorage.removeItem('annotator:context:' + "
                  "JSON.parse(document.getElementById('editor-data').textContent).user)")
    page.reload()
    wait_ready(page)
    assert context_shown(page) == (1, 1)
    page.keyboard.press("+")
    page.keyboard.press("+")
    assert context_shown(page) == (3, 3)
    assert page.text_content("#context-size") == "±3 sentences"
    page.reload()
    wait_ready(page)
    assert context_shown(page) == (3, 3)
    for _ in range(6):
        page.keyboard.press("-")
    assert context_shown(page) == (1, 1)
    assert page.locator("#context-less").is_disabled()
    page.click("#context-more")  # the button too, and the keys still work after it
    page.keyboard.press("=")
    assert context_shown(page) == (3, 3)

    # `a` opens the whole article over the page: read-only, the sentence highlighted.
    page.keyboard.press("a")
    dialog = page.get_by_role("dialog", name="Militia takes Sarkand")
    dialog.locator(".current-sentence").wait_for()
    assert dialog.locator(".current-sentence").text_content() == (
        "Army units from the 9th Brigade left their barracks at noon.")
    assert dialog.locator(".article-sentence").count() == 6
    facts = page.text_content("#article-facts")
    assert "frontier-post.example" in facts and "2024" in facts and "7 sentences" in facts
    assert dialog.locator("#article-url").get_attribute("href").startswith("https://")
    # Keys typed while it is open act on nothing behind it.
    for key in ("d", "s", "n", "1", "Enter"):
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert page.url == url and stored(database, sid, user) is None
    page.keyboard.press("Escape")
    assert dialog.is_hidden()
    assert page.evaluate("() => document.activeElement.id") == "sentence"
    # The link opens the same dialog (no navigation); the page form has a way back.
    page.click("#article-link")
    assert dialog.is_visible() and page.url == url
    page.click("#article-close")
    page.goto(f"{live.url}/sentences/{sid}/article")
    assert page.text_content("#current") == (
        "Army units from the 9th Brigade left their barracks at noon.")
    page.click("#back-to-sentence")
    wait_ready(page)
    assert page.url == url

    # A flag says so plainly, with the comment.
    page.keyboard.press("f")
    page.fill("#flag-comment", "is the 9th Brigade a unit here?")
    page.click("#flag-save")
    wait_saved(page, 1)
    assert page.locator("#flag-panel").is_hidden()
    notice = page.locator("#flag-notice")
    assert notice.is_visible()
    assert "You flagged this sentence" in notice.text_content()
    assert "is the 9th Brigade a unit here?" in notice.text_content()
    assert page.text_content("#status-value") == "in progress"

    # The last sentence of the first article announces the next article.
    open_sentence(page, live.url, ids[6])
    assert "Truce talks in Varda" in page.text_content("#next-article")

    # A sentence this annotator may not open: an HTML page with a way back, not JSON.
    outsider = page.context.browser.new_context().new_page()
    browser_login(outsider, live.url, world["outsider"])
    response = outsider.goto(f"{live.url}/sentences/{sid}")
    assert response.status == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "not assigned to you" in outsider.text_content("#error-message")
    assert outsider.locator("#error-home").get_attribute("href") == "/"
    assert outsider.goto(f"{live.url}/sentences/{sid}/article").status == 403
    outsider.goto(f"{live.url}/sentences/99999999", referer=f"{live.url}/projects/")
    assert outsider.text_content("h1").startswith("Not found")
    assert outsider.locator("#error-back").get_attribute("href") == f"{live.url}/projects/"
    outsider.context.close()
    # Someone outside the project: the sentence does not exist for them (404), as a page.
    stranger = page.context.browser.new_context().new_page()
    browser_login(stranger, live.url, world["stranger"])
    response = stranger.goto(f"{live.url}/sentences/{sid}")
    assert response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    assert stranger.locator("#error-home").get_attribute("href") == "/"
    stranger.context.close()


def test_finished_list_reopens_and_home_has_one_continue(live, database, unique, page):
    world = seed_batch(database, unique)
    ids, user = world["ids"], world["user"]
    browser_login(page, live.url, user)

    # Home: the batch's Continue is the one way on; the project card has none of its own.
    # (other tests' projects share this database: look at this project's cards only)
    continues = page.locator("#my-batches a", has_text="Continue")
    assert continues.count() == 1
    card = page.locator("ul.cards li.card",
                        has=page.get_by_role("link", name=world["name"], exact=True))
    assert card.locator("a", has_text="Continue").count() == 0
    assert "sentences to annotate" not in card.text_content()
    continues.click()
    wait_ready(page)
    assert f"/sentences/{ids[0]}?" in page.url
    page.keyboard.press("d")
    page.wait_for_url(f"**/sentences/{ids[1]}")
    wait_ready(page)
    page.keyboard.press("s")
    page.wait_for_url(f"**/sentences/{ids[2]}")
    wait_ready(page)

    page.goto(f"{live.url}/projects/")
    assert "7 sentences left" in " ".join(card.text_content().split())
    page.click("#my-batches .finished-link a")
    rows = page.locator("#finished tbody tr")
    assert rows.count() == 2
    assert sorted(r.get_attribute("data-sentence") for r in rows.all()) == sorted(
        [str(ids[0]), str(ids[1])])
    page.select_option("select[name=status]", "skipped")
    page.click("#finished-filters button[type=submit]")
    assert page.locator("#finished tbody tr").count() == 1
    page.click("#finished a.reopen")
    wait_ready(page)
    assert page.url.endswith(f"/sentences/{ids[1]}")
    assert page.text_content("#status-value") == "skipped"
    page.keyboard.press("d")  # reopened and finished again, now done
    page.wait_for_url(f"**/sentences/{ids[2]}")
    assert stored(database, ids[1], user)["status"] == "done"
