"""Event records (events-jsonl, events-csv), relations in jsonl, and event frames in the card."""

from __future__ import annotations

import csv
import io
import json

import pytest

from annotator.export.card import render_card
from annotator.export.events import write_events_csv, write_events_jsonl
from annotator.export.jsonl import write_jsonl
from annotator.export.records import ExportDocument, GoldRelation
from annotator.export.tally import make_tally, tally_documents
from tests.conftest import login
from tests.export.gold_data import golden_project
from tests.export.sample_records import gold, header, sentence
from tests.export.test_views import client_for
from tests.factories import make_user

# "Warplanes of the Syrian Air Force and the Russian Aerospace Forces struck militants'
# positions near Kafr Nabl": one air strike, two initiators, one target, one place.
TEXT = ("Warplanes of the Syrian Air Force and the Russian Aerospace Forces struck "
        "militants' positions near Kafr Nabl.")


def at(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


SYRIAN, RUSSIAN, MILITANTS, STRUCK, PLACE = (
    at("Syrian Air Force"), at("Russian Aerospace Forces"), at("militants"), at("struck"),
    at("Kafr Nabl"))


def relation(head, role, child, **kw) -> GoldRelation:
    return GoldRelation(head[0], head[1], role, child[0], child[1], kw.pop("source", "unanimous"),
                        2, 2, ("a", "b"), **kw)


def frame_documents(title: str = "Air strikes on Idlib", split: str | None = None):
    spans = [gold(*SYRIAN, "ACTOR"), gold(*RUSSIAN, "ACTOR"), gold(*MILITANTS, "ACTOR"),
             gold(*STRUCK, "EVENT", attributes={"event_type": "air_drone_strike"}),
             gold(*PLACE, "LOCATION")]
    relations = (relation(STRUCK, "location", PLACE),
                 relation(STRUCK, "actor1", RUSSIAN, source="curator", curator="cur"),
                 relation(STRUCK, "actor2", MILITANTS), relation(STRUCK, "actor1", SYRIAN))
    first = sentence(TEXT, spans, sid=11, relations=relations)
    quiet = sentence("The border crossing stayed closed.", [], sid=12)
    return [ExportDocument(4, title, "https://example.test/idlib", "2024-02-11", split,
                           (first, quiet))]


def test_events_jsonl_gives_one_record_per_event_with_its_arguments_by_role() -> None:
    tally = make_tally(header("events-jsonl"))
    lines = "".join(write_events_jsonl(header("events-jsonl"), frame_documents(), tally))
    records = [json.loads(x) for x in lines.splitlines()]
    assert len(records) == 1  # one gold EVENT; the sentence without one gives no record
    record = records[0]
    assert {k: record[k] for k in ("project", "project_id", "document_id", "title", "url",
                                   "published", "sentence_id", "text", "label", "event_type",
                                   "event_group")} == {
        "project": "Demo", "project_id": 7, "document_id": 4, "title": "Air strikes on Idlib",
        "url": "https://example.test/idlib", "published": "2024-02-11", "sentence_id": 11,
        "text": TEXT, "label": "EVENT", "event_type": "air_drone_strike",
        "event_group": "explosions_remote_violence"}
    assert "split" not in record  # only when a split was asked for
    assert record["trigger"] == {"text": "struck", "start": STRUCK[0], "end": STRUCK[1]}
    # Every role of the schema, in schema order; arguments in text order.
    assert list(record["arguments"]) == ["actor1", "actor2", "location"]
    assert [(a["text"], a["start"], a["label"]) for a in record["arguments"]["actor1"]] == [
        ("Syrian Air Force", SYRIAN[0], "ACTOR"), ("Russian Aerospace Forces", RUSSIAN[0], "ACTOR")]
    assert [a["text"] for a in record["arguments"]["actor2"]] == ["militants"]
    assert [a["text"] for a in record["arguments"]["location"]] == ["Kafr Nabl"]
    counts = tally.counts()
    assert (counts["documents"], counts["sentences"], counts["relations"]) == (1, 2, 4)
    assert counts["frames"] == {"EVENT": {"events": 1, "roles": {"actor1": 1, "actor2": 1,
                                                                   "location": 1}}}


def test_events_csv_has_a_column_per_role_and_neutralises_formulas() -> None:
    options = {"split": "50/50", "seed": 1, "split_names": ["train", "test"]}
    head = header("events-csv", **options)
    text = "".join(write_events_csv(
        head, frame_documents(title="=HYPERLINK(\"http://x.test\")", split="train"),
        make_tally(head)))
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "project", "document_id", "title", "url", "published", "split", "sentence_id",
        "sentence_text", "gold_status", "trigger_text", "trigger_start", "trigger_end", "label",
        "event_type", "event_group", "source", "actor1", "actor1_offsets", "actor2",
        "actor2_offsets", "location", "location_offsets"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert len(rows) == 2
    assert row["title"] == "'=HYPERLINK(\"http://x.test\")"  # a formula cell, neutralised
    assert row["split"] == "train" and row["published"] == "2024-02-11"
    assert row["actor1"] == "Syrian Air Force; Russian Aerospace Forces"
    assert row["actor1_offsets"] == f"{SYRIAN[0]}-{SYRIAN[1]}; {RUSSIAN[0]}-{RUSSIAN[1]}"
    assert (row["actor2"], row["location"]) == ("militants", "Kafr Nabl")
    assert (row["trigger_text"], row["trigger_start"]) == ("struck", str(STRUCK[0]))


def test_jsonl_relations_take_prodigys_shape_with_the_spans_last_token() -> None:
    lines = "".join(write_jsonl(header("jsonl"), frame_documents(), make_tally(header("jsonl"))))
    line = json.loads(lines.splitlines()[0])
    tokens = line["tokens"]
    by_role = {}
    for r in line["relations"]:
        head, child = r["head_span"], r["child_span"]
        # head/child: the index of the span's last token (Prodigy's token_end).
        assert (r["head"], r["child"]) == (head["token_end"], child["token_end"])
        assert tokens[r["head"]]["end"] == head["end"]
        assert tokens[r["child"]]["end"] == child["end"]
        by_role.setdefault(r["label"], []).append(line["text"][child["start"]:child["end"]])
    assert by_role == {"actor1": ["Syrian Air Force", "Russian Aerospace Forces"],
                       "actor2": ["militants"], "location": ["Kafr Nabl"]}
    assert line["relations"][0]["head_span"]["label"] == "EVENT"
    provenance = line["meta"]["relation_provenance"]
    assert len(provenance) == 4 and provenance[1]["curator"] == "cur"  # actor1 Russian...


def test_card_reports_roles_filled_and_argument_f1_per_role() -> None:
    agreement = {
        "overall": {"argument_f1": {"value": 0.62, "ci95": [0.55, 0.7]}},
        "labels": {},
        "per_role": {"actor1": {"argument_f1": {"value": 0.71, "ci95": [0.64, 0.78]}},
                     "location": {"argument_f1": {"value": None, "ci95": None}}},
    }
    head = header("events-jsonl", agreement=agreement)
    card = render_card(head, tally_documents(frame_documents(), make_tally(head)).counts())
    section = card.split("## Event frames", 1)[1].split("\n## ", 1)[0]
    assert "4 gold relations" in section
    assert "Argument F1, all roles: 0.620 [0.550, 0.700]." in section
    assert ("| EVENT | actor1 | Actor 1 (initiator) | 1 | 1 | 100.0% | 0.710 | [0.640, 0.780] |"
            in section)
    assert "| EVENT | actor2 | Actor 2 (target) | 1 | 1 | 100.0% | n/a | n/a |" in section
    assert "| EVENT | location | Location | 1 | 1 | 100.0% | n/a | n/a |" in section


def test_card_without_argument_figures_says_why() -> None:
    head = header("gold-json", agreement={"overall": {}, "labels": {}})
    card = render_card(head, tally_documents(frame_documents(), make_tally(head)).counts())
    assert "No argument F1" in card


# ----------------------------------------------------------------- through the app


@pytest.fixture
def golden(app, db):
    return golden_project(db.session)


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_events_csv_from_the_command_line_with_its_card(app, db, tmp_path) -> None:
    golden_project(db.session)
    out = tmp_path / "events.csv"
    result = run(app, "export", "--project", "Golden", "--format", "events-csv", "--out",
                 str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        "exported 2 documents, 6 sentences, 11 gold spans, 4 gold relations (3 events) as "
        "events-csv;")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["trigger_text"], r["actor1"], r["actor2"], r["location"]) for r in rows] == [
        ("shelled", "Government forces", "", "Kafr Tala"),
        ("attacked", "Al-Shabaab fighters", "", "Mogadishu's Lido Beach"),
        ("bombing", "", "", "")]
    assert rows[0]["title"] == "Shelling near Kafr Tala" and rows[0]["published"] == "2024-03-04"
    assert rows[0]["event_group"] == "explosions_remote_violence"
    card = (tmp_path / "events.csv.card.md").read_text(encoding="utf-8")
    assert "| EVENT | actor1 | Actor 1 (initiator) | 3 | 2 | 66.7% |" in card


def test_event_downloads_and_the_export_page(app, golden) -> None:
    pid = golden["project"].id
    client = client_for(app, "cur")
    page = client.get(f"/projects/{pid}/export").get_data(as_text=True)
    assert 'value="events-jsonl"' in page and 'value="events-csv"' in page
    assert "4 gold relations" in page
    response = client.get(f"/projects/{pid}/export/download?format=events-csv&split=50/50"
                          "&seed=1&part=test")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="golden-events-test.csv"')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and {r["split"] for r in rows} == {"test"}
    response = client.get(f"/projects/{pid}/export/download?format=events-jsonl")
    assert response.headers["Content-Disposition"] == 'attachment; filename="golden-events.jsonl"'
    assert len(response.get_data(as_text=True).splitlines()) == 3


def test_imported_relations_come_back_from_the_api(app, db, tmp_path) -> None:
    data = golden_project(db.session)
    target = data["sentences"][7]  # "Talks resumed in Geneva."
    make_user(db.session, "dora")
    db.session.commit()
    event, place = {"start": 6, "end": 13}, {"start": 17, "end": 23}
    path = tmp_path / "frames.jsonl"
    path.write_text(json.dumps({
        "text": target.text,
        "spans": [{**event, "label": "EVENT"}, {**place, "label": "LOCATION"}],
        "relations": [{"head": event, "child": place, "role": "location"}]}) + "\n")
    result = run(app, "import-annotations", "--project", "Golden", str(path), "--annotator",
                 "dora")
    assert result.exit_code == 0, result.stderr
    assert "with 2 spans and 1 relations" in result.stdout
    client = app.test_client()
    login(client, "dora")
    state = client.get(f"/api/sentences/{target.id}/annotation").get_json()
    assert state["relations"] == [{"head": event, "child": place, "role": "location"}]
