"""Gathering the gold standard from the database: which sentences, splits, options, chunks."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, func, select

from annotator.adjudication.models import GoldSentence
from annotator.errors import Invalid
from annotator.export import reading, services
from annotator.export.conll import CONLL_DOCSTART
from annotator.export.options import parse_options
from annotator.export.reading import document_chunks, gold_overview
from annotator.export.tally import make_tally
from tests.export.gold_data import (
    FIXED_TIME,
    add_gold,
    annotate,
    golden_project,
    link,
    sentences_of,
    span_at,
)
from tests.factories import add_members, make_articles, make_project, make_user, prepare_batch


def export(session, project, fmt: str = "gold-json", **raw) -> str:
    options = parse_options(fmt, **raw)
    prepared = services.prepare_export(session, project, options, with_agreement=False,
                                       now=FIXED_TIME)
    return "".join(services.stream_export(session, prepared, make_tally(prepared.header)))


def gold_everywhere(session, project, spans_per_sentence: int = 1) -> None:
    """Gold on every sentence: the first word as ACTOR (and more spans when asked)."""
    for s in sentences_of(session, project.id):
        text = s.text
        words = [w for w in text.split(" ") if w.isalpha()][:spans_per_sentence]
        spans, position = [], 0
        for w in words:
            start = text.index(w, position)
            spans.append({"start": start, "end": start + len(w), "label": "ACTOR"})
            position = start + len(w)
        add_gold(session, s.id, spans)
    session.commit()


@pytest.fixture
def corpus(db):
    project = make_project(db.session, "Split")
    make_articles(db.session, project, 40, sentences=3)
    gold_everywhere(db.session, project)
    return project


def test_split_by_document_names_sizes_and_no_leak(db, corpus) -> None:
    data = json.loads(export(db.session, corpus, split="80/10/10", seed="5"))
    splits = {d["id"]: d["split"] for d in data["documents"]}
    assert sorted(splits) == list(range(1, 41))  # every document once
    assert {n: list(splits.values()).count(n) for n in ("train", "dev", "test")} == {
        "train": 32, "dev": 4, "test": 4}
    counts = data["counts"]["splits"]
    assert {n: (b["documents"], b["sentences"]) for n, b in counts.items()} == {
        "train": (32, 96), "dev": (4, 12), "test": (4, 12)}
    # Deterministic for a seed; another seed gives another split.
    again = json.loads(export(db.session, corpus, split="80/10/10", seed="5"))
    assert {d["id"]: d["split"] for d in again["documents"]} == splits
    other = json.loads(export(db.session, corpus, split="80/10/10", seed="6"))
    assert {d["id"]: d["split"] for d in other["documents"]} != splits


def test_a_part_holds_exactly_that_parts_documents(db, corpus) -> None:
    full = json.loads(export(db.session, corpus, split="80/10/10", seed="5"))
    dev_ids = [d["id"] for d in full["documents"] if d["split"] == "dev"]
    lines = [json.loads(x) for x in export(db.session, corpus, "jsonl", split="80/10/10",
                                           seed="5", part="dev").splitlines()]
    assert sorted({x["meta"]["document_id"] for x in lines}) == sorted(dev_ids)
    assert {x["meta"]["split"] for x in lines} == {"dev"}
    conll = export(db.session, corpus, "conll", split="80/10/10", seed="5", part="dev")
    assert conll.count(CONLL_DOCSTART) == len(dev_ids)


def test_every_gold_sentence_is_exported_with_its_status(db) -> None:
    data = golden_project(db.session)
    exported = json.loads(export(db.session, data["project"]))
    sentences = [s for d in exported["documents"] for s in d["sentences"]]
    stored = db.session.scalar(select(func.count()).select_from(GoldSentence))
    assert len(sentences) == stored == 6
    assert [s["gold_status"] for s in sentences].count("partial") == 1
    assert any(s["spans"] == [] for s in sentences)  # the negative example is there
    assert "Talks resumed in Geneva." not in {s["text"] for s in sentences}  # no gold: left out
    complete = json.loads(export(db.session, data["project"], complete_only="1"))
    assert [s["gold_status"] for d in complete["documents"] for s in d["sentences"]] == [
        "complete"] * 5


def test_sentence_text_and_offsets_come_from_the_document(db) -> None:
    data = golden_project(db.session)
    exported = json.loads(export(db.session, data["project"]))
    by_id = {s.id: s for s in data["sentences"]}
    for document in exported["documents"]:
        for s in document["sentences"]:
            stored = by_id[s["id"]]
            assert stored.document.text[s["start"]:s["end"]] == s["text"] == stored.text
            for span in s["spans"]:
                assert s["text"][span["start"]:span["end"]] == span["text"]


def test_annotations_of_an_archived_batch_stay_exportable(db) -> None:
    from annotator.assignments.models import Assignment
    from annotator.assignments.services import remove_batch

    data = prepare_batch(db.session, k=2, annotators=2, articles=1)
    ann0, ann1 = data["annotators"]
    sentence_id = db.session.scalar(
        select(Assignment.sentence_id).where(Assignment.annotator_id == ann0.id)
        .order_by(Assignment.position))
    sentence = next(s for s in sentences_of(db.session, data["project"].id)
                    if s.id == sentence_id)
    annotate(db.session, ann0, sentence, [{"start": 0, "end": 6, "label": "ACTOR"}])
    annotate(db.session, ann1, sentence, [])
    add_gold(db.session, sentence.id, [{"start": 0, "end": 6, "label": "ACTOR", "votes": 1,
                                        "source": "curator"}])
    db.session.commit()
    remove_batch(db.session, data["batch"].id, confirm=True)
    db.session.commit()
    exported = json.loads(export(db.session, data["project"], include_annotations="1"))
    item = exported["documents"][0]["sentences"][0]
    assert item["annotators"] == ["ann0", "ann1"]
    assert item["annotations"]["ann0"]["spans"][0]["label"] == "ACTOR"
    assert item["annotations"]["ann1"] == {"status": "done", "spans": [], "relations": []}


def test_chunk_boundaries_change_nothing(db, corpus, monkeypatch) -> None:
    whole = export(db.session, corpus, "jsonl", split="80/10/10", seed="1")
    monkeypatch.setattr(reading, "CHUNK_SENTENCES", 4)
    monkeypatch.setattr(reading, "CHUNK_DOCUMENTS", 3)
    assert export(db.session, corpus, "jsonl", split="80/10/10", seed="1") == whole
    # 4 sentences per chunk: two documents of 3 sentences reach it.
    assert list(document_chunks([(i, 3) for i in range(5)])) == [[0, 1], [2, 3], [4]]
    # 3 documents per chunk at most, however few sentences they have.
    assert list(document_chunks([(i, 1) for i in range(4)])) == [[0, 1, 2], [3]]


def test_curator_names_and_unknown_curators(db) -> None:
    project = make_project(db.session, "Curated")
    make_articles(db.session, project, 1, sentences=1)
    curator = make_user(db.session, "cora", "curator")
    s = sentences_of(db.session, project.id)[0]
    add_gold(db.session, s.id, [
        {"start": 0, "end": 6, "label": "ACTOR", "source": "curator", "curator_id": curator.id},
        {"start": 7, "end": 8, "label": "UNIT", "source": "curator", "curator_id": None},
    ])
    db.session.commit()
    spans = json.loads(export(db.session, project))["documents"][0]["sentences"][0]["spans"]
    assert [(x["curator"], x["curated_at"]) for x in spans] == [
        ("cora", "2024-05-01T12:00:00Z"), (None, "2024-05-01T12:00:00Z")]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"format": "xml"}, "format must be one of gold-json, jsonl, conll"),
        ({"format": None}, "format must be one of"),
        ({"format": "jsonl", "split": "80/10"}, "add up to 100"),
        ({"format": "jsonl", "split": "eighty"}, "2 or 3 whole percentages"),
        ({"format": "jsonl", "seed": "3"}, "seed is only meaningful with split"),
        ({"format": "jsonl", "split": "80/10/10", "seed": "x"}, "seed must be a whole number"),
        ({"format": "jsonl", "split": "80/10/10", "seed": "1" * 25}, "seed must be a whole"),
        ({"format": "jsonl", "part": "dev"}, "part needs split"),
        ({"format": "jsonl", "split": "90/10", "part": "dev"}, "part must be one of train, test"),
        ({"format": "jsonl", "include_annotations": "maybe"}, "include_annotations must be 1 or 0"),
        ({"format": "jsonl", "complete_only": "2"}, "complete_only must be 1 or 0"),
    ],
)
def test_bad_options_are_refused_with_a_reason(raw: dict, message: str) -> None:
    fmt = raw.pop("format")
    with pytest.raises(Invalid, match=message):
        parse_options(fmt, **raw)


def test_options_defaults() -> None:
    options = parse_options("conll", split="80/10/10", include_annotations="on",
                                     complete_only="")
    assert (options.seed, options.include_annotations, options.complete_only) == (0, True, False)
    assert options.to_json()["split_names"] == ["train", "dev", "test"]


def test_gold_overview_counts(db) -> None:
    data = golden_project(db.session)
    assert gold_overview(db.session, data["project"].id) == {
        "documents": 2, "sentences": 6, "complete": 5, "partial": 1, "spans": 11,
        "relations": 4}


def annotate_frames(session, project, people, sentences) -> None:
    """Each of ``people`` marks who shelled where in ``sentences`` and links the frame;
    the last one links only the actor (so their work differs)."""
    for s in sentences:
        text = s.text
        rebels = span_at(text, "rebels", "ACTOR")
        shelled = span_at(text, "shelled", "EVENT",
                          attributes={"event_type": "shelling_artillery_missile"})
        kafr = span_at(text, "Kafr", "LOCATION")
        for i, user in enumerate(people):
            links = [link(shelled, "actor1", rebels)]
            if i < len(people) - 1:
                links.append(link(shelled, "location", kafr))
            annotate(session, user, s, [rebels, shelled, kafr], relations=links)
        add_gold(session, s.id, [rebels, shelled, kafr])
    session.commit()


def test_each_annotators_relations_are_exported_in_one_pass(db, monkeypatch) -> None:
    project = make_project(db.session, "Frames")
    make_articles(db.session, project, 2, sentences=3)
    people = [make_user(db.session, name) for name in ("amal", "omar")]
    add_members(db.session, project, *people)
    sentences = sentences_of(db.session, project.id)
    annotate_frames(db.session, project, people, sentences[:1])
    queries = []  # the export's raw reads and any query through the engine
    real_rows = reading.raw_rows
    monkeypatch.setattr(reading, "raw_rows", lambda *a: queries.append(1) or real_rows(*a))

    def count(*_: object) -> None:
        queries.append(2)

    event.listen(db.engine, "before_cursor_execute", count)

    data = json.loads(export(db.session, project, include_annotations="1"))
    few = len(queries)
    work = data["documents"][0]["sentences"][0]["annotations"]
    assert work["amal"]["relations"] == [
        {"head": {"start": 19, "end": 26}, "child": {"start": 12, "end": 18}, "role": "actor1"},
        {"head": {"start": 19, "end": 26}, "child": {"start": 42, "end": 46},
         "role": "location"},
    ]
    assert [r["role"] for r in work["omar"]["relations"]] == ["actor1"]
    lines = [json.loads(x) for x in export(db.session, project, "jsonl",
                                           include_annotations="1").splitlines()]
    own = lines[0]["meta"]["annotations"]["amal"]["relations"]
    # Prodigy's shape, as the gold's: head and child are the last token of each span.
    tokens = lines[0]["tokens"]
    assert [(tokens[r["head"]]["text"], r["label"], tokens[r["child"]]["text"])
            for r in own] == [("shelled", "actor1", "rebels"), ("shelled", "location", "Kafr")]
    assert own[0]["child_span"] == {"start": 12, "end": 18, "token_start": 5,
                                    "token_end": 5, "label": "ACTOR"}

    # Five more annotated sentences (in two documents): the same number of queries.
    annotate_frames(db.session, project, people, sentences[1:])
    queries.clear()
    data = json.loads(export(db.session, project, include_annotations="1"))
    event.remove(db.engine, "before_cursor_execute", count)
    assert len(queries) == few
    assert sum(len(w["relations"]) for d in data["documents"] for s in d["sentences"]
               for w in s["annotations"].values()) == 6 * 3
