"""The dataset card: counts, sources, agreement, schema and warnings."""

from __future__ import annotations

import re
from html import unescape

import cmarkgfm
from cmarkgfm.cmark import Options
from markdown_it import MarkdownIt

from annotator.export.card import render_card
from annotator.export.markdown import WORD_JOINER, escape_markdown
from annotator.export.records import ExportHeader
from annotator.export.tally import make_tally, tally_documents
from tests.export.sample_records import TEXT, document, gold, header, sample_documents, sentence

AGREEMENT = {
    "sentences": 40, "annotators": 3, "tokens": 900,
    "overall": {"krippendorff_alpha": {"value": 0.71, "ci95": [0.62, 0.79]},
                "span_f1": {"value": 0.8, "ci95": [0.74, 0.85]}, "spans": 210},
    "labels": {
        "ACTOR": {"krippendorff_alpha": {"value": 0.81, "ci95": [0.75, 0.88]},
                  "span_f1": {"value": 0.86, "ci95": [0.8, 0.9]}, "spans": 120},
        "UNIT": {"krippendorff_alpha": {"value": 0.41, "ci95": [0.2, 0.6]},
                 "span_f1": {"value": 0.5, "ci95": [0.3, 0.66]}, "spans": 12},
        "EVENT": {"krippendorff_alpha": {"value": None, "ci95": None, "reason": "nobody used it"},
                  "span_f1": {"value": None, "ci95": None}, "spans": 0},
    },
    "warnings": ["UNIT: only 12 units; the interval is wide"],
}


def test_card_reports_counts_sources_agreement_schema_and_warnings() -> None:
    h = header(agreement=AGREEMENT, split="50/50", seed=1, split_names=["train", "test"])
    counts = tally_documents(sample_documents(), make_tally(h)).counts()
    card = render_card(h, counts)
    assert "| train | 1 | 2 | 2 | 1 | 1 | 0 | 0 |" in card
    assert "| test | 1 | 1 | 1 | 0 | 1 | 0 | 0 |" in card
    assert "| all | 2 | 3 | 3 | 1 | 2 | 0 | 0 |" in card
    assert "| 1 | 33.3% |" in card  # each source made one of the three spans
    assert "| ACTOR | 0.810 | [0.750, 0.880] | 0.860 | [0.800, 0.900] | 120 |" in card
    assert "| EVENT | n/a | n/a | n/a | n/a | 0 |" in card
    assert 'Schema "conflict events", guidelines version 1.0.' in card
    assert "split 50/50 by document, seed 1" in card
    warnings = card[card.index("## Warnings"):]
    assert "UNIT has only 0 gold spans" in warnings
    assert "UNIT: annotators agree poorly (alpha 0.410 < 0.667)" in warnings
    assert "ACTOR: annotators agree poorly" not in warnings
    assert "only 12 units" in warnings
    assert "The test part has no ACTOR span." in warnings
    assert "1 sentence is partial: its conflicts" in warnings


def test_card_without_agreement_or_problems() -> None:
    many = [gold(5, 17)]
    docs = [document(*[sentence(TEXT, many, sid=i) for i in range(1, 60)])]
    schema = {"name": "actors", "version": "2", "labels": [{"key": "ACTOR"}]}
    h = ExportHeader(1, "A | B", schema, "2024-01-01T00:00:00Z", "jsonl",
                     header().options, None)
    card = render_card(h, tally_documents(docs, make_tally(h)).counts())
    assert card.startswith("# Dataset card: A \\| B\n")  # a pipe cannot break a table
    assert "No agreement figures" in card
    assert card.rstrip().endswith("## Warnings\n\nNone.")


def test_card_warns_about_spans_off_token_boundaries() -> None:
    docs = [document(sentence(TEXT, [gold(6, 10), gold(4, 5, "LOCATION")]))]
    card = render_card(header(), tally_documents(docs, make_tally(header())).counts())
    assert "1 span does not start and end on token boundaries" in card
    assert "1 span covers no token of their own" in card


# Admin-typed text as an attacker or a careless admin would type it.
HOSTILE = [
    "[click me](javascript:alert(1))",
    "<svg onload=alert(1)>",
    "# Owned",
    "north | south",
    "![pixel](https://tracker.example/p.png)",
    "see https://evil.example/login now",
    "www.evil.example",
    "write to admin@evil.example",
    "evil.example",
    "<https://evil.example>",
    "[ref]: https://evil.example",
    "`rm -rf` **bold** _slanted_ ~~gone~~",
    "first line\n## second heading\r\n> quoted",
    "- a list item",
    "1. numbered",
    "---",
    "&lt;script&gt;",
    "<!-- hidden --> <b>bold</b>",
    "ends with a backslash \\",
]


def hostile_card() -> tuple[str, list[str]]:
    """A card whose every admin-controlled value is hostile, and the values it carries."""
    labels = [
        {"key": f"L{i}", "name": value, "description": HOSTILE[-1 - i],
         "attributes": [{"key": value, "values": [HOSTILE[(i + 3) % len(HOSTILE)]]}]}
        for i, value in enumerate(HOSTILE)
    ]
    schema = {"name": HOSTILE[0], "version": HOSTILE[1], "labels": labels}
    agreement = {
        "sentences": 3, "annotators": 2, "tokens": 40, "overall": {},
        "labels": {"L0": {"krippendorff_alpha": {"value": 0.2, "ci95": [0.1, 0.3]},
                          "span_f1": {"value": 0.3, "ci95": None}, "spans": 4}},
        "warnings": HOSTILE,
    }
    docs = [document(sentence(TEXT, [gold(5, 17, "L0")]))]
    h = ExportHeader(1, HOSTILE[0] + " " + HOSTILE[2], schema, "2024-01-01T00:00:00Z",
                     "jsonl", header().options, agreement)
    return render_card(h, tally_documents(docs, make_tally(h)).counts()), HOSTILE


def shown_text(html: str) -> str:
    """What a reader sees of rendered HTML: tags dropped, references decoded."""
    return unescape(re.sub(r"<[^>]*>", " ", html))


def test_hostile_names_render_as_text_never_as_links_markup_or_headings() -> None:
    card, values = hostile_card()
    md = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "strikethrough",
                                                             "linkify"])
    tokens = [t for block in md.parse(card) for t in [block, *(block.children or [])]]
    kinds = {t.type for t in tokens}
    for forbidden in ("link_open", "image", "html_inline", "html_block", "em_open",
                      "strong_open", "s_open", "code_block", "fence", "hr", "blockquote_open",
                      "ordered_list_open"):
        assert forbidden not in kinds, forbidden
    # the one piece of code is the card's own: the format's name
    assert [t.content for t in tokens if t.type == "code_inline"] == ["jsonl"]
    headings = ["".join(c.content for c in tokens[i + 1].children)
                for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == [f"Dataset card: {values[0]} {values[2]}", "Contents",
                        "How the gold was made", "Agreement between annotators", "Label schema",
                        "Warnings"]
    # every table row has its header's number of cells: no pipe split a cell
    rows: list[int] = []
    for t in tokens:
        if t.type == "tr_open":
            rows.append(0)
        elif t.type in ("th_open", "td_open"):
            rows[-1] += 1
    # contents (header, all), sources (header, 3), agreement (header, all, L0), schema
    assert rows == [4 + len(values)] * 2 + [3] * 4 + [6] * 3 + [5] * (1 + len(values))
    # one list, the warnings: one item per warning, nothing nested in them
    assert [t.type for t in tokens].count("bullet_list_open") == 1
    assert [t.type for t in tokens].count("list_item_open") == len(values) + len(values) + 1

    # GitHub's own renderer (cmark-gfm with its extensions), raw HTML let through so that
    # only the card's escaping stands between a value and the page
    gfm = cmarkgfm.github_flavored_markdown_to_html(card, options=Options.CMARK_OPT_UNSAFE)
    for forbidden in ("<a ", "<img", "<svg", "<b>", "<!--", "<script", "<em>", "<strong>",
                      "<del>", "<h3", "<hr", "<blockquote", "<ol", "<pre"):
        assert forbidden not in gfm and forbidden not in md.render(card), forbidden
    assert gfm.count("<h1>") == 1 and gfm.count("<h2>") == 5 and gfm.count("<ul>") == 1
    assert gfm.count("<code>") == 1
    # and the values read as typed (a line break as a space)
    for rendered in (gfm, md.render(card)):
        seen = shown_text(rendered).replace(WORD_JOINER, "")
        for value in values:
            assert " ".join(value.split()) in " ".join(seen.split()), value


def test_ordinary_text_is_left_as_typed() -> None:
    """Only what could mean something to a renderer is escaped (the golden card is unchanged:
    tests/export/test_golden.py)."""
    for text in ("armed_clash", "(k of n)", "1.0", "Kharkiv, 'shelled'", "-5 dead", "R&D",
                 "50/50", "2024-01-01T00:00:00Z", "ACTOR"):
        assert escape_markdown(text) == text
    assert escape_markdown("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"
    assert escape_markdown("<svg onload=alert(1)>") == "&lt;svg onload=alert(1)&gt;"
    assert escape_markdown("# Owned") == "\\# Owned"
    assert escape_markdown("a | b") == "a \\| b"
    assert escape_markdown("1. x\n- y") == "1\\. x - y"
