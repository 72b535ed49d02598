"""The label schema editor's rows: rename a label, retire one, add an event type, add roles and
their targets, save; the JSON field follows and the server stores the schema with a new
version."""

from __future__ import annotations

import copy

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


def test_roles_are_added_retargeted_and_saved_in_the_rows(live, database, unique, page) -> None:
    """A project made before roles gains the default EVENT roles with one button, a role of its
    own with targets and a max, and keeps them valid when a target label is renamed."""
    from annotator.projects.models import Project

    seeded = seed_article(database, unique, admin=True)
    with database.session() as session:  # as a project made before roles existed
        project = session.get(Project, seeded.project_id)
        document = copy.deepcopy(project.label_schema)
        for label in document["labels"]:
            label.pop("roles", None)
        project.label_schema = document
        session.commit()
    browser_login(page, live.url, seeded.users["admin"])
    page.goto(f"{live.url}/projects/{seeded.project_id}/schema/edit")
    page.get_by_role("button", name="Add the default event roles").click()
    assert page.get_by_role("button", name="Add the default event roles").count() == 0
    assert page.get_by_label("EVENT role 1 target UNIT").is_checked()
    assert not page.get_by_label("EVENT role 3 target ACTOR").is_checked()

    page.get_by_role("button", name="Add a role to EVENT").click()
    page.get_by_label("EVENT role 4 key").fill("source")
    page.get_by_label("EVENT role 4 name").fill("Reporting source")
    page.get_by_label("EVENT role 4 target ACTOR").check()
    page.get_by_label("EVENT role 4 max").fill("1")
    page.get_by_role("button", name="Move EVENT role 4 up").click()  # Shift+3 from now on
    assert page.get_by_label("EVENT role 3 key").input_value() == "source"
    page.get_by_label("EVENT role 2 target UNIT").uncheck()
    assert page.get_by_label("EVENT role 4 key").input_value() == "location"
    page.get_by_label("Label 3 key").fill("FORMATION")  # UNIT, used by no span
    page.get_by_label("Label 3 key").press("Tab")
    assert page.get_by_label("EVENT role 1 target FORMATION").is_checked()
    assert page.get_by_label("Label 3 key").input_value() == "FORMATION"

    page.get_by_role("button", name="Check").click()
    preview = page.locator("#schema-preview").inner_text()
    assert "Roles added: EVENT.actor1, EVENT.actor2, EVENT.location, EVENT.source" in preview
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live.url}/projects/{seeded.project_id}/schema")
    assert "Shift+3" in page.locator("#roles-EVENT li", has_text="Reporting source").inner_text()

    with database.session() as session:
        schema = session.get(Project, seeded.project_id).schema
    event = schema.label("EVENT")
    assert schema.version == "1.1"
    assert [role.key for role in event.roles] == ["actor1", "actor2", "source", "location"]
    assert event.role("actor1").targets == ("ACTOR", "FORMATION")
    assert event.role("actor2").targets == ("ACTOR",)
    assert event.role("location").targets == ("LOCATION",)
    assert (event.role("source").name, event.role("source").max) == ("Reporting source", 1)
