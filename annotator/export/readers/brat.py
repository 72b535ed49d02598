"""brat standoff: ``name.txt`` + ``name.ann`` pairs, or a ``.zip`` of them (pure).

``.ann`` lines read (tab-separated, as brat writes them):

- ``T1	LABEL 10 18	covered text``: a text-bound span (code-point offsets into the
  ``.txt``). A discontinuous span (``10 18;25 30``) has no counterpart here (our spans are
  one stretch): it is a problem, and with it the relations and attributes that name it.
- ``R1	ROLE Arg1:T2 Arg2:T1``: a relation; the head is the span whose label has roles.
- ``E1	EVENT:T3 Actor1:T1 Place:T2``: an event: its trigger span, and a relation per
  argument, the argument's role name as the relation type.
- ``A1	EventType T3 armed_clash`` / ``M1 ...``: an attribute of a span or event, mapped to
  the label's attribute of that name (or its only attribute: the event type).

Notes (``#``), normalisations (``N``) and equivalences (``*``) carry nothing we store and are
passed over, as are ``annotation.conf``, ``visual.conf`` and other files in a zip.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import PurePosixPath

from annotator.export.readers.shape import (
    ForeignDocument,
    ForeignRelation,
    ForeignSpan,
    Reading,
    decode,
)

# A zip is opened only up to this many bytes of .txt/.ann in all (a zip bomb stops here).
MAX_UNZIPPED = 256 * 1024 * 1024
IGNORED = ("#", "N", "*")


def read_brat(files: Sequence[tuple[str, bytes]]) -> Reading:
    """Every ``.txt``/``.ann`` pair among ``files`` (zips opened) as a document."""
    reading = Reading()
    texts: dict[str, tuple[str, bytes]] = {}
    anns: dict[str, tuple[str, bytes]] = {}
    for name, data in _unzipped(files, reading):
        path = PurePosixPath(name.replace("\\", "/"))
        stem = str(path.with_suffix(""))
        if path.suffix == ".txt":
            texts[stem] = (name, data)
        elif path.suffix == ".ann":
            anns[stem] = (name, data)
        elif path.name not in ("annotation.conf", "visual.conf", "tools.conf", "kb_shortcuts.conf"):
            reading.problem(name, "not a brat file (expected .txt and .ann pairs, or a .zip)")
    for stem in sorted(anns.keys() - texts.keys()):
        reading.problem(anns[stem][0], f"no {stem}.txt beside it (brat needs both files)")
    for stem in sorted(texts.keys() - anns.keys()):
        reading.problem(texts[stem][0], f"no {stem}.ann beside it (brat needs both files)")
    for stem in sorted(texts.keys() & anns.keys()):
        document = _pair(texts[stem], anns[stem], reading)
        if document is not None:
            reading.documents.append(document)
    return reading


def _unzipped(files: Sequence[tuple[str, bytes]], reading: Reading) -> list[tuple[str, bytes]]:
    """The files, with each ``.zip`` replaced by its ``.txt``/``.ann`` (and conf) members."""
    out: list[tuple[str, bytes]] = []
    for name, data in files:
        if not name.lower().endswith(".zip"):
            out.append((name, data))
            continue
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = [m for m in archive.infolist() if not m.is_dir()
                       and m.filename.endswith((".txt", ".ann"))]
            if sum(m.file_size for m in members) > MAX_UNZIPPED:
                reading.problem(name, f"unzips to more than {MAX_UNZIPPED} bytes")
                continue
            out.extend((f"{name}/{m.filename}", archive.read(m)) for m in members)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as err:
            reading.problem(name, f"not a readable zip file ({err})")
    return out


def _pair(
    txt: tuple[str, bytes], ann: tuple[str, bytes], reading: Reading
) -> ForeignDocument | None:
    text = decode(txt[0], txt[1], reading)
    lines = decode(ann[0], ann[1], reading)
    if text is None or lines is None:
        return None
    # brat reads the text with Python's universal newlines: its offsets count "\r\n" as one
    # character. (A stored article with "\r\n" is still found: by its text without spaces.)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        reading.problem(txt[0], "the text is empty")
        return None
    title = PurePosixPath(txt[0]).stem
    document = ForeignDocument(ann[0], text, title)
    triggers: dict[str, str] = {}  # event id -> its trigger's span id
    attributes: dict[str, list[tuple[str, str]]] = {}
    spans: dict[str, tuple[int, int, str, str, str]] = {}
    for number, line in enumerate(lines.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip() or line.startswith(IGNORED):
            continue
        ident, _, rest = line.partition("\t")
        where = f"{ann[0]} line {number} ({ident})"
        kind = ident[:1]
        if kind == "T":
            _text_bound(where, ident, rest, spans, reading)
        elif kind == "R":
            _relation(document, where, rest, reading)
        elif kind == "E":
            _event(document, where, ident, rest, triggers, reading)
        elif kind in ("A", "M"):
            parts = rest.split()
            if len(parts) not in (2, 3):
                reading.problem(where, "an attribute line is NAME TARGET [VALUE]")
                continue
            value = parts[2] if len(parts) == 3 else "true"
            attributes.setdefault(parts[1], []).append((parts[0], value))
        else:
            reading.problem(where, f"unknown annotation kind {ident!r}")
    for event, trigger in triggers.items():
        attributes.setdefault(trigger, []).extend(attributes.pop(event, []))
    for ident, (start, end, label, covered, where) in spans.items():
        document.spans.append(ForeignSpan(ident, start, end, label, where,
                                          tuple(attributes.pop(ident, [])), covered))
    for target in attributes:
        reading.problem(f"{ann[0]} ({target})", "an attribute of an annotation that is not a "
                                                "span of the file")
    document.relations = [
        ForeignRelation(triggers.get(r.head, r.head), triggers.get(r.child, r.child), r.role,
                        r.where)
        for r in document.relations
    ]
    return document


def _text_bound(where: str, ident: str, rest: str,
                spans: dict[str, tuple[int, int, str, str, str]], reading: Reading) -> None:
    head, _, covered = rest.partition("\t")
    label, _, offsets = head.partition(" ")
    if ";" in offsets:
        reading.problem(where, "a discontinuous span (several fragments) cannot be imported: "
                               "our spans are one stretch of text")
        return
    parts = offsets.split()
    if not label or len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        reading.problem(where, "a T line is 'T1<TAB>LABEL START END<TAB>text'")
        return
    spans[ident] = (int(parts[0]), int(parts[1]), label, covered, where)


def _relation(document: ForeignDocument, where: str, rest: str, reading: Reading) -> None:
    parts = rest.split("\t")[0].split()
    args = dict(p.split(":", 1) for p in parts[1:] if ":" in p)
    if len(parts) != 3 or not {"Arg1", "Arg2"} <= args.keys():
        reading.problem(where, "an R line is 'R1<TAB>TYPE Arg1:T1 Arg2:T2'")
        return
    document.relations.append(ForeignRelation(args["Arg1"], args["Arg2"], parts[0], where))


def _event(document: ForeignDocument, where: str, ident: str, rest: str,
           triggers: dict[str, str], reading: Reading) -> None:
    parts = rest.split("\t")[0].split()
    if not parts or ":" not in parts[0]:
        reading.problem(where, "an E line is 'E1<TAB>TYPE:T1 ROLE:T2 ...'")
        return
    trigger = parts[0].split(":", 1)[1]
    triggers[ident] = trigger
    for argument in parts[1:]:
        role, _, target = argument.partition(":")
        if not role or not target:
            reading.problem(where, f"argument {argument!r} is not ROLE:ID")
            continue
        document.relations.append(ForeignRelation(ident, target, role, where))
