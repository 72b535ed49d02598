"""The labelstudio export: tasks checked by structure against the gold read from the tables,
and the labelling config parsed as XML, declaring every name the tasks use."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from annotator.export import services
from annotator.export.labelstudio import labelstudio_config, write_labelstudio
from annotator.export.options import parse_options
from annotator.export.tally import make_tally
from annotator.projects.schema import default_schema_document, parse_schema
from tests.conftest import login
from tests.export.gold_data import FIXED_TIME, golden_project
from tests.export.gold_tables import gold_documents
from tests.export.sample_records import header, sample_documents

TASK_KEYS = {"data", "meta", "predictions"}
RESULT_KEYS = {"labels": {"id", "from_name", "to_name", "type", "value"},
               "choices": {"id", "from_name", "to_name", "type", "value"},
               "relation": {"from_id", "to_id", "type", "direction", "labels"}}


def export(session, project, fmt: str = "labelstudio", **options: str):
    prepared = services.prepare_export(session, project, parse_options(fmt, **options),
                                       with_agreement=False, now=FIXED_TIME)
    tally = make_tally(prepared.header)
    text = "".join(services.stream_export(session, prepared, tally))
    return text, services.summary_line(prepared, tally.counts())


def read_tasks(text: str, model_version: str = "gold"):
    """Per task: its text, regions {id: (start, end, label)}, choices {id: value} and
    relations, from the prediction of ``model_version``, checking the shape on the way."""
    tasks = json.loads(text)
    assert isinstance(tasks, list)
    out = []
    for task in tasks:
        assert set(task) == TASK_KEYS
        text = task["data"]["text"]
        found = [p for p in task["predictions"] if p["model_version"] == model_version]
        if not found:
            continue  # an annotator's prediction only where they worked
        (prediction,) = found
        regions, choices, relations = {}, {}, set()
        for result in prediction["result"]:
            assert set(result) == RESULT_KEYS[result["type"]], result
            if result["type"] == "relation":
                (role,) = result["labels"]
                assert result["direction"] == "right"
                relations.add((result["from_id"], role, result["to_id"]))
                continue
            assert result["to_name"] == "text"
            value = result["value"]
            assert text[value["start"]:value["end"]] == value["text"]  # offsets match the text
            if result["type"] == "labels":
                assert result["from_name"] == "label" and result["id"] not in regions
                (label,) = value["labels"]
                regions[result["id"]] = (value["start"], value["end"], label)
            else:
                assert result["from_name"] == "event_type"
                (choices[result["id"]],) = value["choices"]
                assert (value["start"], value["end"]) == regions[result["id"]][:2]
        assert {i for i, _, _ in relations} | {j for _, _, j in relations} <= set(regions)
        out.append((task, text, regions, choices, relations))
    return out


def test_tasks_hold_each_document_with_the_gold_at_its_offsets(db) -> None:
    data = golden_project(db.session)
    project = data["project"]
    text, summary = export(db.session, project)
    assert summary == ("exported 2 documents, 6 sentences, 11 gold spans, 4 gold relations "
                       "as labelstudio")
    expected = gold_documents(db.session, project.id)
    tasks = read_tasks(text)
    assert [t["meta"]["document_id"] for t, *_ in tasks] == sorted(expected)
    for task, doc_text, regions, choices, relations in tasks:
        gold = expected[task["meta"]["document_id"]]
        assert doc_text == gold.text and task["data"]["title"] == gold.title
        assert task["meta"]["project_id"] == project.id
        assert [s["id"] for s in task["meta"]["sentences"]] == [s[0] for s in gold.sentences]
        for meta, (_, sentence_text, status, _) in zip(task["meta"]["sentences"],
                                                       gold.sentences, strict=True):
            assert doc_text[meta["start"]:meta["end"]] == sentence_text
            assert meta["gold_status"] == status
        got = {(a, b, label, choices.get(rid)) for rid, (a, b, label) in regions.items()}
        assert got == gold.spans and len(regions) == len(gold.spans)
        got_relations = {(regions[h][:2], role, regions[c][:2]) for h, role, c in relations}
        assert got_relations == gold.relations
    assert sum(len(r) for *_, r in tasks) == 4
    # The emoji before Baidoa counts as one character, as in Label Studio (code points).
    second = tasks[1]
    assert ("Baidoa", "LOCATION") in {(second[1][a:b], label)
                                      for a, b, label in second[2].values()}


def test_annotators_work_comes_as_more_predictions_and_the_split_is_kept(db) -> None:
    project = golden_project(db.session)["project"]
    text, _ = export(db.session, project, include_annotations="1", split="50/50", seed="1")
    tasks = json.loads(text)
    assert {t["meta"]["split"] for t in tasks} == {"train", "test"}
    versions = [p["model_version"] for p in tasks[0]["predictions"]]
    assert versions == ["gold", "annotator:ann_a", "annotator:ann_b", "annotator:ann_c"]
    (own,) = read_tasks(text, "annotator:ann_c")
    # c's draft: the brigade's advance linked to the unit and the road.
    words = {rid: (own[1][a:b], label) for rid, (a, b, label) in own[2].items()}
    assert {(words[h][0], role, words[c][0]) for h, role, c in own[4]} == {
        ("advanced", "actor1", "25th Mechanised Brigade"), ("advanced", "location", "M5 highway")}
    assert "strategic_development" in own[3].values()
    train_only, _ = export(db.session, project, split="50/50", seed="1", part="train")
    assert {t["meta"]["split"] for t in json.loads(train_only)} == {"train"}


def test_config_declares_every_label_role_and_event_type_the_tasks_use(db) -> None:
    project = golden_project(db.session)["project"]
    root = ET.fromstring(labelstudio_config(project.label_schema))
    assert root.tag == "View"
    schema = parse_schema(default_schema_document())
    (labels,) = root.iter("Labels")
    assert (labels.get("name"), labels.get("toName")) == ("label", "text")
    assert [x.get("value") for x in labels.iter("Label")] == list(schema.keys)
    assert all(x.get("background", "").startswith("#") for x in labels.iter("Label"))
    (text_tag,) = root.iter("Text")
    assert (text_tag.get("name"), text_tag.get("value")) == ("text", "$text")
    roles = [r.key for r in schema.label("EVENT").roles]
    assert [x.get("value") for x in root.iter("Relation")] == roles
    (choices,) = root.iter("Choices")
    assert (choices.get("name"), choices.get("toName"), choices.get("perRegion")) == (
        "event_type", "text", "true")
    event_types = [v.value for v in schema.label("EVENT").attribute("event_type").values]
    assert [x.get("value") for x in choices.iter("Choice")] == event_types
    # Every name and value the tasks use is declared.
    text, _ = export(db.session, project, include_annotations="1")
    names = {tag.get("name") for tag in root.iter() if tag.get("name")}
    for task in json.loads(text):
        for prediction in task["predictions"]:
            for result in prediction["result"]:
                if result["type"] == "relation":
                    assert set(result["labels"]) <= set(roles)
                    continue
                assert {result["from_name"], result["to_name"]} <= names
                assert set(result["value"].get("labels", [])) <= set(schema.keys)
                assert set(result["value"].get("choices", [])) <= set(event_types)


def test_config_escapes_what_an_admin_typed() -> None:
    schema = default_schema_document()
    schema["labels"][0]["description"] = 'Says "hi" & <b>bye</b>'
    root = ET.fromstring(labelstudio_config(schema))
    assert next(root.iter("Label")).get("hint") == 'Says "hi" & <b>bye</b>'


def test_tasks_are_written_as_the_documents_stream_past() -> None:
    read = []

    def documents():
        for document in sample_documents():
            read.append(document.id)
            yield document

    chunks = write_labelstudio(header("labelstudio"), documents(), make_tally(header()))
    assert next(chunks) == "[" and read == []
    assert json.loads(next(chunks))["meta"]["document_id"] == 1 and read == [1]


def test_the_page_links_the_config_and_the_route_sends_it(app, db) -> None:
    project = golden_project(db.session)["project"]
    client = app.test_client()
    assert login(client, "cur").status_code == 302
    page = client.get(f"/projects/{project.id}/export").get_data(as_text=True)
    assert f'href="/projects/{project.id}/export/labelstudio-config"' in page
    assert 'value="labelstudio"' in page and 'value="brat"' in page and 'value="spacy"' in page
    response = client.get(f"/projects/{project.id}/export/labelstudio-config")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="golden-labelstudio-config.xml"')
    assert ET.fromstring(response.get_data()).tag == "View"
    download = client.get(f"/projects/{project.id}/export/download?format=labelstudio",
                          buffered=True)
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="golden-labelstudio.json"')
    assert len(json.loads(download.get_data(as_text=True))) == 2


def test_the_command_writes_tasks_card_and_config(app, db, tmp_path) -> None:
    golden_project(db.session)
    out = tmp_path / "tasks.json"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", "--project", "Golden", "--format", "labelstudio",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(out.read_text("utf-8"))) == 2
    config = tmp_path / "tasks.json.config.xml"
    assert ET.fromstring(config.read_text("utf-8")).tag == "View"
    assert result.stdout.strip().endswith(
        f"wrote {out}, {tmp_path / 'tasks.json.card.md'} and {config}")
    chosen = tmp_path / "ls.xml"
    result = runner.invoke(args=["export", "--project", "Golden", "--format", "labelstudio",
                                 "--labelstudio-config", str(chosen)])
    assert result.exit_code == 0 and json.loads(result.stdout)
    assert ET.fromstring(chosen.read_text("utf-8")).tag == "View"
    refused = runner.invoke(args=["export", "--project", "Golden", "--format", "jsonl",
                                  "--labelstudio-config", str(tmp_path / "x.xml")])
    assert refused.exit_code != 0
    assert "--labelstudio-config goes with --format labelstudio" in refused.stderr
    assert not (tmp_path / "x.xml").exists()
