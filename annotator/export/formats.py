"""The export formats and their writers: gold JSON, JSONL, CoNLL BIO, events, Label Studio,
brat and spaCy (pure).

Every writer takes plain records (``records.ExportDocument``s holding ``ExportSentence``s
holding ``GoldSpan``s and ``GoldRelation``s) from any iterable and yields text chunks, one
document (gold-json, conll, events-jsonl, events-csv, labelstudio) or one sentence (jsonl) at
a time, so an export never holds more than one document in memory. The ``BINARY`` formats
yield bytes instead: brat a zip archive, one document's files at a time; spacy a DocBin, which
is built whole before its first byte (see ``docbin.py``). A ``tally.Tally`` passed in counts
what was written; the counts and the card (``card.py``) are complete once the writer is
exhausted. Output is deterministic: the caller orders documents and sentences, the writers
sort spans and relations, and dictionaries are built in a fixed key order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from annotator.export.brat import write_brat
from annotator.export.conll import write_conll
from annotator.export.docbin import write_docbin
from annotator.export.events import write_events_csv, write_events_jsonl
from annotator.export.gold_json import write_gold_json
from annotator.export.jsonl import write_jsonl
from annotator.export.labelstudio import write_labelstudio
from annotator.export.records import ExportDocument, ExportHeader
from annotator.export.tally import Tally

Writer = Callable[[ExportHeader, Iterable[ExportDocument], Tally], Iterator[str] | Iterator[bytes]]

WRITERS: dict[str, Writer] = {
    "gold-json": write_gold_json,
    "jsonl": write_jsonl,
    "conll": write_conll,
    "events-jsonl": write_events_jsonl,
    "events-csv": write_events_csv,
    "labelstudio": write_labelstudio,
    "brat": write_brat,
    "spacy": write_docbin,
}
FORMATS = tuple(WRITERS)
BINARY = frozenset({"brat", "spacy"})  # their writers yield bytes, the others text
NEEDS_SPACY = frozenset({"spacy"})  # refused up front when spaCy is not installed


def write(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[str] | Iterator[bytes]:
    """Yield ``header.format``'s text (bytes for the ``BINARY`` formats) for ``documents``."""
    return WRITERS[header.format](header, documents, tally)
