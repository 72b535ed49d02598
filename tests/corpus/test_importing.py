"""Importing article files: formats, exact offsets, deduplication, refusals that store nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from annotator.corpus.importing import ImportRefused, import_articles
from annotator.corpus.models import Document, Sentence
from tests.factories import make_project

NOISY = """Militia Retakes Hilltop Near Tal Rifaat

By [Frontline Wire](#)

Frontline Wire, March 3, 2024

Region: [Middle East](#)

On March 2, fighters of the Northern Shield brigade retook the Tal Qamar hilltop, a spokesman said. The U.S.-led coalition did not comment.

https://video.example.test/clip_0302.mp4

Gen. Faris al-Hamdi said the 4th Armoured Division lost 3.5 km of road.

*

Note to readers: please click the share buttons above or below. Forward this article to your email lists.

Copyright © [Frontline Wire](#), 2024
"""


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def jsonl(*articles: dict) -> bytes:
    return "\n".join(json.dumps(a) for a in articles).encode()


def test_txt_import_keeps_text_exact_and_offsets_exact(db) -> None:
    project = make_project(db.session)
    result = import_articles(db.session, project.id, [("noisy.txt", NOISY.encode())])
    db.session.commit()
    assert result.documents_added == 1 and result.sentences_added >= 8
    document = db.session.scalar(select(Document))
    assert document.title == "Militia Retakes Hilltop Near Tal Rifaat"
    assert document.text == NOISY.split("\n", 1)[1]  # byte-exact body after the title line
    sentences = list(db.session.scalars(select(Sentence).order_by(Sentence.index)))
    assert [s.index for s in sentences] == list(range(len(sentences)))
    for s in sentences:
        assert document.text[s.start : s.end] == s.text and s.text == s.text.strip()
    texts = {s.text: s for s in sentences}
    assert not texts["The U.S.-led coalition did not comment."].excluded
    assert not texts["Gen. Faris al-Hamdi said the 4th Armoured Division lost 3.5 km of road."].excluded
    assert texts["https://video.example.test/clip_0302.mp4"].excluded
    assert texts["Copyright © [Frontline Wire](#), 2024"].excluded
    assert result.excluded_sentences == sum(s.excluded for s in sentences)


def test_jsonl_import_with_metadata(db) -> None:
    project = make_project(db.session)
    data = jsonl(
        {"title": "A", "text": "Shelling hit Bakhmut. Two were hurt.", "url": "https://example.test/a",
         "published": "2024-01-25"},
        {"title": "B", "text": "Troops entered the town of Sarmin on Friday."},
    )
    result = import_articles(db.session, project.id, [("batch.jsonl", data)])
    assert (result.documents_added, result.sentences_added) == (2, 3)
    doc = db.session.scalar(select(Document).where(Document.title == "A"))
    assert doc.url == "https://example.test/a" and doc.published.isoformat() == "2024-01-25"


def test_reimport_is_skipped(db) -> None:
    project = make_project(db.session)
    first = import_articles(db.session, project.id, [("a.txt", NOISY.encode())])
    again = import_articles(db.session, project.id, [("a-copy.txt", NOISY.encode())])
    assert first.documents_added == 1
    assert again.documents_added == 0 and again.skipped == ["a-copy.txt"]
    assert count(db, Document) == 1


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("bad.txt", b"Title\n\nCaf\xe9 bombed.\n", "bad.txt: line 3: not valid UTF-8"),
        ("bin.txt", b"Title\nabc\x00def", "bin.txt: line 2: binary data"),
        ("empty.txt", b"  \n\n", "empty.txt: the file is empty"),
        ("title-only.txt", b"Only a title\n", "no article text"),
        ("x.jsonl", b'{"title": "A", "text": "ok."}\n{"title": "B", "text": ', "x.jsonl: line 2: invalid JSON"),
        ("x.jsonl", b'{"title": "A"}\n', "x.jsonl: line 1: missing field(s) text"),
        ("x.jsonl", b'["title", "text"]\n', "line 1: expected an object"),
        ("x.jsonl", b'{"title": "A", "text": 5}\n', "'text' must be a non-empty string"),
        ("x.jsonl", b'{"title": "A", "text": "ok.", "published": "last week"}\n', "'published' must be a date"),
        ("x.jsonl", b'{"title": "A", "text": "ok.", "url": 7}\n', "'url' must be a string"),
        ("x.jsonl", b'{"title": "A", "text": "ok.", "x": ' + b"[" * 50 + b"]" * 50 + b"}\n", "nested too deeply"),
        ("x.jsonl", b"", "x.jsonl: the file is empty"),
        ("x.csv", b"title,text\n", "unsupported file type"),
    ],
)
def test_invalid_files_are_refused_naming_file_and_line(db, name, data, fragment) -> None:
    project = make_project(db.session)
    good = ("good.jsonl", jsonl({"title": "Fine", "text": "Rebels shelled Hama."}))
    with pytest.raises(ImportRefused) as info:
        import_articles(db.session, project.id, [good, (name, data)])
    assert fragment in info.value.message
    db.session.rollback()
    assert count(db, Document) == 0 and count(db, Sentence) == 0


def test_every_sentence_offset_round_trips_on_unicode(db) -> None:
    project = make_project(db.session)
    text = ("Fighters 🚀 of the \u202bلواء\u202c brigade entered Ma'arat al-Numan.\r\n\r\n"
            "Cafe\u0301 owners in Zürich protested.\tPolice said 12.7mm rounds were found.")
    import_articles(db.session, project.id, [("u.jsonl", jsonl({"title": "U", "text": text}))])
    document = db.session.scalar(select(Document))
    assert document.text == text
    for s in db.session.scalars(select(Sentence)):
        assert text[s.start : s.end] == s.text and s.text.strip() == s.text and s.text
