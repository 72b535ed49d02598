"""The export's agreement summary read in chunks of documents: same data, same JSON."""

from __future__ import annotations

import json
import random

import jsonschema
from sqlalchemy import select

from annotator import caching
from annotator.agreement import agreement_report
from annotator.agreement.summary import summarize_chunks, summarize_report
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.assignments.services import create_batch
from annotator.corpus.models import Document, Sentence
from annotator.export import agreement_summary as export_agreement
from annotator.reports import queries as reports
from annotator.reports.input import agreement_column_chunks, agreement_columns
from tests.export.gold_data import add_gold, annotate, link, sentences_of, span_at
from tests.export.test_schema import SCHEMA as GOLD_JSON
from tests.factories import add_members, make_articles, make_project, make_user

EVENT_TYPES = [None, "armed_clash", "shelling_artillery_missile"]


def busy_project(session):
    """Seven documents of four sentences: three annotators finish, draft or skip sentences at
    random (seeded), with spans of every label and event types; a document nobody annotated;
    one annotated sentence excluded; two batches, the first over the last documents; and a
    second project whose annotations must not leak in."""
    people = [make_user(session, f"ann{k}") for k in range(3)]
    project = make_project(session, "Busy")
    make_articles(session, project, 7, sentences=4)
    other = make_project(session, "Other")
    make_articles(session, other, 1, sentences=4, start=50)
    docs = session.scalars(select(Document.id).where(Document.project_id == project.id)
                           .order_by(Document.id)).all()
    rng = random.Random(4)
    sentences = sentences_of(session, project.id)
    for sentence in sentences + sentences_of(session, other.id):
        if sentence.document_id == docs[2]:
            continue  # nobody annotated this document
        text = sentence.text
        phrases = [("rebels", "ACTOR"), ("shelled", "EVENT"), ("Kafr", "LOCATION"),
                   ("post", "UNIT"), ("village", "LOCATION")]
        for user in people:
            roll = rng.random()
            if roll < 0.2:
                continue
            spans = []
            for phrase, label in phrases:
                if rng.random() < 0.6:
                    start = text.index(phrase)
                    kind = label if rng.random() < 0.85 else "ACTOR"
                    subtype = rng.choice(EVENT_TYPES) if kind == "EVENT" else None
                    spans.append({"start": start, "end": start + len(phrase), "label": kind,
                                  "attributes": {"event_type": subtype} if subtype else {}})
            status = "done" if roll < 0.85 else rng.choice(["in_progress", "skipped"])
            annotate(session, user, sentence, spans, status=status)
    # Batches last: once a project has batches, only assigned annotators may save.
    create_batch(session, project.id, source="documents", document_ids=docs[4:],
                 annotators=[u.username for u in people], overlap=2)
    create_batch(session, project.id, source="remaining",
                 annotators=[u.username for u in people], overlap=3)
    sentences[5].excluded = True
    session.commit()
    return project


def as_items(columns):
    """Columns as {sentence id: (text, group, {annotator: sorted spans})}, in sentence order
    (columns carry no order for annotations and spans)."""
    spans: dict[int, list[tuple]] = {}
    for a, start, end, label, subtype in zip(columns.span_annotation, columns.span_start,
                                             columns.span_end, columns.span_label,
                                             columns.span_subtype, strict=True):
        spans.setdefault(a, []).append((start, end, label, subtype))
    items = [[sid, text, group, {}] for sid, text, group in zip(
        columns.ids, columns.texts, columns.groups, strict=True)]
    for a, (item, name) in enumerate(zip(columns.annotation_item, columns.annotation_annotator,
                                         strict=True)):
        items[item][3][name] = sorted(spans.get(a, []))
    return items


def concatenated(chunks):
    out = []
    for chunk in chunks:
        out.extend(as_items(chunk))
    return out


def test_chunks_of_documents_concatenate_to_the_columns(db) -> None:
    project = busy_project(db.session)
    whole = as_items(agreement_columns(db.session, project.id))
    assert len(whole) > 15 and {len(item[3]) for item in whole} >= {1, 2, 3}
    assert len({item[2] for item in whole}) == 2  # both batches
    for size in (1, 3, 5, 8, 1000):
        chunks = list(agreement_column_chunks(db.session, project.id, sentences_per_chunk=size))
        assert concatenated(chunks) == whole, size
        assert all(chunk.ids for chunk in chunks)
        if size == 1000:
            assert len(chunks) == 1
        else:
            assert len(chunks) > 2
    # Whole documents per chunk: no document's sentences are split between two chunks.
    doc = dict(db.session.execute(select(Sentence.id, Sentence.document_id)).all())
    seen: set[int] = set()
    for chunk in agreement_column_chunks(db.session, project.id, sentences_per_chunk=3):
        docs = {doc[sid] for sid in chunk.ids}
        assert not docs & seen
        seen |= docs


def test_chunks_of_one_batch(db) -> None:
    project = busy_project(db.session)
    for batch_id in (1, 2):
        whole = as_items(agreement_columns(db.session, project.id, batch_id=batch_id))
        assert whole
        chunks = agreement_column_chunks(db.session, project.id, batch_id=batch_id,
                                         sentences_per_chunk=4)
        assert concatenated(chunks) == whole


def test_no_chunk_without_annotations(db) -> None:
    project = make_project(db.session, "Empty")
    make_articles(db.session, project, 2)
    db.session.commit()
    assert list(agreement_column_chunks(db.session, project.id)) == []


def test_streamed_summary_is_the_dashboard_reports_summary(db, monkeypatch) -> None:
    project = busy_project(db.session)
    caching.clear()
    monkeypatch.setattr("annotator.reports.input.AGREEMENT_CHUNK_SENTENCES", 5)
    calls = []
    real = summarize_chunks

    def spy(chunks, **kw):
        chunks = list(chunks)
        calls.append(len(chunks))
        return real(chunks, **kw)

    # Looked up where the export imports it from when a summary is due (a lazy import).
    monkeypatch.setattr("annotator.agreement.summary.summarize_chunks", spy)
    streamed = export_agreement.agreement_summary(db.session, project)
    assert calls and calls[0] > 2  # nothing cached: computed from several chunks
    # The dashboard's report, computed now and cached: the export then summarizes it as it is.
    report = reports.get_report(db.session, reports.Scope(project),
                                bootstrap=export_agreement.AGREEMENT_BOOTSTRAP)
    cached = export_agreement.agreement_summary(db.session, project)
    assert len(calls) == 1
    assert cached == summarize_report(report)
    assert streamed == cached  # the same JSON either way, intervals to the last bit
    assert streamed["sentences"] > 10 and streamed["overall"]["span_f1"]["ci95"] is not None
    # And the same as a report over agreement_columns, which the dashboard reads.
    columns = agreement_columns(db.session, project.id)
    assert streamed == summarize_report(agreement_report(
        columns, schema=project.schema, bootstrap=export_agreement.AGREEMENT_BOOTSTRAP,
        seed=reports.SEED))


def test_an_excluded_sentence_does_not_make_a_summary(db) -> None:
    project = make_project(db.session, "Excluded")
    make_articles(db.session, project, 1, sentences=2)
    a, b = make_user(db.session, "a"), make_user(db.session, "b")
    first, second = sentences_of(db.session, project.id)
    for user in (a, b):
        annotate(db.session, user, first, [])
    annotate(db.session, a, second, [])
    db.session.commit()
    assert export_agreement.agreement_summary(db.session, project)["sentences"] == 1
    first.excluded = True
    db.session.commit()
    caching.clear()
    # Excluded sentences count nowhere: no sentence is finished by two annotators any more.
    assert export_agreement.agreement_summary(db.session, project) is None


def framed_project(session):
    """Five articles of four sentences ("Report i-j: rebels shelled the village of Kafr i near
    post j."), finished by two annotators who link the event to its actor1 (rebels), actor2
    (post j) and location (Kafr i): ann1 takes "village of Kafr i" for the place in every third
    sentence, leaves out actor1 in every fifth and actor2 in every other; gold frames on the
    first article."""
    project = make_project(session, "Frames")
    people = [make_user(session, f"ann{k}") for k in range(2)]
    add_members(session, project, *people)
    make_articles(session, project, 5, sentences=4)
    for n, sentence in enumerate(sentences_of(session, project.id)):
        text = sentence.text
        rebels, shelled = span_at(text, "rebels", "ACTOR"), span_at(text, "shelled", "EVENT")
        post = span_at(text, f"post {sentence.index}", "UNIT")
        place = text[text.index("Kafr"):text.index(" near")]  # "Kafr i"
        for k, user in enumerate(people):
            kafr = span_at(text, f"village of {place}" if k == 1 and n % 3 == 0 else place,
                           "LOCATION")
            links = [link(shelled, "location", kafr)]
            if not (k == 1 and n % 5 == 0):
                links.append(link(shelled, "actor1", rebels))
            if not (k == 1 and n % 2 == 0):
                links.append(link(shelled, "actor2", post))
            save_annotation(session, user, sentence.id,
                            AnnotationIn([rebels, shelled, post, kafr], "done", 0, 1.0,
                                         relations=links), max_spent=60)
        if n < 4:
            kafr = span_at(text, place, "LOCATION")
            add_gold(session, sentence.id, [rebels, shelled, post, kafr], relations=[
                link(shelled, "actor1", rebels), link(shelled, "location", kafr)])
    session.commit()
    return project


def test_cli_export_card_has_argument_f1_per_role_with_intervals_from_chunks(
        app, db, tmp_path, monkeypatch) -> None:
    project = framed_project(db.session)
    caching.clear()  # a fresh process: no agreement report in the cache
    monkeypatch.setattr("annotator.reports.input.AGREEMENT_CHUNK_SENTENCES", 6)
    calls = []
    real = summarize_chunks

    def spy(chunks, **kw):
        chunks = list(chunks)
        calls.append(len(chunks))
        return real(chunks, **kw)

    monkeypatch.setattr("annotator.agreement.summary.summarize_chunks", spy)
    out = tmp_path / "gold.json"
    result = app.test_cli_runner().invoke(args=["export", "--project", "Frames", "--format",
                                                "gold-json", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert calls and calls[0] > 2  # computed from several chunks, not a cached report
    data = json.loads(out.read_text("utf-8"))
    report = agreement_report(agreement_columns(db.session, project.id), schema=project.schema,
                              bootstrap=export_agreement.AGREEMENT_BOOTSTRAP, seed=reports.SEED)
    assert data["agreement"] == summarize_report(report)
    agreement_schema = {"$defs": GOLD_JSON["$defs"], **GOLD_JSON["$defs"]["agreement"]}
    jsonschema.validate(data["agreement"], agreement_schema)
    card = data["card"]
    assert card == (tmp_path / "gold.json.card.md").read_text("utf-8")
    overall = report.overall.arguments
    assert 0 < overall.argument_f1.value < 1 and overall.ci[0] < overall.ci[1]
    assert (f"Argument F1, all roles: {overall.argument_f1.value:.3f} "
            f"[{overall.ci[0]:.3f}, {overall.ci[1]:.3f}].") in card
    for role in ("actor1", "actor2", "location"):
        block = report.per_role[role]
        line = next(x for x in card.splitlines() if x.startswith(f"| EVENT | {role} | "))
        assert line.endswith(f"| {block.argument_f1.value:.3f} | "
                             f"[{block.ci[0]:.3f}, {block.ci[1]:.3f}] |"), line
    assert "| EVENT | actor1 | " in card and "No argument F1" not in card
    # The figures, worked by hand: actor1 agreed in the 16 of 20 sentences where ann1 linked it.
    assert report.per_role["actor1"].argument_f1.value == 2 * 16 / (20 + 16)
