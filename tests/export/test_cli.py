"""`annotator export` and `annotator import-annotations`: output, card, refusals, round trips."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from annotator.adjudication.models import GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation, SpanRow
from annotator.audit.models import AuditEvent
from annotator.corpus.importing import import_articles
from tests.export.gold_data import GOLDEN_ARTICLES, golden_project, sentences_of
from tests.factories import make_project, make_user


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def table_sizes(session) -> tuple[int, ...]:
    return tuple(session.scalar(select(func.count()).select_from(t))
                 for t in (GoldSentence, GoldSpanRow, Annotation, SpanRow, AuditEvent))


# ---------------------------------------------------------------------------- export

def test_export_to_stdout_with_a_summary_on_stderr(app, db) -> None:
    golden_project(db.session)
    result = run(app, "export", "--project", "Golden", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(lines) == 6
    assert lines[5]["text"] == "Nobody claimed the café bombing \U0001F4A5 in Baidoa."
    assert result.stderr.strip() == (
        "exported 2 documents, 6 sentences, 11 gold spans, 4 gold relations as jsonl")


def test_export_to_a_file_writes_the_card_beside_it(app, db, tmp_path) -> None:
    golden_project(db.session)
    out = tmp_path / "gold.conll"
    result = run(app, "export", "--project", "Golden", "--format", "conll", "--out", str(out),
                 "--split", "50/50", "--seed", "1", "--complete-only")
    assert result.exit_code == 0, result.stderr
    assert out.read_text("utf-8").startswith("-DOCSTART- -X- O O\n\n")
    card = (tmp_path / "gold.conll.card.md").read_text("utf-8")
    assert card.startswith("# Dataset card: Golden") and "complete sentences only" in card
    assert "| train | 1 | 2 | 5 |" in card
    assert result.stdout.startswith("exported 2 documents, 5 sentences, 10 gold spans as conll "
                                    "(train 1 documents / 2 sentences, test 1 documents")
    assert not list(tmp_path.glob("*.partial"))


def test_gold_json_file_holds_the_card_too(app, db, tmp_path) -> None:
    golden_project(db.session)
    out = tmp_path / "gold.json"
    assert run(app, "export", "--project", "Golden", "--format", "gold-json", "--out",
               str(out), "--include-annotations").exit_code == 0
    data = json.loads(out.read_text("utf-8"))
    assert data["card"] == (tmp_path / "gold.json.card.md").read_text("utf-8")
    assert data["options"]["include_annotations"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--format", "jsonl", "--split", "80/10"], "must add up to 100"),
     (["--format", "jsonl", "--seed", "4"], "seed is only meaningful with split"),
     (["--format", "jsonl", "--part", "dev"], "part needs split"),
     (["--format", "jsonl", "--split", "90/10", "--part", "dev"], "part must be one of"),
     (["--format", "yaml"], "Invalid value for '--format'")],
)
def test_export_refuses_bad_options(app, db, tmp_path, args: list[str], message: str) -> None:
    golden_project(db.session)
    out = tmp_path / "x.jsonl"
    result = run(app, "export", "--project", "Golden", *args, "--out", str(out))
    assert result.exit_code != 0 and message in result.stderr
    assert not out.exists()


def test_export_of_an_unknown_project_fails(app, db) -> None:
    result = run(app, "export", "--project", "Nope", "--format", "jsonl")
    assert result.exit_code == 1 and "no project named 'Nope'" in result.stderr


# ---------------------------------------------------------------------------- import

def copy_project(session, name: str = "Copy"):
    """A second project with the same articles (other sentence ids, same texts)."""
    project = make_project(session, name)
    import_articles(session, project.id, [(
        "golden.jsonl", "\n".join(json.dumps(x) for x in GOLDEN_ARTICLES).encode())])
    session.commit()
    return project


def test_gold_round_trip_through_jsonl(app, db, tmp_path) -> None:
    golden_project(db.session)
    copy = copy_project(db.session)
    exported = tmp_path / "gold.jsonl"
    assert run(app, "export", "--project", "Golden", "--format", "jsonl", "--out",
               str(exported)).exit_code == 0
    result = run(app, "import-annotations", "--project", "Copy", str(exported), "--as", "gold",
                 "--curator", "cur")
    assert result.exit_code == 0, result.stderr
    # Our own file, but from another project: its ids are not this project's, so by text.
    assert result.stdout.strip() == (
        "imported 6 gold sentences with 11 spans and 4 relations (0 matched by id, 6 by text)")
    again = tmp_path / "copy.jsonl"
    assert run(app, "export", "--project", "Copy", "--format", "jsonl", "--out",
               str(again)).exit_code == 0

    def strip(path) -> list:
        # Spans and relations (Prodigy's shape) come back exactly.
        return [(x["text"], x["spans"], x["relations"])
                for x in map(json.loads, path.read_text().splitlines())]

    assert strip(again) == strip(exported)
    spans = db.session.scalars(select(GoldSpanRow).join(GoldSentence).where(
        GoldSentence.sentence_id.in_([s.id for s in sentences_of(db.session, copy.id)]))).all()
    assert {s.source for s in spans} == {"curator"}
    assert spans[0].note.startswith("imported from gold.jsonl line ")
    assert {s.curator_id for s in spans} == {db.session.scalar(
        select(GoldSpanRow.curator_id).where(GoldSpanRow.reason == "annotator_error"))}
    statuses = db.session.scalars(select(GoldSentence.status).join_from(
        GoldSentence, GoldSpanRow, isouter=True)).all()
    assert set(statuses) == {"complete", "partial"}  # the copy is all complete, the original not


def test_our_ids_match_within_the_same_project(app, db, tmp_path) -> None:
    data = golden_project(db.session)
    exported = tmp_path / "gold.jsonl"
    run(app, "export", "--project", "Golden", "--format", "jsonl", "--out", str(exported))
    result = run(app, "import-annotations", "--project", "Golden", str(exported), "--as", "pre",
                 "--annotator", "ann_c")
    # ann_c already finished sentence 1 and started sentence 2: refused, nothing stored.
    assert result.exit_code == 1
    assert "line 1: ann_c already has an annotation of sentence 1" in result.stderr
    assert "line 2: ann_c already has an annotation of sentence 2" in result.stderr
    before = table_sizes(db.session)
    make_user(db.session, "dora")
    db.session.commit()
    result = run(app, "import-annotations", "--project", "Golden", str(exported), "--as", "pre",
                 "--annotator", "dora")
    assert result.exit_code == 0, result.stderr
    assert ("imported 6 pre-annotations for dora with 11 spans and 4 relations (6 matched by id, "
            "0 by text)") in result.stdout
    mine = db.session.scalars(select(Annotation).where(
        Annotation.annotator_id == db.session.scalar(select(Annotation.annotator_id).where(
            Annotation.sentence_id == data["sentences"][0].id).order_by(Annotation.id.desc())))
    ).all()
    assert {a.status for a in mine} == {"in_progress"} and len(mine) == 6
    assert table_sizes(db.session)[2:4] == (before[2] + 6, before[3] + 11)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc())
                                 .limit(6)).all()
    assert actions == ["import"] * 6


def test_pre_annotations_show_in_the_annotators_editor(app, db, tmp_path) -> None:
    from tests.conftest import login

    data = golden_project(db.session)
    target = data["sentences"][7]  # "Talks resumed in Geneva."
    path = tmp_path / "other-tool.jsonl"
    path.write_text(json.dumps({
        "text": "Talks resumed in Geneva.", "_input_hash": 12, "answer": "accept",
        "spans": [{"start": 17, "end": 23, "label": "LOCATION", "token_start": 3,
                   "token_end": 3}]}) + "\n")
    make_user(db.session, "dora")
    db.session.commit()
    result = run(app, "import-annotations", "--project", "Golden", str(path), "--annotator",
                 "dora")
    assert result.exit_code == 0, result.stderr
    client = app.test_client()
    login(client, "dora")
    state = client.get(f"/api/sentences/{target.id}/annotation").get_json()
    assert state["status"] == "in_progress" and state["version"] == 1
    assert state["spans"] == [{"start": 17, "end": 23, "label": "LOCATION", "attributes": {}}]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"text": "Talks resumed in Geneva.", "spans": [{"start": 17, "end": 30,
                                                       "label": "LOCATION"}]},
         "line 2: span 0: offsets [17, 30) outside"),
        ({"text": "Talks resumed in Geneva.", "spans": [{"start": 0, "end": 5, "label": "TOPIC"}]},
         "line 2: span 0: label 'TOPIC' not in the schema"),
        ({"text": "Talks resumed in Geneva.", "spans": [
            {"start": 0, "end": 5, "label": "EVENT", "attributes": {"event_type": "talks"}}]},
         "line 2: span 0: event_type='talks' is not an allowed value for EVENT"),
        ({"text": "Talks resumed in Geneva.", "spans": [
            {"start": 0, "end": 5, "label": "ACTOR"}, {"start": 3, "end": 9, "label": "UNIT"}]},
         "line 2: span 1: overlaps span 0"),
        ({"text": "Talks resumed in Geneva.", "spans": [{"start": 0, "end": 5, "label": "ACTOR",
                                                       "text": "Talk"}]},
         "line 2: span 0: text 'Talk' does not match"),
        ({"text": "Talks resumed in Geneva.", "spans": "none"}, "line 2: 'spans' must be a list"),
        ({"text": "Peace was signed in Oslo.", "spans": []},
         "line 2: no sentence of the project has this text"),
        ({"spans": []}, "line 2: 'text' must be a non-empty string"),
        ({"text": "Talks resumed in Geneva."}, "line 2: missing 'spans'"),
        ({"text": "The weather was calm.", "spans": [], "meta": {"sentence_id": 9}},
         "line 2: the text differs from sentence 9's text"),
        ({"text": "Delegates met for two hours.", "spans": [], "meta": {"sentence_id": "9"}},
         "line 2: meta.sentence_id must be a sentence id"),
        ({"text": "Delegates met for two hours.", "spans": []},
         "line 2: sentence 9 was already given on line 1"),
        ([1, 2], "line 2: must be a JSON object"),
        ("{not json", "line 2: not JSON"),
        ({"text": "Nothing else happened.", "spans": []},
         "line 2: gold already exists for sentence 4"),
        # A location is no actor: validated as the annotation API validates relations.
        ({"text": "Talks resumed in Geneva.", "spans": [
            {"start": 6, "end": 13, "label": "EVENT"}, {"start": 17, "end": 23,
                                                      "label": "LOCATION"}],
          "relations": [{"head": {"start": 6, "end": 13}, "child": {"start": 17, "end": 23},
                         "role": "actor1"}]},
         "line 2: relation 0: "),
        ({"text": "Talks resumed in Geneva.", "spans": [{"start": 6, "end": 13, "label": "EVENT"}],
          "relations": [{"head": 2, "child": 4, "label": "location",
                         "head_span": {"start": 6, "end": 13},
                         "child_span": {"start": 17, "end": 23}}]},
         "line 2: relation 0: "),
    ],
)
def test_import_refuses_bad_lines_and_stores_nothing(app, db, tmp_path, line, message) -> None:
    golden_project(db.session)
    good = {"text": "Delegates met for two hours.", "spans": [{"start": 0, "end": 9,
                                                               "label": "ACTOR"}]}
    path = tmp_path / "in.jsonl"
    second = line if isinstance(line, str) else json.dumps(line)
    path.write_text(json.dumps(good) + "\n" + second + "\n", encoding="utf-8")
    before = table_sizes(db.session)
    result = run(app, "import-annotations", "--project", "Golden", str(path), "--as", "gold")
    assert result.exit_code == 1
    assert message in result.stderr, result.stderr
    assert "nothing imported" in result.stderr
    assert table_sizes(db.session) == before


def test_ambiguous_text_must_name_the_sentence(app, db, tmp_path) -> None:
    golden_project(db.session)
    copy_project(db.session, "Copy")
    project = make_project(db.session, "Twice")
    text = "Shots were fired. Shots were fired."
    import_articles(db.session, project.id, [("t.jsonl", json.dumps(
        {"title": "t", "text": text}).encode())])
    db.session.commit()
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"text": "Shots were fired.", "spans": []}) + "\n")
    result = run(app, "import-annotations", "--project", "Twice", str(path), "--as", "gold")
    assert result.exit_code == 1
    assert "line 1: the text matches 2 sentences" in result.stderr
    assert "give meta.sentence_id" in result.stderr
    first = sentences_of(db.session, project.id)[0]
    path.write_text(json.dumps({"text": "Shots were fired.", "spans": [],
                                "meta": {"sentence_id": first.id}}) + "\n")
    result = run(app, "import-annotations", "--project", "Twice", str(path), "--as", "gold")
    assert result.exit_code == 0, result.stderr
    assert "imported 1 gold sentences with 0 spans (1 matched by id" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--as", "pre"], "--as pre needs --annotator NAME"),
     (["--as", "pre", "--annotator", "ghost"], "no user named 'ghost'"),
     (["--as", "gold", "--annotator", "ann_a"], "--annotator is for --as pre"),
     (["--as", "gold", "--curator", "ann_a"], "ann_a is not a curator or admin"),
     (["--as", "pre", "--annotator", "ann_a", "--curator", "cur"], "--curator is for --as gold"),
     (["--as", "maybe"], "Invalid value for '--as'")],
)
def test_import_refuses_bad_arguments(app, db, tmp_path, args, message) -> None:
    golden_project(db.session)
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"text": "Delegates met for two hours.", "spans": []}) + "\n")
    result = run(app, "import-annotations", "--project", "Golden", str(path), *args)
    assert result.exit_code != 0 and message in result.stderr


def test_import_refuses_files_that_are_not_utf8_or_empty(app, db, tmp_path) -> None:
    golden_project(db.session)
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"text": "caf\xe9", "spans": []}\n')
    result = run(app, "import-annotations", "--project", "Golden", str(path), "--as", "gold")
    assert result.exit_code == 1 and "not UTF-8" in result.stderr
    path.write_text("\n\n")
    result = run(app, "import-annotations", "--project", "Golden", str(path), "--as", "gold")
    assert result.exit_code == 1 and "no lines to import" in result.stderr
