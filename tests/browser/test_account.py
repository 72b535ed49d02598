"""The account page: change one's own password (the other sessions end, this one stays), then
log out everywhere."""

from __future__ import annotations

from tests.browser.conftest import browser_login
from tests.factories import make_user


def test_change_password_then_log_out_everywhere(live, database, unique, new_context):
    with database.session() as session:
        name = make_user(session, unique("reporter")).username
    laptop, phone = new_context().new_page(), new_context().new_page()
    for page in (laptop, phone):
        browser_login(page, live.url, name)

    laptop.click(f".who a:has-text('{name}')")
    laptop.wait_for_url(f"{live.url}/account")
    rows = laptop.locator("table.sessions tbody tr")
    assert rows.count() == 2 and laptop.locator("tr.current").count() == 1

    laptop.fill("input[name=current]", "correct-horse-battery")
    laptop.fill("input[name=new]", "short")
    laptop.fill("input[name=confirm]", "short")
    laptop.click("button:has-text('Change password')")
    assert "at least 10 characters" in laptop.locator(".flash-error").inner_text()

    laptop.fill("input[name=current]", "correct-horse-battery")
    laptop.fill("input[name=new]", "quiet-ferry-at-dawn")
    laptop.fill("input[name=confirm]", "quiet-ferry-at-dawn")
    laptop.click("button:has-text('Change password')")
    assert "1 other session ended" in laptop.locator(".flash-success").inner_text()
    assert rows.count() == 1  # only this session is left

    phone.goto(f"{live.url}/projects/")
    assert phone.url.startswith(f"{live.url}/login")  # the other session ended
    browser_login(phone, live.url, name, "quiet-ferry-at-dawn")

    laptop.click("#logout-everywhere button")
    laptop.wait_for_url(f"{live.url}/login")
    assert "logged out everywhere" in laptop.locator(".flash-success").inner_text()
    for page in (laptop, phone):
        page.goto(f"{live.url}/projects/")
        assert page.url.startswith(f"{live.url}/login")
