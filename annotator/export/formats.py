"""Gold-standard export writers: gold JSON, JSONL, CoNLL BIO and the dataset card (pure).

Every writer takes plain data (``ExportDocument``s holding ``ExportSentence``s holding
``GoldSpan``s) from any iterable and yields text chunks, one document (gold-json, conll) or
one sentence (jsonl) at a time, so an export never holds more than one document in memory.
A ``Tally`` passed in counts what was written; the counts and the card are complete once the
writer is exhausted. Output is deterministic: the caller orders documents and sentences,
spans are sorted here, and dictionaries are built in a fixed key order.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any, NamedTuple

from annotator.corpus.tokens import is_mark, token_offsets
from annotator.projects.schema import LabelSchema, SchemaError, parse_schema

FORMATS = ("gold-json", "jsonl", "conll")
FORMAT_VERSION = 1  # of the gold-json shape (docs/gold-json.schema.json)
SOURCES = ("unanimous", "majority", "curator")
GOLD_STATUSES = ("complete", "partial")
# CoNLL-2003's document separator as spaCy's converter (`spacy convert -c ner`) spells it;
# other readers (Hugging Face, flair, seqeval scripts) skip any line starting with -DOCSTART-.
CONLL_DOCSTART = "-DOCSTART- -X- O O"
# Card warnings. A label with fewer gold spans than this gives too few examples to learn or
# evaluate it; agreement below Krippendorff's (2004) 0.667 supports no conclusions at all.
FEW_EXAMPLES = 50
LOW_AGREEMENT = 0.667


class GoldSpan(NamedTuple):
    """One gold span with its provenance (a NamedTuple: a million of these must be cheap)."""

    start: int  # code points, relative to the sentence, half-open
    end: int
    label: str
    attributes: Mapping[str, str]
    source: str  # unanimous | majority | curator
    votes: int  # annotators who marked exactly this span (k)
    voters: int  # annotators who finished the sentence (n)
    annotators: tuple[str, ...]  # who marked it, sorted
    curator: str | None = None
    curated_at: str | None = None  # ISO 8601 UTC, curator spans only
    reason: str | None = None
    note: str | None = None


class AnnotatorSpan(NamedTuple):
    """An annotator's own span (exported with --include-annotations)."""

    start: int
    end: int
    label: str
    attributes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class AnnotatorWork:
    status: str  # done | skipped | in_progress
    spans: tuple[AnnotatorSpan, ...]


@dataclass(frozen=True, slots=True)
class ExportSentence:
    id: int
    index: int  # position in the document, from 0
    start: int  # offsets of the sentence in the document text
    end: int
    text: str
    gold_status: str  # complete | partial
    spans: tuple[GoldSpan, ...]
    annotators: tuple[str, ...] = ()  # who finished (done) the sentence, sorted
    annotations: Mapping[str, AnnotatorWork] | None = None  # only with include_annotations


@dataclass(frozen=True, slots=True)
class ExportDocument:
    id: int
    title: str
    url: str | None
    published: str | None  # ISO date
    split: str | None  # train | dev | test, or None without --split
    sentences: tuple[ExportSentence, ...]


@dataclass(frozen=True)
class ExportHeader:
    """What an export says about itself, known before the first document is written."""

    project_id: int
    project_name: str
    label_schema: Mapping[str, Any]  # the project's schema document, as stored
    exported_at: str  # ISO 8601 UTC
    format: str
    options: Mapping[str, Any]  # split, seed, part, include_annotations, complete_only
    agreement: Mapping[str, Any] | None = None  # see agreement_summary in services.py

    @property
    def include_annotations(self) -> bool:
        return bool(self.options.get("include_annotations"))

    @property
    def split_names(self) -> tuple[str, ...] | None:
        names = self.options.get("split_names")
        return tuple(names) if names else None


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------------- token alignment


class Alignment(NamedTuple):
    """Where each span of a sentence falls on its tokens."""

    tokens: list[tuple[int, int]]
    # Per span (in the sentence's span order): [first, last) token indices, or None when
    # the span covers no token that an earlier span has not already taken.
    ranges: list[tuple[int, int] | None]
    exact: list[bool]  # the span starts at a token start and ends at a token end
    off_boundary: int  # spans not exact but kept (their token range is widened)
    dropped: int  # spans left without any token


def align(text: str, spans: Sequence[GoldSpan | AnnotatorSpan]) -> Alignment:
    """Map spans to tokens of ``corpus.tokens`` (the editor's tokenizer).

    The editor snaps selections to these tokens, so gold made in the app is always exact.
    Imported spans may not be: a span whose boundary falls inside a token (or on whitespace)
    is widened to every token it touches (spaCy's ``alignment_mode="expand"``); a token that an
    earlier span (by start) already took stays with it; a span left with no token is dropped.
    Both cases are counted, and the card warns about them.
    """
    tokens = token_offsets(text)
    starts = [t[0] for t in tokens]
    ends = [t[1] for t in tokens]
    ranges: list[tuple[int, int] | None] = []
    exact: list[bool] = []
    off_boundary = dropped = 0
    taken = 0  # tokens before this index belong to earlier spans
    for span in spans:
        first = bisect_right(ends, span.start)  # first token ending after the span's start
        stop = bisect_left(starts, span.end)  # tokens starting before the span's end
        is_exact = (
            first < stop
            and first >= taken
            and starts[first] == span.start
            and ends[stop - 1] == span.end
        )
        first = max(first, taken)
        if first >= stop:
            ranges.append(None)
            exact.append(False)
            dropped += 1
            continue
        ranges.append((first, stop))
        exact.append(is_exact)
        if not is_exact:
            off_boundary += 1
        taken = stop
    return Alignment(tokens, ranges, exact, off_boundary, dropped)


def boundary_problems(text: str, spans: Sequence[GoldSpan | AnnotatorSpan]) -> tuple[int, int]:
    """``(off_boundary, dropped)`` as ``align`` counts them, without tokenizing the sentence.

    gold-json needs only these two numbers. A span starts on a token start when its first
    character is not a space and does not continue the token before it (a token boundary lies
    between two characters unless both are word characters, or the second is a combining mark
    not preceded by a space, or it is a word character after marks of a word run); it ends on
    a token end likewise. When every
    span does both and none overlaps the previous one, nothing is widened or dropped; otherwise
    the full ``align`` decides.
    """
    # Inlined character tests (this runs for every exported sentence). The tokenizer's \w is
    # what Python's re counts as a word character: str.isalnum() or "_"; \s is str.isspace();
    # combining marks (tokens.is_mark, all at U+0300 or above) join the token before them.
    # The property tests compare this with align() on random text.
    previous_end = 0
    length = len(text)
    for span in spans:
        start, end = span[0], span[1]
        if start < previous_end or end > length or start >= end:
            break
        first, last = text[start], text[end - 1]
        if first.isspace() or last.isspace():
            break
        if start:
            before = text[start - 1]
            if first.isalnum() or first == "_":
                if before.isalnum() or before == "_" or (
                        before >= "\u0300" and _joined(text, start)):
                    break
            elif first >= "\u0300" and is_mark(first) and not before.isspace():
                break  # a mark continues the token before it
        if end < length:
            after = text[end]
            if after.isalnum() or after == "_":
                if last.isalnum() or last == "_" or (
                        last >= "\u0300" and _joined(text, end)):
                    break
            elif after >= "\u0300" and is_mark(after):
                break  # the next character is a mark of the span's last token
        previous_end = end
    else:
        return 0, 0
    alignment = align(text, spans)
    return alignment.off_boundary, alignment.dropped


def _joined(text: str, i: int) -> bool:
    """Whether a word character at ``i`` continues the token of the marks before it: it does
    when those marks belong to a word run (they follow a word character, a space or the start
    of the text), not when they are the tail of another character such as "!" or an emoji."""
    j = i - 1
    while j >= 0 and text[j] >= "\u0300" and is_mark(text[j]):
        j -= 1
    if j == i - 1:
        return False  # no mark before i (the caller already tested a word character there)
    if j < 0:
        return True
    owner = text[j]
    return owner.isspace() or owner.isalnum() or owner == "_"


# ---------------------------------------------------------------------------- counting


@dataclass
class _Bucket:
    documents: int = 0
    sentences: int = 0
    spans: int = 0
    labels: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "sentences": self.sentences,
            "spans": self.spans,
            "labels": dict(self.labels),
        }


class Tally:
    """Counts what an export wrote: per label, split, gold status and provenance source."""

    def __init__(self, labels: Sequence[str], split_names: Sequence[str] | None = None):
        self._labels = list(labels)
        self.total = _Bucket()
        self.splits: dict[str, _Bucket] | None = (
            {name: _Bucket() for name in split_names} if split_names else None
        )
        self.gold_status: Counter[str] = Counter()
        self.sources: Counter[str] = Counter()
        self.off_boundary = 0
        self.dropped = 0

    def _buckets(self, split: str | None) -> list[_Bucket]:
        if self.splits is None or split is None:
            return [self.total]
        return [self.total, self.splits[split]]

    def add_document(self, document: ExportDocument) -> None:
        for bucket in self._buckets(document.split):
            bucket.documents += 1

    def add_sentence(
        self, document: ExportDocument, sentence: ExportSentence, off_boundary: int, dropped: int
    ) -> None:
        """Count one sentence; ``off_boundary`` and ``dropped`` come from ``align``."""
        spans = sentence.spans
        self.gold_status[sentence.gold_status] += 1
        sources = self.sources
        buckets = self._buckets(document.split)
        for bucket in buckets:
            bucket.sentences += 1
            bucket.spans += len(spans)
        # Plain loops: Counter.update's Python-level checks cost more than the counting for
        # the handful of spans a sentence has (this runs for every exported sentence).
        total = self.total.labels
        if len(buckets) == 1:
            for span in spans:
                total[span[2]] += 1
                sources[span[4]] += 1
        else:
            part = buckets[1].labels
            for span in spans:
                total[span[2]] += 1
                part[span[2]] += 1
                sources[span[4]] += 1
        self.off_boundary += off_boundary
        self.dropped += dropped

    def _ordered_labels(self, labels: dict[str, int]) -> dict[str, int]:
        # Schema order first, then labels the schema no longer has, sorted.
        extra = sorted(k for k in labels if k not in self._labels)
        return {k: labels.get(k, 0) for k in [*self._labels, *extra]}

    def counts(self) -> dict[str, Any]:
        """The ``counts`` object of gold-json (also the card's source)."""
        total = self.total.to_json()
        total["labels"] = self._ordered_labels(self.total.labels)
        splits = None
        if self.splits is not None:
            splits = {}
            for name, bucket in self.splits.items():
                splits[name] = bucket.to_json()
                splits[name]["labels"] = self._ordered_labels(bucket.labels)
        return {
            **total,
            "gold_status": {s: self.gold_status[s] for s in GOLD_STATUSES},
            "sources": {s: self.sources[s] for s in SOURCES},
            "splits": splits,
            "spans_off_token_boundaries": self.off_boundary,
            "spans_without_tokens": self.dropped,
        }


def make_tally(header: ExportHeader) -> Tally:
    """A tally for ``header``'s schema labels and split names."""
    return Tally(schema_labels(header.label_schema), header.split_names)


def schema_labels(label_schema: Mapping[str, Any]) -> list[str]:
    """The label keys of a schema document, in schema order (empty if it cannot be parsed)."""
    schema = _parse_schema(label_schema)
    return list(schema.keys) if schema else []


def _parse_schema(label_schema: Mapping[str, Any]) -> LabelSchema | None:
    try:
        return parse_schema(dict(label_schema))
    except SchemaError:
        return None


def tally_documents(documents: Iterable[ExportDocument], tally: Tally) -> Tally:
    """Count ``documents`` without writing them (the card on its own)."""
    for document in documents:
        tally.add_document(document)
        for sentence in document.sentences:
            spans = _sorted_spans(sentence.spans)
            tally.add_sentence(document, sentence, *boundary_problems(sentence.text, spans))
    return tally


# ---------------------------------------------------------------------------- gold-json


class _SpanTails:
    """The JSON text of a gold span after its ``text``: attributes and provenance, cached.

    Most of a million spans share one of a few tails (same source, votes and annotators, no
    curator), so each distinct tail is encoded once. The output is exactly what ``_dumps``
    makes of the whole span object (the golden files check it byte for byte).
    """

    LIMIT = 20_000  # distinct tails kept (curator spans have their own times and notes)

    def __init__(self) -> None:
        self._cache: dict[tuple, str] = {}
        self._names: dict[tuple[str, ...], str] = {}

    def names(self, annotators: tuple[str, ...]) -> str:
        """A sentence's ``annotators`` list as JSON (a few distinct lists in a whole export)."""
        text = self._names.get(annotators)
        if text is None:
            if len(self._names) >= self.LIMIT:
                self._names.clear()
            text = self._names[annotators] = _dumps(list(annotators))
        return text

    def __call__(self, span: GoldSpan) -> str:
        attributes = span.attributes
        key = (tuple(attributes.items()) if attributes else (), span[4:])
        tail = self._cache.get(key)
        if tail is None:
            tail = _dumps({
                "attributes": dict(sorted(attributes.items())),
                "source": span.source,
                "votes": {"k": span.votes, "n": span.voters},
                "annotators": list(span.annotators),
                "curator": span.curator,
                "curated_at": span.curated_at,
                "reason": span.reason,
                "note": span.note,
            })[1:-1]
            if len(self._cache) >= self.LIMIT:
                self._cache.clear()
            self._cache[key] = tail
        return tail


def _sentence_json(
    sentence: ExportSentence, spans: Sequence[GoldSpan], tails: _SpanTails,
    with_annotations: bool,
) -> str:
    """One gold-json sentence object, built from encoded pieces (the export's inner loop)."""
    text = sentence.text
    quote = encode_basestring  # json's own string encoder (ensure_ascii=False), in C
    span_texts = ",".join([
        f'{{"start":{s.start},"end":{s.end},"label":{quote(s.label)},'
        f'"text":{quote(text[s.start:s.end])},{tails(s)}}}'
        for s in spans
    ])
    out = (
        f'{{"id":{sentence.id},"index":{sentence.index},"text":{quote(text)},'
        f'"start":{sentence.start},"end":{sentence.end},'
        f'"gold_status":{quote(sentence.gold_status)},"spans":[{span_texts}],'
        f'"annotators":{tails.names(tuple(sentence.annotators))}'
    )
    if with_annotations:
        out += ',"annotations":' + _dumps(_annotations_json(text, sentence.annotations or {}))
    return out + "}"


def _annotations_json(text: str, annotations: Mapping[str, AnnotatorWork]) -> dict[str, Any]:
    return {
        name: {
            "status": work.status,
            "spans": [
                {
                    "start": s.start,
                    "end": s.end,
                    "label": s.label,
                    "text": text[s.start : s.end],
                    "attributes": dict(sorted(s.attributes.items())),
                }
                for s in sorted(work.spans)
            ],
        }
        for name, work in sorted(annotations.items())
    }


_SPAN_ORDER = itemgetter(0, 1, 2)  # start, end, label


def _sorted_spans(spans: Sequence[GoldSpan]) -> Sequence[GoldSpan]:
    return sorted(spans, key=_SPAN_ORDER)


def write_gold_json(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[str]:
    """Yield the gold-json file: header keys, one document per line, then counts and card.

    ``counts`` and ``card`` come after ``documents`` because they are counted while the
    documents stream past (one pass, flat memory); JSON readers do not care about key order.
    """
    head = {
        "format_version": FORMAT_VERSION,
        "project": {"id": header.project_id, "name": header.project_name},
        "label_schema": header.label_schema,
        "exported_at": header.exported_at,
        "options": _public_options(header.options),
        "agreement": header.agreement,
    }
    yield "{\n" + "".join(f"{_dumps(k)}:{_dumps(v)},\n" for k, v in head.items())
    yield '"documents":['
    separator = "\n"
    with_annotations = header.include_annotations
    tails = _SpanTails()
    for document in documents:
        tally.add_document(document)
        sentences = []
        for sentence in document.sentences:
            spans = _sorted_spans(sentence.spans)
            tally.add_sentence(document, sentence, *boundary_problems(sentence.text, spans))
            sentences.append(_sentence_json(sentence, spans, tails, with_annotations))
        head = _dumps({
            "id": document.id,
            "title": document.title,
            "url": document.url,
            "published": document.published,
            "split": document.split,
        })
        yield f'{separator}{head[:-1]},"sentences":[{",".join(sentences)}]}}'
        separator = ",\n"
    counts = tally.counts()
    yield (
        "\n],\n"
        f'"counts":{_dumps(counts)},\n'
        f'"card":{_dumps(render_card(header, counts))}\n'
        "}\n"
    )


def _public_options(options: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("split", "seed", "part", "include_annotations", "complete_only")
    return {k: options.get(k) for k in keys}


# ---------------------------------------------------------------------------- jsonl


def prodigy_tokens(text: str, tokens: Sequence[tuple[int, int]]) -> tuple[list[dict], list[int]]:
    """Tokens in Prodigy's shape (text, start, end, id, ws), whitespace runs included.

    ``"".join(t["text"] + " " * t["ws"])`` rebuilds ``text`` exactly, so
    ``spacy.tokens.Doc(vocab, words, spaces)`` has the same text and character offsets.
    Like spaCy, a single space after a token is its ``ws``; any other whitespace becomes a
    token of its own. Returns the tokens and, for each of ``tokens``, its index among them.
    """
    out: list[dict[str, Any]] = []
    index_of: list[int] = []

    def add(start: int, end: int) -> None:
        out.append(
            {"text": text[start:end], "start": start, "end": end, "id": len(out), "ws": False}
        )

    position = 0
    for start, end in tokens:
        gap = start - position
        if gap:
            if out and text[position] == " ":
                out[-1]["ws"] = True
                position += 1
            if position < start:
                add(position, start)
        index_of.append(len(out))
        add(start, end)
        position = end
    if position < len(text):
        if out and text[position] == " ":
            out[-1]["ws"] = True
            position += 1
        if position < len(text):
            add(position, len(text))
    return out, index_of


def write_jsonl(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[str]:
    """Yield one line per sentence: ``{"text", "tokens", "spans", "meta"}`` (spaCy/Prodigy).

    A span gets ``token_start`` and ``token_end`` (inclusive, as in Prodigy) only when it
    sits exactly on token boundaries; provenance per span sits in ``meta.provenance``.
    """
    with_annotations = header.include_annotations
    for document in documents:
        tally.add_document(document)
        for sentence in document.sentences:
            text = sentence.text
            spans = _sorted_spans(sentence.spans)
            alignment = align(text, spans)
            tally.add_sentence(document, sentence, alignment.off_boundary, alignment.dropped)
            tokens, index_of = prodigy_tokens(text, alignment.tokens)
            out_spans = []
            for span, token_range, exact in zip(spans, alignment.ranges, alignment.exact):
                item: dict[str, Any] = {"start": span.start, "end": span.end, "label": span.label}
                if exact and token_range is not None:
                    item["token_start"] = index_of[token_range[0]]
                    item["token_end"] = index_of[token_range[1] - 1]
                item["attributes"] = dict(sorted(span.attributes.items()))
                out_spans.append(item)
            meta: dict[str, Any] = {
                "sentence_id": sentence.id,
                "document_id": document.id,
                "document": document.title,
                "index": sentence.index,
                "split": document.split,
                "gold_status": sentence.gold_status,
                "annotators": list(sentence.annotators),
                "provenance": [
                    {
                        "source": s.source,
                        "votes": {"k": s.votes, "n": s.voters},
                        "annotators": list(s.annotators),
                        "curator": s.curator,
                        "reason": s.reason,
                    }
                    for s in spans
                ],
            }
            if with_annotations:
                meta["annotations"] = _annotations_json(text, sentence.annotations or {})
            yield _dumps({"text": text, "tokens": tokens, "spans": out_spans, "meta": meta}) + "\n"


# ---------------------------------------------------------------------------- conll


def bio_tags(alignment: Alignment, spans: Sequence[GoldSpan | AnnotatorSpan]) -> list[str]:
    """BIO (IOB2) tags for the alignment's tokens: B-LABEL, I-LABEL or O."""
    tags = ["O"] * len(alignment.tokens)
    for span, token_range in zip(spans, alignment.ranges):
        if token_range is None:
            continue
        first, stop = token_range
        tags[first] = "B-" + span.label
        for i in range(first + 1, stop):
            tags[i] = "I-" + span.label
    return tags


def write_conll(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[str]:
    """Yield CoNLL-2003-style text: ``TOKEN TAG`` per line, a blank line after each sentence,
    and ``-DOCSTART- -X- O O`` plus a blank line before each document."""
    for document in documents:
        tally.add_document(document)
        lines = [CONLL_DOCSTART, ""]
        for sentence in document.sentences:
            spans = _sorted_spans(sentence.spans)
            alignment = align(sentence.text, spans)
            tally.add_sentence(document, sentence, alignment.off_boundary, alignment.dropped)
            if not alignment.tokens:
                continue
            text = sentence.text
            for (start, end), tag in zip(alignment.tokens, bio_tags(alignment, spans)):
                lines.append(f"{text[start:end]} {tag}")
            lines.append("")
        yield "\n".join(lines) + "\n"


WRITERS = {"gold-json": write_gold_json, "jsonl": write_jsonl, "conll": write_conll}


def write(header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally) -> Iterator[str]:
    """Yield ``header.format``'s text for ``documents``."""
    return WRITERS[header.format](header, documents, tally)


# ---------------------------------------------------------------------------- the card


def _cell(value: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _figure(entry: Mapping[str, Any] | None) -> str:
    if not entry or entry.get("value") is None:
        return "n/a"
    return f"{entry['value']:.3f}"


def _interval(entry: Mapping[str, Any] | None) -> str:
    ci = (entry or {}).get("ci95")
    if not ci or ci[0] is None or ci[1] is None:
        return "n/a"
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def render_card(header: ExportHeader, counts: Mapping[str, Any]) -> str:
    """The dataset card (Markdown): contents, how gold was made, agreement, schema, warnings."""
    schema = _parse_schema(header.label_schema)
    labels = list(counts["labels"])
    options = header.options
    out: list[str] = []
    add = out.append
    add(f"# Dataset card: {_cell(header.project_name)}")
    add("")
    add(
        f"Gold standard exported from annotator on {header.exported_at} as `{header.format}` "
        f"(project id {header.project_id})."
    )
    described = [
        f"split {options['split']} by document, seed {options['seed']}"
        if options.get("split")
        else "no train/dev/test split",
        f"only the {options['part']} part" if options.get("part") else None,
        "complete sentences only"
        if options.get("complete_only")
        else "complete and partial sentences",
        "annotators' own spans included" if options.get("include_annotations") else None,
    ]
    add("Options: " + "; ".join(d for d in described if d) + ".")
    add("")

    add("## Contents")
    add("")
    add("| part | documents | sentences | spans | " + " | ".join(map(_cell, labels)) + " |")
    add("|---" * (4 + len(labels)) + "|")
    rows = list((counts.get("splits") or {}).items()) + [("all", counts)]
    for name, bucket in rows:
        add(
            f"| {name} | {bucket['documents']} | {bucket['sentences']} | {bucket['spans']} | "
            + " | ".join(str(bucket["labels"].get(k, 0)) for k in labels)
            + " |"
        )
    add("")
    status = counts["gold_status"]
    add(
        f"Gold status: {status.get('complete', 0)} complete sentences (no open conflict), "
        f"{status.get('partial', 0)} partial (spans accepted so far; conflicts still open). "
        "A sentence with no gold span is a negative example: its annotators agreed it mentions "
        "nothing (complete) or nothing is accepted yet (partial)."
    )
    add("")

    add("## How the gold was made")
    add("")
    total_spans = counts["spans"]
    add("| source | spans | share |")
    add("|---|---|---|")
    meaning = {
        "unanimous": "every annotator of the sentence marked it exactly alike",
        "majority": "at least the required number of annotators (k of n) marked it exactly",
        "curator": "chosen or edited by a curator",
    }
    for source in SOURCES:
        n = counts["sources"].get(source, 0)
        add(f"| {source} ({meaning[source]}) | {n} | {_percent(n, total_spans)} |")
    add("")

    add("## Agreement between annotators")
    add("")
    agreement = header.agreement
    if not agreement:
        add("No agreement figures: no sentence of this project was finished by two annotators.")
    else:
        add(_agreement_text(agreement))
        add("")
        add(
            "| label | Krippendorff's alpha | 95% interval | span F1 (exact) | 95% interval "
            "| spans compared |"
        )
        add("|---|---|---|---|---|---|")
        overall = agreement.get("overall", {})
        add(
            f"| all | {_figure(overall.get('krippendorff_alpha'))} | "
            f"{_interval(overall.get('krippendorff_alpha'))} | {_figure(overall.get('span_f1'))} | "
            f"{_interval(overall.get('span_f1'))} | {overall.get('spans', 'n/a')} |"
        )
        for label, entry in agreement.get("labels", {}).items():
            add(
                f"| {_cell(label)} | {_figure(entry.get('krippendorff_alpha'))} | "
                f"{_interval(entry.get('krippendorff_alpha'))} | {_figure(entry.get('span_f1'))} | "
                f"{_interval(entry.get('span_f1'))} | {entry.get('spans', 'n/a')} |"
            )
    add("")

    add("## Label schema")
    add("")
    version = schema.version if schema else header.label_schema.get("version", "?")
    name = schema.name if schema else header.label_schema.get("name", "?")
    add(f"Schema \"{_cell(name)}\", guidelines version {_cell(version)}.")
    add("")
    if schema:
        add("| label | name | description | attributes |")
        add("|---|---|---|---|")
        for label in schema.labels:
            attributes = "; ".join(
                f"{a.key}: " + ", ".join(v.value for v in a.values) for a in label.attributes
            )
            add(
                f"| {_cell(label.key)} | {_cell(label.name)} | {_cell(label.description)} | "
                f"{_cell(attributes) or '-'} |"
            )
        add("")

    add("## Warnings")
    add("")
    warnings = card_warnings(header, counts)
    for warning in warnings:
        add(f"- {warning}")
    if not warnings:
        add("None.")
    return "\n".join(out) + "\n"


def _agreement_text(agreement: Mapping[str, Any]) -> str:
    parts = []
    for key, what in (("sentences", "sentences"), ("annotators", "annotators"),
                      ("tokens", "tokens")):
        if agreement.get(key) is not None:
            parts.append(f"{agreement[key]} {what}")
    basis = f" over {', '.join(parts)}" if parts else ""
    return (
        f"Measured on the annotators' own work{basis} (docs/agreement.md). Alpha: Krippendorff's "
        "alpha (nominal) over tokens; span F1: exact-match F1 averaged over annotator pairs. "
        "Intervals: seeded bootstrap over sentences."
    )


def card_warnings(header: ExportHeader, counts: Mapping[str, Any]) -> list[str]:
    """Problems a user of the data should know about, in a fixed order."""
    warnings: list[str] = []
    for label, n in counts["labels"].items():
        if n < FEW_EXAMPLES:
            warnings.append(
                f"{label} has only {n} gold spans (fewer than {FEW_EXAMPLES}): too few to train "
                "or evaluate it reliably."
            )
    for name, bucket in (counts.get("splits") or {}).items():
        missing = [k for k, n in bucket["labels"].items() if n == 0 and counts["labels"][k] > 0]
        if bucket["documents"] == 0:
            warnings.append(f"The {name} part is empty.")
        elif missing:
            warnings.append(f"The {name} part has no {', '.join(missing)} span.")
    agreement = header.agreement or {}
    for label, entry in agreement.get("labels", {}).items():
        alpha = (entry.get("krippendorff_alpha") or {}).get("value")
        if alpha is not None and alpha < LOW_AGREEMENT:
            warnings.append(
                f"{label}: annotators agree poorly (alpha {alpha:.3f} < {LOW_AGREEMENT}); "
                "check the guidelines for this label."
            )
    for message in agreement.get("warnings", []):
        warnings.append(str(message))
    partial = counts["gold_status"].get("partial", 0)
    if partial:
        warnings.append(
            f"{partial} sentences are partial: their conflicts are still open, so spans may be "
            "missing (use complete_only to leave them out)."
        )
    if counts["spans_off_token_boundaries"]:
        warnings.append(
            f"{counts['spans_off_token_boundaries']} spans do not start and end on token "
            "boundaries (imported data): CoNLL widens them to whole tokens and JSONL gives them "
            "no token_start/token_end."
        )
    if counts["spans_without_tokens"]:
        warnings.append(
            f"{counts['spans_without_tokens']} spans cover no token of their own and are left "
            "out of CoNLL."
        )
    return warnings
