"""A model trained as a background job on a project's gold: `annotator train`, the model
page and its button, versions, the active model, predictions, and a cancelled training that
leaves nothing behind. Tiny data (generated news, a few epochs) keeps each test short."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from annotator.assignments.models import Assignment, BatchSentence
from annotator.corpus.importing import import_articles
from annotator.corpus.models import Sentence
from annotator.jobs.context import JobCancelled
from annotator.jobs.models import Job
from annotator.learning import predict, store
from annotator.learning.models import TrainedModel
from annotator.learning.prediction import forget_models, loaded_model, sentence_uncertainty
from annotator.learning.queries import active_version
from bench.news_generator import articles_jsonl, generate_articles, seed_gold
from tests.conftest import csrf_from, login
from tests.factories import make_project, make_user


@pytest.fixture
def project(app: Flask, db, tmp_path: Path) -> int:
    """A project with 60 generated gold sentences (6 articles); models go to tmp_path."""
    app.config["MODEL_STORE"] = str(tmp_path / "models")
    app.config["MODEL_PATIENCE"] = 0  # every epoch asked for (early stopping: test_training)
    make_user(db.session, "admin1", "admin")
    project = make_project(db.session, "Front lines")
    seed_gold(db.session, project.id, generate_articles(6, seed=5))
    db.session.commit()
    forget_models()
    return project.id


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def models(db) -> list[TrainedModel]:
    db.session.expire_all()
    return list(db.session.scalars(select(TrainedModel).order_by(TrainedModel.version)))


def test_train_command_waits_registers_the_model_and_predicts(app, db, project, tmp_path):
    result = run(app, "train", "--project", "Front lines", "--epochs", "10", "--activate",
                 "--wait")
    assert result.exit_code == 0, result.output
    assert "queued: train a model of Front lines" in result.output
    assert "Model v1 trained on 50 sentences" in result.output
    [model] = models(db)
    assert (model.version, model.epochs, model.active, model.split) == (1, 10, True, "80/10/10")
    assert model.train_sentences > model.dev_sentences > 0 and model.train_spans > 0
    assert [p["epoch"] for p in model.curve] == list(range(1, 11))
    assert set(model.scores["labels"]) == {"ACTOR", "LOCATION", "UNIT", "EVENT"}
    assert model.baseline["overall"]["n"] == model.dev_spans
    assert Path(model.path) == tmp_path / "models" / str(project) / "1"
    assert store.marker_key(Path(model.path)) == db.session.get(Job, model.job_id).key
    text = "Rebel fighters shelled the outskirts of Kafr Tala on March 3, a local official said."
    found = predict(db.session, project, text, None)
    assert found, "a model trained on such sentences finds something here"
    for span in found:
        assert span["source"] == "model" and span["name"] == "model v1"
        assert 0.0 <= span["score"] <= 1.0 and span["attributes"] == {}
        assert text[span["start"]:span["end"]].strip() == text[span["start"]:span["end"]]
    assert ("LOCATION", "Kafr Tala") in {(s["label"], text[s["start"]:s["end"]])
                                         for s in found}

    # A second run is version 2, kept beside the first; the active one stays until chosen.
    result = run(app, "train", "--project", "Front lines", "--epochs", "1")
    assert result.exit_code == 0, result.output
    first, second = models(db)
    assert (second.version, second.active, first.active) == (2, False, True)
    assert Path(first.path).is_dir() and Path(second.path).is_dir()
    assert predict(db.session, project, text, None)[0]["name"] == "model v1"


def test_train_command_refuses_bad_input_and_stores_nothing(app, db, project):
    result = run(app, "train", "--project", "Nowhere")
    assert result.exit_code != 0 and "Nowhere" in result.output
    result = run(app, "train", "--project", "Front lines", "--epochs", "0")
    assert result.exit_code != 0
    empty = make_project(db.session, "No gold yet")
    db.session.commit()
    result = run(app, "train", "--project", "No gold yet", "--wait")
    assert result.exit_code == 1
    assert "no complete gold sentence with spans" in result.output
    assert db.session.scalars(select(Job)).all() == []  # refused before any job was queued
    assert models(db) == [] and not (Path(app.config["MODEL_STORE"]) / str(empty.id)).exists()


def test_cancelled_training_leaves_no_model(app, db, project, monkeypatch):
    published = store.publish

    def publish_then_cancel(*args, **kwargs):
        published(*args, **kwargs)  # the folder is in place: the cancel must remove it
        raise JobCancelled("cancelled while saving")

    monkeypatch.setattr(store, "publish", publish_then_cancel)
    result = run(app, "train", "--project", "Front lines", "--epochs", "1", "--wait")
    assert result.exit_code == 1 and "cancelled" in result.output
    assert models(db) == []
    assert list((Path(app.config["MODEL_STORE"]) / str(project)).iterdir()) == []


def test_model_page_trains_with_the_button_and_makes_a_model_active(app, db, project):
    client = app.test_client()
    login(client, "admin1")
    page = client.get(f"/projects/{project}/models")
    assert page.status_code == 200 and "No model yet" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(f"/projects/{project}/models/train",
                           data={"csrf_token": token, "epochs": "2"})
    assert response.status_code == 302
    response = client.post(f"/projects/{project}/models/train",
                           data={"csrf_token": token, "epochs": "1"})
    assert response.status_code == 302
    html = client.get(f"/projects/{project}/models").get_data(as_text=True)
    assert 'data-version="2"' in html and 'data-version="1"' in html
    assert html.count('class="chart curve"') == 2 and 'class="f1-line"' in html
    assert "Gazetteer F1" in html and '<th scope="row">LOCATION</th>' in html
    assert "Model v2 trained on" in html  # the job panel's outcome
    assert html.count("Make active") == 2
    first = models(db)[0]
    response = client.post(f"/projects/{project}/models/{first.id}/activate",
                           data={"csrf_token": token})
    assert response.status_code == 302
    assert [m.active for m in models(db)] == [True, False]
    second = models(db)[1]
    client.post(f"/projects/{project}/models/{second.id}/activate", data={"csrf_token": token})
    assert [m.active for m in models(db)] == [False, True]
    assert client.post(f"/projects/{project}/models/999999/activate",
                       data={"csrf_token": token}).status_code == 404
    bad = client.post(f"/projects/{project}/models/train",
                      data={"csrf_token": token, "epochs": "0"})
    assert bad.status_code == 422 and len(models(db)) == 2


def test_batch_in_uncertain_order_hands_the_least_sure_sentences_first(app, db, project):
    for name in ("ann1", "ann2", "ann3"):
        make_user(db.session, name)
    import_articles(db.session, project, [("new.jsonl",
                                           articles_jsonl(generate_articles(3, seed=77)))])
    db.session.commit()
    args = ["create-batch", "--project", "Front lines", "--sample", "12", "--annotators",
            "ann1,ann2,ann3", "--overlap", "2", "--order", "uncertain"]
    refused = run(app, *args)
    assert refused.exit_code == 1 and "needs an active model" in refused.output
    assert run(app, "train", "--project", "Front lines", "--epochs", "3",
               "--activate").exit_code == 0
    result = run(app, *args)
    assert result.exit_code == 0, result.output

    db.session.expire_all()
    model_id, _, path = active_version(db.session, project)
    nlp = loaded_model(project, model_id, path)
    texts = {s.id: s.text for s in db.session.scalars(
        select(Sentence).where(Sentence.excluded.is_(False)))}
    chosen = {sentence: position for sentence, position in db.session.execute(
        select(BatchSentence.sentence_id, BatchSentence.position))}
    others = [sid for sid in texts if sid not in chosen]
    score = {sid: sentence_uncertainty(nlp, texts[sid]) for sid in texts}
    # The sample is the 12 most uncertain of the unassigned sentences ...
    assert len(chosen) == 12
    assert min(score[s] for s in chosen) >= max(score[s] for s in others)
    # ... and every queue starts with its most uncertain sentence; overlap and balance hold.
    queues: dict[int, list[int]] = {}
    for annotator, sentence in db.session.execute(
            select(Assignment.annotator_id, Assignment.sentence_id)
            .order_by(Assignment.annotator_id, Assignment.position)):
        queues.setdefault(annotator, []).append(sentence)
    assert sorted(len(q) for q in queues.values()) == [8, 8, 8]
    for queue in queues.values():
        assert [score[s] for s in queue] == sorted((score[s] for s in queue), reverse=True)
    readers = [s for q in queues.values() for s in q]
    assert all(readers.count(s) == 2 for s in chosen)
