"""brat: a zip of brat standoff files, ``NAME.txt`` and ``NAME.ann`` per document (pure).

Every span is a text-bound ``T`` line over the whole article's text (absolute offsets: the
sentence's start plus the span's), an attribute value (an EVENT's ``event_type``) an ``A`` line
on it, a relation (an event's argument) an ``R`` line whose type is the role, ``Arg1`` the
event and ``Arg2`` the argument, and a gold span's provenance an ``AnnotatorNotes`` line.
``annotation.conf`` declares the labels as ``[entities]``, the roles as ``[relations]`` and
the attributes as ``[attributes]``; ``visual.conf`` gives the labels' names and colours.

Why entities with attributes rather than brat's ``[events]``: our EVENT is a span like any
other whose type is an optional attribute, and its arguments are links that the annotators
and the agreement measure one by one. A brat event (``E`` line) would make the event type the
trigger's type, so an untyped EVENT would have no type to take and a typed one would lose its
label; ``T`` + ``A`` + ``R`` keeps every span, type and link exactly as stored.

With a split, each part is a folder (``train/``, ``dev/``, ``test/``: brat collections; the
configuration at the top applies to them). Beside each ``NAME.txt``, ``NAME.json`` gives the
document's id, title, URL, date, part and exported sentences (brat lists only ``.txt`` files;
one file per document keeps the archive streaming: a single list of every document's
sentences would grow with the corpus until the end). With ``include_annotations`` every annotator's
own spans and relations are under ``annotators/NAME/``. The archive is streamed one document at
a time (``zipstream``); the configuration is written last, so that a label, role or value the
gold uses but the schema no longer declares is declared too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence

from annotator.export.alignment import boundary_problems
from annotator.export.records import (
    AnnotatorRelation,
    AnnotatorSpan,
    ExportDocument,
    ExportHeader,
    ExportSentence,
    GoldRelation,
    GoldSpan,
    sorted_relations,
    sorted_spans,
)
from annotator.export.tally import Tally, parse_label_schema
from annotator.export.zipstream import stream_members
from annotator.projects.schema import LabelSchema

ANNOTATORS_FOLDER = "annotators"
# brat's configuration splits on white space, "|", "," and ":" (and "=" in visual.conf).
_CONF_UNSAFE = re.compile(r"[\s|,:=#]")


def conf_name(value: str) -> str:
    """``value`` as a brat type or attribute value: separators brat reads replaced by ``_``."""
    return _CONF_UNSAFE.sub("_", value) or "_"


def slug(text: str, limit: int = 40) -> str:
    """A file-name part: lower-case ASCII letters and digits joined by ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")


def document_name(document: ExportDocument) -> str:
    """The base name of a document's files: its id, then its title's first words."""
    title = slug(document.title or "")
    return f"{document.id:06d}-{title}" if title else f"{document.id:06d}"


class Seen:
    """Labels, roles and attribute values met in the data (declared even if not in the schema)."""

    def __init__(self) -> None:
        self.labels: dict[str, None] = {}
        self.roles: dict[str, tuple[set[str], set[str]]] = {}  # role -> (heads, children)
        self.values: dict[str, tuple[set[str], dict[str, None]]] = {}  # key -> (labels, values)


def ann_text(
    text: str, parts: Sequence[tuple[ExportSentence, Sequence[GoldSpan] | Sequence[AnnotatorSpan],
                                     Sequence[GoldRelation] | Sequence[AnnotatorRelation]]],
    seen: Seen, *, notes: bool,
) -> str:
    """The ``.ann`` file of one document: T, A, R and (``notes``: gold provenance) # lines."""
    lines: list[str] = []
    t_ids: dict[tuple[int, int, int], str] = {}
    counters = {"A": 0, "R": 0, "#": 0}
    for sentence, spans, relations in parts:
        for span in sorted(spans, key=lambda s: (s.start, s.end, s.label)):
            start, end = sentence.start + span.start, sentence.start + span.end
            tid = f"T{len(t_ids) + 1}"
            t_ids[sentence.id, span.start, span.end] = tid
            label = conf_name(span.label)
            seen.labels.setdefault(label)
            fragments = _fragments(text, start, end)
            offsets = ";".join(f"{a} {b}" for a, b in fragments)
            shown = " ".join(text[a:b] for a, b in fragments)
            lines.append(f"{tid}\t{label} {offsets}\t{shown}")
            for key, value in sorted(span.attributes.items()):
                counters["A"] += 1
                key, value = conf_name(key), conf_name(value)
                holders, values = seen.values.setdefault(key, (set(), {}))
                holders.add(label)
                values.setdefault(value)
                lines.append(f"A{counters['A']}\t{key} {tid} {value}")
            if notes and isinstance(span, GoldSpan):
                counters["#"] += 1
                lines.append(f"#{counters['#']}\tAnnotatorNotes {tid}\t{_provenance(span)}")
        labels = {(s.start, s.end): conf_name(s.label) for s in spans}
        for r in sorted_relations(relations):
            head = t_ids.get((sentence.id, r.head_start, r.head_end))
            child = t_ids.get((sentence.id, r.child_start, r.child_end))
            if head is None or child is None:
                continue  # not a stored state: relations link spans of their sentence
            counters["R"] += 1
            role = conf_name(r.role)
            heads, children = seen.roles.setdefault(role, (set(), set()))
            heads.add(labels[r.head_start, r.head_end])
            children.add(labels[r.child_start, r.child_end])
            lines.append(f"R{counters['R']}\t{role} Arg1:{head} Arg2:{child}")
    return "".join(line + "\n" for line in lines)


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A span cut at its line breaks (a brat text-bound never crosses one), offsets kept."""
    out = []
    position = start
    for piece in re.split(r"([\r\n]+)", text[start:end]):
        if piece and piece[0] not in "\r\n":
            out.append((position, position + len(piece)))
        position += len(piece)
    return out or [(start, end)]


def _provenance(span: GoldSpan) -> str:
    words = f"{span.source}: marked by {span.votes} of {span.voters} annotators"
    if span.curator:
        words += f", curator {span.curator}"
    for extra in (span.reason, span.note):
        if extra:
            words += f"; {extra}"
    return " ".join(words.split())  # one line


def annotation_conf(schema: LabelSchema | None, seen: Seen, header: ExportHeader) -> str:
    """``annotation.conf``: labels as entities, roles as relations, attributes as attributes."""
    labels: dict[str, None] = {}
    roles: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    attributes: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    for label in schema.labels if schema is not None else ():
        key = conf_name(label.key)
        labels.setdefault(key)
        for role in label.roles:
            heads, children = roles.setdefault(conf_name(role.key), ({}, {}))
            heads.setdefault(key)
            for target in role.targets:
                children.setdefault(conf_name(target))
        for attribute in label.attributes:
            holders, values = attributes.setdefault(conf_name(attribute.key), ({}, {}))
            holders.setdefault(key)
            for value in attribute.values:
                values.setdefault(conf_name(value.value))
    for label in sorted(seen.labels):
        labels.setdefault(label)
    for role, (heads, children) in sorted(seen.roles.items()):
        known = roles.setdefault(role, ({}, {}))
        for head in sorted(heads):
            known[0].setdefault(head)
        for child in sorted(children):
            known[1].setdefault(child)
    for key, (holders, values) in sorted(seen.values.items()):
        known = attributes.setdefault(key, ({}, {}))
        for holder in sorted(holders):
            known[0].setdefault(holder)
        for value in values:
            known[1].setdefault(value)
    name = " ".join(str(header.label_schema.get("name", "")).split())
    lines = [f"# The label schema of project {' '.join(header.project_name.split())}"
             f"{f' ({name})' if name else ''}, written by annotator.",
             "[entities]", *labels, "", "[relations]"]
    lines += [f"{role}\tArg1:{'|'.join(heads)}, Arg2:{'|'.join(children)}"
              for role, (heads, children) in roles.items() if heads and children]
    lines += ["", "[events]",
              "# none: an EVENT is an entity whose type is the event_type attribute", "",
              "[attributes]"]
    lines += [f"{key}\tArg:{'|'.join(holders)}, Value:{'|'.join(values)}"
              for key, (holders, values) in attributes.items() if holders and values]
    return "\n".join(lines) + "\n"


def visual_conf(schema: LabelSchema | None) -> str:
    """``visual.conf``: each label's and role's display name, and each label's colour."""
    if schema is None:
        return "[labels]\n\n[drawing]\n"
    names = [f"{conf_name(label.key)} | {' '.join(label.name.split())}"
             for label in schema.labels]
    role_names: dict[str, str] = {}
    for label in schema.labels:
        for role in label.roles:
            role_names.setdefault(conf_name(role.key), " ".join(role.name.split()))
    names += [f"{key} | {name}" for key, name in role_names.items()]
    drawing = [f"{conf_name(label.key)}\tbgColor:{label.color}" for label in schema.labels]
    return "\n".join(["[labels]", *names, "", "[drawing]", *drawing]) + "\n"


def document_json(document: ExportDocument) -> str:
    """``NAME.json``: the document's ids and metadata, and its exported (gold) sentences."""
    return json.dumps({
        "document_id": document.id, "title": document.title, "url": document.url,
        "published": document.published, "split": document.split,
        "sentences": [{"id": s.id, "index": s.index, "start": s.start, "end": s.end,
                       "gold_status": s.gold_status} for s in document.sentences],
    }, ensure_ascii=False, indent=1) + "\n"


def _members(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[tuple[str, str]]:
    """The archive's members in order: per document its files, then the configuration."""
    schema = parse_label_schema(header.label_schema)
    seen = Seen()
    folders: dict[str, str] = {}  # annotator name -> folder, unique
    for document in documents:
        tally.add_document(document)
        for sentence in document.sentences:
            tally.add_sentence(document, sentence,
                               *boundary_problems(sentence.text, sorted_spans(sentence.spans)))
        base = (f"{document.split}/" if document.split else "") + document_name(document)
        yield f"{base}.txt", document.text
        gold = [(s, s.spans, s.relations) for s in document.sentences]
        yield f"{base}.ann", ann_text(document.text, gold, seen, notes=True)
        yield f"{base}.json", document_json(document)
        if header.include_annotations:
            yield from _annotator_members(document, base, seen, folders)
    yield "annotation.conf", annotation_conf(schema, seen, header)
    yield "visual.conf", visual_conf(schema)


def _annotator_members(
    document: ExportDocument, base: str, seen: Seen, folders: dict[str, str]
) -> Iterator[tuple[str, str]]:
    """Each annotator's own work on ``document``, as a brat collection per annotator."""
    names = sorted({name for s in document.sentences for name in (s.annotations or {})})
    for name in names:
        if name not in folders:
            folder = slug(name) or "annotator"
            taken = set(folders.values())
            candidate, n = folder, 1
            while candidate in taken:
                n += 1
                candidate = f"{folder}-{n}"
            folders[name] = candidate
        work = [(s, s.annotations[name].spans, s.annotations[name].relations)
                for s in document.sentences if name in (s.annotations or {})]
        path = f"{ANNOTATORS_FOLDER}/{folders[name]}/{base}"
        yield f"{path}.txt", document.text
        yield f"{path}.ann", ann_text(document.text, work, seen, notes=False)


def write_brat(
    header: ExportHeader, documents: Iterable[ExportDocument], tally: Tally
) -> Iterator[bytes]:
    """Yield a zip archive of brat standoff files, one document's files at a time."""
    return stream_members(_members(header, documents, tally))
