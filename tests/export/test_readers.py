"""The readers of other tools' files and the placing of their spans, on hand-made cases (pure:
no database)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from annotator.export.readers.brat import read_brat
from annotator.export.readers.conll import read_conll
from annotator.export.readers.doccano import read_doccano
from annotator.export.readers.labelstudio import read_labelstudio
from annotator.export.readers.placing import Slot, place, realign
from annotator.export.readers.shape import ForeignDocument, ForeignRelation, ForeignSpan
from annotator.projects.schema import default_schema_document, parse_schema

SCHEMA = parse_schema(default_schema_document())


def spans_of(reading, doc: int = 0) -> list[tuple[str, str]]:
    document = reading.documents[doc]
    return [(document.text[s.start:s.end], s.label) for s in document.spans]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # IOB2
        (["Rebels B-ACTOR", "shelled B-EVENT", "Kafr B-LOCATION", "Nabl I-LOCATION", ". O"],
         [("Rebels", "ACTOR"), ("shelled", "EVENT"), ("Kafr Nabl", "LOCATION")]),
        # IOB1: I- opens a span, B- only splits two neighbours of one label
        (["Police I-ACTOR", "and O", "army I-ACTOR", "units I-ACTOR", "fighters B-ACTOR"],
         [("Police", "ACTOR"), ("army units", "ACTOR"), ("fighters", "ACTOR")]),
        # BIOES
        (["The O", "4th B-UNIT", "Armoured I-UNIT", "Brigade E-UNIT", "Homs S-LOCATION"],
         [("4th Armoured Brigade", "UNIT"), ("Homs", "LOCATION")]),
        # an I- of another label starts a new span; extra columns before the tag are ignored
        (["Idlib NNP B-NP B-LOCATION", "police NN I-NP I-ACTOR"],
         [("Idlib", "LOCATION"), ("police", "ACTOR")]),
    ],
)
def test_conll_tags_become_spans(lines: list[str], expected: list[tuple[str, str]]) -> None:
    reading = read_conll([("x.conll", "\n".join(lines).encode())])
    assert not reading.problems
    assert spans_of(reading) == expected


def test_conll_rebuilds_the_text_and_splits_documents() -> None:
    text = ("-DOCSTART- -X- O O\n\nShots B-EVENT\nrang O\n. O\n\nTwo O\ndied O\n\n"
            "-DOCSTART- -X- O O\n\nCalm O\nreturned O\n")
    reading = read_conll([("x.conll", text.encode())])
    assert [d.text for d in reading.documents] == ["Shots rang .\nTwo died", "Calm returned"]
    assert [d.where for d in reading.documents] == ["x.conll line 1", "x.conll line 10"]


def test_realign_moves_offsets_onto_the_original_text() -> None:
    rebuilt = ForeignDocument("x", "Kafr Nabl , said the 25th Division .", spans=[
                              ForeignSpan("a", 0, 9, "LOCATION", "w"),
                               ForeignSpan("b", 21, 34, "UNIT", "w")])
    moved = realign(rebuilt, "Kafr Nabl, said the\n25th Division.")
    assert moved is not None
    assert [(moved.text[s.start:s.end]) for s in moved.spans] == ["Kafr Nabl", "25th Division"]
    assert realign(rebuilt, "Kafr Nabl, said the 26th Division.") is None


def test_label_studio_offsets_in_utf16_units_are_converted() -> None:
    text = "Drone \U0001F6E9 hit Sarmada."  # one code point, two UTF-16 units
    tasks = [{"id": 1, "data": {"text": text}, "annotations": [{"result": [
        {"id": "x", "type": "labels", "value": {"start": 13, "end": 20, "text": "Sarmada",
                                                "labels": ["LOCATION"]}}]}]}]
    reading = read_labelstudio([("t.json", json.dumps(tasks).encode())])
    assert spans_of(reading) == [("Sarmada", "LOCATION")]


def test_label_studio_reads_taxonomy_and_skips_cancelled_and_unannotated_tasks() -> None:
    region = {"start": 0, "end": 6, "text": "Strike", "labels": ["EVENT"]}
    tasks = [
        {"id": 1, "data": {"text": "Strike on Binnish."}, "annotations": [
            {"was_cancelled": True, "result": []},
            {"result": [{"id": "e", "type": "labels", "value": region},
                        {"id": "e", "type": "taxonomy", "from_name": "kind",
                         "value": {**region, "taxonomy": [["Explosions", "Air or drone strike"]]}}
                        ]}]},
        {"id": 2, "data": {"text": "Nothing yet."}, "annotations": [], "predictions": []},
    ]
    reading = read_labelstudio([("t.json", json.dumps(tasks).encode())])
    assert len(reading.documents) == 1 and not reading.problems
    span = reading.documents[0].spans[0]
    assert span.attributes == (("kind", "Air or drone strike"),)
    placed = place(reading.documents[0], "Strike on Binnish.", [Slot(7, 0, 18)], SCHEMA)
    assert [s.attributes for s in placed.sentences[7][0]] == [(("event_type", "air_drone_strike"),)]


def test_doccano_reads_a_json_array_too() -> None:
    items = [{"text": "Rebels took Kafr Nabl.", "label": [[0, 6, "ACTOR"], [12, 21, "LOCATION"]]}]
    reading = read_doccano([("d.json", json.dumps(items).encode())])
    assert spans_of(reading) == [("Rebels", "ACTOR"), ("Kafr Nabl", "LOCATION")]
    assert reading.documents[0].where == "d.json item 1"


def test_brat_zip_events_attributes_and_binary_flags() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a/x.txt", "Rebels shelled Homs.")
        archive.writestr("a/x.ann", "T1\tACTOR 0 6\tRebels\nT2\tEVENT 7 14\tshelled\n"
                                    "T3\tLOCATION 15 19\tHoms\nE1\tEVENT:T2 Actor1:T1 Place:T3\n"
                                    "A1\tType E1 Armed-clash\n"
                                    "A2\tNegated E1\n")
    reading = read_brat([("a.zip", buffer.getvalue())])
    assert not reading.problems
    document = reading.documents[0]
    assert [(r.head, r.role, r.child) for r in document.relations] == [
        ("T2", "Actor1", "T1"), ("T2", "Place", "T3")]
    placed = place(document, document.text, [Slot(1, 0, 20)], SCHEMA)
    # "Place" is no role of EVENT; "Negated" no attribute: each a problem naming its line.
    assert [str(p) for p in placed.problems] == [
        "a.zip/a/x.ann line 2 (T2): EVENT has no attribute 'Negated'",
        "a.zip/a/x.ann line 4 (E1): the span T2 was left out (see its own problem)",
    ]


def test_placing_turns_relations_round_and_names_what_it_refuses() -> None:
    text = "Militants ambushed a convoy. Soldiers died in Homs."
    document = ForeignDocument("f", text, spans=[
        ForeignSpan("1", 0, 9, "actor", "f#1"), ForeignSpan("2", 10, 18, "Event", "f#2"),
        ForeignSpan("3", 46, 50, "LOCATION", "f#3"), ForeignSpan("4", 21, 33, "ACTOR", "f#4"),
        ForeignSpan("5", 60, 64, "ACTOR", "f#5"), ForeignSpan("6", 5, 12, "UNIT", "f#6")])
    document.relations = [ForeignRelation("1", "2", "Actor 1", "r1"),  # argument -> event
                          ForeignRelation("2", "3", "location", "r2"),  # two sentences
                          ForeignRelation("2", "1", "target", "r3")]
    placed = place(document, text, [Slot(1, 0, 28), Slot(2, 29, 51)], SCHEMA)
    assert {str(p) for p in placed.problems} == {
        "f#4: crosses a sentence boundary: sentence 1 ends at offset 28, the span at 33",
        "f#5: offsets [60, 64) outside the text (0 <= start < end <= 51)",
        "f#6: overlaps the span at f#1 (actor); spans may not overlap",
        "r2: links spans of two sentences (an event frame stays within its sentence)",
        "r3: relation type 'target' is not a role of EVENT (roles: actor1, actor2, location)",
    }
    spans, relations = placed.sentences[1]
    assert [(s.start, s.end, s.label) for s in spans] == [(0, 9, "ACTOR"), (10, 18, "EVENT")]
    assert [(r.head, r.role, r.child) for r in relations] == [((10, 18), "actor1", (0, 9))]
    assert [(s.start, s.end, s.label) for s in placed.sentences[2][0]] == [(17, 21, "LOCATION")]


def test_brat_counts_a_windows_line_break_as_one_character() -> None:
    reading = read_brat([("w.txt", b"Curfew in Homs.\r\nShops shut in Hama."),
                         ("w.ann", b"T1\tLOCATION 30 34\tHama\r\n")])
    assert spans_of(reading) == [("Hama", "LOCATION")]
