"""Admin pages: a project's documents, article import by upload, sentence exclusion."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from annotator.corpus import queries, services
from annotator.corpus.forms import ExclusionForm, ImportForm
from annotator.corpus.importing import ImportRefused, import_articles
from annotator.corpus.models import Document, Sentence
from annotator.extensions import db
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
        with unit_of_work(db.session, catch=ImportRefused) as work:
            result = import_articles(db.session, project.id, files)
        if work.failed:
            flash(f"Import refused, nothing stored: {work.message}", "error")
            status = 422
        else:
            flash(
                f"Imported {result.documents_added} documents, {result.sentences_added} "
                f"sentences ({result.excluded_sentences} marked as boilerplate); "
                f"{len(result.skipped)} already present, skipped.",
                "success",
            )
            return redirect(url_for("corpus.list_documents", project_id=project.id))
    elif form.errors:
        status = 422
    documents = queries.list_documents(db.session, project.id)
    return (
        render_template("corpus/documents.html", project=project, documents=documents, form=form),
        status,
    )


@bp.get("/documents/<int:document_id>")
@project_access("admin")
def show_document(document_id: int):
    document = db.session.get(Document, document_id) or abort(404)
    project = db.session.get(Project, document.project_id)
    return render_template(
        "corpus/document.html", document=document, project=project, form=ExclusionForm()
    )


@bp.post("/sentences/<int:sentence_id>/exclusion")
@project_access("admin")
def toggle_exclusion(sentence_id: int):
    sentence = db.session.get(Sentence, sentence_id) or abort(404)
    with unit_of_work(db.session):
        services.set_excluded(db.session, sentence_id, not sentence.excluded)
    return redirect(url_for("corpus.show_document", document_id=sentence.document_id))
