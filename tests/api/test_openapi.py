"""The OpenAPI document: valid OpenAPI 3.1, describing exactly the app's /api/ routes and
methods, every operation with its error responses; and its page for people."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from annotator import create_app

CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture(scope="module")
def api_app() -> Flask:
    """The app with every blueprint; the document needs no database."""
    return create_app({"TESTING": True, "SECRET_KEY": "x",
                       "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.fixture(scope="module")
def document(api_app: Flask) -> dict:
    response = api_app.test_client().get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def operations(document: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items()
            for method in item if method in METHODS}


def test_the_document_is_valid_openapi_3_1(document: dict) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)  # openapi-spec-validator: the 3.1 meta-schema and every $ref


def test_the_validator_catches_a_broken_document(document: dict) -> None:
    """(So the test above can fail.)"""
    broken = {**document, "paths": {"/api/x": {"get": {"responses": {"200": {}}}}}}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_api_route_is_described_and_nothing_else(api_app: Flask, document: dict) -> None:
    routed = {(method, CONVERTER.sub(r"{\1}", rule.rule))
              for rule in api_app.url_map.iter_rules() if rule.rule.startswith("/api/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    described = operations(document)
    assert routed - described == set(), "routes missing from the document"
    assert described - routed == set(), "described, but the app has no such route"


def test_every_operation_names_its_parameters_errors_and_security(document: dict) -> None:
    schemes = set(document["components"]["securitySchemes"])
    assert schemes == {"cookieAuth", "bearerAuth"}
    assert document["security"] == [{"cookieAuth": []}, {"bearerAuth": []}]
    for path, item in document["paths"].items():
        for method in set(item) & METHODS:
            op = item[method]
            where = f"{method.upper()} {path}"
            declared = {p["name"] for p in [*item.get("parameters", []),
                                            *op.get("parameters", [])] if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), where
            responses = op["responses"]
            assert any(code < "300" for code in responses), where
            errors = [code for code in responses if code >= "400"]
            assert "400" in errors, where  # any query string may hold NUL
            for code in errors:
                schema = responses[code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (where, code)
            if op.get("security") != []:
                assert {"401", "404"} <= set(errors), where
            if method in ("put", "post") and "requestBody" in op:
                assert {"413", "422"} <= set(errors), where
    assert document["components"]["schemas"]["Error"]["required"] == ["error"]


def test_the_docs_page_shows_every_operation_from_the_app_alone(api_app: Flask,
                                                               document: dict) -> None:
    response = api_app.test_client().get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for path, item in document["paths"].items():
        for method in set(item) & METHODS:
            op = item[method]
            assert f'id="{op["operationId"]}"' in html
            assert f"<code>{method.upper()} {path}</code>" in html
    assert "Request body (JSON" in html and "articles" in html
    # Served entirely by the app: no script at all, every link and stylesheet its own.
    assert "<script" not in html
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html)
