"""Every route of the URL map, as every role, with hostile path parameters, query strings, form
fields and JSON bodies: never a 5xx, and a refused request (4xx) leaves the database unchanged.

Property-based (hypothesis, derandomized so CI is stable); one database per run, SQLite or
PostgreSQL (``ANNOTATOR_TEST_DB=postgresql``), shared by every example: refusals must not
change it, and the few writes an example may make (a valid save, toggling an exclusion) leave a
database every later example can still use.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from annotator import create_app
from tests.hostile import World, shared_world

ROLES = ("anonymous", "annotator", "curator", "admin")
ARGUMENT_IDS = {"project_id": "project", "batch_id": "batch", "sentence_id": "sentence",
                "document_id": "document", "user_id": "user", "event_id": "event"}


def _routes() -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every rule of the app, read from a throwaway app."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted((rule.endpoint, method, rule.rule) for rule in app.url_map.iter_rules()
                  for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))


ROUTES = _routes()

# Values that broke something once: numbers past every column, digits that are not ASCII,
# text no database stores, scientific notation, signs, padding, and plain long text.
HOSTILE_TEXT = [
    "99999999999999999999", "3000000000", "2147483648", "9223372036854775808", "1e20", "-1",
    "0", "1", "2", "²", "١٢", "１", "\ud800", "a\x00b", "\x00", " 7", "+3", "0x1f", "NaN", "",
    "x" * 5000, "1" * 5000, "ann0", "ACTOR", "80/10/10", "1-3", "../../etc/passwd",
    "<svg onload=alert(1)>", "\u202etxt", "\u2028",
]
hostile = st.sampled_from(HOSTILE_TEXT)
texts = st.one_of(hostile, hostile, hostile, st.text(max_size=12),  # mostly the known-bad
                  st.integers(-(2**70), 2**70).map(str))
QUERY_KEYS = ["batch", "user", "page", "after", "conflict", "annotator", "kind", "label", "pair",
              "cell", "format", "split", "seed", "part", "next", "archived", "complete",
              "include_annotations", "complete_only", "metric", "show_names", "per_page", "q",
              "status", "flagged", "excluded", "gold", "event_type", "suggestions"]
FORM_KEYS = ["min_agree", "batch_id", "version", "name", "source", "sample", "documents",
             "annotators", "overlap", "seed", "leaving", "to", "confirm", "username",
             "password", "role", "show_names", "files", "suggestions", "label", "event_type",
             "pattern", "ignore_case", "file"]
BODY_KEYS = ["spans", "version", "status", "time_spent", "flagged", "flag_comment", "start",
             "end", "choice", "pick", "reason", "note", "articles", "title", "text", "published",
             "annotators", "source", "overlap", "sample", "documents", "seed", "name", "events", "action", "label"]
json_atoms = st.one_of(
    st.sampled_from([2**64, -(2**63) - 1, 2**31, 10**20, 0, -1, 1.5, True, None]),
    st.sampled_from(HOSTILE_TEXT), st.integers(-(2**70), 2**70),
)
json_values = st.recursive(json_atoms, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from(BODY_KEYS + ["\ud800", "a\x00"]),
                                             inner, max_size=3), max_leaves=8)
span_like = st.fixed_dictionaries({"start": json_atoms, "end": json_atoms,
                                   "label": st.sampled_from(["ACTOR", "EVENT", "\ud800", 7])},
                                  optional={"attributes": json_values})
DEEP = "[" * 100_000 + "]" * 100_000
bodies = st.one_of(
    st.just(DEEP),
    st.just('{"spans": [], "version": ' + "9" * 5000 + "}"),
    st.dictionaries(st.sampled_from(BODY_KEYS), json_values, max_size=5).map(
        lambda d: json.dumps(d, ensure_ascii=True)),
    st.fixed_dictionaries({"spans": st.lists(span_like, max_size=2), "version": json_atoms},
                          optional={"note": json_atoms, "flag_comment": json_atoms,
                                    "start": json_atoms, "end": json_atoms,
                                    "choice": st.sampled_from(["version", "none", "edited"])})
    .map(lambda d: json.dumps(d, ensure_ascii=True)),
)


def encode(value: str) -> str:
    """Percent-encode as a client would (a lone surrogate as its raw, invalid UTF-8 bytes)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def fill(rule: str, world: World, values: dict[str, str] | None = None) -> str:
    """The rule's URL: each ``<converter:name>`` the world's real id, or ``values[name]``."""
    def value(match: re.Match[str]) -> str:
        name = match.group(2)
        if values and values.get(name):
            return encode(values[name])
        return str(world.ids.get(ARGUMENT_IDS.get(name, ""), 1))
    return re.sub(r"<(?:(\w+):)?(\w+)>", value, rule)


def path_values(rule: str) -> st.SearchStrategy[dict[str, str]]:
    """Hostile values for the rule's path parameters."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", rule)
    return st.fixed_dictionaries({name: texts for name in names})


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    yield from shared_world(request, tmp_path_factory)


# No shrinking: a failure is reported as drawn (its URL and body are in the message), and a
# failing run stays within the time budget.
WALK = settings(derandomize=True, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
WRITES = [route for route in ROUTES if route[1] != "GET"]
READS = [route for route in ROUTES if route[1] == "GET"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("endpoint", "method", "rule"), WRITES,
                         ids=[f"{e}-{m}" for e, m, _ in WRITES])
@settings(WALK, max_examples=3)
@given(data=st.data())
def test_hostile_write_never_5xx_and_a_refusal_changes_nothing(
        world: World, endpoint: str, method: str, rule: str, role: str, data) -> None:
    """POST and PUT routes: path, query string and form fields or JSON body (walk_once)."""
    walk_once(world, endpoint, method, rule, role, data)


# Reads parse only a path and a query string: two examples each (the first puts the first
# known-bad value everywhere, the second is a random draw), against three for the writes.
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("endpoint", "method", "rule"), READS,
                         ids=[f"{e}-{m}" for e, m, _ in READS])
@settings(WALK, max_examples=2)
@given(data=st.data())
def test_hostile_read_never_5xx_and_a_refusal_changes_nothing(
        world: World, endpoint: str, method: str, rule: str, role: str, data) -> None:
    """GET routes: hostile path parameters, then a hostile query string (walk_once)."""
    walk_once(world, endpoint, method, rule, role, data)


def walk_once(world: World, endpoint: str, method: str, rule: str, role: str, data) -> None:
    """Two requests per example: hostile path parameters alone; then real ids with a hostile
    query string and hostile form fields or JSON body (so a refused path cannot hide them)."""
    if endpoint == "auth.logout":  # on a client of its own: the shared one must stay logged in
        client, headers = world.app.test_client(), world.client(role)[1]
    else:
        client, headers = world.client(role)
    token = headers.get("X-CSRFToken", "")
    if "<" in rule:
        check(world, client, method, fill(rule, world, data.draw(path_values(rule), "path")),
              {"headers": {"X-CSRFToken": token}, "data": f"csrf_token={token}",
               "content_type": "application/x-www-form-urlencoded"})
    query = data.draw(st.dictionaries(st.sampled_from(QUERY_KEYS), texts, min_size=4,
                                      max_size=12), label="query")
    url = fill(rule, world) + "?" + "&".join(f"{k}={encode(v)}" for k, v in query.items())
    kwargs: dict = {"headers": {"X-CSRFToken": token}}
    if method in ("PUT", "POST") and rule.startswith("/api/"):
        kwargs["data"] = data.draw(bodies, label="body")
        kwargs["content_type"] = "application/json"
    elif method == "POST":
        fields = data.draw(st.dictionaries(st.sampled_from(FORM_KEYS), texts, min_size=4,
                                           max_size=12), label="form")
        fields["csrf_token"] = token
        kwargs["data"] = "&".join(f"{k}={encode(v)}" for k, v in fields.items())
        kwargs["content_type"] = "application/x-www-form-urlencoded"
    check(world, client, method, url, kwargs)


def check(world: World, client, method: str, url: str, kwargs: dict) -> None:
    """One request: below 500, and when refused (4xx) nothing stored changed."""
    # Only this walk writes to the module's database: after a refusal the state is the one
    # just fingerprinted, so the next request starts from it (World.settled).
    before = world.settled or world.fingerprint()
    world.settled = None
    # buffered: the body is read inside the request, as a server reads a streamed export
    response = client.open(url, method=method, buffered=True, **kwargs)
    assert response.status_code < 500, (method, url, response.get_data(as_text=True)[:500])
    if response.status_code >= 400:
        after = world.fingerprint()
        changed = sorted(t for t in before if before[t] != after[t])
        assert not changed, (method, url, response.status_code, changed)
        world.settled = after


def test_every_route_is_walked(world: World) -> None:
    """The walk covers the live app's URL map (a new route is walked without editing this)."""
    live = sorted((rule.endpoint, method, rule.rule) for rule in world.app.url_map.iter_rules()
                  for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    assert live == ROUTES
