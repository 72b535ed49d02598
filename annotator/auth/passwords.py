"""Which passwords are refused: too short, too common, or made of the user name.

Pure: the standard library only. The common passwords are ``common_passwords.txt`` in this
package, Openwall's ``password.lst`` (John the Ripper's word list, 3,546 passwords seen most
often on Unix systems and in leaked web-site lists, compiled by Solar Designer 1996-2011, public
domain; shipped unchanged from Debian's ``john-data`` 1.9.0). A password is also refused when,
stripped of leading and trailing digits and symbols, what remains is on that list
(``Password2024!``), and when it repeats one short piece (``aaaaaaaaaa``, ``abcabcabcabc``).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

MIN_LENGTH = 10
MAX_LENGTH = 200


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, case-folded."""
    text = resources.files("annotator.auth").joinpath("common_passwords.txt").read_text(
        "utf-8", errors="replace")
    return frozenset(line.casefold() for line in text.splitlines()
                     if line and not line.startswith("#!comment"))


def _core(folded: str) -> str:
    """The password without the digits and symbols around it (``"1summer99!"`` -> ``summer``)."""
    start, end = 0, len(folded)
    while start < end and not folded[start].isalpha():
        start += 1
    while end > start and not folded[end - 1].isalpha():
        end -= 1
    return folded[start:end]


def _repeats_a_short_piece(folded: str) -> bool:
    return any(len(folded) % size == 0 and folded == folded[:size] * (len(folded) // size)
               for size in range(1, 4))


def password_problem(password: str, username: str) -> str | None:
    """Why ``password`` may not be ``username``'s password, in words; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"the password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"the password must be at most {MAX_LENGTH} characters"
    folded = password.casefold()
    name = username.strip().casefold()
    # Containment only for names of 3 or more characters: user "al" may use "always-ready".
    if folded == name or (len(name) >= 3 and name in folded):
        return "the password must not contain the user name"
    common = common_passwords()
    core = _core(folded)
    if folded in common or (core and core in common):
        return "the password is on a list of commonly used passwords; choose a less common one"
    if _repeats_a_short_piece(folded):
        return "the password repeats the same few characters; choose a less predictable one"
    return None
