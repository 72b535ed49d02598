"""Training on generated news sentences (no framework, no download): tokens line up with
the project's tokenizer, the model learns, and the gazetteer baseline is scored alike."""

from __future__ import annotations

import random

from annotator.corpus.tokens import token_offsets
from annotator.learning.charts import curve_chart
from annotator.learning.records import Labelled
from annotator.learning.training import (
    blank_pipeline,
    build_gazetteer,
    doc_from_text,
    examples_of,
    gazetteer_scores,
    train,
)
from bench.news_generator import generate_sentence

LABELS = ("ACTOR", "LOCATION", "UNIT", "EVENT")


def sentences(count: int, seed: int) -> list[Labelled]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text, spans = generate_sentence(rng)
        out.append(Labelled(text, tuple((s.start, s.end, s.label) for s in spans)))
    return out


def test_docs_keep_every_offset_of_odd_whitespace() -> None:
    nlp = blank_pipeline("xx", LABELS)
    text = "  Shelling\u00a0hit  Kafr Tala,\tmedics said. "
    doc, index = doc_from_text(nlp.vocab, text)
    assert doc.text == text
    for (start, end), i in zip(token_offsets(text), index, strict=True):
        assert (doc[i].idx, doc[i].idx + len(doc[i])) == (start, end)


def test_model_learns_and_beats_nothing_and_curve_is_recorded() -> None:
    data = sentences(60, seed=1)
    epochs = []
    trained = train(data[:50], data[50:], LABELS, epochs=8, seed=3, on_epoch=epochs.append)
    assert [e.epoch for e in epochs] == list(range(1, 9)) == [p.epoch for p in trained.curve]
    assert epochs[-1].loss < epochs[0].loss
    assert trained.scores is not None and trained.scores.overall["f"] > 0.3
    assert set(trained.scores.labels) == set(LABELS)
    assert trained.scores.overall["n"] == sum(len(s.spans) for s in data[50:])
    assert trained.sizes == {"train_sentences": 50,
                             "train_spans": sum(len(s.spans) for s in data[:50]),
                             "dev_sentences": 10,
                             "dev_spans": sum(len(s.spans) for s in data[50:])}
    # The baseline: the same dev part, the train gold's texts.
    assert trained.baseline is not None and 0 < trained.baseline.overall["r"] <= 1
    chart = curve_chart([{"epoch": p.epoch, "loss": p.loss, "dev_f1": p.dev_f1}
                         for p in trained.curve])
    assert chart is not None and len(chart.loss_points.split()) == 8


def test_gazetteer_matches_longest_token_sequence_with_most_frequent_label() -> None:
    train_set = [Labelled("Forces of Kafr Tala and Kafr left.", ((10, 19, "LOCATION"),
                                                                  (24, 28, "ACTOR"))),
                 Labelled("Kafr fled.", ((0, 4, "ACTOR"),)),
                 Labelled("Kafr stayed.", ((0, 4, "LOCATION"),))]
    assert build_gazetteer(train_set) == {("Kafr", "Tala"): "LOCATION", ("Kafr",): "ACTOR"}
    nlp = blank_pipeline("xx", LABELS)
    dev, _ = examples_of(nlp, [Labelled("Kafr Tala fell to Kafr.",
                                        ((0, 9, "LOCATION"), (18, 22, "LOCATION")))])
    scores = gazetteer_scores(train_set, dev, LABELS, nlp.vocab)
    assert scores.labels["LOCATION"] == {"p": 1.0, "r": 0.5, "f": 0.6667, "n": 2}
    assert scores.labels["ACTOR"]["p"] == 0.0
    assert scores.overall["p"] == 0.5 and scores.overall["r"] == 0.5


def test_training_stops_when_the_dev_f1_stops_improving_and_keeps_the_best_weights() -> None:
    data = sentences(20, seed=2)
    no_entities = [Labelled(s.text) for s in sentences(5, seed=9)]  # dev F1 stays 0
    trained = train(data, no_entities, LABELS, epochs=6, seed=1, patience=2)
    assert [p.epoch for p in trained.curve] == [1, 2, 3] and trained.best_epoch == 1
    assert len(train(data, no_entities, LABELS, epochs=3, seed=1).curve) == 3  # no patience
