"""Project members in real Chromium: an admin adds one on the project page, who then gets in."""

from __future__ import annotations

from tests.browser.conftest import browser_login
from tests.browser.helpers import seed_article
from tests.factories import make_user


def test_admin_adds_and_removes_a_member_on_the_project_page(live, database, unique, new_context):
    seeded = seed_article(database, unique, annotators=1, admin=True)
    with database.session() as session:
        newcomer = make_user(session, unique("carol")).username
        session.commit()
    project_url = f"{live.url}/projects/{seeded.project_id}"

    outsider = new_context().new_page()
    browser_login(outsider, live.url, newcomer)
    assert outsider.goto(project_url).status == 404

    admin = new_context().new_page()
    browser_login(admin, live.url, seeded.users["admin"])
    admin.goto(project_url)
    member_row = f"#members tr[data-member='{seeded.users['ann0']}'] td.role"
    assert admin.locator(member_row).text_content() == "annotator"
    admin.fill("#add-member input[name=username]", newcomer)
    admin.select_option("#add-member select[name=role]", "curator")
    admin.click("#add-member button[type=submit]")
    added = admin.locator(f"#members tr[data-member='{newcomer}'] td.role")
    assert added.text_content() == "curator"
    assert "is now curator of this project" in admin.locator(".flash-success").text_content()

    assert outsider.goto(project_url).status == 200  # a curator sees the corpus and adjudicates
    assert outsider.locator("a.button", has_text="Adjudication").count() == 1

    admin.click(f"#members tr[data-member='{newcomer}'] button")
    assert admin.locator(f"#members tr[data-member='{newcomer}']").count() == 0
    assert outsider.goto(project_url).status == 404
