"""Admin pages: a project's documents, article import by upload, sentence exclusion."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from annotator.corpus import import_job, queries, services
from annotator.corpus.forms import ExclusionForm, ImportForm
from annotator.corpus.importing import ImportRefused, read_files
from annotator.corpus.models import Document, Sentence
from annotator.extensions import db
from annotator.jobs.models import JobState
from annotator.jobs.web import shown_job, start_job
from annotator.projects.guards import project_access
from annotator.projects.models import Project
from annotator.transactions import unit_of_work

bp = Blueprint("corpus", __name__)


@bp.route("/projects/<int:project_id>/documents", methods=["GET", "POST"])
@project_access("admin")
def list_documents(project_id: int):
    project = db.session.get(Project, project_id) or abort(404)
    form = ImportForm()
    status = 200
    if form.validate_on_submit():
        files = [(f.filename or "upload", f.read()) for f in form.files.data]
        refusal = _start_import(project.id, files)
        if refusal is None:
            return redirect(url_for("corpus.list_documents", project_id=project.id))
        flash(f"Import refused, nothing stored: {refusal}", "error")
        status = 422
    elif form.errors:
        status = 422
    shown = queries.documents_page(db.session, project.id, request.args.get("page"))
    return (
        render_template(
            "corpus/documents.html", project=project, documents=shown.documents,
            pager=shown.pager, form=form,
            job=shown_job(import_job.KIND, project_id=project.id),
        ),
        status,
    )


def _start_import(project_id: int, files: list[tuple[str, bytes]]) -> str | None:
    """Check the files (reading them is fast: a bad one is refused here and stores nothing,
    not even a job), then queue the import; why it was refused, or None."""
    try:
        read_files(files)
    except ImportRefused as err:
        return err.message
    job = start_job(import_job.KIND, files=files, project_id=project_id)
    if job.state == JobState.FAILED:  # (a queue that runs jobs at once: tests)
        return job.error or job.message
    if job.state == JobState.DONE:
        flash(job.message, (job.result or {}).get("tone", "success"))
    return None


@bp.get("/documents/<int:document_id>")
@project_access("admin")
def show_document(document_id: int):
    document = db.session.get(Document, document_id) or abort(404)
    project = db.session.get(Project, document.project_id)
    shown = queries.document_page(db.session, document, request.args.get("page"))
    return render_template(
        "corpus/document.html", document=document, project=project, form=ExclusionForm(),
        sentences=shown.sentences, pager=shown.pager,
    )


@bp.post("/sentences/<int:sentence_id>/exclusion")
@project_access("admin")
def toggle_exclusion(sentence_id: int):
    sentence = db.session.get(Sentence, sentence_id) or abort(404)
    with unit_of_work(db.session):
        services.set_excluded(db.session, sentence_id, not sentence.excluded)
    page = sentence.index // queries.SENTENCES_PER_DOCUMENT_PAGE + 1
    return redirect(url_for("corpus.show_document", document_id=sentence.document_id,
                            page=page if page > 1 else None, _anchor=f"s{sentence.id}"))
