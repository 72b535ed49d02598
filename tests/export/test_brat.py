"""The brat export: the zip parsed back with a small standoff reader of our own and compared
with the gold read from the tables; annotation.conf declares what the files use; streamed."""

from __future__ import annotations

import io
import json
import zipfile

from annotator.export import services
from annotator.export.brat import write_brat
from annotator.export.options import parse_options
from annotator.export.records import ExportDocument
from annotator.export.tally import make_tally
from annotator.projects.schema import default_schema_document, parse_schema
from tests.conftest import login
from tests.export.gold_data import FIXED_TIME, golden_project
from tests.export.gold_tables import gold_documents
from tests.export.sample_records import gold, header, sample_documents, sentence


def export_zip(session, project, **options: str) -> tuple[zipfile.ZipFile, str]:
    prepared = services.prepare_export(session, project, parse_options("brat", **options),
                                       with_agreement=False, now=FIXED_TIME)
    tally = make_tally(prepared.header)
    data = b"".join(services.stream_export(session, prepared, tally))
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None  # every member's CRC checks out
    return archive, services.summary_line(prepared, tally.counts())


def read_ann(text: str, ann: str):
    """A brat standoff reader: spans {id: (start, end, type)} (fragments joined), attributes
    {id: {name: value}}, relations {(type, arg1, arg2)} and notes {id: text}."""
    spans, attributes, relations, notes = {}, {}, set(), {}
    for line in ann.splitlines():
        ident, rest = line.split("\t", 1)
        if ident.startswith("T"):
            kind_offsets, shown = rest.split("\t")
            kind, offsets = kind_offsets.split(" ", 1)
            fragments = [tuple(map(int, f.split(" "))) for f in offsets.split(";")]
            assert shown == " ".join(text[a:b] for a, b in fragments)
            spans[ident] = (fragments[0][0], fragments[-1][1], kind)
        elif ident.startswith("A"):
            name, target, value = rest.split(" ")
            attributes.setdefault(target, {})[name] = value
        elif ident.startswith("R"):
            kind, arg1, arg2 = rest.split(" ")
            assert arg1.startswith("Arg1:") and arg2.startswith("Arg2:")
            relations.add((kind, arg1[5:], arg2[5:]))
        elif ident.startswith("#"):
            kind_target, note = rest.split("\t")
            notes[kind_target.split(" ")[1]] = note
        else:
            raise AssertionError(f"unexpected line {line!r}")
    return spans, attributes, relations, notes


def read_conf(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
        else:
            current.append(line)
    return sections


def test_the_files_parse_back_to_the_gold(db) -> None:
    project = golden_project(db.session)["project"]
    archive, summary = export_zip(db.session, project)
    assert summary.endswith("4 gold relations as brat")
    expected = gold_documents(db.session, project.id)
    names = sorted(n[:-5] for n in archive.namelist() if n.endswith(".json"))
    manifest = [{"file": n, **json.loads(archive.read(n + ".json"))} for n in names]
    for entry in manifest:
        gold_doc = expected[entry["document_id"]]
        text = archive.read(entry["file"] + ".txt").decode("utf-8")
        assert text == gold_doc.text
        spans, attributes, relations, notes = read_ann(
            text, archive.read(entry["file"] + ".ann").decode("utf-8"))
        got = {(a, b, kind, attributes.get(ident, {}).get("event_type"))
               for ident, (a, b, kind) in spans.items()}
        assert got == gold_doc.spans and len(spans) == len(gold_doc.spans)
        assert {(spans[h][:2], role, spans[c][:2]) for role, h, c in relations} == (
            gold_doc.relations)
        assert set(notes) == set(spans)
        assert [s["id"] for s in entry["sentences"]] == [s[0] for s in gold_doc.sentences]
    first = archive.read(manifest[0]["file"] + ".ann").decode()
    assert "curator: marked by 1 of 3 annotators, curator cur; annotator_error" in first


def test_annotation_conf_declares_labels_roles_and_event_types(db) -> None:
    project = golden_project(db.session)["project"]
    archive, _ = export_zip(db.session, project)
    conf = read_conf(archive.read("annotation.conf").decode())
    schema = parse_schema(default_schema_document())
    assert conf["entities"] == list(schema.keys)
    event = schema.label("EVENT")
    relations = {line.split("\t")[0]: line.split("\t")[1] for line in conf["relations"]}
    assert set(relations) == {r.key for r in event.roles}
    for role in event.roles:
        arg1, arg2 = relations[role.key].split(", ")
        assert arg1 == "Arg1:EVENT" and arg2 == "Arg2:" + "|".join(role.targets)
    assert conf["events"] == []
    (attribute,) = conf["attributes"]
    name, args = attribute.split("\t")
    arg, values = args.split(", ")
    assert (name, arg) == ("event_type", "Arg:EVENT")
    assert values == "Value:" + "|".join(v.value for v in event.attribute("event_type").values)
    visual = read_conf(archive.read("visual.conf").decode())
    assert "EVENT | Event" in visual["labels"]
    assert "EVENT\tbgColor:" + event.color in visual["drawing"]


def test_a_split_makes_a_folder_per_part_and_annotators_get_their_own(db) -> None:
    project = golden_project(db.session)["project"]
    archive, _ = export_zip(db.session, project, split="50/50", seed="1",
                            include_annotations="1")
    names = set(archive.namelist())
    parts = {name.split("/")[0] for name in names if name.endswith(".ann")
             and not name.startswith("annotators/")}
    assert parts == {"train", "test"}
    own = [n for n in names if n.startswith("annotators/ann-c/") and n.endswith(".ann")]
    (path,) = own
    text = archive.read(path[:-4] + ".txt").decode()
    spans, attributes, relations, notes = read_ann(text, archive.read(path).decode())
    words = {i: text[a:b] for i, (a, b, _) in spans.items()}
    assert {(role, words[h], words[c]) for role, h, c in relations} == {
        ("actor1", "advanced", "25th Mechanised Brigade"), ("location", "advanced", "M5 highway")}
    assert notes == {}  # provenance is the gold's only


def test_a_span_over_a_line_break_becomes_fragments_and_unknown_labels_are_declared() -> None:
    text = "Fighters of the\nNorth Brigade took Tessit."
    document = ExportDocument(1, "Doc", None, None, None, (
        sentence(text, [gold(12, 29, "UNIT"), gold(35, 41, "PLACE")]),), text=text)
    data = b"".join(write_brat(header("brat"), [document], make_tally(header())))
    archive = zipfile.ZipFile(io.BytesIO(data))
    ann = archive.read("000001-doc.ann").decode()
    assert "T1\tUNIT 12 15;16 29\tthe North Brigade" in ann
    spans, *_ = read_ann(text, ann)
    assert spans["T1"] == (12, 29, "UNIT")
    assert "PLACE" in read_conf(archive.read("annotation.conf").decode())["entities"]


def test_the_zip_is_streamed_a_document_at_a_time() -> None:
    read = []

    def documents():
        for document in sample_documents():
            read.append(document.id)
            yield document

    chunks = write_brat(header("brat"), documents(), make_tally(header()))
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04") and read == [1]  # before document 2 was read
    rest = b"".join(chunks)
    assert read == [1, 2]
    assert zipfile.ZipFile(io.BytesIO(first + rest)).testzip() is None


def test_the_download_is_a_zip_attachment(app, db) -> None:
    project = golden_project(db.session)["project"]
    client = app.test_client()
    assert login(client, "cur").status_code == 302
    response = client.get(f"/projects/{project.id}/export/download?format=brat", buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"] == 'attachment; filename="golden-brat.zip"'
    assert "annotation.conf" in zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()


def test_the_command_writes_the_zip_to_a_file_or_a_pipe(app, db, tmp_path) -> None:
    golden_project(db.session)
    out = tmp_path / "gold.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", "--project", "Golden", "--format", "brat",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert zipfile.ZipFile(out).testzip() is None
    assert (tmp_path / "gold.zip.card.md").exists()
    piped = runner.invoke(args=["export", "--project", "Golden", "--format", "brat"])
    assert piped.exit_code == 0
    assert zipfile.ZipFile(io.BytesIO(piped.stdout_bytes)).testzip() is None
