"""User names (normalised key, refused characters and script mixes) and the password rules."""

from __future__ import annotations

import pytest

from annotator.auth.names import username_key, username_problem
from annotator.auth.passwords import common_passwords, password_problem


@pytest.mark.parametrize(("a", "b"), [
    ("Ann1", "ann1"), ("ANN1", "ann1"), ("\uff21\uff4e\uff4e\uff11", "ann1"),  # full-width
    ("Stra\u00dfe", "strasse"), ("  bob ", "bob"), ("Cafe\u0301", "caf\u00e9"),
])
def test_names_differing_in_case_width_or_composition_share_one_key(a: str, b: str) -> None:
    assert username_key(a) == username_key(b)


@pytest.mark.parametrize("name", [
    "ann1", "Ann-Marie O.", "m\u00fcller", "\u0438\u0432\u0430\u043d",  # Cyrillic only
    "\u5c71\u7530\u305f\u308d\u3046", "\u6771\u4eac\u30bf\u30ef\u30fc",  # Han + kana
    "\uae40\ubbfc\uc900", "Tanaka\u7530\u4e2d",  # Hangul; Latin beside Han
    "\u0639\u0644\u064a2",  # Arabic with a digit
])
def test_ordinary_names_are_accepted(name: str) -> None:
    assert username_problem(name) is None


@pytest.mark.parametrize(("name", "words"), [
    ("admin\u202e", "formatting character (U+202E)"),  # right-to-left override
    ("ad\u200bmin", "formatting character (U+200B)"),  # zero-width space
    ("bob\u200d", "formatting character (U+200D)"),  # zero-width joiner
    ("ann\x00", "control"), ("ann\nx", "control"), ("ann\u00a0b", "special space (U+00A0)"),
    ("p\u0430ypal", "mixes letters of different scripts (Cyrillic, Latin)"),  # Cyrillic а
    ("\u0430d\u043cin\u03b1", "mixes letters of different scripts"),  # Cyrillic + Greek
    ("analyst_\u0394", "(Greek, Latin)"),
    ("", "1-80 characters"), ("x" * 81, "1-80 characters"),
])
def test_invisible_control_and_mixed_script_names_are_refused(name: str, words: str) -> None:
    problem = username_problem(name)
    assert problem is not None and words in problem, problem


def test_the_shipped_common_password_list_is_read() -> None:
    common = common_passwords()
    assert len(common) > 3000 and "password" in common and "qwertyuiop" in common
    assert not any(line.startswith("#!comment") for line in common)


@pytest.mark.parametrize(("password", "user", "words"), [
    ("short-pw", "ann", "at least 10 characters"),
    ("x" * 201, "ann", "at most 200"),
    ("1234567890", "ann", "commonly used"),
    ("QWERTYUIOP", "ann", "commonly used"),
    ("Password2024!", "ann", "commonly used"),  # a common word dressed up with digits
    ("!!sunshine99", "ann", "commonly used"),
    ("aaaaaaaaaaaa", "ann", "repeats"), ("abcabcabcabc", "ann", "repeats"),
    ("Katarina-1990", "katarina", "user name"), ("xx-KATARINA-xx", "Katarina", "user name"),
    ("annotator-jo", "annotator-jo", "user name"),
])
def test_weak_passwords_are_refused_with_the_reason(password: str, user: str, words: str) -> None:
    problem = password_problem(password, user)
    assert problem is not None and words in problem, problem


@pytest.mark.parametrize(("password", "user"), [
    ("demo-harbour-lantern", "admin"), ("correct-horse-battery", "ann_a"),
    ("always-ready-2024", "al"),  # names under 3 characters are only refused whole
])
def test_good_passwords_pass(password: str, user: str) -> None:
    assert password_problem(password, user) is None
