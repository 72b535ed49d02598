"""Text made inert for Markdown: what an admin typed is shown as typed, never as markup (pure).

The dataset card interpolates admin-controlled text (project and schema names, guideline
versions, label names and descriptions) into Markdown that other people open in renderers:
GitHub, dataset hubs, editors' previews. ``escape_markdown`` turns one such value into text
that CommonMark, GitHub Flavored Markdown (tables, strikethrough, autolinks) and markdown-it
with linkify render as the same characters, and never as a link, image, HTML, heading, list,
quote, code, emphasis or a broken table. Ordinary text ("armed_clash", "(k of n)", "1.0",
"Kharkiv, 'shelled'") comes out unchanged; only characters that could mean something to a
renderer in their place are escaped.
"""

from __future__ import annotations

import re

# Backslash-escaped wherever they stand (CommonMark: any ASCII punctuation may be escaped).
# ` code, * emphasis, [ ] links and images, ~ strikethrough, | table cells, # headings, and
# the backslash itself (a trailing one would be a hard line break).
ALWAYS_ESCAPED = frozenset("\\`*[]~|#")
# Line breaks of every kind become spaces: a value stays on its line, so it can start no
# block of its own (heading, quote, list, fence, table row, HTML block).
LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
# "&amp;", "&#60;", "&#x3C;": a value's own text, not a character reference to decode.
ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);")
# What a line (inside a list item, after "- ") may not start with: a list marker ("- ", "+ ",
# an ordered "1." or "1)"), a thematic break ("---") or a setext underline ("==="); * and #
# are escaped everywhere anyway. "-5 dead" or "+3" start nothing and stay as they are.
BLOCK_START = re.compile(r"[-+](?=\s|$)|-(?=-)|=+$|[0-9]{1,9}(?=[.)](?:\s|$))")
# Between two characters this joins nothing and shows nothing; after "@" it keeps a renderer
# from reading "name@example.org" as an e-mail address (GFM links them whatever the escapes).
WORD_JOINER = "\u2060"


def escape_markdown(value: object) -> str:
    """Return ``value`` as Markdown text that renders as exactly these characters, on one line.

    Raw HTML and autolinks (``<svg onload=…>``, ``<https://…>``) become character references;
    links and images lose their brackets' meaning; bare addresses (``https://…``, ``www.…``,
    ``example.org``, ``name@example.org``) are broken up so that no renderer links them;
    emphasis, code, strikethrough and table pipes are escaped; a leading ``-``, ``+``, ``=`` or
    ``1.`` cannot start a list or underline a heading.
    """
    text = LINE_BREAKS.sub(" ", str(value)).strip()
    out: list[str] = []
    for i, char in enumerate(text):
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        out.append(_escape_char(text, i, char, before, after))
    escaped = "".join(out)
    lead = BLOCK_START.match(text)
    if lead:
        # the marker's own character (or an ordered list's delimiter) gets the backslash
        cut = lead.end() if text[0].isdigit() else 0
        escaped = escaped[:cut] + "\\" + escaped[cut:]
    return escaped


def _escape_char(text: str, i: int, char: str, before: str, after: str) -> str:
    """One character of ``text`` (at ``i``), escaped for where it stands."""
    if char in ALWAYS_ESCAPED:
        return "\\" + char
    if char == "<":
        return "&lt;"
    if char == ">":
        return "&gt;"
    if char == "&":
        return "&amp;" if ENTITY.match(text, i) else char
    if char == "_":
        # inside a word ("armed_clash") an underscore never opens emphasis in CommonMark
        return char if before.isalnum() and after.isalnum() else "\\_"
    if char == ":" and after == "/":
        return "\\:"  # "https://" is an address only with its colon
    if char == "/" and "/" in (before, after):
        return "\\/"  # "//host" (protocol-relative)
    if char == "." and before.isalnum() and after.isalpha():
        return "\\."  # "www.example.org", "example.org": a domain only with its dots
    if char == "@" and after.isalnum():
        return char + WORD_JOINER
    return char
