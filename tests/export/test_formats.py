"""The pure writers: Prodigy tokens, each format's layout, counts, determinism."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from annotator.export.alignment import align
from annotator.export.conll import write_conll
from annotator.export.formats import write
from annotator.export.gold_json import write_gold_json
from annotator.export.jsonl import prodigy_tokens, write_jsonl
from annotator.export.records import AnnotatorRelation, AnnotatorSpan, AnnotatorWork
from annotator.export.tally import make_tally, tally_documents
from tests.export.sample_records import TEXT, document, gold, header, sample_documents, sentence


@given(st.lists(st.sampled_from(["Kafr", "Tala", ",", ".", " ", "  ", "\n", "\t", "é",
                                 "\U0001F4A5", "U.S.", "3.5", " \n "]), max_size=25))
def test_prodigy_tokens_rebuild_the_text_exactly(pieces: list[str]) -> None:
    text = "".join(pieces)
    core = align(text, []).tokens
    tokens, index_of = prodigy_tokens(text, core)
    assert "".join(t["text"] + " " * t["ws"] for t in tokens) == text
    assert [t["id"] for t in tokens] == list(range(len(tokens)))
    assert all(text[t["start"]:t["end"]] == t["text"] for t in tokens)
    assert [(tokens[i]["start"], tokens[i]["end"]) for i in index_of] == core


def test_conll_layout() -> None:
    text = "".join(write_conll(header("conll"), sample_documents()[1:], make_tally(header())))
    assert text == (
        "-DOCSTART- -X- O O\n\n"
        "Drones O\nstruck O\nMenaka B-LOCATION\n. O\n\n"
    )


def test_jsonl_lines_carry_tokens_spans_and_provenance() -> None:
    tally = make_tally(header("jsonl"))
    lines = [json.loads(x) for x in "".join(
        write_jsonl(header("jsonl"), sample_documents(), tally)).splitlines()]
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
    tally = make_tally(header("jsonl"))
    line = json.loads("".join(write_jsonl(header("jsonl"), docs, tally)))
    assert line["spans"] == [{"start": 6, "end": 10, "label": "ACTOR", "attributes": {}}]
    assert tally.counts()["spans_off_token_boundaries"] == 1


def test_gold_json_is_one_json_object_with_counts_after_documents() -> None:
    tally = make_tally(header())
    text = "".join(write_gold_json(header(), sample_documents(), tally))
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
    told = AnnotatorSpan(18, 22, "EVENT", {"event_type": "other"})
    general, place = AnnotatorSpan(0, 17, "ACTOR", {}), AnnotatorSpan(36, 45, "LOCATION", {})
    work = {"b": AnnotatorWork("done", (place, told, general), (
                AnnotatorRelation(18, 22, "location", 36, 45),
                AnnotatorRelation(18, 22, "actor1", 0, 17))),
            "a": AnnotatorWork("skipped", ())}
    docs = [document(sentence(TEXT, [gold(5, 17)], annotations=work))]
    h = header(include_annotations=True)
    data = json.loads("".join(write_gold_json(h, docs, make_tally(h))))
    annotations = data["documents"][0]["sentences"][0]["annotations"]
    assert annotations["a"] == {"status": "skipped", "spans": [], "relations": []}
    assert annotations["b"]["spans"][0] == {"start": 0, "end": 17, "label": "ACTOR",
                                            "text": "Gen. Samir Haddad", "attributes": {}}
    # Sorted by head, role, child; the gold's head/child/role without provenance.
    assert annotations["b"]["relations"] == [
        {"head": {"start": 18, "end": 22}, "child": {"start": 0, "end": 17}, "role": "actor1"},
        {"head": {"start": 18, "end": 22}, "child": {"start": 36, "end": 45},
         "role": "location"},
    ]
    h = header("jsonl", include_annotations=True)
    line = json.loads("".join(write_jsonl(h, docs, make_tally(h))))
    own = line["meta"]["annotations"]["b"]
    assert own["spans"] == annotations["b"]["spans"]
    # Prodigy's shape, as the gold relations: the last token of each of b's own spans (the
    # gold has none of them), indices into the line's tokens.
    assert own["relations"] == [
        {"head": 4, "child": 3, "label": "actor1",
         "head_span": {"start": 18, "end": 22, "token_start": 4, "token_end": 4,
                       "label": "EVENT"},
         "child_span": {"start": 0, "end": 17, "token_start": 0, "token_end": 3,
                        "label": "ACTOR"}},
        {"head": 4, "child": 8, "label": "location",
         "head_span": {"start": 18, "end": 22, "token_start": 4, "token_end": 4,
                       "label": "EVENT"},
         "child_span": {"start": 36, "end": 45, "token_start": 7, "token_end": 8,
                        "label": "LOCATION"}},
    ]
    assert [line["tokens"][i]["text"] for i in (4, 3, 8)] == ["told", "Haddad", "Tala"]
    assert line["meta"]["annotations"]["a"] == {"status": "skipped", "spans": [],
                                                "relations": []}


def test_tally_counts_per_split() -> None:
    h = header(split="50/50", seed=1, split_names=["train", "test"])
    tally = tally_documents(sample_documents(), make_tally(h))
    counts = tally.counts()
    assert counts["splits"]["train"] == {"documents": 1, "sentences": 2, "spans": 2,
                                         "labels": {"ACTOR": 1, "LOCATION": 1, "UNIT": 0,
                                                    "EVENT": 0}}
    assert counts["splits"]["test"]["spans"] == 1
    assert counts["documents"] == 2 and counts["sentences"] == 3


def test_labels_outside_the_schema_are_still_counted_after_it() -> None:
    docs = [document(sentence(TEXT, [gold(5, 17, "WEAPON")]))]
    counts = tally_documents(docs, make_tally(header())).counts()
    assert list(counts["labels"]) == ["ACTOR", "LOCATION", "UNIT", "EVENT", "WEAPON"]


def test_output_is_identical_for_identical_input() -> None:
    outputs = {
        "".join(write(header(fmt), sample_documents(), make_tally(header(fmt))))
        for fmt in ("gold-json",) * 3
    }
    assert len(outputs) == 1
