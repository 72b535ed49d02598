"""Proof the export is a usable training set: spaCy loads it without a misaligned entity,
trains a blank English NER model on it, and the CoNLL file reads back to the same entities."""

from __future__ import annotations

import json
import random

import spacy
from spacy.tokens import Doc
from spacy.training import Example
from spacy.training.converters import conll_ner_to_docs
from sqlalchemy import select

from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSpanRow
from annotator.corpus.models import Sentence
from annotator.export import services
from annotator.export.conll import CONLL_DOCSTART
from annotator.export.options import parse_options
from annotator.export.tally import make_tally
from tests.export.gold_data import FIXED_TIME, add_gold, golden_project, sentences_of

# Phrases the generated sentences are made of, with the label their gold span gets.
PHRASES = {
    "ACTOR": ["Government forces", "Al-Shabaab fighters", "the 3rd Army's commander",
              "Gen. Samir Haddad", "U.S.-backed militias", "Wagner mercenaries"],
    "LOCATION": ["Kafr Tala", "Mogadishu's Lido Beach", "al-Numan", "Baidoa", "the M5 highway",
                 "Café Riche"],
    "UNIT": ["25th Mechanised Brigade", "the 4th Division", "Bataillon 2-B"],
    "EVENT": ["shelled", "attacked", "air strikes", "car bomb exploded", "clashes"],
}
TEMPLATES = [
    "{ACTOR} {EVENT} near {LOCATION} on Monday, officials said.",
    "On 3.5 km of road outside {LOCATION}, {UNIT} reported {EVENT}.",
    "\u201c{EVENT}!\u201d said {ACTOR} \U0001F4A5 in {LOCATION}.",
    "{UNIT} and {ACTOR} withdrew from {LOCATION}  after {EVENT}.",
    "Nothing was reported from the front today.",
]


def make_training_project(session, n: int = 60):
    """``n`` generated sentences, every mention a gold span (seeded), plus the golden project."""
    data = golden_project(session)
    project = data["project"]
    rng = random.Random(7)
    lines = []
    for i in range(n):
        template = TEMPLATES[i % len(TEMPLATES)]
        picks = {label: rng.choice(options) for label, options in PHRASES.items()}
        lines.append(template.format(**picks))
    from annotator.corpus.importing import import_articles

    body = json.dumps({"title": "Generated", "text": "\n\n".join(lines)})
    import_articles(session, project.id, [("generated.jsonl", body.encode())])
    generated = [s for s in sentences_of(session, project.id) if s.document.title == "Generated"]
    assert len(generated) == n, [s.text for s in generated][:5]
    for s in generated:
        spans = []
        for label, options in PHRASES.items():
            for phrase in options:
                at = s.text.find(phrase)
                if at >= 0 and not any(at < x["end"] and x["start"] < at + len(phrase)
                                       for x in spans):
                    spans.append({"start": at, "end": at + len(phrase), "label": label})
        add_gold(session, s.id, spans)
    session.commit()
    return project


def export_text(session, project, fmt: str) -> str:
    prepared = services.prepare_export(session, project, parse_options(fmt),
                                       with_agreement=False, now=FIXED_TIME)
    return "".join(services.stream_export(session, prepared, make_tally(prepared.header)))


def gold_entities(session, project) -> list[list[tuple[str, str]]]:
    """(text, label) of every gold span, per exported sentence, in export order."""
    rows = session.execute(
        select(Sentence, GoldSpanRow.start, GoldSpanRow.end, GoldSpanRow.label)
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .outerjoin(GoldSpanRow, GoldSpanRow.gold_id == GoldSentence.id)
        .where(Sentence.project_id == project.id)
        .order_by(Sentence.document_id, Sentence.index, GoldSpanRow.start)
    ).all()
    out: dict[int, list[tuple[str, str]]] = {}
    for sentence, start, end, label in rows:
        entities = out.setdefault(sentence.id, [])
        if start is not None:
            entities.append((sentence.text[start:end], label))
    return list(out.values())


def docs_from_jsonl(nlp, text: str) -> list[Doc]:
    docs = []
    for line in text.splitlines():
        item = json.loads(line)
        words = [t["text"] for t in item["tokens"]]
        spaces = [t["ws"] for t in item["tokens"]]
        doc = Doc(nlp.vocab, words=words, spaces=spaces)
        assert doc.text == item["text"]  # same characters, so the same offsets
        entities = []
        for span in item["spans"]:
            entity = doc.char_span(span["start"], span["end"], label=span["label"],
                                   alignment_mode="strict")
            assert entity is not None, f"misaligned: {span} in {item['text']!r}"
            assert (entity.start, entity.end - 1) == (span["token_start"], span["token_end"])
            entities.append(entity)
        doc.ents = entities
        docs.append(doc)
    return docs


def test_jsonl_export_loads_into_spacy_with_every_entity_aligned(db) -> None:
    project = make_training_project(db.session)
    nlp = spacy.blank("en")
    docs = docs_from_jsonl(nlp, export_text(db.session, project, "jsonl"))
    got = [[(e.text, e.label_) for e in doc.ents] for doc in docs]
    assert got == gold_entities(db.session, project)
    assert sum(len(x) for x in got) > 150


def test_blank_english_ner_trains_on_the_jsonl_export(db) -> None:
    project = make_training_project(db.session)
    nlp = spacy.blank("en")
    references = docs_from_jsonl(nlp, export_text(db.session, project, "jsonl"))
    examples = [Example(Doc(nlp.vocab, words=[t.text for t in d],
                            spaces=[bool(t.whitespace_) for t in d]), d) for d in references]
    ner = nlp.add_pipe("ner")
    optimizer = nlp.initialize(lambda: examples)
    assert set(ner.labels) == {"ACTOR", "LOCATION", "UNIT", "EVENT"}
    random.seed(0)
    losses_per_epoch = []
    for _ in range(8):
        losses: dict[str, float] = {}
        random.shuffle(examples)
        for start in range(0, len(examples), 8):
            nlp.update(examples[start:start + 8], sgd=optimizer, losses=losses, drop=0.1)
        losses_per_epoch.append(losses["ner"])
    assert all(loss == loss and loss >= 0 for loss in losses_per_epoch)  # finite, no NaN
    assert losses_per_epoch[-1] < losses_per_epoch[0]  # it learns from the data
    # The model runs on a new text without error.
    predicted = nlp("Government forces shelled Baidoa on Monday.")
    assert all(e.label_ in {"ACTOR", "LOCATION", "UNIT", "EVENT"} for e in predicted.ents)


def read_conll(text: str) -> list[list[tuple[str, str]]]:
    """A plain BIO reader, independent of the exporter: entities per sentence."""
    sentences: list[list[tuple[str, str]]] = []
    tokens: list[tuple[str, str]] = []
    for line in text.split("\n") + [""]:
        if line.startswith("-DOCSTART-"):
            continue
        if not line:
            if tokens:
                sentences.append(_entities(tokens))
                tokens = []
            continue
        word, tag = line.split(" ")
        tokens.append((word, tag))
    return sentences


def _entities(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    entities: list[tuple[list[str], str]] = []
    for word, tag in tokens:
        if tag.startswith("B-"):
            entities.append(([word], tag[2:]))
        elif tag.startswith("I-"):
            assert entities and entities[-1][1] == tag[2:], f"I- without B-: {tokens}"
            entities[-1][0].append(word)
    return [(" ".join(words), label) for words, label in entities]


def squash(entities: list[list[tuple[str, str]]]) -> list[list[tuple[str, str]]]:
    # CoNLL keeps tokens, not the spaces between them: compare without whitespace.
    return [[("".join(t.split()), label) for t, label in sentence] for sentence in entities]


def test_conll_export_reads_back_to_the_same_entities(db) -> None:
    project = make_training_project(db.session)
    text = export_text(db.session, project, "conll")
    gold = gold_entities(db.session, project)
    assert squash(read_conll(text)) == squash(gold)
    # spaCy's own CoNLL-2003 converter agrees (documents split on the -DOCSTART- line).
    spacy_docs = list(conll_ner_to_docs(text, n_sents=0, no_print=True))
    assert len(spacy_docs) == text.count(CONLL_DOCSTART) == 3
    from_spacy = [(e.text, e.label_) for doc in spacy_docs for e in doc.ents]
    assert squash([from_spacy]) == squash([[e for sentence in gold for e in sentence]])


def test_imported_span_inside_a_token_is_widened_the_same_way_everywhere(db) -> None:
    project = golden_project(db.session)["project"]
    s = sentences_of(db.session, project.id)[-1]  # "Delegates met for two hours." (no gold)
    add_gold(db.session, s.id, [{"start": 2, "end": 9, "label": "ACTOR"}])  # "legates"
    db.session.commit()
    conll = export_text(db.session, project, "conll")
    assert "Delegates B-ACTOR\nmet O" in conll
    line = export_text(db.session, project, "jsonl").splitlines()[-1]
    assert json.loads(line)["spans"] == [{"start": 2, "end": 9, "label": "ACTOR",
                                          "attributes": {}}]


def test_jsonl_relations_load_into_spacy_as_its_relation_tutorial_reads_them(db) -> None:
    """spaCy's relation-extraction project (projects/tutorials/rel_component, parse_data.py)
    reads Prodigy's relations by the token index of each span's last token and keys a Doc's
    ``_.rel`` by the spans' first tokens; done here on our export, it gives back exactly the
    gold relations (read from the table, independently of the exporter)."""
    project = golden_project(db.session)["project"]
    nlp = spacy.blank("en")
    if not Doc.has_extension("rel"):
        Doc.set_extension("rel", default=None)
    got = set()
    for line in map(json.loads, export_text(db.session, project, "jsonl").splitlines()):
        doc = Doc(nlp.vocab, words=[t["text"] for t in line["tokens"]],
                  spaces=[t["ws"] for t in line["tokens"]])
        span_end_to_start = {s["token_end"]: s["token_start"] for s in line["spans"]}
        doc.ents = [doc[s["token_start"]:s["token_end"] + 1] for s in line["spans"]]
        doc._.rel = {}
        for relation in line["relations"]:
            head = doc[span_end_to_start[relation["head"]]:relation["head"] + 1]
            child = doc[span_end_to_start[relation["child"]]:relation["child"] + 1]
            doc._.rel.setdefault((head.start, child.start), {})[relation["label"]] = 1.0
            got.add((line["meta"]["sentence_id"], head.text, relation["label"], child.text))
        assert len(doc._.rel) == len({(r["head"], r["child"]) for r in line["relations"]})
    rows = db.session.execute(
        select(Sentence, GoldRelationRow)
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .join(GoldRelationRow, GoldRelationRow.gold_id == GoldSentence.id)
        .where(Sentence.project_id == project.id)).all()
    expected = {(s.id, s.text[r.head_start:r.head_end], r.role, s.text[r.child_start:r.child_end])
                for s, r in rows}
    assert got == expected and len(expected) == 4
