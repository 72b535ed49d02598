"""annotator.inputs: whole numbers, storable text, safe JSON and ISO dates from untrusted input."""

from __future__ import annotations

from datetime import date

import pytest

from annotator.inputs import (
    MAX_ROW_ID,
    InputError,
    check_text,
    jsonl_lines,
    loads_json,
    parse_int,
    parse_iso_date,
)


@pytest.mark.parametrize("text", ["²", "١٢", "99999999999999999999", "3000000000", "1e20", "-1",
                                  "0", "", " ", "+5", "5.0", "0x10", "1" * 5000, "\x00"])
def test_parse_int_refuses_what_no_row_id_can_be(text: str) -> None:
    with pytest.raises(InputError, match="whole number from 1 to 2147483647"):
        parse_int(text, "batch")


def test_parse_int_takes_ascii_digits_in_range() -> None:
    assert parse_int("7", "batch") == 7
    assert parse_int(str(MAX_ROW_ID), "batch") == MAX_ROW_ID
    assert parse_int("-3", "n", minimum=-5) == -3
    assert parse_int("0", "version", minimum=0) == 0


@pytest.mark.parametrize(("value", "reason"), [
    ("a\x00b", "NUL character"), ("\ud800", r"lone surrogate U\+D800"),
    ("ok \udfff", r"lone surrogate U\+DFFF"),
])
def test_check_text_refuses_nul_and_lone_surrogates(value: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        check_text(value, "title")


def test_check_text_keeps_real_text() -> None:
    text = "Kafr Tala 😀 \u2028 قصف"
    assert check_text(text, "title") == text


@pytest.mark.parametrize(("data", "reason"), [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"a": ' * 40 + "1" + "}" * 40, "nested too deeply"),
    ('{"note": "\\ud800"}', r"\$\.note contains a lone surrogate"),
    ('{"\\udc00": 1}', "key at \\$ contains a lone surrogate"),
    ('["a\\u0000"]', r"\$\[0\] contains a NUL"),
    ("1" + "0" * 5000, "beyond 64 bits"),
    ("[99999999999999999999]", "beyond 64 bits"),
    ("[-9223372036854775809]", "beyond 64 bits"),
    ("[1e400]", "out of range"),
    ("[NaN]", "NaN is not valid JSON"),
    ("[Infinity]", "Infinity is not valid JSON"),
    (b'"caf\xe9"', "not UTF-8"),
    ("{", "invalid JSON"),
])
def test_loads_json_refuses_what_a_database_cannot_store(data, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        loads_json(data)


def test_loads_json_keeps_valid_json() -> None:
    assert loads_json('{"text": "a\u2028b\u0085c", "n": 9223372036854775807}') == {
        "text": "a\u2028b\u0085c", "n": 2**63 - 1}
    assert loads_json(b'["\\ud83d\\ude00", -1.5]') == ["😀", -1.5]  # a surrogate *pair* is fine


def test_jsonl_lines_split_at_newline_only() -> None:
    assert jsonl_lines('{"t": "a\u2028b"}\r\n{"t": "c\u0085"}\n') == [
        '{"t": "a\u2028b"}', '{"t": "c\u0085"}', ""]


@pytest.mark.parametrize("value", ["20240101", "2024-01-01T99:99garbage", "2024-01-01garbage",
                                   "2024-02-30", 20240101, ["2024-01-01"], "", "２０２４-01-01"])
def test_parse_iso_date_refuses_what_is_not_a_date(value) -> None:
    with pytest.raises(InputError, match="must be a date"):
        parse_iso_date(value, "published")


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-01-01", date(2024, 1, 1)), (" 2024-03-05 ", date(2024, 3, 5)),
    ("2024-03-05T14:30:00Z", date(2024, 3, 5)), ("2024-03-05 14:30", date(2024, 3, 5)),
])
def test_parse_iso_date_reads_dates_and_date_times(value: str, expected: date) -> None:
    assert parse_iso_date(value, "published") == expected


def test_check_json_names_the_path_of_what_it_refuses() -> None:
    from annotator.inputs import InputError, check_json

    check_json({"spans": [{"label": "ACTOR", "attributes": {}}], "version": 1})
    with pytest.raises(InputError, match=r"JSON string at \$\.spans\[1\]\.label "):
        check_json({"spans": [{"label": "ok"}, {"label": "bad\x00"}]})
    with pytest.raises(InputError, match=r"JSON key at \$\.a\[0\] "):
        check_json({"a": [{"\ud800": 1}]})
    with pytest.raises(InputError, match=r"over 3 levels at \$\.a\[0\]\.b\)"):
        check_json({"a": [{"b": [1]}]}, max_depth=3)
