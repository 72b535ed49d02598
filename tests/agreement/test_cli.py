"""`annotator agreement`: from a JSON-lines file (no database) and from a project's database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.agreement import agreement_report
from annotator.annotation.services import AnnotationIn, save_annotation
from annotator.cli import main
from annotator.projects.schema import default_schema_document, parse_schema

TEXT = "Government forces shelled the village of Kafr Tala on Monday."
ITEMS = [
    {"id": 1, "text": TEXT, "annotations": {
        "alice": [{"start": 0, "end": 17, "label": "ACTOR"},
                  {"start": 18, "end": 25, "label": "EVENT",
                   "attributes": {"event_type": "shelling_artillery_missile"}}],
        "bob": [{"start": 0, "end": 10, "label": "ACTOR"},
                {"start": 18, "end": 25, "label": "EVENT",
                 "attributes": {"event_type": "air_drone_strike"}},
                {"start": 41, "end": 50, "label": "LOCATION"}]}},
    {"id": "two", "text": "The 25th Mechanised Brigade advanced.", "group": "b1", "annotations": {
        "alice": [{"start": 4, "end": 27, "label": "UNIT"}],
        "bob": [{"start": 4, "end": 8, "label": "UNIT"}], "carol": None}},
]


def write(tmp_path: Path, lines: list[str], name: str = "items.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def good_file(tmp_path: Path) -> Path:
    return write(tmp_path, [json.dumps(i) for i in ITEMS[:1]] + ["", json.dumps(ITEMS[1])])


def test_input_json_is_the_library_report(tmp_path) -> None:
    result = CliRunner().invoke(main, ["agreement", "--input", str(good_file(tmp_path)),
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    expected = agreement_report(ITEMS, schema=parse_schema(default_schema_document())).to_json()
    assert json.loads(result.output) == json.loads(json.dumps(expected))


def test_input_table(tmp_path) -> None:
    result = CliRunner().invoke(main, ["agreement", "--input", str(good_file(tmp_path))])
    assert result.exit_code == 0, result.output
    out = result.output
    report = agreement_report(ITEMS, schema=parse_schema(default_schema_document())).to_json()
    assert out.startswith("3 annotators (alice, bob, carol); 2 sentences")
    overall = next(line for line in out.splitlines() if line.startswith("overall"))
    assert f"{report['overall']['krippendorff_alpha']:.3f}" in overall
    assert f"{report['overall']['span_f1']:.3f}" in overall
    assert "alice / bob" in out and "disagreements: subtype-only 1" in out
    assert report["reading"][0] in out


def test_input_with_labels_outside_the_default_schema_and_bootstrap(tmp_path) -> None:
    items = [{"id": i, "text": "Troops entered Gao.", "annotations": {
        "x": [{"start": 0, "end": 6, "label": "FORCE"}],
        "y": [{"start": 0, "end": 6, "label": "FORCE" if i % 3 else "PLACE"}]}}
        for i in range(30)]
    path = write(tmp_path, [json.dumps(i) for i in items])
    result = CliRunner().invoke(main, ["agreement", "--input", str(path), "--format", "json",
                                       "--bootstrap", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["labels"] == ["FORCE", "PLACE"]
    assert report["bootstrap"]["replicates"] == 40
    assert report["overall"]["ci"]["krippendorff_alpha"] is not None


def test_input_mode_needs_no_database_or_config(tmp_path) -> None:
    """Run the real console script in an empty directory with a broken database URL and an
    instance folder that cannot exist: the file mode must not touch either."""
    empty = tmp_path / "empty"
    empty.mkdir()
    path = good_file(empty)
    env = {**os.environ, "DATABASE_URL": "nonsense://", "ANNOTATOR_INSTANCE": str(
        tmp_path / "no" / "such" / "instance"), "SECRET_KEY": ""}
    script = Path(sys.executable).with_name("annotator")
    done = subprocess.run([str(script), "agreement", "--input", path.name], cwd=empty, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "3 annotators" in done.stdout
    assert sorted(p.name for p in empty.iterdir()) == ["items.jsonl"]
    assert not (tmp_path / "no").exists()


BAD = [
    (['{"id": 1, "text": "ab", "annotations": {}}', '{"id": 2,'], "line 2: invalid JSON"),
    (['[1, 2]'], "line 1: expected a JSON object"),
    (['{"text": "ab", "annotations": {}}'], "line 1: missing 'id'"),
    (['{"id": true, "text": "ab", "annotations": {}}'], "line 1: 'id' must be a string"),
    (['{"id": 1, "text": 3, "annotations": {}}'], "line 1: 'text' must be a string"),
    (['{"id": 1, "text": "ab", "annotations": []}'], "line 1: 'annotations' must be an object"),
    (['{"id": 1, "text": "ab", "annotations": {"a": 5}}'], "spans must be a list or null"),
    (['{"id": 1, "text": "ab", "annotations": {"a": [{"start": 0, "end": 3, "label": "X"}]}}'],
     "line 1: annotator 'a', span 0: offsets [0, 3) outside 0 <= start < end <= 2"),
    (['{"id": 1, "text": "ab", "annotations": {"a": [{"start": 1, "end": 1, "label": "X"}]}}'],
     "offsets [1, 1) outside"),
    (['{"id": 1, "text": "ab", "annotations": {"a": [{"start": 0.5, "end": 1, "label": "X"}]}}'],
     "start and end must be integers"),
    (['{"id": 1, "text": "ab", "annotations": {"a": [{"start": 0, "end": 1, "label": ""}]}}'],
     "label must be a non-empty string"),
    (['{"id": 1, "text": "abcd", "annotations": {"a": [{"start": 0, "end": 3, "label": "X"}, '
      '{"start": 2, "end": 4, "label": "Y"}]}}'],
     "line 1: annotator 'a': spans [0, 3) and [2, 4) overlap"),
    (['{"id": 1, "text": "ab", "annotations": {"a": [{"start": 0, "end": 1, "label": "X", '
      '"attributes": {"event_type": 4}}]}}'], "attribute 'event_type' must be a string or null"),
    (['{"id": 1, "text": "ab", "annotations": {"a": [{"start": 0, "end": 1, "label": "X", '
      '"lable": "Y"}]}}'], "unknown field(s) lable"),
    (['{"id": 1, "text": "ab", "annotations": {"a": [{"start": 0, "end": 1, "label": "X", '
      '"text": "b"}]}}'], "text 'b' does not match [0, 1)"),
    (['{"id": 1, "text": "ab", "annotations": {}}', '{"id": 1, "text": "cd", "annotations": {}}'],
     "line 2: duplicate id 1 (first on line 1)"),
    ([""], "no items"),
]


@pytest.mark.parametrize(("lines", "message"), BAD)
def test_bad_input_gives_one_line_and_exit_1(tmp_path, lines, message) -> None:
    path = write(tmp_path, lines)
    result = CliRunner().invoke(main, ["agreement", "--input", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert result.output.count("\n") == 1 and result.output.startswith("Error: ")


def test_unreadable_files(tmp_path) -> None:
    missing = CliRunner().invoke(main, ["agreement", "--input", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 1 and "cannot read" in missing.output
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"id": 1, "text": "caf\xe9", "annotations": {}}\n')
    bad = CliRunner().invoke(main, ["agreement", "--input", str(latin)])
    assert bad.exit_code == 1 and "not UTF-8" in bad.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give exactly one of --project NAME or --input FILE"),
        (["--project", "P", "--input", "x.jsonl"], "give exactly one of"),
        (["--input", "x.jsonl", "--batch", "3"], "--batch and --suggestions go with --project"),
    ],
)
def test_option_combinations(args, message) -> None:
    result = CliRunner().invoke(main, ["agreement", *args])
    assert result.exit_code == 1 and message in result.output


# --- from the database ---------------------------------------------------------------------------


def _annotate(session, user, sentence_id: int, spans: list[dict]) -> None:
    save_annotation(session, user, sentence_id, AnnotationIn(spans, "done", 0, 1.0),
                    max_spent=60)


@pytest.fixture
def project_data(db):
    from sqlalchemy import select

    from annotator.corpus.models import Sentence
    from tests.factories import prepare_batch

    data = prepare_batch(db.session, k=2, annotators=2, articles=1)
    sentences = list(db.session.scalars(
        select(Sentence).where(Sentence.project_id == data["project"].id)
        .order_by(Sentence.index)))
    a, b = data["annotators"]
    for i, s in enumerate(sentences[:3]):
        start = s.text.index("rebels")
        _annotate(db.session, a, s.id, [{"start": start, "end": start + 6, "label": "ACTOR"}])
        label = "ACTOR" if i else "UNIT"
        _annotate(db.session, b, s.id, [{"start": start, "end": start + 6, "label": label}])
    db.session.commit()
    return data


def test_project_report_matches_the_library(app, db, project_data) -> None:
    from annotator.reports.input import agreement_items

    project = project_data["project"]
    result = app.test_cli_runner().invoke(args=["agreement", "--project", project.name,
                                                "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    expected = agreement_report(agreement_items(db.session, project.id),
                                schema=project.schema).to_json()
    assert report == json.loads(json.dumps(expected))
    assert report["counts"]["sentences_compared"] == 3
    assert report["per_pair"][0]["disagreements"]["label_only"] == 1
    batch = project_data["batch"]
    one = app.test_cli_runner().invoke(args=["agreement", "--project", project.name,
                                             "--batch", str(batch.id)])
    assert one.exit_code == 0, one.output
    assert "2 annotators (ann0, ann1); 3 sentences" in one.output


def test_columns_from_the_database_equal_the_items(app, db, project_data) -> None:
    from annotator.reports.input import agreement_columns, agreement_items

    project = project_data["project"]
    # A sentence read by only one annotator, one with an event type, one skipped (not done).
    from sqlalchemy import select

    from annotator.corpus.models import Sentence

    sentences = list(db.session.scalars(
        select(Sentence).where(Sentence.project_id == project.id).order_by(Sentence.index)))
    a, b = project_data["annotators"]
    s3 = sentences[3]
    start = s3.text.index("shelled")
    _annotate(db.session, a, s3.id, [{"start": start, "end": start + 7, "label": "EVENT",
                                      "attributes": {"event_type": "air_drone_strike"}}])
    save_annotation(db.session, b, s3.id, AnnotationIn([], "in_progress", 0, 1.0), max_spent=60)
    db.session.commit()
    for batch_id in (None, project_data["batch"].id):
        items = list(agreement_items(db.session, project.id, batch_id=batch_id))
        cols = agreement_columns(db.session, project.id, batch_id=batch_id)
        assert cols.ids == [it["id"] for it in items]
        assert cols.texts == [it["text"] for it in items]
        assert cols.groups == [it["group"] for it in items]
        one = agreement_report(items, schema=project.schema).to_json()
        two = agreement_report(cols, schema=project.schema).to_json()
        assert json.dumps(one) == json.dumps(two)
        assert one["overall"]["event_type"]["pairs"] == 0
        assert one["counts"]["annotations"] == 7


def test_project_errors(app, db, project_data) -> None:
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["agreement", "--project", "Nope"])
    assert unknown.exit_code == 1 and "Nope" in unknown.output
    wrong = runner.invoke(args=["agreement", "--project", project_data["project"].name,
                                "--batch", "999"])
    assert wrong.exit_code == 1
    assert "batch 999 is not a batch of project" in wrong.output
