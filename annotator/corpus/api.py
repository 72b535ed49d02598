"""JSON API of a project's corpus (admins, as on the documents page): its documents a page at
a time, and articles uploaded as a JSON body."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, jsonify

from annotator.api_pages import page_arguments, page_envelope
from annotator.corpus import import_job, queries
from annotator.corpus.importing import ArticleIn, read_article_objects
from annotator.errors import Invalid
from annotator.extensions import db
from annotator.jobs.queries import job_json
from annotator.jobs.web import start_job
from annotator.paging import Pager
from annotator.projects.guards import project_access
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


def run_article_import(project_id: int, articles: list[ArticleIn]) -> tuple[dict[str, Any], int]:
    """Queue the import as a background job (the articles, already checked, become its JSON
    lines input) and answer 202 with the job; ``GET /api/jobs/<id>`` follows it."""
    lines = "\n".join(json.dumps({
        "title": a.title, "text": a.text, "url": a.url,
        "published": a.published.isoformat() if a.published else None,
    }, ensure_ascii=False) for a in articles)
    job = start_job(import_job.KIND, files=[("api-upload.jsonl", lines.encode("utf-8"))],
                    project_id=project_id)
    return job_json(job), 202


@api_bp.post("/projects/<int:project_id>/documents")
@project_access("admin")
def upload_articles(project_id: int):
    """Import articles given as ``{"articles": [{"title", "text", "url", "published"}]}`` as a
    background job: checked here (422 naming the first bad article, nothing queued), then 202
    with the job; all or nothing; texts already in the project are skipped."""
    body = json_body()
    if not isinstance(body, dict) or set(body) != {"articles"}:
        raise Invalid('body must be a JSON object {"articles": [{"title": ..., "text": ...}]}')
    articles = read_article_objects(body["articles"])
    answer, status = run_article_import(project_id, articles)
    response = jsonify(answer)
    response.status_code = status
    response.headers["Location"] = f"/api/jobs/{answer['id']}"
    return response


