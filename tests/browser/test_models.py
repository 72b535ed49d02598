"""The model page in real Chromium: an admin trains a model with the button (the job runs in
the live server's worker, its panel follows the progress), then makes it active."""

from __future__ import annotations

from bench.news_generator import generate_articles, seed_gold
from tests.browser.conftest import browser_login
from tests.factories import make_project, make_user


def test_admin_trains_a_model_from_the_page_and_makes_it_active(live, database, unique,
                                                                 new_context):
    with database.session() as session:
        admin = make_user(session, unique("modeladmin"), "admin").username
        project = make_project(session, unique("Model project"))
        seed_gold(session, project.id, generate_articles(5, seed=41))
        project_id = project.id

    page = new_context().new_page()
    browser_login(page, live.url, admin)
    page.goto(f"{live.url}/projects/{project_id}/models")
    assert "No model yet" in page.locator("main").text_content()
    page.fill("input[name=epochs]", "2")
    page.click("form.train-form button[type=submit]")
    panel = page.locator(".job-panel[data-job-kind='train-model']")
    panel.locator("a.job-result").wait_for(state="visible", timeout=120_000)
    assert "Model v1 trained on" in panel.locator(".job-message").text_content()
    panel.locator("a.job-result").click()
    row = page.locator("tr.model-row[data-version='1']")
    assert row.locator("td.model-f1").text_content().strip() != ""
    assert page.locator("svg.chart.curve polyline.loss-line").count() == 1
    row.locator("button.make-active").click()
    assert page.locator("tr.model-row[data-version='1'] .active-model").text_content() == "active"
    assert "now the active model" in page.locator(".flash-success").text_content()
