"""Text folded for search: accents, harakat and case set aside, so "hama" finds "Ḥamā".

Pure (no framework). The same ``fold`` fills ``sentence.search_text`` at import (and in the
migration that added it) and folds what a user types into the search box, so both sides of
the comparison are folded alike and a plain substring test (``LIKE '%...%'``) does the rest,
on SQLite and PostgreSQL the same way.
"""

from __future__ import annotations

import unicodedata

# Letters NFKD does not take apart but people type without their mark.
_LETTERS = str.maketrans({
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "ħ": "h",
    "þ": "th", "ð": "d",
    # Arabic: the hamza seats and alif forms are typed as a bare alif, taa marbuta as haa,
    # alif maqsura as yaa; tatweel (elongation) is dropped.
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None,
})


def fold(text: str) -> str:
    """``text`` without combining marks (accents, harakat), compatibility forms or case.

    NFKD splits "ā" into "a" + U+0304 and "ﬁ" into "fi"; the marks (categories Mn, Me) go;
    ``casefold`` then folds case more thoroughly than ``lower`` ("ẞ" -> "ss").
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Me"))
    return kept.casefold().translate(_LETTERS)
