"""CSV cells a spreadsheet will not run as formulas (pure; no framework imports)."""

from __future__ import annotations


def neutralise(text: str) -> str:
    """Quote a cell that a spreadsheet would run as a formula (CSV injection).

    A cell starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe,
    unless it is a number. Names, reasons, titles and sentences come from users and imported
    articles, so any of them may start that way.
    """
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
