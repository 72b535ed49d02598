"""The chunked agreement summary equals the summary of the whole report, whatever the chunks:
alpha, span F1 and event frames' argument F1, their intervals and warnings."""

from __future__ import annotations

import dataclasses
import random
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.agreement import AgreementInputError, agreement_report
from annotator.agreement.bootstrap import RESAMPLING_BLOCK
from annotator.agreement.summary import summarize_chunks, summarize_report
from annotator.corpus.tokens import token_offsets
from annotator.projects.schema import default_schema_document, parse_schema
from tests.agreement.test_report import to_columns

SCHEMA = parse_schema(default_schema_document())
# Schema labels and two it does not know (warned about, ordered by name after the schema's).
LABELS = ["ACTOR", "LOCATION", "UNIT", "EVENT", "WEAPON", "DATE"]
SUBTYPES = [None, "armed_clash", "air_drone_strike", "shelling_artillery_missile", "riot"]
WORDS = ["rebels", "shelled", "Kafr", "Tala", ",", "the", "25th", "brigade", "al-Numan", "."]
NAMES = ["ana", "bo", "cy", "dee"]
# The default schema's EVENT roles and one it does not know (warned about, sorted after them).
ROLES = ["actor1", "actor2", "location", "witness"]


def sp(start, end, label, event_type=None):
    return {"start": start, "end": end, "label": label,
            "attributes": {"event_type": event_type} if event_type else {}}


def whole(items, **kw):
    return summarize_report(agreement_report(items, **kw))


def link(head, role, child):
    return {"head": {"start": head["start"], "end": head["end"]}, "role": role,
            "child": {"start": child["start"], "end": child["end"]}}


def as_columns(items):
    """``to_columns`` with the items' relations as relation columns (what the database read
    gives: relations of the annotation they belong to, in no particular order)."""
    cols = to_columns(items)
    annotation = {(item, name): a for a, (item, name) in enumerate(
        zip(cols.annotation_item, cols.annotation_annotator, strict=True))}
    rel = {k: [] for k in ("relation_annotation", "relation_head_start", "relation_head_end",
                           "relation_role", "relation_child_start", "relation_child_end")}
    for i, item in reversed(list(enumerate(items))):
        for name, links in (item.get("relations") or {}).items():
            for r in reversed(links or []):
                rel["relation_annotation"].append(annotation[(i, name)])
                rel["relation_head_start"].append(r["head"]["start"])
                rel["relation_head_end"].append(r["head"]["end"])
                rel["relation_role"].append(r["role"])
                rel["relation_child_start"].append(r["child"]["start"])
                rel["relation_child_end"].append(r["child"]["end"])
    return dataclasses.replace(cols, **rel)


def assert_argument_figures_are_the_reports(summary, report) -> None:
    """The summary's argument F1, overall and per role, is the report's: value, interval and
    the reason it is undefined."""
    assert list(summary["per_role"]) == report.roles
    blocks = [("overall", summary["overall"], report.overall.arguments)] + [
        (role, summary["per_role"][role], report.per_role[role]) for role in report.roles]
    for name, mine, block in blocks:
        fig = block.argument_f1
        assert mine["argument_f1"] == {
            "value": fig.value, "ci95": list(block.ci) if block.ci else None,
            "reason": None if fig.value is not None else fig.reason}, name


@st.composite
def projects(draw):
    """Random items: 1-4 annotators, some absent from a sentence or null, a few sentences read
    by one annotator only, spans on token bounds or cutting tokens, unknown labels, event
    types, groups (batches) in any order, empty texts."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    items = []
    for i in range(draw(st.integers(0, 9))):
        text = " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=9)))
        bounds = token_offsets(text)
        annotations, relations = {}, {}
        for name in names:
            how = draw(st.integers(0, 5))
            if how == 0:
                continue  # did not annotate the sentence
            if how == 1:
                annotations[name] = None  # the same, spelled null
                continue
            spans = []
            if how == 5 and len(text) >= 2:
                # Anywhere, not only on token bounds: boundaries that cut tokens.
                cuts = sorted(draw(st.sets(st.integers(0, len(text)), min_size=2, max_size=4)))
                pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
            else:
                pairs, pos = [], 0
                while pos < len(bounds):
                    if draw(st.integers(0, 2)) == 0:
                        last = min(pos + draw(st.integers(1, 3)), len(bounds)) - 1
                        pairs.append((bounds[pos][0], bounds[last][1]))
                        pos = last + 1
                    else:
                        pos += 1
            for start, end in pairs:
                label = draw(st.sampled_from(LABELS))
                subtype = draw(st.sampled_from(SUBTYPES)) if label == "EVENT" else None
                spans.append(sp(start, end, label, subtype))
            annotations[name] = spans
            if len(spans) >= 2:
                # Event frames: a few links between the annotator's spans (any labels: the
                # agreement library measures what it is given), roles of the schema and one
                # it does not know; a link of another span of another sentence would be refused.
                chosen = draw(st.sets(st.tuples(st.integers(0, len(spans) - 1),
                                                st.integers(0, len(spans) - 1),
                                                st.sampled_from(ROLES)), max_size=4))
                relations[name] = [link(spans[h], role, spans[c])
                                   for h, c, role in sorted(chosen) if h != c]
        group = draw(st.sampled_from([None, 3, 1, "b"]))
        item = {"id": 100 - i, "text": text, "annotations": annotations, "group": group}
        if relations:
            item["relations"] = relations
        items.append(item)
    return items


def split(items, cuts):
    """The items in consecutive chunks ending at ``cuts`` (and at the end)."""
    edges = [0, *sorted({c for c in cuts if 0 < c < len(items)}), len(items)]
    return [items[a:b] for a, b in zip(edges, edges[1:], strict=False) if b > a]


@settings(max_examples=150, deadline=None)
@given(projects(), st.integers(1, 10), st.integers(0, 3), st.booleans())
def test_any_chunk_size_gives_the_whole_reports_summary(items, size, seed, columns) -> None:
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    if columns:  # (columns know no null annotation: there, a null annotator is not listed)
        chunks = [as_columns(c) for c in chunks]
        items = as_columns(items)
    report = agreement_report(items, schema=SCHEMA, bootstrap=30, seed=seed)
    want = summarize_report(report)
    got = summarize_chunks(chunks, schema=SCHEMA, bootstrap=30, seed=seed)
    # Exactly equal, intervals included: the same draws, and bootstrap sums of integers.
    assert got == want
    assert_argument_figures_are_the_reports(got, report)


@settings(max_examples=60, deadline=None)
@given(projects(), st.lists(st.integers(1, 8), max_size=4))
def test_uneven_chunks_and_no_schema(items, cuts) -> None:
    want = whole(items, bootstrap=20, seed=5)  # labels found, sorted; none is "unknown"
    assert summarize_chunks(split(items, cuts), bootstrap=20, seed=5) == want
    labels = ["UNIT", "ACTOR"]  # a label list of one's own, in its own order
    assert summarize_chunks(split(items, cuts), labels=labels, min_units=2) == whole(
        items, labels=labels, min_units=2)


def test_every_chunk_size_from_one_to_n_on_a_larger_project() -> None:
    rng = random.Random(11)
    items = []
    for i in range(40):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 10)))
        bounds = token_offsets(text)
        annotations = {}
        for name in NAMES:
            if rng.random() < 0.3:
                continue
            spans = []
            for b in bounds:
                if rng.random() < 0.35:
                    label = rng.choice(LABELS)
                    spans.append(sp(*b, label, rng.choice(SUBTYPES) if label == "EVENT" else None))
            annotations[name] = spans
        items.append({"id": i, "text": text, "annotations": annotations,
                      "group": rng.choice([2, 1, None])})
    want = whole(items, schema=SCHEMA, bootstrap=100, seed=3)
    assert want["overall"]["krippendorff_alpha"]["ci95"] is not None
    for size in range(1, len(items) + 1):
        chunks = (to_columns(items[i:i + size]) for i in range(0, len(items), size))
        assert summarize_chunks(chunks, schema=SCHEMA, bootstrap=100, seed=3) == want, size


def test_nothing_at_all() -> None:
    got = summarize_chunks([], schema=SCHEMA, bootstrap=10)
    assert got == whole([], schema=SCHEMA, bootstrap=10)
    assert got["annotators"] == 0 and got["sentences"] == 0
    assert got["overall"]["krippendorff_alpha"]["reason"] == (
        "only one annotator: nothing to compare")
    assert summarize_chunks([[], to_columns([])], schema=SCHEMA) == whole([], schema=SCHEMA)


def test_a_pair_that_never_met_and_labels_first_seen_late() -> None:
    text = "Government forces shelled the village of Kafr Tala on Monday."
    first = [{"id": 1, "text": text, "annotations": {
        "ana": [sp(0, 17, "ACTOR")], "bo": [sp(0, 17, "ACTOR"), sp(18, 25, "ZZZ")]}}]
    # cy only ever meets ana; the unknown label AAA comes after ZZZ in the input.
    second = [{"id": 2, "text": text, "annotations": {
        "cy": [sp(41, 50, "LOCATION")], "ana": [sp(41, 50, "AAA")]}},
        {"id": 3, "text": text, "annotations": {"cy": []}}]
    got = summarize_chunks([first, second], schema=SCHEMA, bootstrap=20)
    assert got == whole(first + second, schema=SCHEMA, bootstrap=20)
    assert list(got["labels"]) == [*SCHEMA.keys, "AAA", "ZZZ"]
    assert "label AAA is not in the label schema" in got["warnings"]
    assert got["annotators"] == 3 and got["sentences"] == 2
    assert got["labels"]["ACTOR"]["span_f1"]["value"] == 1.0  # ana/bo; ana/cy have no ACTOR
    # Nobody used UNIT, and bo and cy never met: no pair has a defined figure.
    assert got["labels"]["UNIT"]["span_f1"]["reason"] == "no annotator pair has a defined span F1"
    assert got["labels"]["EVENT"]["span_f1"]["value"] is None


def test_groups_seen_again_in_later_chunks_order_the_bootstrap_as_the_report_does() -> None:
    text = "rebels shelled Kafr Tala , the 25th brigade ."
    items = []
    for i in range(30):
        label = "ACTOR" if i % 3 else "UNIT"
        items.append({"id": i, "text": text, "group": [7, 5, None][i % 4 % 3], "annotations": {
            "ana": [sp(0, 6, label)], "bo": [sp(0, 6 if i % 5 else 14, "ACTOR")]}})
    want = whole(items, schema=SCHEMA, bootstrap=200, seed=9)
    got = summarize_chunks([items[i:i + 4] for i in range(0, 30, 4)], schema=SCHEMA,
                           bootstrap=200, seed=9)
    assert got == want
    # Sentence order matters to the draws: without the groups the intervals differ.
    ungrouped = [{**it, "group": None} for it in items]
    assert whole(ungrouped, schema=SCHEMA, bootstrap=200, seed=9)["overall"] != want["overall"]


def at(text, phrase, label, event_type=None):
    start = text.index(phrase)
    return sp(start, start + len(phrase), label, event_type)


def test_argument_f1_per_role_worked_by_hand_from_any_chunks() -> None:
    one = "Militia fighters shelled the market in Kafr Tala on Sunday ."
    fighters, shelled = at(one, "Militia fighters", "ACTOR"), at(one, "shelled", "EVENT")
    market, kafr = at(one, "market", "LOCATION"), at(one, "Kafr Tala", "LOCATION")
    two = "Troops of the 25th Brigade stormed the police post at dawn ."
    brigade, stormed = at(two, "25th Brigade", "UNIT"), at(two, "stormed", "EVENT")
    post = at(two, "police post", "LOCATION")
    three = "Witnesses saw the convoy leave Aleppo ."
    witnesses, saw = at(three, "Witnesses", "ACTOR"), at(three, "saw", "EVENT")
    items = [
        {"id": 1, "text": one, "annotations": {"ana": [fighters, shelled, market, kafr],
                                               "bo": [fighters, shelled, market, kafr]},
         "relations": {"ana": [link(shelled, "actor1", fighters),
                               link(shelled, "location", kafr)],
                       "bo": [link(shelled, "actor1", fighters),
                              link(shelled, "location", market)]}},
        {"id": 2, "text": two, "annotations": {"ana": [brigade, stormed, post],
                                               "bo": [brigade, stormed, post]},
         "relations": {"ana": [link(stormed, "actor1", brigade), link(stormed, "actor2", post)],
                       "bo": [link(stormed, "actor1", brigade),
                              link(stormed, "location", post)]}},
        # cy alone: a role the schema does not know, first met in the last chunk.
        {"id": 3, "text": three, "annotations": {"cy": [witnesses, saw]},
         "relations": {"cy": [link(saw, "witness", witnesses)]}},
    ]
    report = agreement_report(items, schema=SCHEMA, bootstrap=200, seed=4)
    want = summarize_report(report)
    for chunks in ([items], [items[:1], items[1:2], items[2:]],
                   [as_columns(items[:2]), as_columns(items[2:])]):
        got = summarize_chunks(chunks, schema=SCHEMA, bootstrap=200, seed=4)
        assert got == want
    assert_argument_figures_are_the_reports(got, report)
    # ana and bo (the only pair that met) share actor1 twice: F1 = 2 * 2 / (4 + 4).
    assert got["overall"]["argument_f1"]["value"] == 0.5
    lo, hi = got["overall"]["argument_f1"]["ci95"]
    assert 0.0 <= lo <= 0.5 <= hi <= 1.0
    roles = got["per_role"]
    assert list(roles) == ["actor1", "actor2", "location", "witness"]
    assert roles["actor1"] == {"argument_f1": {"value": 1.0, "ci95": [1.0, 1.0], "reason": None},
                               "arguments": 4}
    assert roles["actor2"]["argument_f1"]["value"] == 0.0  # ana's only
    assert roles["location"]["argument_f1"]["value"] == 0.0  # Kafr Tala, market, post
    assert roles["location"]["arguments"] == 3
    assert roles["witness"] == {"argument_f1": {
        "value": None, "ci95": None,
        "reason": report.per_role["witness"].argument_f1.reason}, "arguments": 0}
    assert "role witness is not in the label schema" in got["warnings"]
    assert any(w.startswith("role actor1: only 4 argument(s)") for w in got["warnings"])
    # A role list of one's own, in its own order (no schema): the others warned about, sorted.
    mine = summarize_chunks([items[:1], items[1:]], roles=["location", "actor1"], bootstrap=50)
    assert mine == whole(items, roles=["location", "actor1"], bootstrap=50)
    assert list(mine["per_role"]) == ["location", "actor1", "actor2", "witness"]
    assert "role actor2 is not in the label schema" in mine["warnings"]


def test_no_roles_no_argument_keys() -> None:
    text = "rebels shelled Kafr Tala"
    items = [{"id": 1, "text": text, "annotations": {"ana": [sp(0, 6, "ACTOR")],
                                                     "bo": [sp(0, 6, "ACTOR")]}}]
    got = summarize_chunks([items], labels=["ACTOR"], bootstrap=20)
    assert got == whole(items, labels=["ACTOR"], bootstrap=20)
    assert "per_role" not in got and "argument_f1" not in got["overall"]


def test_bad_input_is_refused_as_the_report_refuses_it() -> None:
    good = {"id": 1, "text": "rebels shelled", "annotations": {"ana": [sp(0, 6, "ACTOR")]}}
    with pytest.raises(AgreementInputError, match="duplicate id"):
        summarize_chunks([[good], [dict(good)]], schema=SCHEMA)
    bad = {"id": 2, "text": "rebels", "annotations": {"ana": [sp(0, 60, "ACTOR")]}}
    with pytest.raises(AgreementInputError, match="outside"):
        summarize_chunks([[good], [bad]], schema=SCHEMA)


def test_memory_holds_a_chunk_and_a_few_counts_per_sentence_not_the_project() -> None:
    rng = random.Random(2)
    text = "Government forces shelled the village of Kafr Tala on Monday , sources said ."
    gold = [sp(0, 17, "ACTOR"), sp(18, 25, "EVENT", "shelling_artillery_missile"),
            sp(41, 50, "LOCATION"), sp(54, 60, "UNIT")]

    def frame(spans):  # the event's actor1 and location, when both ends were marked
        out = [link(gold[1], role, gold[k]) for k, role in ((0, "actor1"), (2, "location"))
               if gold[1] in spans and gold[k] in spans]
        return out if rng.random() > 0.05 else out[:1]

    def chunk(lo, hi):  # three annotators who mostly agree, as in a real project
        items = []
        for i in range(lo, hi):
            annotations = {name: [s for s in gold if rng.random() > 0.05] for name in NAMES[:3]}
            items.append({"id": i, "text": text, "group": i % 7, "annotations": annotations,
                          "relations": {n: frame(s) for n, s in annotations.items()}})
        return as_columns(items)

    def peak(run):
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            run()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    def chunked(n, bootstrap=0):
        return peak(lambda: summarize_chunks((chunk(i, i + 250) for i in range(0, n, 250)),
                                             schema=SCHEMA, bootstrap=bootstrap))

    def at_once(n):
        columns = chunk(0, n)
        return peak(lambda: agreement_report(columns, schema=SCHEMA))

    chunked(250)  # warm-up: caches of the tokenizer and NumPy
    small, large = chunked(2000), chunked(8000)
    report_small, report_large = at_once(2000), at_once(8000)
    # What grows with the project is a few small integers per sentence, a small fraction of
    # what the report holds per sentence.
    assert (large - small) * 6 < report_large - report_small, (small, large, report_small,
                                                               report_large)
    # The bootstrap adds blocks of a fixed size, not a table of replicates x sentences.
    assert chunked(8000, bootstrap=200) < large + 3 * 8 * RESAMPLING_BLOCK
