"""The label schema editor's rows: rename a label, retire one, add an event type, save; the JSON
field follows and the server stores the schema with a new version."""

from __future__ import annotations

from tests.browser.conftest import browser_login
from tests.browser.helpers import seed_article


def test_rows_edit_the_schema_and_save_it(live, database, unique, page) -> None:
    from annotator.projects.models import Project

    seeded = seed_article(database, unique, admin=True)
    browser_login(page, live.url, seeded.users["admin"])
    page.goto(f"{live.url}/projects/{seeded.project_id}/schema/edit")
    page.get_by_label("Label 1 name").fill("Armed actor")
    page.get_by_label("Label 3 retired").check()
    page.get_by_role("button", name="Add a value to EVENT · event_type").click()
    page.get_by_label("EVENT event_type value 12 key").fill("ceasefire_violation")
    page.get_by_label("EVENT event_type value 12 name").fill("Ceasefire violation")
    page.get_by_role("button", name="Add a label").click()
    page.get_by_label("Label 5 key").fill("WEAPON")
    page.get_by_label("Label 5 hotkey").fill("5")
    assert '"name": "Armed actor"' in page.locator("#document").input_value()

    page.get_by_role("button", name="Check").click()
    preview = page.locator("#schema-preview")
    assert "Labels added: WEAPON" in preview.inner_text()
    assert "Retired: UNIT" in preview.inner_text()
    assert "Values added: EVENT.event_type.ceasefire_violation" in preview.inner_text()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live.url}/projects/{seeded.project_id}/schema")
    assert "UNIT Unit: 0 spans" in page.locator("#retired-keys").inner_text()

    with database.session() as session:
        schema = session.get(Project, seeded.project_id).schema
    assert schema.version == "1.1"
    assert schema.label("ACTOR").name == "Armed actor" and schema.label("UNIT").retired
    assert schema.label("WEAPON").hotkey == "5"
    assert schema.label("EVENT").attribute("event_type").group_of("ceasefire_violation") is None
    assert "ceasefire_violation" in schema.label("EVENT").attribute("event_type").allowed
