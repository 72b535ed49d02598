"""The project's suggestion settings (admins): gazetteer lists, token patterns, the case option,
and what happened to the suggestions shown."""

from __future__ import annotations

import json
from pathlib import PurePath

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from annotator.errors import DomainError
from annotator.extensions import db
from annotator.projects.guards import project_access
from annotator.projects.models import Project
from annotator.suggestions import queries, services
from annotator.suggestions.forms import CaseForm, DeleteForm, GazetteerForm, PatternForm
from annotator.transactions import unit_of_work

bp = Blueprint("suggestions", __name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _settings_url(project_id: int, anchor: str | None = None) -> str:
    return url_for("suggestions.show_settings", project_id=project_id, _anchor=anchor)


def _pattern_form(project: Project, data: dict | None = None) -> PatternForm:
    form = PatternForm(data=data)
    form.label.choices = [SelectChoice(lb.key, lb.name) for lb in project.schema.labels
                          if not lb.retired]
    return form


def _page(project: Project, *, gazetteer: GazetteerForm | None = None,
          pattern: PatternForm | None = None, status: int = 200):
    page = queries.settings_page(db.session, project.id)
    edit_forms = {
        p.id: _pattern_form(project, {"name": p.name, "label": p.label,
                                      "event_type": p.event_type or "",
                                      "pattern": json.dumps(p.pattern, ensure_ascii=False)})
        for p in page.patterns
    }
    return render_template(
        "suggestions/settings.html", project=project, page=page,
        gazetteer_form=gazetteer or GazetteerForm(), pattern_form=pattern or _pattern_form(project),
        edit_forms=edit_forms, case_form=CaseForm(data={"ignore_case": page.ignore_case}),
        delete_form=DeleteForm(),
        suggestions=queries.suggestion_counts(db.session, project.id),
    ), status


@bp.get("/projects/<int:project_id>/suggestions")
@project_access("admin")
def show_settings(project_id: int):
    """The suggestion settings page."""
    project = db.session.get(Project, project_id) or abort(404)
    return _page(project)


@bp.post("/projects/<int:project_id>/suggestions/lists")
@project_access("admin")
def upload_gazetteer(project_id: int):
    """Store an uploaded CSV list of names (nothing stored when a line is bad)."""
    project = db.session.get(Project, project_id) or abort(404)
    form = GazetteerForm()
    if not form.validate_on_submit():
        flash("No list imported: choose a CSV file.", "error")
        return _page(project, gazetteer=form, status=400)
    raw = form.file.data.read(MAX_UPLOAD_BYTES + 1)
    filename = form.file.data.filename or "list.csv"
    if len(raw) > MAX_UPLOAD_BYTES:
        flash(f"No list imported: the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB.",
              "error")
        return _page(project, gazetteer=form, status=400)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash("No list imported: the file is not UTF-8 text.", "error")
        return _page(project, gazetteer=form, status=400)
    name = (form.name.data or "").strip() or PurePath(filename).stem
    with unit_of_work(db.session, catch=DomainError) as work:
        imported = services.import_gazetteer(db.session, project.id, name, text, current_user)
        summary = f"Imported list {imported.name!r}: {imported.entries} entries."
    if work.failed:
        flash(f"No list imported: {work.message}", "error")
        return _page(project, gazetteer=form, status=400)
    flash(summary, "success")
    return redirect(_settings_url(project.id, "lists"))


@bp.post("/projects/<int:project_id>/suggestions/lists/<int:list_id>/delete")
@project_access("admin")
def delete_gazetteer(project_id: int, list_id: int):
    """Delete a list and its entries."""
    if not DeleteForm().validate_on_submit():
        flash("Not deleted: the form expired; try again.", "error")
        return redirect(_settings_url(project_id, "lists"))
    with unit_of_work(db.session, catch=DomainError) as work:
        name = services.delete_gazetteer(db.session, project_id, list_id)
    if work.failed:  # deleted meanwhile (another tab): say so, as the member forms do
        flash(f"Not deleted: {work.message}.", "error")
    else:
        flash(f"Deleted list {name!r}.", "success")
    return redirect(_settings_url(project_id, "lists"))


@bp.post("/projects/<int:project_id>/suggestions/patterns", defaults={"pattern_id": None})
@bp.post("/projects/<int:project_id>/suggestions/patterns/<int:pattern_id>")
@project_access("admin")
def save_pattern(project_id: int, pattern_id: int | None):
    """Create a token pattern, or change one, after validation."""
    project = db.session.get(Project, project_id) or abort(404)
    form = _pattern_form(project)
    if not form.validate_on_submit():
        flash("Pattern not saved: give a name, a label and the pattern.", "error")
        return _page(project, pattern=form, status=400)
    with unit_of_work(db.session, catch=DomainError) as work:
        row = services.save_pattern(
            db.session, project.id, name=form.name.data, label=form.label.data,
            event_type=(form.event_type.data or "").strip() or None,
            pattern_text=form.pattern.data, pattern_id=pattern_id)
        name = row.name
    if work.failed:
        if work.error is not None and work.error.status == 404:
            abort(404)
        flash(f"Pattern not saved: {work.message}", "error")
        return _page(project, pattern=form, status=400)
    flash(f"Saved pattern {name!r}.", "success")
    return redirect(_settings_url(project.id, "patterns"))


@bp.post("/projects/<int:project_id>/suggestions/patterns/<int:pattern_id>/delete")
@project_access("admin")
def delete_pattern(project_id: int, pattern_id: int):
    """Delete a token pattern."""
    if not DeleteForm().validate_on_submit():
        flash("Not deleted: the form expired; try again.", "error")
        return redirect(_settings_url(project_id, "patterns"))
    with unit_of_work(db.session, catch=DomainError) as work:
        name = services.delete_pattern(db.session, project_id, pattern_id)
    if work.failed:
        flash(f"Not deleted: {work.message}.", "error")
    else:
        flash(f"Deleted pattern {name!r}.", "success")
    return redirect(_settings_url(project_id, "patterns"))


@bp.post("/projects/<int:project_id>/suggestions/case")
@project_access("admin")
def set_case(project_id: int):
    """Turn case-insensitive gazetteer matching on or off."""
    form = CaseForm()
    if not form.validate_on_submit():
        flash("Nothing changed: the form expired; try again.", "error")
        return redirect(_settings_url(project_id))
    with unit_of_work(db.session):
        services.set_ignore_case(db.session, project_id, bool(form.ignore_case.data))
    flash("Gazetteer names now match " + ("regardless of letter case." if form.ignore_case.data
                                          else "with the same letter case only."), "success")
    return redirect(_settings_url(project_id))
