"""Plain export records for the pure writers' tests: spans, sentences, documents, headers."""

from __future__ import annotations

from annotator.export.records import ExportDocument, ExportHeader, ExportSentence, GoldSpan
from annotator.projects.schema import default_schema_document

TEXT = "Gen. Samir Haddad told reporters in Kafr Tala."


def gold(start: int, end: int, label: str = "ACTOR", source: str = "unanimous", **kw) -> GoldSpan:
    """Return a gold span; provenance defaults to two annotators, unanimous."""
    return GoldSpan(start, end, label, kw.pop("attributes", {}), source, kw.pop("votes", 2),
                    kw.pop("voters", 2), tuple(kw.pop("annotators", ("a", "b"))), **kw)


def header(fmt: str = "gold-json", agreement=None, **options) -> ExportHeader:
    opts = {"split": None, "seed": None, "part": None, "include_annotations": False,
            "complete_only": False, "split_names": None, **options}
    return ExportHeader(7, "Demo", default_schema_document(), "2024-05-01T12:00:00Z", fmt,
                        opts, agreement)


def document(*sentences: ExportSentence, split: str | None = None, doc_id: int = 1):
    return ExportDocument(doc_id, f"Doc {doc_id}", None, None, split, tuple(sentences))


def sentence(text: str, spans=(), sid: int = 1, status: str = "complete", **kw):
    return ExportSentence(sid, sid - 1, 0, len(text), text, status, tuple(spans), **kw)


def sample_documents():
    first = sentence(TEXT, [gold(36, 45, "LOCATION", "curator", votes=1, curator="cur",
                                 curated_at="2024-05-01T12:00:00Z", reason="annotator_error",
                                 note="place only", annotators=("a",)),
                            gold(5, 17)], sid=1, annotators=("a", "b"))
    negative = sentence("Nothing happened.", [], sid=2)
    second = sentence("Drones struck Menaka.", [gold(14, 20, "LOCATION", "majority", votes=2,
                                                      voters=3)], sid=3, status="partial")
    return [document(first, negative, split="train"), document(second, split="test", doc_id=2)]
