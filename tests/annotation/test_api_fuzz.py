"""Fuzz the annotation API: any request gets 2xx or a 4xx with a message, never a 500."""

from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from annotator.annotation.models import Annotation, SpanRow
from annotator.audit.models import AuditEvent
from annotator.corpus.models import Sentence
from tests.conftest import api_headers, login
from tests.factories import prepare_batch, prepare_project

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["ACTOR", "EVENT", "LOCATION", "UNIT", "done", "skipped"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
offsets = st.one_of(
    st.integers(-5, 200), st.floats(-5, 200), st.text(max_size=3), st.none(), st.booleans()
)
spans = st.fixed_dictionaries(
    {"start": offsets, "end": offsets,
     "label": st.one_of(st.sampled_from(["ACTOR", "EVENT", "LOCATION", "UNIT", "actor", ""]),
                        json_values)},
    optional={"attributes": st.one_of(
        st.fixed_dictionaries({"event_type": st.one_of(
            st.sampled_from(["air_drone_strike", "riot", "picnic"]), json_values)}),
        json_values),
        "text": st.text(max_size=20)},
)
bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"spans": st.one_of(st.lists(spans, max_size=6), json_values),
         "version": st.one_of(st.integers(-2, 3), json_values)},
        optional={"status": st.one_of(st.sampled_from(["done", "skipped", "in_progress"]),
                                      json_values),
                  "time_spent": st.one_of(st.floats(allow_nan=True), json_values),
                  "flagged": json_values, "flag_comment": json_values},
    ),
)


def snapshot(db) -> tuple:
    """The full content of the tables a save writes (not only their sizes)."""
    db.session.expire_all()
    return tuple(
        sorted(map(repr, db.session.execute(model.__table__.select()).all()))
        for model in (Annotation, SpanRow, AuditEvent)
    )


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=bodies, raw=st.one_of(st.none(), st.binary(max_size=50)))
def test_put_never_500_and_refusals_change_nothing(client, db, body, raw) -> None:
    if not db.session.scalar(select(func.count()).select_from(Sentence)):
        prepare_project(db.session)
        login(client, "ann_a")
        # an existing annotation, so versions reach the compare-and-set in SQL
        client.put("/api/sentences/1/annotation", json={"spans": [], "version": 0},
                   headers=api_headers(client))
    headers = api_headers(client)
    before = snapshot(db)
    if raw is not None:
        response = client.put("/api/sentences/1/annotation", data=raw, headers=headers)
    else:
        payload = json.dumps(body, allow_nan=True)
        response = client.put("/api/sentences/1/annotation", data=payload, headers=headers)
    assert response.status_code < 500, response.data
    if response.status_code != 200:
        assert 400 <= response.status_code < 500
        assert response.is_json and response.json["error"]["message"]
        assert snapshot(db) == before


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path_id=st.one_of(st.integers(-10, 10**12), st.text(max_size=8)))
def test_get_with_odd_ids_never_500(client, db, path_id) -> None:
    if not db.session.scalar(select(func.count()).select_from(Sentence)):
        prepare_project(db.session)
        login(client, "ann_a")
    response = client.get(f"/api/sentences/{quote(str(path_id), safe='')}/annotation")
    assert response.status_code in {200, 404}
    assert response.is_json


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.one_of(st.text(max_size=12), st.integers(-10, 2**70).map(str)),
       extra=st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=5), max_size=3))
def test_queue_api_with_odd_parameters_never_500(client, db, batch, extra) -> None:
    if not db.session.scalar(select(func.count()).select_from(Sentence)):
        prepare_batch(db.session)
        login(client, "ann0")
    response = client.get("/api/queue/next", query_string={**extra, "batch": batch})
    # (400: a NUL anywhere in the query string, refused before the view)
    assert response.status_code in {200, 204, 400, 403, 404, 422}, (batch, response.status_code)
    if response.status_code >= 400:
        assert response.is_json and response.json["error"]["message"]
