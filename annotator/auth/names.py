"""User names: the normalised key that makes them unique, and which names are refused.

Pure: the standard library only. Two names are the same account when their keys are equal:
Unicode NFKC, case-folded, NFKC again (Unicode's NFKC_Casefold, near enough), so ``Ann1``,
``ANN1`` and the full-width ``Ａｎｎ１`` are one name. A name is refused when it holds a
control or format character (bidi overrides such as U+202E, zero-width joiners), any space but
the plain one, or letters of two scripts that no language writes together (``pаypal`` with a
Cyrillic ``а``): the "highly restrictive" profile of Unicode TS #39, section 5.2.
"""

from __future__ import annotations

import unicodedata

MAX_LENGTH = 80

# The only mixes TS #39 "highly restrictive" allows: East Asian scripts written together,
# Latin included (romaji, abbreviations). Latin with Cyrillic or Greek is refused.
_SCRIPT_FAMILIES = (
    frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA"}),  # Japanese
    frozenset({"LATIN", "CJK", "HANGUL"}),  # Korean
    frozenset({"LATIN", "CJK", "BOPOMOFO"}),  # Chinese with phonetic annotation
)
# Words that start a character's name without naming a script.
_NOT_A_SCRIPT = frozenset({"MODIFIER", "FULLWIDTH", "HALFWIDTH", "SMALL", "CIRCLED",
                           "FEMININE", "MASCULINE", "MICRO", "SUPERSCRIPT", "SUBSCRIPT"})


def username_key(name: str) -> str:
    """The key under which ``name`` is unique: NFKC, case-folded, NFKC (whitespace stripped)."""
    folded = unicodedata.normalize("NFKC", name.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)


def script_of(char: str) -> str | None:
    """The script of a letter, from the first word of its Unicode name (None: no script)."""
    if not unicodedata.category(char).startswith("L"):
        return None  # digits, punctuation, marks: "Common" or "Inherited" in TS #24 terms
    word = unicodedata.name(char, "").split(" ", 1)[0].split("-", 1)[0]
    return None if not word or word in _NOT_A_SCRIPT else word


def mixes_scripts(scripts: set[str]) -> bool:
    """True when no single language writes letters of all these scripts together."""
    if len(scripts) <= 1:
        return False
    return not any(scripts <= family for family in _SCRIPT_FAMILIES)


def username_problem(name: str) -> str | None:
    """Why ``name`` cannot be a user name, in words for the person who typed it; None if fine."""
    name = name.strip()
    if not name or len(name) > MAX_LENGTH:
        return f"the user name must be 1-{MAX_LENGTH} characters"
    for char in name:
        category = unicodedata.category(char)
        if category.startswith("C"):
            kind = "a formatting" if category == "Cf" else "a control or unassigned"
            return (f"the user name contains {kind} character (U+{ord(char):04X}), "
                    "which is invisible or reorders text; type the name without it")
        if category.startswith("Z") and char != " ":
            return (f"the user name contains a special space (U+{ord(char):04X}); "
                    "use a plain space or none")
    normalised = unicodedata.normalize("NFKC", name)
    scripts = {s for s in map(script_of, normalised) if s is not None}
    if len(scripts) > 1 and mixes_scripts(scripts):
        listed = ", ".join(sorted(s.title() for s in scripts))
        return (f"the user name mixes letters of different scripts ({listed}), which can make "
                "it look like another name; write it in one script")
    return None
