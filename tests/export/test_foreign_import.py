"""`annotator import-annotations --format doccano|labelstudio|brat|conll`: files in each peer
tool's own shape imported as gold and as pre-annotations, exported back and compared span by
span; every refusal names the item and leaves the database as it was."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import event, func, select

from annotator.corpus.models import Document, Sentence
from annotator.adjudication.models import GoldSentence
from annotator.export import foreign_import, storing
from annotator.export.foreign_import import import_files
from tests.export import interop_data as data
from tests.export.interop_data import sizes
from tests.factories import make_project


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def project(db):
    return data.interop_project(db.session)


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


def _doccano_lines(shape) -> list[dict]:
    return [json.loads(line) for line in shape().splitlines()]


def bad_doccano_label() -> list[tuple[str, str]]:
    lines = _doccano_lines(data.doccano_label_shape)
    lines[1]["label"][0][2] = "PERSON"
    return [("export.jsonl", "\n".join(map(json.dumps, lines)))]


def doccano_crossing() -> list[tuple[str, str]]:
    lines = _doccano_lines(data.doccano_entities_shape)
    start = data.TEXTS[0].index("morning.")
    lines[0]["entities"][0] |= {"start_offset": start, "end_offset": start + 12}
    return [("rel.jsonl", "\n".join(map(json.dumps, lines)))]


def doccano_outside() -> list[tuple[str, str]]:
    lines = _doccano_lines(data.doccano_entities_shape)
    lines[2]["entities"][1] |= {"start_offset": 300, "end_offset": 306}
    return [("rel.jsonl", "\n".join(map(json.dumps, lines)))]


def labelstudio_edit(edit) -> list[tuple[str, str]]:
    tasks = json.loads(data.labelstudio_tasks())
    edit(tasks)
    return [("project-3.json", json.dumps(tasks))]


def brat_edit(name: str, old: str, new: str) -> list[tuple[str, str]]:
    files = data.brat_files()
    return [(n, c.replace(old, new, 1) if n == name else c) for n, c in files]


def conll_edit(old: str, new: str) -> list[tuple[str, str]]:
    return [("train.conll", data.conll_file().replace(old, new, 1))]


def _ls_text(tasks) -> None:
    tasks[1]["annotations"][0]["result"][0]["value"]["text"] = "demonstrators"


def _ls_role(tasks) -> None:
    tasks[0]["annotations"][0]["result"][-1]["labels"] = ["target"]


# (format, bad files, the line expected on stderr); the first document of each is new
# ("Convoy ambush" is the third): a refusal must not leave it behind either.
REFUSALS = {
    "unknown-label": ("doccano", bad_doccano_label,
                      "export.jsonl line 2, label 0: label 'PERSON' not in the schema "
                      "(ACTOR, LOCATION, UNIT, EVENT)"),
    "crossing": ("doccano", doccano_crossing,
                 "rel.jsonl line 1, entity 100: crosses a sentence boundary: sentence 1 ends at "
                 "offset 58, the span at"),
    "outside": ("doccano", doccano_outside,
                "rel.jsonl line 3, entity 301: offsets [300, 306) outside the text "
                "(0 <= start < end <= 107)"),
    "text-mismatch": ("labelstudio", lambda: labelstudio_edit(_ls_text),
                      "project-3.json task 41, region r1x0: the file says the span reads "
                      "'demonstrators' but the text at [12, 22) reads 'protesters'"),
    "unknown-role": ("labelstudio", lambda: labelstudio_edit(_ls_role),
                     "project-3.json task 40, result 11: relation type 'target' is not a role of "
                     "EVENT (roles: actor1, actor2, location)"),
    "discontinuous": ("brat", lambda: brat_edit("doc2.ann", "ACTOR 0 9", "ACTOR 0 4;5 9"),
                      "doc2.ann line 1 (T1): a discontinuous span (several fragments) cannot be "
                      "imported"),
    "event-type": ("brat", lambda: brat_edit("doc2.ann", "armed_clash", "airstrike"),
                   "doc2.ann line 2 (T2): event_type 'airstrike' is not one of the schema's"),
    "bad-tag": ("conll", lambda: conll_edit("B-ACTOR", "X-ACTOR"),
                "train.conll line 3: tag 'X-ACTOR' is not O, B-LABEL or I-LABEL"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_bad_item_refuses_the_whole_import_and_stores_nothing(app, db, project, tmp_path,
                                                                case: str) -> None:
    fmt, files, message = REFUSALS[case]
    paths = write(tmp_path, files())
    before = sizes(db.session)
    result = run(app, "import-annotations", "--project", "Interop", "--format", fmt, *paths,
                 "--as", "gold")
    assert result.exit_code == 1
    assert message in result.stderr, result.stderr
    assert "in the files; nothing imported" in result.stderr
    assert sizes(db.session) == before  # no new document either

    result = run(app, "import-annotations", "--project", "Interop", "--format", fmt, *paths,
                 "--as", "gold", "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert f"skipped: {message}" in result.stdout
    skipped = [x for x in result.stdout.splitlines() if x.startswith("skipped: ")]
    assert result.stdout.strip().endswith(f"; skipped {len(skipped)} item"
                                          + ("s" if len(skipped) > 1 else ""))
    assert "imported 3 documents (2 found in the project, 1 created)" in result.stdout
    stored, _ = gold_back(app, tmp_path)
    # Only the bad span (or relation) is left out: the rest of its document is stored.
    assert len(stored) == len(data.expected()[0]) - (case not in ("unknown-role", "bad-tag"))


def test_existing_work_is_never_overwritten(app, db, project, tmp_path) -> None:
    paths = write(tmp_path, data.brat_files())
    assert run(app, "import-annotations", "--project", "Interop", "--format", "brat", *paths,
               "--as", "gold").exit_code == 0
    before = sizes(db.session)
    result = run(app, "import-annotations", "--project", "Interop", "--format", "brat", *paths,
                 "--as", "gold")
    assert result.exit_code == 1 and "doc0.ann: gold already exists for sentence 1" in \
        result.stderr
    assert "doc2.ann: gold already exists for sentence 6" in result.stderr
    result = run(app, "import-annotations", "--project", "Interop", "--format", "brat", *paths,
                 "--as", "gold", "--skip-invalid")  # nothing left to store: still refused
    assert result.exit_code == 1 and "6 problems in the files" in result.stderr
    assert sizes(db.session) == before


@pytest.mark.parametrize(
    ("fmt", "files", "message"),
    [("brat", [("doc0.txt", "Shots were fired.")], "doc0.txt: no doc0.ann beside it"),
     ("labelstudio", [("tasks.json", "{nope")], "tasks.json: not JSON"),
     ("conll", [("x.conll", b"caf\xe9 O\n")], "x.conll line 1: not UTF-8 text"),
     ("doccano", [("x.jsonl", '{"label": []}\n')], "x.jsonl line 1: 'text' must be a non-empty"),
     ("labelstudio", [("t.json", json.dumps([{"data": {"body": "Shots were fired.",
                                                      "title": "x"},
                                             "annotations": [{"result": []}]}]))],
      "t.json task 1: data.text must be a non-empty string")],
)
def test_unreadable_files_are_named(app, db, project, tmp_path, fmt, files, message) -> None:
    paths = write(tmp_path, files)
    before = sizes(db.session)
    result = run(app, "import-annotations", "--project", "Interop", "--format", fmt, *paths,
                 "--as", "gold")
    assert result.exit_code == 1 and message in result.stderr, result.stderr
    assert sizes(db.session) == before


def test_label_studio_text_key_and_our_own_files_side_by_side(app, db, project, tmp_path) -> None:
    tasks = [{"id": 5, "data": {"body": data.TEXTS[1], "title": "x"}, "annotations": [
        {"result": [{"id": "a", "type": "labels", "from_name": "l", "to_name": "body",
                     "value": {"start": 34, "end": 39, "text": "Idlib", "labels": ["Location"]}}
                    ]}]}]
    paths = write(tmp_path, [("body.json", json.dumps(tasks))])
    result = run(app, "import-annotations", "--project", "Interop", "--format", "labelstudio",
                 *paths, "--text-key", "body", "--annotator", "dora")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == (
        "imported 1 document (1 found in the project, 0 created) as pre-annotations for dora: "
        "2 sentences with 1 span")
    result = run(app, "import-annotations", "--project", "Interop", *paths, "--text-key", "b")
    assert result.exit_code == 1 and "--text-key is for --format labelstudio" in result.stderr


def test_our_jsonl_takes_several_files_and_can_skip_bad_lines(app, db, project,
                                                              tmp_path) -> None:
    police = "Police dispersed the crowd with tear gas."
    marched = "Hundreds of protesters marched in Idlib after the strike."
    paths = write(tmp_path, [
        ("a.jsonl", json.dumps({"text": police, "spans": [
            {"start": 0, "end": 6, "label": "ACTOR"}]}) + "\n"),
        ("b.jsonl", json.dumps({"text": marched, "spans": [
            {"start": 0, "end": 8, "label": "CROWD"}]}) + "\n" + json.dumps(
            {"text": data.TEXTS[0].split(". ")[0] + ".", "spans": []}) + "\n"),
    ])
    before = sizes(db.session)
    result = run(app, "import-annotations", "--project", "Interop", *paths, "--as", "gold")
    assert result.exit_code == 1
    assert "b.jsonl: line 1: span 0: label 'CROWD' not in the schema" in result.stderr
    assert sizes(db.session) == before
    result = run(app, "import-annotations", "--project", "Interop", *paths, "--as", "gold",
                 "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "skipped: b.jsonl: line 1: span 0: label 'CROWD' not in the schema (ACTOR, LOCATION, "
        "UNIT, EVENT)",
        "imported 2 gold sentences with 1 spans (0 matched by id, 2 by text); skipped 1 line",
    ]


def test_into_documents_the_project_has_the_write_is_chunked_and_all_or_nothing(
    app, db, project, monkeypatch
) -> None:
    """brat files of two documents the project has: their annotations are written one
    committed chunk at a time; a failure after a committed chunk takes every chunk out."""
    files = [(name, content.encode()) for name, content in data.brat_files()
             if name.startswith(("doc0.", "doc1."))]
    before = sizes(db.session)
    commits: list[int] = []
    event.listen(db.session(), "after_commit", lambda s: commits.append(1))
    with monkeypatch.context() as patch:
        patch.setattr(storing, "store_annotations",
                      data.store_failing_on(2, RuntimeError("the disk is full")))
        with pytest.raises(RuntimeError):
            import_files(db.session, project, files, fmt="brat", mode="gold", chunk_rows=1)
    db.session.rollback()
    assert commits  # the first chunk was committed, then taken out again
    assert sizes(db.session) == before
    commits.clear()
    outcome = import_files(db.session, project, files, fmt="brat", mode="gold", chunk_rows=1)
    db.session.commit()
    after = sizes(db.session)
    assert after[:2] == before[:2]  # no document created
    written = after[2] - before[2]  # gold sentences, one per chunk
    assert written >= 2 and len(commits) >= written
    assert f"as gold: {written} sentences" in outcome.summary


def test_new_documents_are_committed_hidden_in_chunks_and_shown_at_the_end(
    app, db, project, monkeypatch
) -> None:
    """brat files with a document the project lacks: the new document and its sentences are
    committed a chunk at a time, hidden from every list while the annotations are written,
    and shown by the import's last transaction (the caller's commit); a failure after
    committed chunks deletes the hidden document and takes the annotations out again."""
    files = [(name, content.encode()) for name, content in data.brat_files()]
    new_text = data.TEXTS[2]
    before = sizes(db.session)
    commits: list[int] = []
    event.listen(db.session(), "after_commit", lambda s: commits.append(1))
    seen: list[tuple[int, int]] = []  # (shown, hidden) documents while the annotations are written

    def watching(store):
        def store_watched(*args, **kwargs):
            seen.append((documents(db, shown=True), documents(db, shown=False)))
            store(*args, **kwargs)
        return store_watched

    with monkeypatch.context() as patch:
        patch.setattr(storing, "store_annotations",
                      watching(data.store_failing_on(3, RuntimeError("the disk is full"))))
        with pytest.raises(RuntimeError):
            import_files(db.session, project, files, fmt="brat", mode="gold", chunk_rows=1)
    db.session.rollback()
    assert seen and all(s == (before[0], 1) for s in seen)  # written, never shown
    assert len(commits) > 3  # the new document's sentences and two gold sentences, committed
    assert sizes(db.session) == before  # ...and all taken out again

    commits.clear()
    seen.clear()
    with monkeypatch.context() as patch:
        patch.setattr(storing, "store_annotations", watching(storing.store_annotations))
        outcome = import_files(db.session, project, files, fmt="brat", mode="gold",
                               chunk_rows=1)
    new_sentences = db.session.scalar(
        select(func.count()).select_from(Sentence).join(Document)
        .where(Document.text == new_text))
    assert new_sentences >= 2 and len(commits) >= new_sentences + len(seen) - 1
    assert all(s == (before[0], 1) for s in seen)
    assert documents(db, shown=True) == before[0]  # not yet: the caller's commit shows it
    db.session.commit()
    assert (documents(db, shown=True), documents(db, shown=False)) == (before[0] + 1, 0)
    assert "(2 found in the project, 1 created)" in outcome.summary
    assert sizes(db.session)[2] - before[2] == 6  # the gold of all six sentences


def documents(db, *, shown: bool) -> int:
    """The documents another connection sees shown (import_id empty), or still hidden."""
    hidden = Document.import_id.is_not(None)
    with db.engine.connect() as other:
        return other.scalar(select(func.count()).select_from(Document)
                            .where(~hidden if shown else hidden))


def test_an_export_leaves_out_the_documents_an_import_is_still_writing(
    app, db, project, monkeypatch, tmp_path
) -> None:
    """An import killed after its gold chunks leaves its new document hidden, with gold:
    the gold-standard export does not show it, as no list does."""
    files = [(name, content.encode()) for name, content in data.brat_files()]
    with monkeypatch.context() as patch:
        patch.setattr(storing, "store_annotations", data.store_failing_on(6, data.Killed()))
        patch.setattr(storing._ChunkedStore, "discard", lambda self: iter(()))
        patch.setattr(foreign_import, "discard_staged", lambda *args: None)
        with pytest.raises(data.Killed):
            import_files(db.session, project, files, fmt="brat", mode="gold", chunk_rows=1)
    db.session.rollback()
    hidden = db.session.scalars(select(Document.id).where(Document.import_id.is_not(None))).all()
    gold_of_hidden = db.session.scalar(
        select(func.count()).select_from(GoldSentence).join(Sentence)
        .where(Sentence.document_id.in_(hidden)))
    assert len(hidden) == 1 and gold_of_hidden > 0
    out = tmp_path / "gold.json"
    result = run(app, "export", "--project", "Interop", "--format", "gold-json", "--out",
                 str(out))
    assert result.exit_code == 0, result.stderr
    exported = [" ".join(s["text"] for s in d["sentences"])
                for d in json.loads(out.read_text("utf-8"))["documents"]]
    new_start = data.TEXTS[2][:40]  # the hidden document's first words
    assert exported and not any(new_start in text for text in exported)


def test_the_creation_of_new_documents_reports_its_progress(app, db, project) -> None:
    """Between "finding them in the project" and "placing spans", the bar moves with each
    committed chunk of new documents."""
    files = [(name, content.encode()) for name, content in data.brat_files()]
    heard: list[tuple[float, str]] = []
    import_files(db.session, project, files, fmt="brat", mode="gold", chunk_rows=1,
                 progress=lambda fraction, message: heard.append((fraction, message)))
    db.session.commit()
    created = [(f, m) for f, m in heard if m.startswith("Created ")]
    assert created and created[-1] == (0.5, "Created 1 of 1 new documents")
    fractions = [f for f, _ in heard]
    assert fractions == sorted(fractions)  # never backwards
