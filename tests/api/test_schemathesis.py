"""Schemathesis against the live app (WSGI), from the app's own /api/openapi.json, for each
role: no 5xx, every response as the document says (status code, content type, headers, body
schema), and a refused request (4xx) stores nothing (the row count of every table).

Bounded: a few examples per operation, derandomized (the same cases on every run), no
shrinking; half of the cases use the scene's real ids in the path, so that requests get past
the 404 and reach the handlers. Runs on SQLite and, with ANNOTATOR_TEST_DB=postgresql, on
PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from annotator.adjudication.automatic import auto_adjudicate
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.assignments.models import Assignment
from annotator.corpus.models import Sentence
from annotator.extensions import db
from annotator.jobs import services as jobs
from tests.api.auth import ApiAuth, api_auth, table_counts
from tests.factories import make_user, prepare_batch
from tests.snapshots import SavedDatabase, saved_database

ROLES = {"admin": "admin1", "curator": "curator1", "annotator": "ann0", "anonymous": None}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
EXAMPLES = 6  # per operation and role: 18 operations x 4 roles, about 450 calls per engine
RUN = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
               phases=[Phase.explicit, Phase.generate],
               suppress_health_check=list(HealthCheck))


@dataclass
class Scene:
    database: SavedDatabase
    ids: dict[str, int]
    auth: dict[str, ApiAuth]

    @property
    def app(self) -> Flask:
        return self.database.app


@pytest.fixture(scope="module")
def scene(request, tmp_path_factory) -> Iterator[Scene]:
    """A project with a live batch (ann0, ann1), a curator, and one sentence both annotators
    finished alike, made gold (so gold, agreement and exports have something to show)."""
    with saved_database(request, tmp_path_factory) as database:
        database.app.config["AGREEMENT_BOOTSTRAP"] = 20  # the report's intervals: cheap here
        with database.app.app_context():
            data = prepare_batch(db.session, k=2, annotators=2, articles=2)
            make_user(db.session, "curator1", "curator")
            ann0 = data["annotators"][0]
            sentence = db.session.scalar(
                select(Assignment.sentence_id).where(Assignment.annotator_id == ann0.id)
                .order_by(Assignment.position))
            text = db.session.get(Sentence, sentence).text
            start = text.index("rebels")
            for annotator in data["annotators"]:  # both agree: the span becomes gold
                save_annotation(db.session, annotator, sentence, AnnotationIn(
                    [{"start": start, "end": start + 6, "label": "ACTOR"}], "done", 0, 2.0),
                    max_spent=60)
            auto_adjudicate(db.session, data["project"].id, min_agree=2, actor=data["admin"])
            job = jobs.submit(db.session, "import-articles", user_id=ann0.id,
                              project_id=data["project"].id)
            job.state, job.result = "done", {"file": "out.txt"}
            jobs.write_file(db.session, job.id, "output", "out.txt", [b"an export\n"])
            db.session.commit()
            ids = {"project_id": data["project"].id, "batch_id": data["batch"].id,
                   "sentence_id": sentence, "user_id": ann0.id, "job_id": job.id,
                   "name": "out.txt"}
            db.session.remove()
        auth = {role: api_auth(database.app, name) for role, name in ROLES.items()}
        database.save()
        yield Scene(database, ids, auth)


def cases(operation, ids: dict[str, int]) -> st.SearchStrategy:
    """Cases with generated path parameters, and cases with the scene's real ids."""
    names = re.findall(r"{(\w+)}", operation.path)
    if not names:
        return operation.as_strategy()
    real = {name: ids[name] for name in names}
    return st.one_of(operation.as_strategy(path_parameters=real), operation.as_strategy())


@pytest.mark.parametrize("role", sorted(ROLES))
def test_schemathesis_finds_no_fault_for_each_role(scene: Scene, role: str) -> None:
    scene.database.restore()
    app, auth = scene.app, scene.auth[role]
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    seen: dict[str, set[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18  # every operation but the document itself

    for operation in operations:
        @RUN
        @given(case=cases(operation, scene.ids))
        def run(case) -> None:
            before = table_counts(app)
            response = case.call(headers=dict(auth.headers), cookies=dict(auth.cookies))
            case.validate_response(response, checks=CHECKS)
            seen.setdefault(case.operation.label, set()).add(response.status_code)
            if 400 <= response.status_code < 500:
                assert table_counts(app) == before, (
                    f"{case.method} {case.formatted_path} answered {response.status_code} "
                    "but stored something")

        run()

    assert set(seen) == {op.label for op in operations}
    statuses = set().union(*seen.values())
    if role == "anonymous":
        assert statuses <= {200, 400, 401, 404}
        assert seen["GET /api/projects"] == {401}
    else:  # past the log-in: some requests succeed beyond the public description
        assert 200 in seen["GET /api/projects/{project_id}/sentences"]
