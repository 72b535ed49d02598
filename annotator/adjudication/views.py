"""Curator pages: the conflict queue, one conflict, a sentence's gold; annotators' feedback."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from annotator.adjudication import (
    auto_job,
    blinding,
    gold_edits,
    input,
    pages,
    queries,
    queue,
    settings,
)
from annotator.adjudication.arguments import describe, in_words, of_event
from annotator.adjudication.conflicts import ARGUMENT, KINDS, segments
from annotator.adjudication.models import REASON_NAMES
from annotator.annotation.editor import EditorLinks, get_editor_page, gold_saved_state
from annotator.auth.models import User
from annotator.corpus.models import Sentence
from annotator.errors import DomainError, Invalid
from annotator.extensions import db
from annotator.inputs import MAX_ROW_ID, InputError, parse_int
from annotator.jobs.models import JobState
from annotator.jobs.web import shown_job, start_job
from annotator.paging import page_number
from annotator.projects.guards import current_access, project_access
from annotator.projects.guidelines import entries
from annotator.projects.models import Project
from annotator.transactions import unit_of_work
from annotator.web_input import form_int, query_int

bp = Blueprint("adjudication", __name__)

FILTERS = ("label", "kind", "annotator")


def _filters() -> dict[str, str]:
    """The queue filters present in the query string (unknown values simply match nothing)."""
    return {k: v for k in FILTERS if (v := request.args.get(k, "").strip())}


def _project(project_id: int) -> Project:
    return db.session.get(Project, project_id) or abort(404)


def _sentence(sentence_id: int) -> Sentence:
    return db.session.get(Sentence, sentence_id) or abort(404)


@bp.get("/projects/<int:project_id>/adjudication")
@project_access("curator")
def show_queue(project_id: int):
    project = _project(project_id)
    filters = _filters()
    page = page_number(request.args.get("page"))
    with unit_of_work(db.session):  # may assign pseudonyms to annotators seen the first time
        shown = pages.queue_page(db.session, current_user, project.id, filters, page)
    return render_template("adjudication/queue.html", project=project, filters=filters,
                           kinds=KINDS, labels=project.schema.keys, **vars(shown),
                           job=shown_job(auto_job.KIND, project_id=project.id))


@bp.get("/projects/<int:project_id>/adjudication/next")
@project_access("curator")
def next_conflict(project_id: int):
    """Go to the first open conflict (after ``after=sentence-start-end`` when skipping)."""
    project = _project(project_id)
    filters = _filters()
    items = queue.list_queue(db.session, project.id, **pages.resolved(
        db.session, current_user, project.id, filters)).items
    after = request.args.get("after", "")
    if after:
        keys = [queue.item_key(i.sentence_id, i.conflict) for i in items]
        if after in keys:
            position = keys.index(after)
            items = items[position + 1 :] + items[:position]
    if not items:
        flash("No open conflict left" + (" for these filters." if filters else "."), "success")
        return redirect(url_for("adjudication.show_queue", project_id=project.id, **filters))
    first = items[0]
    page = ("adjudication.show_arguments" if first.conflict.kind == ARGUMENT
            else "adjudication.show_conflict")
    return redirect(
        url_for(
            page, sentence_id=first.sentence_id, start=first.conflict.start,
            end=first.conflict.end, **filters,
        )
    )


@bp.post("/projects/<int:project_id>/adjudication/auto")
@project_access("curator")
def run_auto(project_id: int):
    """Start the automatic pass as a background job (the page's panel shows its progress)."""
    project = _project(project_id)
    with unit_of_work(db.session, catch=DomainError) as work:
        min_agree = form_int("min_agree", minimum=0, maximum=MAX_ROW_ID)
        batch_id = form_int("batch_id")
        if min_agree is None:
            raise Invalid("give min-agree as a whole number")
        auto_job.check_start(db.session, project.id, batch_id, min_agree)
    if work.failed:
        flash(f"Automatic adjudication not run: {work.message}", "error")
        return redirect(url_for("adjudication.show_queue", project_id=project.id))
    job = start_job(auto_job.KIND, params={"min_agree": min_agree, "batch_id": batch_id},
                    project_id=project.id)
    if job.state == JobState.DONE:  # ran at once (JOBS_QUEUE=immediate)
        flash(job.message, "success")
    elif job.state == JobState.FAILED:
        flash(f"Automatic adjudication not run: {job.error}", "error")
    return redirect(url_for("adjudication.show_queue", project_id=project.id))


@bp.post("/projects/<int:project_id>/adjudication/settings")
@project_access("admin")
def update_settings(project_id: int):
    project = _project(project_id)
    show = request.form.get("show_names") == "1"
    with unit_of_work(db.session):
        settings.set_show_names(db.session, current_user, project.id, show)
    flash(
        "Curators now see annotators' names." if show
        else "Annotators' names are hidden from curators.",
        "success",
    )
    return redirect(url_for("adjudication.show_queue", project_id=project.id))


def _rows(text: str, view: queries.SentenceView, region: tuple[int, int] | None,
          schema: Any = None):
    """Display rows: the current gold, then every annotator's version of ``region``."""
    gold_spans = [
        input.to_span(s["start"], s["end"], s["label"], s["attributes"])
        for s in view.state["spans"]
    ]
    rows: list[dict[str, Any]] = [
        {"key": "gold", "name": "Current gold", "pieces": segments(text, gold_spans, region)}
    ]
    for number, name in enumerate(view.order, start=1):
        spans = view.annotations.get(name, [])
        if region is not None:
            spans = [s for s in spans if s.start < region[1] and region[0] < s.end]
        rows.append(
            {"key": str(number), "name": view.name_of(name),
             "pieces": segments(text, spans, region), "empty": not spans,
             "links": [] if region is not None else in_words(
                 view.relations.get(name, []), spans, text, schema)}
        )
    return rows


def _page_data(project: Any, sentence_id: int, region: tuple[int, int], view: Any,
               current: Any, filters: dict[str, Any], after: str) -> dict[str, Any]:
    """What a conflict page's script needs: the region, the versions, and where each key goes."""
    start, end = region
    return {
        "sentence_id": sentence_id,
        "region": [start, end],
        "open": current is not None,
        "versions": len(view.order),
        "gold_version": view.state["version"],
        "decide_url": url_for("adjudication_api.decide", sentence_id=sentence_id),
        "next_url": url_for("adjudication.next_conflict", project_id=project.id, **filters),
        "skip_url": url_for("adjudication.next_conflict", project_id=project.id, after=after,
                            **filters),
        "edit_url": url_for("adjudication.show_gold", sentence_id=sentence_id,
                            conflict=f"{start}-{end}", **filters),
        "gold_url": url_for("adjudication.show_gold", sentence_id=sentence_id, **filters),
        "queue_url": url_for("adjudication.show_queue", project_id=project.id, **filters),
        "schema": project.schema.raw,
    }


@bp.get("/sentences/<int:sentence_id>/conflicts/<int:start>/<int:end>")
@project_access("curator")
def show_conflict(sentence_id: int, start: int, end: int):
    sentence = _sentence(sentence_id)
    project = _project(sentence.project_id)
    with unit_of_work(db.session):  # may assign pseudonyms to annotators seen the first time
        view = blinding.sentence_view(db.session, current_user, sentence)
    current = view.find(start, end)
    filters = _filters()
    text = sentence.text
    after = f"{sentence_id}-{start}-{end}"
    page = _page_data(project, sentence.id, (start, end), view, current, filters, after)
    return render_template(
        "adjudication/conflict.html",
        project=project,
        sentence=sentence,
        document=sentence.document,
        view=view,
        current=current,
        rows=_rows(text, view, (start, end)),
        reasons=REASON_NAMES,
        page=page,
        filters=filters,
        guide=entries(project.schema),
    )


def _argument_rows(text: str, view: queries.SentenceView, event: tuple[int, int],
                   schema: Any) -> list[dict[str, Any]]:
    """Display rows of an event's arguments: the current gold's, then every annotator's."""
    spans = [input.to_span(s["start"], s["end"], s["label"], s["attributes"])
             for s in view.state["spans"]]
    head = next((s for s in spans if (s.start, s.end) == event), None)
    label = head.label if head is not None else ""
    gold_links = of_event(
        [input.relation_of(r) for r in view.state["relations"]], event)
    versions = [("gold", "Current gold", gold_links)] + [
        (str(number), view.name_of(name), of_event(view.relations.get(name, []), event))
        for number, name in enumerate(view.order, start=1)
    ]
    rows = []
    for key, name, links in versions:
        shown = {event, *(r.child for r in links)}
        rows.append({
            "key": key, "name": name, "empty": not links,
            "pieces": segments(text, [s for s in spans if (s.start, s.end) in shown]),
            "links": [describe(r, text, schema, label) for r in links],
        })
    return rows


@bp.get("/sentences/<int:sentence_id>/arguments/<int:start>/<int:end>")
@project_access("curator")
def show_arguments(sentence_id: int, start: int, end: int):
    """An argument conflict: each version's links of one gold event; keys pick one."""
    sentence = _sentence(sentence_id)
    project = _project(sentence.project_id)
    with unit_of_work(db.session):  # may assign pseudonyms to annotators seen the first time
        view = blinding.sentence_view(db.session, current_user, sentence)
    current = view.find_arguments(start, end)
    filters = _filters()
    after = f"{sentence_id}-{start}-{end}-{ARGUMENT}"
    page = {**_page_data(project, sentence.id, (start, end), view, current, filters, after),
            "kind": ARGUMENT}
    return render_template(
        "adjudication/arguments.html", project=project, sentence=sentence,
        document=sentence.document, view=view, current=current,
        event_text=sentence.text[start:end],
        rows=_argument_rows(sentence.text, view, (start, end), project.schema),
        reasons=REASON_NAMES, page=page, filters=filters, guide=entries(project.schema),
    )


@bp.get("/sentences/<int:sentence_id>/gold")
@project_access("curator")
def show_gold(sentence_id: int) -> str:
    """The whole sentence: every annotator's spans, and the gold in the span editor."""
    sentence = _sentence(sentence_id)
    project, filters = _project(sentence.project_id), _filters()
    with unit_of_work(db.session):  # may assign pseudonyms to annotators seen the first time
        view = blinding.sentence_view(db.session, current_user, sentence)
    saved = {**gold_saved_state(view.state), "relations": view.state["relations"]}
    shown = get_editor_page(
        db.session, sentence, saved, _gold_links(project, sentence, filters),
        user=current_user.username, mode="gold",
    )
    return render_template(
        "adjudication/gold.html", **shown.template_args(), project=project, view=view,
        rows=_rows(sentence.text, view, None, project.schema)[1:], reasons=REASON_NAMES,
        filters=filters,
        region=_region_arg(request.args.get("conflict", ""), len(sentence.text)),
        page={"schema": shown.schema.raw, "mode": "gold"},
    )


def _gold_links(project: Project, sentence: Sentence, filters: dict[str, str]) -> EditorLinks:
    """The gold editor's URLs: it saves to the gold API; "done" goes to the next conflict."""
    return EditorLinks(
        api_url=url_for("adjudication_api.put_gold", sentence_id=sentence.id),
        done_url=url_for("adjudication.next_conflict", project_id=project.id, **filters),
    )


def _region_arg(raw: str, length: int) -> tuple[int, int] | None:
    start, _, end = raw.partition("-")
    try:
        region = parse_int(start, "start", minimum=0), parse_int(end, "end", minimum=0)
    except InputError:
        return None  # a stale or mistyped highlight is ignored, not an error
    return region if region[0] < region[1] <= length else None


def _gold_form_action(sentence_id: int, action) -> Any:
    sentence = _sentence(sentence_id)
    with unit_of_work(db.session, catch=DomainError) as work:
        version = form_int("version", minimum=0)
        if version is None:
            raise Invalid("the form lacks the gold version; reload the page")
        saved = action(db.session, current_user, sentence.id, version)
    if work.failed:
        flash(f"Not changed: {work.message}", "error")
    else:
        flash(f"The sentence is now {saved.status}.", "success")
    return redirect(url_for("adjudication.show_gold", sentence_id=sentence.id, **_filters()))


@bp.post("/sentences/<int:sentence_id>/gold/close")
@project_access("curator")
def close_sentence(sentence_id: int):
    return _gold_form_action(sentence_id, gold_edits.close_gold)


@bp.post("/sentences/<int:sentence_id>/gold/reopen")
@project_access("curator")
def reopen_sentence(sentence_id: int):
    return _gold_form_action(sentence_id, gold_edits.reopen_gold)


@bp.get("/projects/<int:project_id>/feedback")
@project_access("annotator")
def show_feedback(project_id: int):
    """"My labels vs gold": an annotator's own scores; admins may look at anyone's."""
    project = _project(project_id)
    user_id = query_int("user") or current_user.id
    is_admin = current_access().is_admin  # of this project
    if user_id != current_user.id and not is_admin:
        abort(403)
    user = db.session.get(User, user_id) or abort(404)
    shown = pages.feedback_page(db.session, project.id, user.id,
                                list_people=is_admin)
    return render_template("adjudication/feedback.html", project=project, user=user,
                           schema=project.schema, page={"schema": project.schema.raw},
                           **vars(shown))
