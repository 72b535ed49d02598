"""Split article text into sentences with exact offsets and flag boilerplate ones (pure)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

import regex  # syntok's regex engine (a dependency of syntok), for matching its tokenizer
from syntok._segmentation_states import State  # read-only: its abbreviation and symbol sets
from syntok.segmenter import segment
from syntok.tokenizer import Tokenizer

# How the text is cut (docs/splitting.md has the reasons and the measured library choice):
#  1. lines first: every line break ends a paragraph, except where a scrape broke a sentence in
#     two (a plain lower-case word at the end of one line and at the start of the next);
#  2. syntok finds the sentence starts inside each paragraph;
#  3. repairs for what syntok gets wrong on news: ranks and titles missing from its list
#     ("Lt.", "Maj.", "Sgt."), boundaries inside markdown links, URLs and e-mail addresses, and a
#     missed boundary after a URL or address that ends a sentence;
#  4. every piece is trimmed with str.strip(), so text[start:end] is the sentence exactly.
# The stored text is never changed; only offsets come out of here.

# syntok's own analyze() pads each paragraph with as many spaces as its offset in the document
# (quadratic on long articles), so its tokenizer gets one paragraph at a time from offset 0.
_TOKENIZER = Tokenizer(replace_not_contraction=False)

# Everything str.splitlines() treats as a line boundary.
_LINE = re.compile(r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")

_URL_BODY = r"[^\s<>\"'\[\]()]*[^\s<>\"'\[\]().,;:!?’”]"
_URL = rf"(?:(?:https?|ftp)://|www\.){_URL_BODY}"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_MD_LINK = r"!?\[[^\[\]\n]{0,500}\]\([^()\n]{0,2000}\)"

# Stretches no sentence boundary may fall inside.
_PROTECTED = re.compile(rf"{_MD_LINK}|<{_URL}>|{_URL}|{_EMAIL}")

# Titles and ranks that take a full stop and precede a name; syntok lacks most ranks.
_TITLE_ABBREVIATIONS = frozenset(
    "Adm Amb Brig Capt Cdr Cmdr Col Cpl Cpt Det Dr Gen Gov Hon Insp Lieut Lt Maj Messrs Mr Mrs "
    "Ms Pfc Pres Prof Pte Pvt Rep Rev Sen Sgt Spc Supt".split()
)
_ENDS_WITH_TITLE = re.compile(rf"(?<![\w.])(?:{'|'.join(sorted(_TITLE_ABBREVIATIONS))})\.\Z")
# Abbreviations that precede a number ("No. 5", "approx. 300", "ca. 20").
_NUMBER_ABBREVIATIONS = frozenset(
    "No Nos no nos Ca ca Approx approx Est est Para para Art art".split()
)
_ENDS_WITH_NUMBER_WORD = re.compile(
    rf"(?<![\w.])(?:{'|'.join(sorted(_NUMBER_ABBREVIATIONS))})\.\Z"
)

# A URL or e-mail address closing a sentence keeps its full stop, so syntok reads it as part
# of the address and misses the boundary; the next sentence starts after the spaces.
_ADDRESS_THEN_STOP = re.compile(rf"(?:{_URL}|{_EMAIL})\.\s+(?=[\"“‘'(]?[A-Z0-9])")

# The fast path (_library_cuts): a stop, closing quotes, spaces, maybe an opening quote, a word.
# Written with syntok's own regex engine and its idea of a space (Unicode White_Space and the
# zero-width space), which differs from str.isspace() on a few control characters.
_STOP = regex.compile(r"[.!?]+[\"'”’]*[\s\u200b]+(?=[\"“‘']?\w)")
_SPACE = regex.compile(r"[\s\u200b]")
_OPENING_QUOTES = frozenset("\"“‘'")
# Words after which syntok may keep a sentence going ("Gen.", "Jan.", "World War II.").
_ABBREVIATIONS = (
    State.abbreviations | State.months | State.roman_numerals | _TITLE_ABBREVIATIONS
    | _NUMBER_ABBREVIATIONS
)
_TERMINAL_CHARS = frozenset(c for t in State.terminals for c in t)
_CLOSING = _TERMINAL_CHARS | State.closing_quotes | State.closing_brackets


def _char_class(chars: frozenset[str]) -> str:
    return "[" + regex.escape("".join(sorted(chars))) + "]"


# Where syntok may end a sentence: an opening bracket, or a terminal followed (after closing
# marks) by a space, the end, a capital or a caseless letter (syntok asks whether the next
# token is title-cased, and str.istitle() skips caseless letters: "\u1a00A" is title-cased).
# A terminal glued to a lower-case letter, a digit or a symbol ("3.5", "U.S-led",
# "www.example") never ends one in syntok, so a piece holding only those needs no syntok call.
_SYNTOK_SPECIAL = regex.compile(
    rf"{_char_class(_TERMINAL_CHARS)}"
    rf"(?={_char_class(_CLOSING)}*(?:[\s\u200b]|$|[\p{{Lu}}\p{{Lt}}\p{{Lo}}\p{{Lm}}]))"
    rf"|{_char_class(State.opening_brackets)}"
)
_OPENING_BRACKET = regex.compile(_char_class(State.opening_brackets))


@dataclass(frozen=True)
class SentenceSpan:
    """One sentence: ``text[start:end]`` (code points), and whether it is kept from annotation."""

    start: int
    end: int
    excluded: bool = False
    reason: str | None = None


def split_sentences(text: str, *, fast: bool = True) -> list[SentenceSpan]:
    """Split ``text`` into trimmed, ordered, non-overlapping sentences; flag boilerplate.

    ``fast=False`` hands whole paragraphs to syntok instead of only the ambiguous pieces; the
    result is the same (the tests check it), only slower.
    """
    spans: list[SentenceSpan] = []
    for para_start, para_end in _paragraphs(text):
        pieces = _sentences_in(text, para_start, para_end, fast)
        reasons = _paragraph_reasons([text[s:e] for s, e in pieces])
        spans.extend(
            SentenceSpan(s, e, reason is not None, reason)
            for (s, e), reason in zip(pieces, reasons, strict=True)
        )
    return spans


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Trimmed (start, end) of every non-blank line, broken sentences joined back."""
    out: list[tuple[int, int]] = []
    for match in _LINE.finditer(text):
        line = match.group()
        stripped = line.strip()
        if not stripped:
            continue
        start = match.start() + len(line) - len(line.lstrip())
        end = start + len(stripped)
        if out and _continues(text[out[-1][0] : out[-1][1]], stripped):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _continues(before: str, after: str) -> bool:
    """Whether a line break cut one sentence in two: a plain lower-case word on both sides.

    "...three Russian patrols in\n\nthe province of al-Hasakah." is one sentence broken by a
    scrape; an address ("...@globalresearch.ca") before a new line starting "www." is not.
    """
    last = before.rsplit(None, 1)[-1].removesuffix(",")
    first = after.split(None, 1)[0].rstrip(",;:.!?")
    # islower() rather than "not upper": caseless scripts (Arabic) never join.
    return last.isalpha() and last[-1].islower() and first.isalpha() and first[0].islower()


def _sentences_in(text: str, start: int, end: int, fast: bool) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets inside one paragraph ``text[start:end]``."""
    para = text[start:end]
    cuts = _repair_cuts(para, _library_cuts(para) if fast else _syntok_cuts(para, 0))
    out: list[tuple[int, int]] = []
    bounds = [0, *sorted(cuts), len(para)]
    for a, b in pairwise(bounds):
        piece = para[a:b]
        stripped = piece.strip()
        if stripped:
            s = start + a + len(piece) - len(piece.lstrip())
            out.append((s, s + len(stripped)))
    return out


def _repair_cuts(para: str, cuts: set[int]) -> set[int]:
    """Fix a splitter's cut offsets in ``para`` where news text fools it (see the top)."""
    if cuts:
        cuts = {c for c in cuts if not _wrong_cut(para, c)}
    if "@" in para or "www." in para or "://" in para:
        for match in _ADDRESS_THEN_STOP.finditer(para):
            if match.end() < len(para):
                cuts.add(match.end())
    if cuts and ("](" in para or "@" in para or "www." in para or "://" in para):
        protected = [m.span() for m in _PROTECTED.finditer(para)]
        cuts = {c for c in cuts if not any(s < c < e for s, e in protected)}
    return cuts


def _syntok_cuts(piece: str, base: int) -> set[int]:
    """Offsets (shifted by ``base``) where syntok starts a new sentence inside ``piece``."""
    cuts = set()
    sentences = segment(_TOKENIZER.tokenize(piece))
    next(sentences, None)  # the first starts the piece, even after a character syntok skips
    for sentence in sentences:
        first = next((tok.offset for tok in sentence if tok.value), None)
        if first is not None:
            cuts.add(base + first)
    return cuts


def _library_cuts(para: str) -> set[int]:
    """syntok's cuts, computed faster: plain full stops are cut here, the rest by syntok.

    syntok walks every token in Python (roughly 10,000 sentences/s on this machine). A stop
    after a plain word that is no abbreviation, followed by a space and a capital, is a boundary
    syntok always makes, so it is cut directly; a piece left without any other possible boundary
    (see _SYNTOK_SPECIAL) is then one sentence and never reaches syntok. Only pieces holding
    "U.S.", "Gen.", "5 p.m." and the like are segmented by syntok.
    tests/corpus/test_splitting.py checks that both ways agree.
    """
    cuts: set[int] = set()
    pos = 0
    for match in _STOP.finditer(para):
        stop, cut = match.start(), match.end()
        after = para[cut + 1] if para[cut] in _OPENING_QUOTES else para[cut]
        if not after.isupper():
            continue
        word = _word_before(para, stop)
        if (
            word is None
            or word in _ABBREVIATIONS
            or not (word.istitle() or word.islower() or word.isupper())
            or _OPENING_BRACKET.search(para, pos, stop)
        ):
            continue  # an abbreviation, part of a bigger token, or inside brackets: syntok's call
        if _SYNTOK_SPECIAL.search(para, pos, stop):
            cuts |= _syntok_cuts(para[pos:cut], pos)
        cuts.add(cut)
        pos = cut
    if _SYNTOK_SPECIAL.search(para, pos, _inner_end(para)):
        cuts |= _syntok_cuts(para[pos:], pos)
    return cuts


def _word_before(para: str, stop: int) -> str | None:
    """The word of two or more letters ending at ``stop``, if it is a whole syntok token.

    A whole token starts the text or follows a space, or an opening quote that does.
    """
    begin = stop
    while begin and para[begin - 1].isalpha():
        begin -= 1
    if stop - begin < 2:
        return None
    edge = begin
    if edge and para[edge - 1] in _OPENING_QUOTES:
        edge -= 1
    if edge and not _SPACE.match(para, edge - 1):
        return None
    return para[begin:stop]


def _inner_end(para: str) -> int:
    """End of ``para`` without its closing stops, quotes and brackets."""
    end = len(para)
    while end and para[end - 1] in _CLOSING:
        end -= 1
    return end


def _wrong_cut(para: str, cut: int) -> bool:
    """A syntok boundary right after "Lt.", "Sgt." (before a name) or "ca." (before a number)."""
    before = para[max(0, cut - 12) : cut].rstrip()
    if para[cut].isdigit() and _ENDS_WITH_NUMBER_WORD.search(before):
        return True
    return para[cut].isalnum() and _ENDS_WITH_TITLE.search(before) is not None


# --- boilerplate -------------------------------------------------------------------------------
# Rules look at one sentence. They are written to be precise rather than broad: a news sentence
# that mentions a URL, "copyright" or a donation inside a report must stay annotatable, so the
# content rules are skipped for sentences that report speech ("said", "told", "according to").

SEPARATOR = "separator"
BARE_URL = "bare URL"
COPYRIGHT = "copyright notice"
DISCLAIMER = "disclaimer"
APPEAL = "share/donate appeal"
CONTACT = "contact details"
BYLINE = "byline/metadata"
NAVIGATION = "navigation/link list"

# A paragraph opened by one of these, or at least half made of them, is boilerplate throughout
# ("Disclaimer: ..." is followed by more sentences of the same disclaimer; "Support us." comes
# with a PayPal line).
_BLOCK_REASONS = frozenset({COPYRIGHT, DISCLAIMER, APPEAL})

_I = re.IGNORECASE
_ALNUM = re.compile(r"[^\W_]")
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
_REPORTING = re.compile(
    r"\b(?:said|says|told|tells|according to|quoted|wrote|added|claimed|stated|announced)\b", _I
)
_ADDRESSES = re.compile(rf"{_MD_LINK}|<?{_URL}>?|<?{_EMAIL}>?")
_URL_RE = re.compile(_URL)
_EMAIL_RE = re.compile(_EMAIL)
_MD_LINK_RE = re.compile(_MD_LINK)
_URL_GLUE = frozenset(
    "or via and at source link links video watch here see read more url from on".split()
)

_COPYRIGHT_HEAD = re.compile(r"^\W*(?:copyright\s*(?:©|\(c\)|\d{4}\b)|©|\(c\)\s*\d{4})", _I)
_COPYRIGHT_BODY = re.compile(
    r"\ball rights reserved\b|\bcontains copyrighted material\b"
    r"|\b(?:permission|authori[sz]ed) (?:from|by) the copyright (?:owner|holder)\b"
    r"|\bprovisions of \W?fair use\b",
    _I,
)
_DISCLAIMER = re.compile(
    r"^\W*disclaimer\s*[:.\-–—]"
    r"|\bthe (?:views|opinions)(?: and (?:views|opinions))? expressed"
    r" (?:in this|here|herein|by the)"
    r"|\bsole responsibility of the author|\bnot be (?:held )?responsible for any inaccurate",
    _I,
)
_APPEAL = re.compile(
    r"\bshare buttons?\b|\bclick (?:the |on )?(?:share|like|subscribe|donate)\b"
    r"|\bforward this (?:article|story|post|report|e-?mail)\b|\bcross-?post (?:it |this )?on\b"
    r"|\bplease (?:share|support|donate|subscribe|forward|spread the word"
    r"|consider (?:supporting|donating|subscribing))\b"
    r"|\bsupport (?:us|our (?:work|journalism|reporting|team|site|channel)"
    r"|independent (?:media|journalism|reporting))\b"
    r"|\b(?:donate|make a donation|contribute) (?:now|today|here|to us|to our|via)\b"
    r"|\bpaypal\s*:|\bpatreon\.com\b|/donate\b|\bbecome a (?:member|patron|subscriber|supporter)\b"
    r"|\bsubscribe to (?:our|the|this) (?:newsletter|channel|mailing list|feed)\b"
    r"|\bsign up for our\b|\bfollow us on\b|\blike us on\b|\bnote to (?:our )?readers\b"
    r"|\b(?:would ?n[o’']t|could ?n[o’']t|cannot) (?:be possible |continue |exist )?without your "
    r"(?:help|support|donations?)\b",
    _I,
)
_CONTACT = re.compile(
    rf"^\W*(?:for\s+)?(?:\w+\s+){{0,2}}(?:inquiries|enquiries|contact|e-?mail|questions)\b"
    rf"[^:]{{0,40}}:\s*<?{_EMAIL}>?\W*$",
    _I,
)
_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|al-\w+|bin|ibn|de|van|von)){0,4}"
_BYLINE = re.compile(
    rf"^By\s+(?:{_MD_LINK}|{_NAME})(?:\s*(?:,|and|&)\s*(?:{_MD_LINK}|{_NAME}))*"
    r"(?:\s*[,|–—-]\s*[^.!?]{0,60})?$"
)
_CREDIT = re.compile(
    r"^\(\s*(?:additional )?(?:reporting|writing|editing|compiled|translated) by\b.*\)\W*$"
    r"|^(?:the )?original source of this (?:article|story|report) is\b"
    r"|^this (?:article|story|report) (?:was )?(?:originally|first) (?:published|appeared)\b",
    _I,
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})"
)
# "Global Research, January 29, 2020", "[South Front](#) 27 January 2020", "Updated: 2024-03-03".
_DATELINE = re.compile(
    rf"^(?:(?:{_MD_LINK}|[\w&'’.-]+)(?:\s+(?:{_MD_LINK}|[\w&'’.-]+)){{0,4}}\s*[,:|–—-]?\s*)?"
    rf"{_DATE}(?:\s*[,|–—-]?\s*\d{{1,2}}[:.]\d{{2}}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{{2,4}})?)?\W*$",
    _I,
)
_CREDIT_STARTS = ("(", "the original", "original", "this article", "this story", "this report")
_DATELINE_MAX = 100
# A dateline or byline line ends in a date, a time or a name, not in sentence punctuation.
_SENTENCE_END = frozenset(".!?\"”’'")


def _keywords(*words: str) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words))


# (reason, words one of which the lower-cased sentence must hold, pattern), tried in order.
# The word test is a cheap filter; most news sentences hold none of the words.
_CONTENT_RULES = (
    (COPYRIGHT, _keywords("rights reserved", "copyright", "fair use"), _COPYRIGHT_BODY),
    (DISCLAIMER, _keywords("disclaimer", "expressed", "responsib"), _DISCLAIMER),
    (
        APPEAL,
        _keywords(
            "share", "click", "forward this", "cross", "please", "support", "donat", "contribute",
            "paypal", "patreon", "become a", "subscribe", "sign up", "follow us", "like us",
            "note to", "without your",
        ),
        _APPEAL,
    ),
    (CONTACT, _keywords("@"), _CONTACT),
)
_ANY_CONTENT_WORD = re.compile("|".join(rule[1].pattern for rule in _CONTENT_RULES))
_NAV_LABEL = re.compile(
    r"^\W*(?:related(?: articles| stories| posts| content)?|read more|read also|see also"
    r"|more on this|tags?|filed under|categor(?:y|ies)|topics?|region|theme|in-depth report"
    r"|articles by|more from|recommended|trending)\s*:",
    _I,
)


def boilerplate_reason(sentence: str) -> str | None:
    """Why one trimmed sentence is boilerplate (a short reason), or None for a real sentence."""
    if _ALNUM.search(sentence) is None:
        return SEPARATOR
    # Cheap substring tests first: most news sentences trigger none of the regexes below.
    low = sentence.lower()
    if "@" in low or "http" in low or "www." in low or "ftp://" in low:
        bare = _bare_address(sentence)
        if bare is not None:
            return bare
    if _COPYRIGHT_HEAD.search(sentence):
        return COPYRIGHT
    if _ANY_CONTENT_WORD.search(low):
        reporting: bool | None = None
        for reason, words, pattern in _CONTENT_RULES:
            if words.search(low) and pattern.search(sentence):
                if reporting is None:
                    reporting = _REPORTING.search(sentence) is not None
                if not reporting:
                    return reason
    if (
        (sentence.startswith("By ") and _BYLINE.search(sentence))
        or (low.startswith(_CREDIT_STARTS) and _CREDIT.search(sentence))
        or (
            len(sentence) <= _DATELINE_MAX
            and sentence[-1] not in _SENTENCE_END
            and _DATELINE.search(sentence)
        )
    ):
        return BYLINE
    if (":" in sentence and _NAV_LABEL.search(sentence)) or _mostly_links(sentence):
        return NAVIGATION
    return None


def _bare_address(sentence: str) -> str | None:
    """BARE_URL or CONTACT when the sentence is addresses plus glue words ("via", "or")."""
    has_url = _URL_RE.search(sentence) is not None
    if not has_url and _EMAIL_RE.search(sentence) is None:
        return None
    rest = _ADDRESSES.sub(" ", sentence)
    if any(w.lower() not in _URL_GLUE for w in _WORD.findall(rest)):
        return None
    return BARE_URL if has_url else CONTACT


def _mostly_links(sentence: str) -> bool:
    """Markdown links with at most three other words and no closing full stop: a link list."""
    if "](" not in sentence or _MD_LINK_RE.search(sentence) is None:
        return False
    rest = _MD_LINK_RE.sub(" ", sentence).strip()
    return len(_WORD.findall(rest)) <= 3 and not rest.endswith((".", "!", "?"))


def _paragraph_reasons(sentences: list[str]) -> list[str | None]:
    """Reasons per sentence, spread over a paragraph that is boilerplate as a whole."""
    reasons = [boilerplate_reason(s) for s in sentences]
    if len(reasons) < 2:
        return reasons
    block = [r for r in reasons if r in _BLOCK_REASONS]
    if reasons[0] in _BLOCK_REASONS:
        spread: str | None = reasons[0]
    elif block and 2 * len(block) >= len(reasons):
        spread = Counter(block).most_common(1)[0][0]
    else:
        return reasons
    return [r if r is not None else spread for r in reasons]
