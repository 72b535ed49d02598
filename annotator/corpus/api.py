"""JSON API of a project's corpus (admins, as on the documents page): its documents a page at
a time, and articles uploaded as a JSON body."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from annotator.api_pages import page_arguments, page_envelope
from annotator.corpus import queries
from annotator.corpus.importing import (
    ArticleIn,
    ImportResult,
    plan_article_import,
    read_article_objects,
)
from annotator.errors import Invalid
from annotator.extensions import db
from annotator.paging import Pager
from annotator.projects.guards import project_access
from annotator.transactions import run_chunked, unit_of_work
from annotator.web_input import json_body

api_bp = Blueprint("corpus_api", __name__, url_prefix="/api")


@api_bp.get("/projects/<int:project_id>/documents")
@project_access("admin")
def list_documents(project_id: int):
    """The project's published documents by id, with their sentence counts."""
    page, per_page = page_arguments(queries.DOCUMENTS_PER_PAGE)
    pager = Pager.of(page, per_page, queries.count_documents(db.session, project_id))
    rows = queries.list_documents(db.session, project_id, limit=pager.per_page,
                                  offset=pager.offset)
    return jsonify(page_envelope([
        {"id": d.id, "title": d.title, "url": d.url,
         "published": d.published.isoformat() if d.published else None,
         "sentences": d.sentences, "excluded": d.excluded}
        for d in rows
    ], pager))


def import_summary(result: ImportResult) -> dict[str, Any]:
    """What an import did, as the API answers it."""
    return {"documents_added": result.documents_added,
            "sentences_added": result.sentences_added,
            "excluded_sentences": result.excluded_sentences,
            "skipped": result.skipped, "message": result.message()[0]}


def run_article_import(project_id: int, articles: list[ArticleIn]) -> tuple[dict[str, Any], int]:
    """Import the articles now, in chunks, and answer 201 with the summary.

    The one place the API runs an import: where background jobs apply, this queues one and
    answers 202 with it instead.
    """
    config = current_app.config
    with unit_of_work(db.session):  # a refusal rolls back (run_chunked discards the staged rows)
        job = plan_article_import(db.session, project_id, articles,
                                  chunk_rows=config["IMPORT_CHUNK_ROWS"])
        result = run_chunked(db.session, job, pause=config["IMPORT_PAUSE_SECONDS"])
    return import_summary(result), 201


@api_bp.post("/projects/<int:project_id>/documents")
@project_access("admin")
def upload_articles(project_id: int):
    """Import articles given as ``{"articles": [{"title", "text", "url", "published"}]}``:
    all or nothing (422 naming the first bad article); texts already in the project are
    skipped."""
    body = json_body()
    if not isinstance(body, dict) or set(body) != {"articles"}:
        raise Invalid('body must be a JSON object {"articles": [{"title": ..., "text": ...}]}')
    articles = read_article_objects(body["articles"])
    summary, status = run_article_import(project_id, articles)
    return jsonify(summary), status


