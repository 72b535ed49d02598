"""The pure writers: token alignment, Prodigy tokens, BIO tags, counts, the card, each format."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.export import formats as f
from annotator.projects.schema import default_schema_document

TEXT = "Gen. Samir Haddad told reporters in Kafr Tala."


def gold(start: int, end: int, label: str = "ACTOR", source: str = "unanimous", **kw) -> f.GoldSpan:
    return f.GoldSpan(start, end, label, kw.pop("attributes", {}), source, kw.pop("votes", 2),
                      kw.pop("voters", 2), tuple(kw.pop("annotators", ("a", "b"))), **kw)


def header(fmt: str = "gold-json", agreement=None, **options) -> f.ExportHeader:
    opts = {"split": None, "seed": None, "part": None, "include_annotations": False,
            "complete_only": False, "split_names": None, **options}
    return f.ExportHeader(7, "Demo", default_schema_document(), "2024-05-01T12:00:00Z", fmt,
                          opts, agreement)


def document(*sentences: f.ExportSentence, split: str | None = None, doc_id: int = 1):
    return f.ExportDocument(doc_id, f"Doc {doc_id}", None, None, split, tuple(sentences))


def sentence(text: str, spans=(), sid: int = 1, status: str = "complete", **kw):
    return f.ExportSentence(sid, sid - 1, 0, len(text), text, status, tuple(spans), **kw)


# ------------------------------------------------------------------------- alignment

@pytest.mark.parametrize(
    ("spans", "ranges", "exact", "off", "dropped"),
    [
        ([(5, 17)], [(2, 4)], [True], 0, 0),                      # "Samir Haddad"
        ([(0, 4)], [(0, 2)], [True], 0, 0),                       # "Gen." = Gen + .
        ([(6, 10)], [(2, 3)], [False], 1, 0),                     # "amir" widens to Samir
        ([(4, 10)], [(2, 3)], [False], 1, 0),                     # " Samir" (leading space)
        ([(4, 5)], [None], [False], 0, 1),                        # only a space: no token
        ([(5, 9), (8, 17)], [(2, 3), (3, 4)], [False, False], 2, 0),  # share "Samir"
        ([(5, 10), (6, 8)], [(2, 3), None], [True, False], 0, 1),     # inside a taken token
        ([(36, 45), (0, 4)], [(7, 9), None], [True, False], 0, 1),    # callers sort first
    ],
)
def test_align_widens_and_drops_deterministically(spans, ranges, exact, off, dropped) -> None:
    result = f.align(TEXT, [gold(s, e) for s, e in spans])
    assert (result.ranges, result.exact, result.off_boundary, result.dropped) == (
        ranges, exact, off, dropped)


def test_fast_boundary_check_uses_the_tokenizers_character_classes() -> None:
    """boundary_problems tests characters with str methods and tokens.is_mark instead of the
    regex: the same classes for every code point, and every mark at U+0300 or above (its
    quick pre-test)."""
    import re
    import sys

    from annotator.corpus.tokens import TOKEN_RE, is_mark

    word, space = re.compile(r"\w"), re.compile(r"\s")
    for i in range(sys.maxunicode + 1):
        ch = chr(i)
        assert (word.match(ch) is not None) == (ch.isalnum() or ch == "_"), hex(i)
        assert (space.match(ch) is not None) == ch.isspace(), hex(i)
        if is_mark(ch):
            assert ch >= "\u0300", hex(i)
            # The regex joins it to a word before it and to an "other" character before it.
            assert TOKEN_RE.fullmatch("a" + ch) and TOKEN_RE.fullmatch("!" + ch), hex(i)


# Combining marks (decomposed accents, Arabic harakat, Devanagari vowel signs, VS16, a keycap),
# alone and after letters, punctuation, spaces and emoji; ZWJ, which is not a mark.
MARKED_PIECES = ["\u0301", "e\u0301", "\u0642\u064e\u0651", "\u0939\u093f", "\u093e",
                 "\u2764\ufe0f", "\ufe0f", "1\ufe0f\u20e3", "!\u0301", "\u200d"]


@given(
    pieces=st.lists(st.sampled_from(["Kafr", "Tala", "_", ",", ".", " ", "  ", "\n", "é",
                                     "\u0663", "\U0001F4A5", "U.S.", "3.5", "\u00a0", "x",
                                     *MARKED_PIECES]),
                    min_size=1, max_size=15),
    cuts=st.lists(st.tuples(st.integers(0, 60), st.integers(1, 12)), max_size=5),
)
def test_fast_boundary_check_counts_like_align(pieces: list[str], cuts) -> None:
    text = "".join(pieces)
    spans = sorted(gold(s, min(s + n, len(text))) for s, n in cuts if s < len(text))
    spans = [s for s in spans if s.start < s.end]
    full = f.align(text, spans)
    assert f.boundary_problems(text, spans) == (full.off_boundary, full.dropped)


@given(
    pieces=st.lists(st.sampled_from(["Kafr", "Tala", "_", ",", " ", "\n", "é", "\u0663",
                                     "\U0001F4A5", "U.S.", "3.5", "\u00a0", *MARKED_PIECES]),
                    min_size=1, max_size=15),
    picks=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 3), st.integers(-1, 1),
                             st.integers(-1, 1)), max_size=4),
)
def test_fast_boundary_check_on_token_spans(pieces: list[str], picks) -> None:
    """Spans on whole tokens (the usual case), some nudged by one character."""
    text = "".join(pieces)
    tokens = f.align(text, []).tokens
    if not tokens:
        return
    spans = []
    for first, extra, nudge_start, nudge_end in picks:
        a = tokens[first % len(tokens)]
        b = tokens[min(first % len(tokens) + extra, len(tokens) - 1)]
        start, end = max(a[0] + nudge_start, 0), min(b[1] + nudge_end, len(text))
        if start < end:
            spans.append(gold(start, end))
    spans.sort()
    full = f.align(text, spans)
    assert f.boundary_problems(text, spans) == (full.off_boundary, full.dropped)


def test_bio_tags_mark_begin_and_inside() -> None:
    spans = [gold(5, 17), gold(36, 45, "LOCATION")]
    tags = f.bio_tags(f.align(TEXT, spans), spans)
    assert tags == ["O", "O", "B-ACTOR", "I-ACTOR", "O", "O", "O", "B-LOCATION", "I-LOCATION", "O"]


@given(st.lists(st.sampled_from(["Kafr", "Tala", ",", ".", " ", "  ", "\n", "\t", "é",
                                 "\U0001F4A5", "U.S.", "3.5", " \n "]), max_size=25))
def test_prodigy_tokens_rebuild_the_text_exactly(pieces: list[str]) -> None:
    text = "".join(pieces)
    core = f.align(text, []).tokens
    tokens, index_of = f.prodigy_tokens(text, core)
    assert "".join(t["text"] + " " * t["ws"] for t in tokens) == text
    assert [t["id"] for t in tokens] == list(range(len(tokens)))
    assert all(text[t["start"]:t["end"]] == t["text"] for t in tokens)
    assert [(tokens[i]["start"], tokens[i]["end"]) for i in index_of] == core


# ------------------------------------------------------------------------- writers

def sample_documents():
    first = sentence(TEXT, [gold(36, 45, "LOCATION", "curator", votes=1, curator="cur",
                                 curated_at="2024-05-01T12:00:00Z", reason="annotator_error",
                                 note="place only", annotators=("a",)),
                            gold(5, 17)], sid=1, annotators=("a", "b"))
    negative = sentence("Nothing happened.", [], sid=2)
    second = sentence("Drones struck Menaka.", [gold(14, 20, "LOCATION", "majority", votes=2,
                                                      voters=3)], sid=3, status="partial")
    return [document(first, negative, split="train"), document(second, split="test", doc_id=2)]


def test_conll_layout() -> None:
    text = "".join(f.write_conll(header("conll"), sample_documents()[1:], f.make_tally(header())))
    assert text == (
        "-DOCSTART- -X- O O\n\n"
        "Drones O\nstruck O\nMenaka B-LOCATION\n. O\n\n"
    )


def test_jsonl_lines_carry_tokens_spans_and_provenance() -> None:
    tally = f.make_tally(header("jsonl"))
    lines = [json.loads(x) for x in "".join(
        f.write_jsonl(header("jsonl"), sample_documents(), tally)).splitlines()]
    assert [x["text"] for x in lines] == [TEXT, "Nothing happened.", "Drones struck Menaka."]
    first = lines[0]
    # Spans sorted by offset, token_end inclusive (Prodigy's convention).
    assert first["spans"] == [
        {"start": 5, "end": 17, "label": "ACTOR", "token_start": 2, "token_end": 3,
         "attributes": {}},
        {"start": 36, "end": 45, "label": "LOCATION", "token_start": 7, "token_end": 8,
         "attributes": {}},
    ]
    assert first["meta"]["provenance"][1] == {
        "source": "curator", "votes": {"k": 1, "n": 2}, "annotators": ["a"], "curator": "cur",
        "reason": "annotator_error"}
    assert first["meta"]["split"] == "train" and lines[2]["meta"]["gold_status"] == "partial"
    assert lines[1]["spans"] == [] and "annotations" not in first["meta"]


def test_jsonl_off_boundary_span_keeps_offsets_but_gets_no_token_indices() -> None:
    docs = [document(sentence(TEXT, [gold(6, 10)]))]
    tally = f.make_tally(header("jsonl"))
    line = json.loads("".join(f.write_jsonl(header("jsonl"), docs, tally)))
    assert line["spans"] == [{"start": 6, "end": 10, "label": "ACTOR", "attributes": {}}]
    assert tally.counts()["spans_off_token_boundaries"] == 1


def test_gold_json_is_one_json_object_with_counts_after_documents() -> None:
    tally = f.make_tally(header())
    text = "".join(f.write_gold_json(header(), sample_documents(), tally))
    data = json.loads(text)
    assert list(data) == ["format_version", "project", "label_schema", "exported_at", "options",
                          "agreement", "documents", "counts", "card"]
    span = data["documents"][0]["sentences"][0]["spans"][1]
    assert span == {"start": 36, "end": 45, "label": "LOCATION", "text": "Kafr Tala",
                    "attributes": {}, "source": "curator", "votes": {"k": 1, "n": 2},
                    "annotators": ["a"], "curator": "cur", "curated_at": "2024-05-01T12:00:00Z",
                    "reason": "annotator_error", "note": "place only"}
    assert data["counts"]["labels"] == {"ACTOR": 1, "LOCATION": 2, "UNIT": 0, "EVENT": 0}
    assert data["counts"]["gold_status"] == {"complete": 2, "partial": 1}
    assert data["counts"]["sources"] == {"unanimous": 1, "majority": 1, "curator": 1}
    assert data["card"].startswith("# Dataset card: Demo")


def test_include_annotations_adds_each_annotators_work() -> None:
    work = {"b": f.AnnotatorWork("done", (f.AnnotatorSpan(0, 4, "ACTOR", {}),)),
            "a": f.AnnotatorWork("skipped", ())}
    docs = [document(sentence(TEXT, [gold(5, 17)], annotations=work))]
    h = header(include_annotations=True)
    data = json.loads("".join(f.write_gold_json(h, docs, f.make_tally(h))))
    assert data["documents"][0]["sentences"][0]["annotations"] == {
        "a": {"status": "skipped", "spans": []},
        "b": {"status": "done", "spans": [{"start": 0, "end": 4, "label": "ACTOR",
                                          "text": "Gen.", "attributes": {}}]},
    }


def test_tally_counts_per_split() -> None:
    h = header(split="50/50", seed=1, split_names=["train", "test"])
    tally = f.tally_documents(sample_documents(), f.make_tally(h))
    counts = tally.counts()
    assert counts["splits"]["train"] == {"documents": 1, "sentences": 2, "spans": 2,
                                         "labels": {"ACTOR": 1, "LOCATION": 1, "UNIT": 0,
                                                    "EVENT": 0}}
    assert counts["splits"]["test"]["spans"] == 1
    assert counts["documents"] == 2 and counts["sentences"] == 3


def test_labels_outside_the_schema_are_still_counted_after_it() -> None:
    docs = [document(sentence(TEXT, [gold(5, 17, "WEAPON")]))]
    counts = f.tally_documents(docs, f.make_tally(header())).counts()
    assert list(counts["labels"]) == ["ACTOR", "LOCATION", "UNIT", "EVENT", "WEAPON"]


# ------------------------------------------------------------------------- the card

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
    counts = f.tally_documents(sample_documents(), f.make_tally(h)).counts()
    card = f.render_card(h, counts)
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
    assert "1 sentences are partial" in warnings


def test_card_without_agreement_or_problems() -> None:
    many = [gold(5, 17)]
    docs = [document(*[sentence(TEXT, many, sid=i) for i in range(1, 60)])]
    schema = {"name": "actors", "version": "2", "labels": [{"key": "ACTOR"}]}
    h = f.ExportHeader(1, "A | B", schema, "2024-01-01T00:00:00Z", "jsonl",
                       header().options, None)
    card = f.render_card(h, f.tally_documents(docs, f.make_tally(h)).counts())
    assert card.startswith("# Dataset card: A \\| B\n")  # a pipe cannot break a table
    assert "No agreement figures" in card
    assert card.rstrip().endswith("## Warnings\n\nNone.")


def test_card_warns_about_spans_off_token_boundaries() -> None:
    docs = [document(sentence(TEXT, [gold(6, 10), gold(4, 5, "LOCATION")]))]
    card = f.render_card(header(), f.tally_documents(docs, f.make_tally(header())).counts())
    assert "1 spans do not start and end on token boundaries" in card
    assert "1 spans cover no token of their own" in card


def test_output_is_identical_for_identical_input() -> None:
    outputs = {
        "".join(f.write(header(fmt), sample_documents(), f.make_tally(header(fmt))))
        for fmt in ("gold-json",) * 3
    }
    assert len(outputs) == 1
