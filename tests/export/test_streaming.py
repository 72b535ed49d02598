"""Export memory stays flat: the peak does not grow with the size of the project."""

from __future__ import annotations

import tracemalloc

from annotator.export import reading, services
from annotator.export.options import parse_options
from annotator.export.tally import make_tally
from tests.export.gold_data import bulk_annotations, bulk_gold_project


def peak_bytes(session, project, fmt: str, **raw: str) -> tuple[int, int]:
    """Peak traced memory of a whole export (output discarded as it streams), and its size."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        options = parse_options(fmt, split="80/10/10", **raw)
        prepared = services.prepare_export(session, project, options, with_agreement=False)
        tally = make_tally(prepared.header)
        written = sum(len(chunk) for chunk in services.stream_export(session, prepared, tally))
        return tracemalloc.get_traced_memory()[1], written
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_the_project(db, monkeypatch) -> None:
    # Small chunks so that both projects span many of them.
    monkeypatch.setattr(reading, "CHUNK_SENTENCES", 200)
    small = bulk_gold_project(db.session, "small", documents=20, per_document=25)
    large = bulk_gold_project(db.session, "large", documents=120, per_document=25)
    # brat: the zip streams member by member; only its central directory (a few hundred bytes
    # per file) is kept to the end. labelstudio writes a document at a time like jsonl
    # (tests/export/test_labelstudio.py checks it on its writer).
    for fmt in ("gold-json", "jsonl", "conll", "events-jsonl", "events-csv", "brat"):
        peak_bytes(db.session, small, fmt)  # warm caches (compiled statements, imports)
        small_peak, small_size = peak_bytes(db.session, small, fmt)
        large_peak, large_size = peak_bytes(db.session, large, fmt)
        assert large_size > 5.5 * small_size  # six times the data was written...
        # ...with about the same peak: what is held is one chunk, not the project.
        print(fmt, small_peak, large_peak, small_size, large_size)
        assert large_peak < 1.25 * small_peak, (fmt, small_peak, large_peak)



def test_annotators_own_work_keeps_the_peak_flat(db, monkeypatch) -> None:
    """With include_annotations every annotator's spans and relations are read a chunk at a
    time too: six times the annotations, about the same peak."""
    monkeypatch.setattr(reading, "CHUNK_SENTENCES", 80)  # 8 documents of 10 sentences
    small = bulk_gold_project(db.session, "small", documents=20, per_document=10)
    large = bulk_gold_project(db.session, "large", documents=120, per_document=10)
    bulk_annotations(db.session, small, ("ann_a", "ann_b"))
    bulk_annotations(db.session, large, ("ann_c", "ann_d"))
    for fmt in ("gold-json", "jsonl"):
        peak_bytes(db.session, small, fmt, include_annotations="1")  # warm caches
        small_peak, small_size = peak_bytes(db.session, small, fmt, include_annotations="1")
        large_peak, large_size = peak_bytes(db.session, large, fmt, include_annotations="1")
        assert large_size > 5.5 * small_size
        print(fmt, small_peak, large_peak, small_size, large_size)
        assert large_peak < 1.25 * small_peak, (fmt, small_peak, large_peak)
