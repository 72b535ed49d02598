"""The export formats and their writers: gold JSON, JSONL, CoNLL BIO and events (pure).

Every writer takes plain records (``records.ExportDocument``s holding ``ExportSentence``s
holding ``GoldSpan``s and ``GoldRelation``s) from any iterable and yields text chunks, one
document (gold-json, conll, events-jsonl, events-csv) or one sentence (jsonl) at a time, so
an export never holds more than one document in memory. A ``tally.Tally`` passed in counts
what was written; the counts and the card (``card.py``) are complete once the writer is
exhausted. Output is deterministic: the caller orders documents and sentences, the writers
sort spans and relations, and dictionaries are built in a fixed key order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from annotator.export.conll import write_conll
from annotator.export.events import write_events_csv, write_events_jsonl
from annotator.export.gold_json import write_gold_json
from annotator.export.jsonl import write_jsonl
from annotator.export.records import ExportDocument, ExportHeader
from annotator.export.tally import Tally

Writer = Callable[[ExportHeader, Iterable[ExportDocument], Tally], Iterator[str]]

WRITERS: dict[str, Writer] = {
    "gold-json": write_gold_json,
    "jsonl": write_jsonl,
    "conll": write_conll,
    "events-jsonl": write_events_jsonl,
    "events-csv": write_events_csv,
}
FORMATS = tuple(WRITERS)


def write(header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally) -> Iterator[str]:
    """Yield ``header.format``'s text for ``documents``."""
    return WRITERS[header.format](header, documents, tally)
