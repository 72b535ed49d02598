"""API tokens in the browser: made on the account's token page, shown once with a working copy
button, used by a script, listed without the secret, then revoked (the script gets 401)."""

from __future__ import annotations

import urllib.error
import urllib.request

from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import browser_login
from tests.browser.helpers import seed_article


def api_status(url: str, token: str) -> int:
    """The status of a GET with ``Authorization: Bearer token`` (a script, no browser)."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def blocking(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it stands."""
    return [f"{v['id']}: {v['help']}" for v in Axe().run(page).response["violations"]
            if v["impact"] in ("serious", "critical")]


def test_make_a_token_see_it_once_copy_it_then_revoke_it(live, database, unique, new_context):
    seeded = seed_article(database, unique)
    name = seeded.users["ann0"]
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    page = context.new_page()
    browser_login(page, live.url, name)
    page.click(f".who a:has-text('{name}')")
    page.click("text=Manage your API tokens")
    page.wait_for_url(f"{live.url}/account/tokens")
    assert "no API tokens" in page.locator("#tokens").inner_text()

    page.fill("input[name=name]", "nightly gold pull")
    page.select_option("select[name=scope]", "read")
    page.fill("input[name=expires_days]", "30")
    page.click("button:has-text('Make token')")
    secret = page.input_value("#secret")
    assert secret.startswith("anno_") and len(secret) == 48
    assert "only time it is shown" in page.locator("#token-secret").inner_text()
    assert blocking(page) == []
    page.click("#copy-secret")
    page.wait_for_function("document.getElementById('copy-status').textContent.length > 0")
    assert page.evaluate("navigator.clipboard.readText()") == secret

    sentence = f"{live.url}/api/sentences/{seeded.sentence_ids[0]}/annotation"
    assert api_status(sentence, secret) == 200

    page.click("text=Done: back to your tokens")
    row = page.locator("table.tokens tbody tr")
    assert row.count() == 1
    assert secret not in page.content()  # shown once: never again
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "nightly gold pull" and cells[1] == "read"
    assert cells[2] == secret[:13] + "…" and cells[6] == "active"
    assert cells[4] != "never"  # the script's request was noted
    assert blocking(page) == []

    row.locator("summary:has-text('Revoke')").click()
    row.locator("button:has-text('Revoke nightly gold pull')").click()
    page.wait_for_url(f"{live.url}/account/tokens")
    assert "revoked" in page.locator(".flash-success").inner_text()
    assert page.locator("table.tokens td.state").inner_text().startswith("revoked")
    assert page.locator("table.tokens summary").count() == 0  # nothing left to revoke
    assert api_status(sentence, secret) == 401
