"""`annotator import-annotations --format doccano|labelstudio|brat|conll`: files in each peer
tool's own shape imported as gold and as pre-annotations, exported back and compared span by
span; every refusal names the item and leaves the database as it was."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSpanRow
from annotator.annotation.models import Annotation, RelationRow, SpanRow
from annotator.audit.models import AuditEvent
from annotator.corpus.importing import import_articles
from annotator.corpus.models import Document, Sentence
from tests.export import interop_data as data
from tests.factories import make_project, make_user


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def sizes(session) -> tuple[int, ...]:
    return tuple(session.scalar(select(func.count()).select_from(t)) for t in (
        Document, Sentence, GoldSentence, GoldSpanRow, GoldRelationRow, Annotation, SpanRow,
        RelationRow, AuditEvent))


@pytest.fixture
def project(db):
    make_user(db.session, "boss", "admin")
    make_user(db.session, "dora")
    made = make_project(db.session, "Interop")
    make_user(db.session, "cur", "curator")
    import_articles(db.session, made.id, [("known.jsonl", "\n".join(
        json.dumps(a) for a in data.KNOWN).encode())])
    db.session.commit()
    return made


def write(tmp_path, files: list[tuple[str, str | bytes]]) -> list[str]:
    paths = []
    for name, content in files:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        paths.append(str(path))
    return paths


def gold_back(app, tmp_path) -> tuple[list[tuple], list[tuple]]:
    """The project's gold exported as gold-json, as (surface, label, event type) spans and
    (event, role, argument) relations."""
    out = tmp_path / "back.json"
    result = run(app, "export", "--project", "Interop", "--format", "gold-json", "--out",
                 str(out))
    assert result.exit_code == 0, result.stderr
    spans, relations = [], []
    for document in json.loads(out.read_text("utf-8"))["documents"]:
        for sentence in document["sentences"]:
            text = sentence["text"]
            spans += [(s["text"], s["label"], s["attributes"].get("event_type"))
                      for s in sentence["spans"]]
            relations += [(text[r["head"]["start"]:r["head"]["end"]], r["role"],
                           text[r["child"]["start"]:r["child"]["end"]])
                          for r in sentence["relations"]]
    return sorted(spans), sorted(relations)


def pre_back(app, db) -> tuple[list[tuple], list[tuple]]:
    """dora's annotations as the annotation API gives them to her editor."""
    from tests.conftest import login

    client = app.test_client()
    login(client, "dora")
    spans, relations = [], []
    for sentence in db.session.scalars(select(Sentence).order_by(Sentence.id)):
        state = client.get(f"/api/sentences/{sentence.id}/annotation").get_json()
        if state["version"] == 0:
            continue
        assert state["status"] == "in_progress"
        text = sentence.text
        spans += [(text[s["start"]:s["end"]], s["label"], s["attributes"].get("event_type"))
                  for s in state["spans"]]
        relations += [(text[r["head"]["start"]:r["head"]["end"]], r["role"],
                       text[r["child"]["start"]:r["child"]["end"]])
                      for r in state["relations"]]
    return sorted(spans), sorted(relations)


def brat_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in data.brat_files():
            archive.writestr(f"corpus/{name}", content)
        archive.writestr("corpus/annotation.conf", "[entities]\nACTOR\n")
    return buffer.getvalue()


def no_types(spans: list[tuple]) -> list[tuple]:
    return sorted((s, label, None) for s, label, _ in spans)


# (format, files, what the format can say: spans with or without event types, relations)
CASES = {
    "doccano-label": ("doccano", lambda: [("export.jsonl", data.doccano_label_shape())],
                      False, False),
    "doccano-entities": ("doccano", lambda: [("rel.jsonl", data.doccano_entities_shape())],
                         False, True),
    "labelstudio": ("labelstudio", lambda: [("project-3.json", data.labelstudio_tasks())],
                    True, True),
    "brat": ("brat", data.brat_files, True, True),
    "brat-zip": ("brat", lambda: [("corpus.zip", brat_zip())], True, True),
    "conll": ("conll", lambda: [("train.conll", data.conll_file())], False, False),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("mode", ["gold", "pre"])
def test_round_trip(app, db, project, tmp_path, case: str, mode: str) -> None:
    fmt, files, typed, linked = CASES[case]
    paths = write(tmp_path, files())
    who = ["--as", "gold", "--curator", "cur"] if mode == "gold" else ["--annotator", "dora"]
    result = run(app, "import-annotations", "--project", "Interop", "--format", fmt, *paths,
                 *who)
    assert result.exit_code == 0, result.stderr
    spans, relations = data.expected()
    back = gold_back(app, tmp_path) if mode == "gold" else pre_back(app, db)
    assert back[0] == (spans if typed else no_types(spans))
    assert back[1] == (relations if linked else [])
    # The two articles were found by their text, the third created and split like an upload.
    documents = db.session.scalars(select(Document).order_by(Document.id)).all()
    assert [d.text for d in documents[:2]] == data.TEXTS[:2] and len(documents) == 3
    assert fmt == "conll" or documents[2].text == data.NEW["text"]  # CoNLL: rebuilt text
    assert "(2 found in the project, 1 created)" in result.stdout
    n_spans, n_relations = len(spans), len(relations) if linked else 0
    assert result.stdout.strip().endswith(f"with {n_spans} spans" + (
        f" and {n_relations} relations" if linked else ""))


def test_created_documents_take_the_files_title_or_their_first_words(app, db, project,
                                                                     tmp_path) -> None:
    paths = write(tmp_path, [("project-3.json", data.labelstudio_tasks())])
    assert run(app, "import-annotations", "--project", "Interop", "--format", "labelstudio",
               *paths, "--as", "gold").exit_code == 0
    paths = write(tmp_path, [("train.conll", data.conll_file())])
    other = make_project(db.session, "Other")
    db.session.commit()
    assert run(app, "import-annotations", "--project", "Other", "--format", "conll", *paths,
               "--as", "gold").exit_code == 0
    titles = db.session.scalars(select(Document.title).order_by(Document.id)).all()
    assert titles[2] == "Convoy ambush"  # Label Studio's data.title
    rebuilt = db.session.scalars(select(Document.text).where(Document.project_id == other.id)
                                 .order_by(Document.id)).all()
    # CoNLL keeps tokens only: the text is rebuilt, tokens joined by a space, sentences by a
    # line break, and split into sentences by the project's splitter.
    assert rebuilt[0] == ("Government artillery shelled Kafr Nabl on Tuesday morning .\n"
                          "The 25th Division said its troops repelled rebel fighters near the "
                          "town .")
    assert titles[3] == "Government artillery shelled Kafr Nabl on Tuesday morning ."
