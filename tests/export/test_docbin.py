"""The spacy export: a DocBin that spaCy loads with ``DocBin().from_disk``, whose spans match
the gold one by one, and that ``spacy train`` trains a blank NER pipeline on."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import spacy
from spacy.tokens import DocBin
from srsly.msgpack import msgpack_encoders

from annotator.errors import Invalid
from annotator.export import options as export_options
from annotator.export import services
from annotator.export.options import parse_options
from annotator.export.tally import make_tally
from tests.conftest import login
from tests.export.gold_data import FIXED_TIME, add_gold, golden_project, sentences_of
from tests.export.gold_tables import gold_documents
from tests.export.test_spacy import make_training_project


def export_docbin(session, project, path, **options: str) -> str:
    """Write the export to ``path``; return the command line's summary."""
    prepared = services.prepare_export(session, project, parse_options("spacy", **options),
                                       with_agreement=False, now=FIXED_TIME)
    tally = make_tally(prepared.header)
    path.write_bytes(b"".join(services.stream_export(session, prepared, tally)))
    return services.summary_line(prepared, tally.counts())


def load(path):
    return list(DocBin().from_disk(path).get_docs(spacy.blank("xx").vocab))


def test_spacy_loads_the_docbin_and_its_spans_match_the_gold_one_by_one(db, tmp_path) -> None:
    project = golden_project(db.session)["project"]
    summary = export_docbin(db.session, project, tmp_path / "gold.spacy")
    assert summary.endswith("4 gold relations as spacy")
    docs = load(tmp_path / "gold.spacy")
    expected = [(doc.id, *s) for doc in gold_documents(db.session, project.id).values()
                for s in doc.sentences]
    assert len(docs) == len(expected) == 6
    for doc, (doc_id, sentence_id, text, status, spans) in zip(docs, expected, strict=True):
        assert doc.text == text
        assert (doc.user_data["sentence_id"], doc.user_data["document_id"]) == (
            sentence_id, doc_id)
        assert doc.user_data["gold_status"] == status
        want = [(a, b, label) for a, b, label, _ in spans]
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == want
        assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["sc"]] == want
        types = [(a, b, t) for a, b, _, t in spans if t]
        assert [(s.start_char, s.end_char, s.label_)
                for s in doc.spans.get("event_type", [])] == types
        # Complete gold: no entity elsewhere; partial gold: unknown elsewhere.
        outside = {t.ent_iob_ for t in doc if not t.ent_type_}
        assert outside <= ({"O"} if status == "complete" else {""})
    # The msgpack encoders kept for the export's length are looked up again afterwards.
    assert "get_all" not in vars(msgpack_encoders)
    first = docs[0]
    relations = {(first[r["head"][0]:r["head"][1]].text, r["role"],
                  first[r["child"][0]:r["child"][1]].text) for r in first.user_data["relations"]}
    assert relations == {("shelled", "actor1", "Government forces"),
                         ("shelled", "location", "Kafr Tala")}


def test_a_span_off_the_tokens_is_left_out_and_reported_never_moved(db, tmp_path) -> None:
    project = golden_project(db.session)["project"]
    s = sentences_of(db.session, project.id)[-1]  # "Delegates met for two hours." (no gold)
    add_gold(db.session, s.id, [{"start": 2, "end": 9, "label": "ACTOR"},  # "legates"
                                {"start": 10, "end": 13, "label": "EVENT"}])  # "met"
    db.session.commit()
    summary = export_docbin(db.session, project, tmp_path / "gold.spacy")
    assert summary.endswith("; warning: 1 spans off token boundaries left out of the DocBin "
                            "(see the card)")
    last = load(tmp_path / "gold.spacy")[-1]
    assert [(e.text, e.label_) for e in last.ents] == [("met", "EVENT")]
    assert [(x.text, x.label_) for x in last.spans["sc"]] == [("met", "EVENT")]


def test_spacy_train_trains_a_blank_ner_pipeline_on_the_export(db, tmp_path) -> None:
    project = make_training_project(db.session)
    train, dev = tmp_path / "train.spacy", tmp_path / "dev.spacy"
    export_docbin(db.session, project, train, split="50/50", seed="3", part="train")
    export_docbin(db.session, project, dev, split="50/50", seed="3", part="test")
    assert len(load(train)) and len(load(dev))
    config = tmp_path / "config.cfg"
    run = [sys.executable, "-m", "spacy"]
    subprocess.run([*run, "init", "config", str(config), "--lang", "xx", "--pipeline", "ner",
                    "--optimize", "efficiency"], check=True, capture_output=True, timeout=120)
    done = subprocess.run(
        [*run, "train", str(config), "--output", str(tmp_path / "model"),
         "--paths.train", str(train), "--paths.dev", str(dev),
         "--training.max_steps", "40", "--training.eval_frequency", "20"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    nlp = spacy.load(tmp_path / "model" / "model-last")
    assert set(nlp.get_pipe("ner").labels) == {"ACTOR", "LOCATION", "UNIT", "EVENT"}
    assert nlp("Government forces shelled Baidoa on Monday.") is not None


def test_without_spacy_the_format_is_refused_up_front(app, db, monkeypatch) -> None:
    monkeypatch.setattr(export_options, "spacy_installed", lambda: False)
    with pytest.raises(Invalid, match=r"needs spaCy.*pip install spacy"):
        parse_options("spacy")
    project = golden_project(db.session)["project"]
    client = app.test_client()
    assert login(client, "cur").status_code == 302
    monkeypatch.setattr("annotator.export.views.spacy_installed", lambda: False)
    page = client.get(f"/projects/{project.id}/export").get_data(as_text=True)
    assert re.search(r'value="spacy"\s+disabled', page) and "spaCy is not installed" in page
    response = client.get(f"/projects/{project.id}/export/download?format=spacy")
    assert response.status_code == 422 and "needs spaCy" in response.get_data(as_text=True)
    result = app.test_cli_runner().invoke(
        args=["export", "--project", "Golden", "--format", "spacy", "--out", "x.spacy"])
    assert result.exit_code == 1 and "needs spaCy" in result.stderr


def test_the_download_is_a_binary_attachment(app, db, tmp_path) -> None:
    project = golden_project(db.session)["project"]
    client = app.test_client()
    assert login(client, "cur").status_code == 302
    response = client.get(f"/projects/{project.id}/export/download?format=spacy&split=50/50"
                          "&seed=1&part=train", buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="golden-gold-train.spacy"')
    (tmp_path / "x.spacy").write_bytes(response.get_data())
    assert {d.user_data["split"] for d in load(tmp_path / "x.spacy")} == {"train"}
