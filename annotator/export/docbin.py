"""spacy: the gold standard as a spaCy ``DocBin`` (``.spacy``), for ``spacy train`` (pure).

One ``Doc`` per exported sentence, built from the editor's tokens (``jsonl.prodigy_tokens``:
the same words and spaces, so ``doc.text`` is the sentence and its character offsets are ours;
spaCy's own tokenizer would keep ``3.5`` or ``U.S.-backed`` whole and cut spans apart). Each
gold span is found with ``Doc.char_span(alignment_mode="strict")``; a span that does not start
and end on tokens (imported data) is left out and counted, never moved. The aligned spans are
``doc.ents`` (for the ``ner`` component; in a *partial* sentence, whose conflicts are open,
the tokens outside them are *missing*, not *outside*, so training learns no false negative
from them) and all of them are in ``doc.spans["sc"]`` too (for ``spancat``). An attribute
value (an EVENT's ``event_type``) is also a span group named for the attribute, labelled with
the value. ``doc.user_data`` holds the sentence's ids, part of the split, gold status and its
gold relations as token ranges.

A DocBin cannot be streamed: its file is one compressed msgpack object whose token table and
string list cover every document. The writer therefore adds each sentence to one DocBin as the
documents stream past (a ``Doc`` lives only while it is added; the DocBin keeps its token
table, spaces, span groups and user data), serializes it once at the end and yields the bytes
in pieces of ``PIECE`` bytes. Memory grows with the corpus, about 4 KB per sentence at the
peak: figures in docs/export.md (*Streaming*).

spaCy is a dependency of the app (suggestions use it too) but imported only
when a spacy export is written, and ``spacy_installed`` lets the options refuse the format
up front when it is missing.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from annotator.corpus.tokens import token_offsets
from annotator.export.jsonl import prodigy_tokens
from annotator.export.records import (
    ExportDocument,
    ExportHeader,
    ExportSentence,
    GoldSpan,
    sorted_relations,
    sorted_spans,
)
from annotator.export.tally import Tally

SPANS_KEY = "sc"  # spaCy's default span group for spancat
LANGUAGE = "xx"  # spaCy's multi-language blank: projects declare no language
PIECE = 1 << 20  # bytes per yielded piece of the serialized DocBin
# Token attributes stored besides the words and spaces: what doc.ents needs.
ATTRIBUTES = ("ENT_IOB", "ENT_TYPE")


def spacy_installed() -> bool:
    """Whether spaCy can be imported (without importing it)."""
    return importlib.util.find_spec("spacy") is not None


def write_docbin(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[bytes]:
    """Yield the bytes of a ``.spacy`` file (a DocBin) holding one Doc per exported sentence.

    Spans left out for not sitting on tokens are counted in ``tally`` as off token boundaries.
    """
    # Lazy: spaCy takes seconds to import and is only needed for this format.
    import spacy
    from spacy.tokens import DocBin

    vocab = spacy.blank(LANGUAGE).vocab
    docbin = DocBin(attrs=ATTRIBUTES, store_user_data=True)
    with _msgpack_encoders_cached():
        for document in documents:
            tally.add_document(document)
            for sentence in document.sentences:
                spans = sorted_spans(sentence.spans)
                doc, left_out = sentence_doc(
                    vocab, document, sentence, spans, token_offsets(sentence.text))
                tally.add_sentence(document, sentence, left_out, 0)
                docbin.add(doc)
        data = docbin.to_bytes()
    del docbin
    for start in range(0, len(data), PIECE):
        yield data[start:start + PIECE]


@contextmanager
def _msgpack_encoders_cached() -> Iterator[None]:
    """Look srsly's msgpack encoders up once instead of once per ``DocBin.add``.

    ``DocBin.add`` packs each Doc's span groups and user data with ``srsly.msgpack_dumps``,
    whose every call asks the ``catalogue`` registry for the encoders, which rescans the
    installed packages' entry points and every registered function of spaCy: about 5 ms a
    call, 85% of the export's time (measured: 40 s for 2,000 sentences, 6 s with the cache).
    The registry does not change while an export runs, so its answer is kept for that time
    (an attribute on the registry object shadowing its method, removed afterwards; another
    export running at once only finds the same answer kept).
    """
    # Lazy: spaCy's dependency, imported with it (see write_docbin).
    from srsly.msgpack import msgpack_encoders

    if "get_all" in vars(msgpack_encoders):
        yield
        return
    encoders = msgpack_encoders.get_all()
    msgpack_encoders.get_all = lambda: encoders
    try:
        yield
    finally:
        vars(msgpack_encoders).pop("get_all", None)


def sentence_doc(
    vocab: Any, document: ExportDocument, sentence: ExportSentence, spans: list[GoldSpan],
    tokens: list[tuple[int, int]],
) -> tuple[Any, int]:
    """One sentence as a spaCy ``Doc`` with its gold spans; also how many did not align."""
    # Lazy: see write_docbin (spacy is already imported when this runs).
    from spacy.tokens import Doc, Span

    words, index_of = prodigy_tokens(sentence.text, tokens)
    doc = Doc(vocab, words=[w["text"] for w in words], spaces=[w["ws"] for w in words])
    aligned = []
    by_offsets: dict[tuple[int, int], Any] = {}
    for span in spans:
        found = doc.char_span(span.start, span.end, label=span.label, alignment_mode="strict")
        if found is None:
            continue
        aligned.append((span, found))
        by_offsets[span.start, span.end] = found
    entities = [found for _, found in aligned]
    overlapping = any(a.end > b.start for a, b in zip(entities, entities[1:], strict=False))
    # Partial gold: what lies outside its spans is unknown, not "no entity".
    default = "missing" if sentence.gold_status != "complete" or overlapping else "outside"
    doc.set_ents([] if overlapping else entities, default=default)
    doc.spans[SPANS_KEY] = entities
    groups: dict[str, list[Any]] = {}
    for span, found in aligned:
        for key, value in sorted(span.attributes.items()):
            groups.setdefault(key, []).append(Span(doc, found.start, found.end, label=value))
    for key, group in groups.items():
        doc.spans[key] = group
    doc.user_data.update(_user_data(document, sentence, by_offsets))
    return doc, len(spans) - len(aligned)


def _user_data(
    document: ExportDocument, sentence: ExportSentence, by_offsets: Mapping[tuple[int, int], Any]
) -> dict[str, Any]:
    """Where the sentence comes from, and its gold relations as token ranges."""
    relations = []
    for r in sorted_relations(sentence.relations):
        head = by_offsets.get((r.head_start, r.head_end))
        child = by_offsets.get((r.child_start, r.child_end))
        if head is not None and child is not None:
            relations.append({"head": [head.start, head.end], "child": [child.start, child.end],
                              "role": r.role})
    return {
        "sentence_id": sentence.id,
        "document_id": document.id,
        "index": sentence.index,
        "split": document.split,
        "gold_status": sentence.gold_status,
        "relations": relations,
    }
