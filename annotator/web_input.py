"""Reading a request's input safely: the JSON body of every API call, whole numbers in query
strings and forms, and the guard that refuses NUL in any query string or form.

Each reader raises ``InputError`` (``annotator.inputs``) or a ``DomainError``; the app's
error handlers answer both with a 4xx (JSON under /api, an HTML page elsewhere) before any
write, so a hostile value never reaches the database.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, request
from wtforms import IntegerField

from annotator.errors import DomainError, Invalid
from annotator.inputs import MAX_ROW_ID, InputError, loads_json, parse_int, text_problem


class BadInput(DomainError):
    """A query parameter or form field is malformed (400; a flash where the view catches it)."""

    status = 400
    code = "bad_request"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


def json_body() -> object:
    """The request's JSON (``inputs.loads_json``: bounded size, depth, integers and text),
    or a 4xx naming what is wrong with it."""
    limit = current_app.config["MAX_JSON_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"JSON body over {limit} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise PayloadTooLarge(f"JSON body over {limit} bytes")
    if not request.is_json or not raw:
        raise Invalid("body must be JSON (Content-Type: application/json)")
    try:
        return loads_json(raw)
    except InputError as err:
        raise Invalid(str(err)) from None


def query_int(
    name: str, *, minimum: int = 1, maximum: int = MAX_ROW_ID
) -> int | None:
    """The query parameter ``name`` as a whole number (``inputs.parse_int``), None when absent
    or empty; ``BadInput`` (400) when it is anything else."""
    return _whole_number(request.args.get(name, ""), f"query parameter '{name}'",
                         minimum, maximum)


def form_int(
    name: str, *, minimum: int = 1, maximum: int = MAX_ROW_ID
) -> int | None:
    """The form field ``name`` as a whole number, None when absent or empty; ``BadInput``
    (400) when it is anything else."""
    return _whole_number(request.form.get(name, ""), name, minimum, maximum)


def _whole_number(raw: str, name: str, minimum: int, maximum: int) -> int | None:
    if not raw.strip():
        return None
    try:
        return parse_int(raw, name, minimum=minimum, maximum=maximum)
    except InputError as err:
        raise BadInput(str(err)) from None


def row_id(value: Any) -> int:
    """A WTForms ``coerce`` for ids: ASCII digits within a row id's range (else ValueError,
    which the form reports as an invalid choice)."""
    return value if isinstance(value, int) else parse_int(str(value), "id")


class WholeNumberField(IntegerField):
    """An ``IntegerField`` that takes ASCII digits only and numbers a database column holds
    (WTForms' own takes any ``int()``: "١٢", 10**20)."""

    def __init__(self, *args: Any, minimum: int = 0, maximum: int = MAX_ROW_ID,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            return
        try:
            self.data = parse_int(valuelist[0], self.name, minimum=self.minimum,
                                  maximum=self.maximum)
        except InputError as err:
            self.data = None
            raise ValueError(str(err)) from None


def refuse_unstorable_text() -> None:
    """Before every request: a query string or form holding NUL (or a lone surrogate) is
    answered 400 — PostgreSQL cannot store NUL and SQLite can, so both refuse it here."""
    for where, values in (("query parameter", request.args), ("form field", request.form)):
        for key, value in values.items(multi=True):
            problem = text_problem(key) or text_problem(value)
            if problem is not None:
                abort(400, description=f"{where} {key[:40]!r} {problem}")
