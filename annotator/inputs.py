"""Untrusted input made safe to use: whole numbers in the database's range, text without NUL or
lone surrogates, JSON of bounded depth, ISO dates (pure; no framework imports).

Every entry point (request bodies, query strings, forms, uploaded files, schema files, the
command line) reads through these, so SQLite and PostgreSQL see the same, storable values:
PostgreSQL refuses NUL in text and integers past its column types, SQLite refuses integers past
64 bits, and neither can encode a lone surrogate ("\\ud800") as UTF-8.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from typing import Any

# Primary keys and most counters are 32-bit ``integer`` columns on PostgreSQL.
MAX_ROW_ID = 2**31 - 1
MAX_BIGINT = 2**63 - 1
MIN_BIGINT = -(2**63)
MAX_JSON_DEPTH = 32  # our deepest document (a label schema) is 6 levels deep

_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", re.ASCII)


class InputError(ValueError):
    """Untrusted input cannot be used; the message says which value and why."""


def parse_int(
    text: str | None, name: str, *, minimum: int = 1, maximum: int = MAX_ROW_ID
) -> int:
    """Read a whole number written in ASCII digits, within ``minimum``..``maximum``.

    ``str.isdigit`` accepts "²" and ``int`` accepts Arabic-Indic digits; neither is a number
    anyone types into a URL, so only 0-9 (and a leading '-' when ``minimum`` < 0) are taken.
    """
    raw = (text or "").strip(" \t")
    negative = raw.startswith("-") and minimum < 0
    digits = raw[1:] if negative else raw
    # 19 digits bound int() before the range check (a 5,000-digit string is refused cheaply).
    if not digits or len(digits) > 19 or not (digits.isascii() and digits.isdigit()):
        raise InputError(f"{name} must be a whole number from {minimum} to {maximum}")
    value = -int(digits) if negative else int(digits)
    if not minimum <= value <= maximum:
        raise InputError(f"{name} must be a whole number from {minimum} to {maximum}")
    return value


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text (NUL, lone surrogate), or None when it can."""
    bad = _BAD_CHAR.search(value)
    if bad is None:
        return None
    if bad.group() == "\x00":
        return f"contains a NUL character (at {bad.start()})"
    return f"contains a lone surrogate U+{ord(bad.group()):04X} (at {bad.start()}), not valid text"


def check_text(value: str, name: str) -> str:
    """Return ``value`` unchanged, or raise ``InputError`` naming what makes it unstorable."""
    problem = text_problem(value)
    if problem is not None:
        raise InputError(f"{name} {problem}")
    return value


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or not MIN_BIGINT <= (value := int(text)) <= MAX_BIGINT:
        raise InputError(f"JSON integer {text[:30]}{'...' if len(text) > 30 else ''} "
                         "is beyond 64 bits")
    return value


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InputError(f"JSON number {text[:30]} is out of range")
    return value


def _json_constant(text: str) -> Any:
    raise InputError(f"{text} is not valid JSON")


def loads_json(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse untrusted JSON into plain values every database can store.

    Refused (``InputError``, with the reason): text that is not UTF-8 or not JSON, nesting
    deeper than ``max_depth``, integers beyond 64 bits, NaN/Infinity/overflowing floats, and
    strings or keys holding NUL or a lone surrogate. A raw U+2028 inside a string is valid JSON
    and is kept.
    """
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError(f"JSON is not UTF-8 text (byte {err.start})") from None
    try:
        value = json.loads(data, parse_int=_json_int, parse_float=_json_float,
                           parse_constant=_json_constant)
    except RecursionError:
        raise InputError(f"JSON nested too deeply (over {max_depth} levels)") from None
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON ({err.msg} at line {err.lineno} column {err.colno})"
                         ) from None
    check_json(value, max_depth=max_depth)
    return value


def check_json(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse decoded JSON nested deeper than ``max_depth`` or holding unstorable text.

    Iterative, so any depth is looked at without recursion. Each node keeps a link to its
    parent and the step from it; the path an error names is built only when there is an error
    (this runs on every save, over every span).
    """
    Node = tuple[Any, int, Any, str]  # (item, depth, parent node or None, step from parent)
    stack: list[Node] = [(value, 1, None, "$")]
    while stack:
        node = stack.pop()
        item, depth = node[0], node[1]
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                raise InputError(f"JSON string at {_json_path(node)} {problem}")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > max_depth:
            raise InputError(
                f"JSON nested too deeply (over {max_depth} levels at {_json_path(node)})")
        if isinstance(item, dict):
            for key, child in item.items():
                problem = text_problem(key)
                if problem is not None:
                    raise InputError(f"JSON key at {_json_path(node)} {problem}")
                stack.append((child, depth + 1, node, key))
        else:
            stack.extend((child, depth + 1, node, i) for i, child in enumerate(item))


def _json_path(node: tuple[Any, int, Any, Any]) -> str:
    """The path of a ``check_json`` node from the root: ``$.spans[3].label``."""
    steps: list[str] = []
    while node[2] is not None:
        step = node[3]
        steps.append(f"[{step}]" if isinstance(step, int) else f".{step[:40]}")
        node = node[2]
    return "$" + "".join(reversed(steps))


def jsonl_lines(text: str) -> list[str]:
    """The lines of a JSONL file: split at "\\n" only (a trailing "\\r" dropped).

    ``str.splitlines`` would also split at U+2028, U+0085 and other characters that JSON
    allows raw inside a string, cutting a valid line in two.
    """
    return [line.removesuffix("\r") for line in text.split("\n")]


def parse_iso_date(value: Any, name: str) -> date:
    """Read a calendar date: ``YYYY-MM-DD``, or an ISO 8601 date-time whose date is taken.

    "20240101", "2024-01-01T99:99" or "2024-01-01garbage" are refused, not cut to a date.
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            if _ISO_DATE.fullmatch(text):
                return date.fromisoformat(text)
            if _ISO_DATETIME.match(text):
                return datetime.fromisoformat(text).date()
        except ValueError:
            pass
    raise InputError(f"{name} must be a date YYYY-MM-DD (or an ISO 8601 date-time), "
                     f"not {str(value)[:40]!r}")
