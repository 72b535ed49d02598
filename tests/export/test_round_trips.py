"""Cross-format round trips: the gold of a project exported as Label Studio, brat or CoNLL,
imported back into a fresh project with the same format, gives the same gold span by span
(label, offsets, event type) and relation by relation (CoNLL: spans and labels only; into a
project that lacks the texts, CoNLL's rebuilt text: see docs/interop.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSpanRow
from annotator.corpus.importing import import_articles
from annotator.corpus.models import Document, Sentence
from tests.export.gold_data import GOLDEN_ARTICLES, golden_project
from tests.factories import make_project

# format: (the export's file name, event types and relations kept?)
FORMATS = {"labelstudio": ("gold.json", True), "brat": ("gold.zip", True),
           "conll": ("gold.conll", False)}


def solid(text: str) -> str:
    """The text without whitespace (CoNLL keeps tokens, not the spaces between them)."""
    return "".join(text.split())


def gold_of(session, project_id: int) -> tuple[list[tuple], list[tuple]]:
    """A project's gold as comparable rows: spans as (sentence text, start, end, surface,
    label, event type), relations as (sentence text, event, role, argument), sorted."""
    rows = session.execute(
        select(Document.text, Sentence.start, Sentence.end, GoldSentence.id)
        .join(Sentence, Sentence.document_id == Document.id)
        .join(GoldSentence, GoldSentence.sentence_id == Sentence.id)
        .where(Document.project_id == project_id)).all()
    sentence = {gold_id: text[start:end] for text, start, end, gold_id in rows}
    spans = sorted(
        (sentence[s.gold_id], s.start, s.end, sentence[s.gold_id][s.start:s.end], s.label,
         (s.attributes or {}).get("event_type"))
        for s in session.scalars(select(GoldSpanRow).where(GoldSpanRow.gold_id.in_(sentence))))
    relations = sorted(
        (sentence[r.gold_id], sentence[r.gold_id][r.head_start:r.head_end], r.role,
         sentence[r.gold_id][r.child_start:r.child_end])
        for r in session.scalars(
            select(GoldRelationRow).where(GoldRelationRow.gold_id.in_(sentence))))
    return spans, relations


def export_and_import(app, tmp_path: Path, fmt: str) -> None:
    """``annotator export`` of Golden in ``fmt``, then ``import-annotations`` into Fresh."""
    out = tmp_path / FORMATS[fmt][0]
    cli = app.test_cli_runner()
    exported = cli.invoke(args=["export", "--project", "Golden", "--format", fmt,
                                "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    imported = cli.invoke(args=["import-annotations", "--project", "Fresh", "--format", fmt,
                                "--as", "gold", str(out)])
    assert imported.exit_code == 0, imported.output


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_exported_gold_comes_back_the_same(app, db, tmp_path: Path, fmt: str) -> None:
    golden = golden_project(db.session)
    fresh = make_project(db.session, "Fresh")
    if fmt == "conll":  # CoNLL keeps no whitespace: the texts are there, the spans realigned
        import_articles(db.session, fresh.id, [("same.jsonl", "\n".join(
            json.dumps(a) for a in GOLDEN_ARTICLES).encode())])
    db.session.commit()
    typed = FORMATS[fmt][1]
    export_and_import(app, tmp_path, fmt)
    db.session.expire_all()
    spans, relations = gold_of(db.session, golden["project"].id)
    back_spans, back_relations = gold_of(db.session, fresh.id)
    if not typed:
        spans = [(*s[:5], None) for s in spans]
    if fmt == "conll":
        # A document found by its text gets its spans back exactly; the second one is
        # exported without its gold-less last sentence, so it is created from the tokens.
        whole = GOLDEN_ARTICLES[0]["text"]
        kept = [s for s in spans if s[0] in whole]
        assert [s for s in back_spans if s[0] in whole] == kept and len(kept) == 6
        spans, back_spans = ([(solid(s[0]), solid(s[3]), s[4]) for s in rows]
                             for rows in (spans, back_spans))
        back_spans.sort()
        spans.sort()
    assert back_spans == spans
    assert back_relations == (relations if typed else [])
    assert len(spans) == 11 and len(relations) == 4  # the golden project's gold


def test_conll_into_a_project_without_the_texts_keeps_every_span_on_rebuilt_text(
        app, db, tmp_path: Path) -> None:
    """The documents are created from CoNLL's tokens joined by spaces, and split again by
    the project's splitter: each span keeps its tokens and label, its offsets move."""
    golden = golden_project(db.session)
    fresh = make_project(db.session, "Fresh")
    db.session.commit()
    export_and_import(app, tmp_path, "conll")
    db.session.expire_all()

    def labelled(project_id: int) -> list[tuple[str, str]]:
        return sorted((solid(s[3]), s[4]) for s in gold_of(db.session, project_id)[0])

    assert labelled(fresh.id) == labelled(golden["project"].id)
    texts = db.session.scalars(select(Document.text).where(Document.project_id == fresh.id))
    assert "Al - Shabaab fighters attacked Mogadishu ' s Lido Beach" in "\n".join(texts)
