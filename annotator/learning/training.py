"""Train and evaluate a spaCy NER pipeline on labelled sentences (no Flask, no database).

The pipeline is a blank language plus ``beam_ner`` (spaCy's entity recogniser with a beam
search, CPU only, no downloaded weights). It is trained with spaCy's own loop —
``nlp.initialize`` then ``nlp.update`` over shuffled, compounding minibatches with dropout —
rather than ``spacy.cli.train`` and a generated config: the data comes from the database
already in memory (the trainer would want it written to ``.spacy`` files first), and the loop
reports after every epoch, which is where the job shows its progress and stops on a cancel.

Docs are built from the project's own tokens (``corpus/tokens.py``) as words and spaces, so
every character offset of a gold span is exactly a token boundary in spaCy as well; a gap
that is not exactly one space becomes a whitespace token, as spaCy's tokenizer would make.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import spacy
from spacy.language import Language
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import compounding, fix_random_seed, minibatch
from spacy.vocab import Vocab

from annotator.corpus.tokens import token_offsets
from annotator.learning.records import Epoch, Labelled

PIPE = "beam_ner"
BEAM_WIDTH = 8  # parses kept; the score of a span is the share of the beam's probability in it
# Share of updates made with the beam (the rest are greedy: several times cheaper). The beam
# is what gives scores at prediction time; training mostly greedily keeps 2,000 sentences
# well inside the time budget (docs/benchmarks.md) with the same exact-match F1.
BEAM_UPDATE_PROB = 0.1
DROPOUT = 0.2
BATCH_START, BATCH_STOP, BATCH_GROWTH = 4.0, 32.0, 1.01  # sentences per update, growing
# spaCy's default NER network made narrower (96 -> 64 wide, 4 -> 2 CNN layers): about half the
# training time, and a small model in memory; conflict news has a narrow vocabulary.
MODEL = {
    "@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner",
    "extra_state_tokens": False, "hidden_width": 64, "maxout_pieces": 2, "use_upper": True,
    "nO": None,
    "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None,
                "width": 64, "depth": 2, "embed_size": 2000, "window_size": 1,
                "maxout_pieces": 3, "subword_features": True},
}


@dataclass
class Scores:
    """Precision, recall and F1 overall and per label (with the label's gold spans)."""

    overall: dict[str, float]
    labels: dict[str, dict[str, float]]

    def as_json(self) -> dict[str, Any]:
        return {"overall": self.overall, "labels": self.labels}


@dataclass
class Trained:
    """A trained pipeline with what was learned about it."""

    nlp: Language
    curve: list[Epoch]
    scores: Scores | None  # on the dev part (None without dev sentences)
    baseline: Scores | None  # the gazetteer of train-gold span texts, same dev part
    skipped_spans: int = 0  # gold spans not on token boundaries (left out)
    seconds: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)
    best_epoch: int = 0  # the epoch whose weights the model has (the last, or the best)


def doc_from_text(vocab: Vocab, text: str,
                  tokens: Sequence[tuple[int, int]] | None = None) -> tuple[Doc, list[int]]:
    """A Doc whose tokens are the project's tokens of ``text`` (``tokens``, else computed)
    and its whitespace runs, with ``doc.text == text``; and, per project token, its index in
    the Doc."""
    words: list[str] = []
    spaces: list[bool] = []
    index: list[int] = []
    position = 0
    for start, end in (token_offsets(text) if tokens is None else tokens):
        gap = text[position:start]
        if gap == " " and words:
            spaces[-1] = True
        elif gap:
            words.append(gap)
            spaces.append(False)
        index.append(len(words))
        words.append(text[start:end])
        spaces.append(False)
        position = end
    if position < len(text):
        if text[position:] == " " and words:
            spaces[-1] = True
        else:
            words.append(text[position:])
            spaces.append(False)
    return Doc(vocab, words=words, spaces=spaces), index


def gold_doc(vocab: Vocab, sentence: Labelled) -> tuple[Doc, int]:
    """The sentence as a Doc with its gold entities; and how many spans were off tokens."""
    doc, _ = doc_from_text(vocab, sentence.text)
    ents = []
    skipped = 0
    for start, end, label in sorted(sentence.spans):
        span = doc.char_span(start, end, label=label, alignment_mode="strict")
        if span is None or (ents and span.start < ents[-1].end):
            skipped += 1
            continue
        ents.append(span)
    doc.ents = ents
    return doc, skipped


def blank_pipeline(language: str, labels: Sequence[str]) -> Language:
    """A blank ``language`` pipeline ("xx" when spaCy has no such language) with the NER pipe
    and ``labels``."""
    try:
        nlp = spacy.blank(language)
    except ImportError:
        nlp = spacy.blank("xx")
    config: dict[str, Any] = {"model": MODEL}
    if PIPE == "beam_ner":
        config["beam_width"] = BEAM_WIDTH
        config["beam_update_prob"] = BEAM_UPDATE_PROB
    ner = nlp.add_pipe(PIPE, config=config)
    for label in labels:
        ner.add_label(label)
    return nlp


def examples_of(nlp: Language, sentences: Sequence[Labelled]) -> tuple[list[Example], int]:
    """spaCy training examples (predicted side: the bare tokens) and the skipped-span count."""
    examples = []
    skipped = 0
    for sentence in sentences:
        reference, off = gold_doc(nlp.vocab, sentence)
        skipped += off
        predicted, _ = doc_from_text(nlp.vocab, sentence.text)
        examples.append(Example(predicted, reference))
    return examples, skipped


def _rounded(p: Any, r: Any, f: Any) -> dict[str, float]:
    return {"p": round(float(p or 0.0), 4), "r": round(float(r or 0.0), 4),
            "f": round(float(f or 0.0), 4)}


def score_examples(examples: Sequence[Example], labels: Sequence[str]) -> Scores:
    """Exact-match precision, recall and F1 of the predicted entities against the reference,
    overall (micro) and per label, by spaCy's scorer (``get_ner_prf``); ``n``: gold spans."""
    scored = get_ner_prf(list(examples))
    per_type = scored["ents_per_type"] or {}
    support = Counter(ent.label_ for ex in examples for ent in ex.reference.ents)
    labelled = {}
    for label in labels:
        prf = per_type.get(label, {})
        labelled[label] = {**_rounded(prf.get("p"), prf.get("r"), prf.get("f")),
                           "n": support.get(label, 0)}
    overall = {**_rounded(scored["ents_p"], scored["ents_r"], scored["ents_f"]),
               "n": sum(support.values())}
    return Scores(overall, labelled)


def evaluate(nlp: Language, examples: Sequence[Example], labels: Sequence[str]) -> Scores:
    """The pipeline's scores on ``examples`` (their predicted side is re-annotated)."""
    predicted = list(nlp.pipe(Doc(nlp.vocab, words=[t.text for t in ex.predicted],
                                  spaces=[bool(t.whitespace_) for t in ex.predicted])
                              for ex in examples))
    return score_examples([Example(doc, ex.reference) for doc, ex in zip(predicted, examples,
                                                                        strict=True)], labels)


def train(
    train_set: Sequence[Labelled],
    dev_set: Sequence[Labelled],
    labels: Sequence[str],
    *,
    language: str = "xx",
    epochs: int = 10,
    seed: int = 0,
    on_epoch: Callable[[Epoch], None] | None = None,
    patience: int = 0,
) -> Trained:
    """Train a pipeline on ``train_set``, scoring it on ``dev_set`` after every epoch.

    ``on_epoch`` is called with each point of the curve (the job reports progress there and
    may raise to stop). With ``patience`` (and dev sentences), training stops early after
    that many epochs without a better dev F1, and the model keeps the best epoch's weights
    (``best_epoch``). The baseline is the gold gazetteer (``gazetteer_scores``).
    """
    began = time.perf_counter()
    fix_random_seed(seed)
    rng = random.Random(seed)
    nlp = blank_pipeline(language, labels)
    train_examples, skipped = examples_of(nlp, train_set)
    dev_examples, dev_skipped = examples_of(nlp, dev_set)
    optimizer = nlp.initialize(lambda: train_examples)
    curve: list[Epoch] = []
    scores: Scores | None = None
    best: tuple[float, int, bytes, Scores] | None = None  # dev F1, epoch, weights, scores
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        order = list(train_examples)
        rng.shuffle(order)
        losses: dict[str, float] = {}
        for batch in minibatch(order, size=compounding(BATCH_START, BATCH_STOP, BATCH_GROWTH)):
            nlp.update(batch, drop=DROPOUT, sgd=optimizer, losses=losses)
        scores = evaluate(nlp, dev_examples, labels) if dev_examples else None
        point = Epoch(epoch, round(float(losses.get(PIPE, 0.0)), 3),
                      scores.overall["f"] if scores else None,
                      round(time.perf_counter() - started, 3))
        curve.append(point)
        if on_epoch is not None:
            on_epoch(point)
        if scores is None or not patience:
            continue
        if best is None or scores.overall["f"] > best[0]:
            best = (scores.overall["f"], epoch, nlp.get_pipe(PIPE).to_bytes(), scores)
        elif epoch - best[1] >= patience:
            break  # no better dev F1 for `patience` epochs: more would not help
    best_epoch = curve[-1].epoch if curve else 0
    if best is not None and best[1] != best_epoch:
        nlp.get_pipe(PIPE).from_bytes(best[2])  # the weights of the best epoch
        best_epoch, scores = best[1], best[3]
    baseline = (gazetteer_scores(train_set, dev_examples, labels, nlp.vocab)
                if dev_examples else None)
    sizes = {
        "train_sentences": len(train_set),
        "train_spans": sum(len(ex.reference.ents) for ex in train_examples),
        "dev_sentences": len(dev_set),
        "dev_spans": sum(len(ex.reference.ents) for ex in dev_examples),
    }
    return Trained(nlp, curve, scores, baseline, skipped + dev_skipped,
                   round(time.perf_counter() - began, 3), sizes, best_epoch)


def gazetteer_scores(train_set: Sequence[Labelled], dev_examples: Sequence[Example],
                     labels: Sequence[str], vocab: Vocab) -> Scores:
    """The baseline: every train-gold span's token sequence, matched exactly in the dev
    sentences (longest match first, left to right) with its most frequent label."""
    gazetteer = build_gazetteer(train_set)
    longest = max((len(key) for key in gazetteer), default=0)
    examples = []
    for ex in dev_examples:
        words = [t.text for t in ex.reference]
        doc = Doc(vocab, words=words, spaces=[bool(t.whitespace_) for t in ex.reference])
        ents = []
        i = 0
        while i < len(words):
            for n in range(min(longest, len(words) - i), 0, -1):
                label = gazetteer.get(tuple(words[i:i + n]))
                if label is not None:
                    ents.append(Span(doc, i, i + n, label=label))
                    i += n
                    break
            else:
                i += 1
        doc.ents = ents
        examples.append(Example(doc, ex.reference))
    return score_examples(examples, labels)


def build_gazetteer(sentences: Sequence[Labelled]) -> dict[tuple[str, ...], str]:
    """Token sequence of each gold span -> its most frequent label (ties: alphabetical)."""
    seen: dict[tuple[str, ...], Counter[str]] = {}
    for sentence in sentences:
        for start, end, label in sentence.spans:
            text = sentence.text[start:end]
            words = tuple(text[a:b] for a, b in token_offsets(text))
            if words:
                seen.setdefault(words, Counter())[label] += 1
    return {key: min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            for key, counts in seen.items()}
