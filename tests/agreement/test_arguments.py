"""Argument F1 of event frames against a plain double loop over sentences and pairs, on hand-made
cases (empty, one-sided, duplicate-looking frames) and on random data (Hypothesis)."""

from __future__ import annotations

import json
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.agreement import AgreementInputError, ItemColumns, agreement_report
from annotator.agreement.matching import match_sentence
from annotator.agreement.textio import read_items
from annotator.corpus.tokens import token_offsets
from tests.agreement.test_report import sp, to_columns

ROLES = ["actor1", "actor2", "location"]
TEXT = ("Warplanes of the Syrian Air Force and the Russian Aerospace Forces carried out "
        "airstrikes on militants' positions near Maarat al-Numan on Tuesday.")


def at(words: str, text: str = TEXT) -> tuple[int, int]:
    i = text.index(words)
    return i, i + len(words)


def link(head: tuple[int, int], child: tuple[int, int], role: str) -> dict:
    return {"head": {"start": head[0], "end": head[1]},
            "child": {"start": child[0], "end": child[1]}, "role": role}


SYRIAN = at("Warplanes of the Syrian Air Force")
RUSSIAN = at("the Russian Aerospace Forces")
STRIKES = at("airstrikes")
CARRIED = at("carried out")
MILITANTS = at("militants' positions")
MAARAT = at("Maarat al-Numan")
SPANS = [sp(*SYRIAN, "UNIT"), sp(*RUSSIAN, "UNIT"), sp(*STRIKES, "EVENT", "air_drone_strike"),
         sp(*MILITANTS, "ACTOR"), sp(*MAARAT, "LOCATION")]


def item(relations: dict, spans: dict | None = None, item_id: int = 1) -> dict:
    names = spans or {name: SPANS for name in relations}
    return {"id": item_id, "text": TEXT, "annotations": names, "relations": relations}


# --- the independent computation: a plain double loop -------------------------------------------


def tuples(links) -> set[tuple]:
    return {(r["head"]["start"], r["head"]["end"], r["role"], r["child"]["start"],
             r["child"]["end"]) for r in links or ()}


def partners(a_spans, b_spans) -> tuple[dict, set, set]:
    """Span pairing of the reference matcher: a's extent -> b's extent, and the extents of a
    that are exactly matched events (same extent and label) on either side."""
    a = sorted(a_spans, key=lambda s: s["start"])
    b = sorted(b_spans, key=lambda s: s["start"])
    key = [(s["start"], s["end"], s["label"], (s.get("attributes") or {}).get("event_type"))
           for s in a]
    other = [(s["start"], s["end"], s["label"], (s.get("attributes") or {}).get("event_type"))
             for s in b]
    pairing, events = {}, set()
    for e in match_sentence(key, other):
        if e.paired:
            pairing[(a[e.a]["start"], a[e.a]["end"])] = (b[e.b]["start"], b[e.b]["end"])
            if e.kind in (0, 1):  # agree, subtype_only: same extent and label
                events.add((a[e.a]["start"], a[e.a]["end"]))
    return pairing, events, {pairing[x] for x in events}


def reference(items, names, roles):
    """Per pair: (F1, partial F1, F1 given the event) overall and per role, by loops."""
    out = {}
    for a, b in combinations(sorted(names), 2):
        tally = {r: [0, 0, 0, 0, 0, 0, 0] for r in [None, *roles]}
        shared = False
        for it in items:
            sa, sb = it["annotations"].get(a), it["annotations"].get(b)
            if sa is None or sb is None:
                continue
            shared = True
            rels = it.get("relations") or {}
            ta, tb = tuples(rels.get(a)), tuples(rels.get(b))
            pairing, ev_a, ev_b = partners(sa, sb)
            for x in ta:
                for r in (None, x[2]):
                    t = tally[r]
                    t[0] += 1
                    t[2] += x in tb
                    h, c = pairing.get(x[:2]), pairing.get(x[3:])
                    t[3] += h is not None and c is not None and (*h, x[2], *c) in tb
                    if x[:2] in ev_a:
                        t[4] += 1
                        t[6] += x in tb
            for y in tb:
                for r in (None, y[2]):
                    tally[r][1] += 1
                    tally[r][5] += y[:2] in ev_b

        def f1(m, n1, n2, shared=shared):
            return None if not shared or not n1 + n2 else 2 * m / (n1 + n2)

        out[(a, b)] = {r: (f1(t[2], t[0], t[1]), f1(t[3], t[0], t[1]), f1(t[6], t[4], t[5]))
                       for r, t in tally.items()}
    return out


def mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def close(a, b):
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-12)


def check_against_reference(items, names, report) -> None:
    ref = reference(items, names, report["roles"])
    ov = report["overall"]
    for k, key in enumerate(("argument_f1", "argument_f1_partial", "argument_f1_given_event")):
        assert close(ov[key], mean([ref[p][None][k] for p in ref])), key
        for role in report["roles"]:
            assert close(report["per_role"][role][key], mean([ref[p][role][k] for p in ref]))
    for pair in report["per_pair"]:
        figures = ref[tuple(pair["annotators"])]
        assert close(pair["argument_f1"], figures[None][0])
        assert close(pair["argument_f1_partial"], figures[None][1])
        for role in report["roles"]:
            assert close(pair["per_role"][role]["argument_f1"], figures[role][0])
        # Every argument not matched exactly is one disagreement, on its own side.
        total = sum(pair["arguments"].values()) - 2 * pair["argument_matches"]["exact"]
        assert sum(pair["argument_disagreements"].values()) == total


# --- hand-made cases -----------------------------------------------------------------------------


def test_worked_example_of_the_docs() -> None:
    """docs/agreement.md's worked example, figure by figure."""
    alice = [link(STRIKES, SYRIAN, "actor1"), link(STRIKES, RUSSIAN, "actor1"),
             link(STRIKES, MILITANTS, "actor2"), link(STRIKES, MAARAT, "location")]
    bob = [link(STRIKES, SYRIAN, "actor1"), link(STRIKES, MILITANTS, "actor1"),
           link(STRIKES, MAARAT, "location")]
    militants = at("militants")
    carol_spans = [sp(*SYRIAN, "UNIT"), sp(*RUSSIAN, "UNIT"), sp(*STRIKES, "EVENT"),
                   sp(*militants, "ACTOR"), sp(*MAARAT, "LOCATION")]
    carol = [link(STRIKES, SYRIAN, "actor1"), link(STRIKES, militants, "actor2")]
    items = [item({"alice": alice, "bob": bob, "carol": carol},
                  {"alice": SPANS, "bob": SPANS, "carol": carol_spans})]
    report = agreement_report(items, roles=ROLES).to_json()
    pairs = {tuple(p["annotators"]): p for p in report["per_pair"]}
    ab, ac, bc = pairs[("alice", "bob")], pairs[("alice", "carol")], pairs[("bob", "carol")]
    assert ab["argument_matches"] == {"exact": 2, "partial": 2, "given_event": 2}
    assert ab["argument_f1"] == pytest.approx(4 / 7)
    assert ab["argument_disagreements"] == {"argument_missed": 0, "wrong_role": 2,
                                            "argument_boundary": 0, "other_span": 1}
    assert (ac["argument_f1"], ac["argument_f1_partial"]) == pytest.approx((1 / 3, 2 / 3))
    assert ac["argument_disagreements"] == {"argument_missed": 1, "wrong_role": 0,
                                            "argument_boundary": 2, "other_span": 1}
    assert (bc["argument_f1"], bc["argument_f1_partial"]) == pytest.approx((0.4, 0.4))
    assert bc["argument_disagreements"] == {"argument_missed": 1, "wrong_role": 2,
                                            "argument_boundary": 0, "other_span": 0}
    ov = report["overall"]
    assert ov["argument_f1"] == pytest.approx((4 / 7 + 1 / 3 + 2 / 5) / 3)  # 0.435
    assert ov["argument_f1_partial"] == pytest.approx((4 / 7 + 2 / 3 + 2 / 5) / 3)  # 0.546
    assert ov["argument_f1_given_event"] == pytest.approx(ov["argument_f1"])
    roles = report["per_role"]
    assert roles["actor1"]["argument_f1"] == pytest.approx((1 / 2 + 2 / 3 + 2 / 3) / 3)
    assert roles["actor2"]["argument_f1"] == 0.0
    assert roles["actor2"]["argument_f1_partial"] == pytest.approx(1 / 3)
    assert roles["location"]["argument_f1"] == pytest.approx(1 / 3)
    check_against_reference(items, ["alice", "bob", "carol"], report)


def test_partial_match_counts_overlapping_heads_and_children() -> None:
    short = at("militants")
    a = [link(STRIKES, MILITANTS, "actor2")]
    b_spans = [*SPANS[:3], sp(*short, "ACTOR"), SPANS[4]]
    b = [link(STRIKES, short, "actor2")]
    report = agreement_report([item({"a": a, "b": b}, {"a": SPANS, "b": b_spans})]).to_json()
    pair = report["per_pair"][0]
    assert pair["argument_f1"] == 0.0
    assert pair["argument_f1_partial"] == 1.0
    assert pair["argument_disagreements"]["argument_boundary"] == 2


def test_no_relations_at_all_leave_the_argument_figures_undefined() -> None:
    report = agreement_report([item({}, {"a": SPANS, "b": SPANS})]).to_json()
    assert report["overall"]["argument_f1"] is None
    assert report["overall"]["undefined"]["argument_f1"] == (
        "no annotator pair has a defined argument F1")
    pair = report["per_pair"][0]
    assert pair["undefined"]["argument_f1"] == "neither annotator linked an argument"
    assert not any("role" in w for w in report["warnings"])


def test_one_sided_frames() -> None:
    a = [link(STRIKES, SYRIAN, "actor1"), link(STRIKES, MAARAT, "location")]
    report = agreement_report([item({"a": a}, {"a": SPANS, "b": SPANS})], roles=ROLES,
                              min_units=1).to_json()
    pair = report["per_pair"][0]
    assert pair["argument_f1"] == 0.0 and pair["argument_recall"] == 0.0
    assert pair["argument_precision"] is None
    assert pair["undefined"]["argument_precision"] == "the second annotator linked no argument"
    assert pair["argument_disagreements"]["argument_missed"] == 2
    assert report["per_role"]["actor2"]["argument_f1"] is None
    assert report["per_role"]["actor2"]["undefined"]["argument_f1"] == (
        "nobody linked an argument as actor2")
    assert report["counts"]["arguments"] == {"actor1": 1, "actor2": 0, "location": 1}
    assert "role actor2: only 0 argument(s)" in " ".join(report["warnings"])


def test_duplicate_looking_frames_are_told_apart() -> None:
    """Two events in one sentence, the same argument linked to either: not the same tuple."""
    text = "Rebels shelled the base and stormed the base gate near Idlib."
    shelled, stormed, rebels = at("shelled", text), at("stormed", text), at("Rebels", text)
    spans = [sp(*rebels, "ACTOR"), sp(*shelled, "EVENT"), sp(*stormed, "EVENT"),
             sp(*at("Idlib", text), "LOCATION")]
    a = [link(shelled, rebels, "actor1"), link(stormed, rebels, "actor1")]
    b = [link(shelled, rebels, "actor1"), link(stormed, rebels, "actor2")]
    c = [link(stormed, rebels, "actor1")]
    items = [{"id": 1, "text": text, "annotations": {"a": spans, "b": spans, "c": spans},
              "relations": {"a": a, "b": b, "c": c}}]
    report = agreement_report(items).to_json()
    pairs = {tuple(p["annotators"]): p for p in report["per_pair"]}
    assert pairs[("a", "b")]["argument_f1"] == 0.5
    assert pairs[("a", "b")]["argument_disagreements"]["wrong_role"] == 2
    assert pairs[("a", "c")]["argument_f1"] == pytest.approx(2 / 3)
    # c's actor1 of "stormed" against b's actor1 of "shelled": the argument of another span.
    assert pairs[("b", "c")]["argument_disagreements"] == {
        "argument_missed": 0, "wrong_role": 2, "argument_boundary": 0, "other_span": 1}
    check_against_reference(items, ["a", "b", "c"], report)


def test_given_event_leaves_out_events_not_matched_exactly() -> None:
    wide = (STRIKES[0], STRIKES[1] + len(" on militants'"))
    b_spans = [SPANS[0], SPANS[1], sp(*wide, "EVENT"), sp(*MAARAT, "LOCATION")]
    a = [link(STRIKES, SYRIAN, "actor1")]
    b = [link(wide, SYRIAN, "actor1")]
    report = agreement_report([item({"a": a, "b": b}, {"a": SPANS, "b": b_spans})]).to_json()
    pair = report["per_pair"][0]
    assert pair["argument_f1"] == 0.0 and pair["argument_f1_partial"] == 1.0
    assert pair["argument_f1_given_event"] is None


def test_bad_relations_in_items_are_refused_and_dropped_from_columns() -> None:
    stray = [link(STRIKES, at("Tuesday"), "actor1")]
    with pytest.raises(AgreementInputError, match="child .* is not one of the annotator's"):
        agreement_report([item({"a": stray, "b": []})])
    with pytest.raises(AgreementInputError, match="twice"):
        agreement_report([item({"a": [link(STRIKES, SYRIAN, "actor1")] * 2})])
    with pytest.raises(AgreementInputError, match="did not annotate"):
        agreement_report([item({"a": [link(STRIKES, SYRIAN, "actor1")]}, {"b": SPANS})])
    good = [link(STRIKES, SYRIAN, "actor1")]
    cols = with_relations(to_columns([item({"a": good + stray, "b": good})]),
                          [item({"a": good + stray, "b": good})])
    assert agreement_report(cols).to_json()["overall"]["argument_f1"] == 1.0


def test_input_lines_check_relations() -> None:
    line = json.dumps(item({"a": [link(STRIKES, SYRIAN, "actor1")]}))
    assert read_items([line])[0]["relations"]["a"][0]["role"] == "actor1"
    bad = json.dumps(item({"a": [link(STRIKES, STRIKES, "actor1")]}))
    with pytest.raises(AgreementInputError, match="line 1: .*linked to itself"):
        read_items([bad])
    bad = json.dumps(item({"a": [link(STRIKES, (0, 3), "actor1")]}))
    with pytest.raises(AgreementInputError, match="child \\[0, 3\\) is not one of"):
        read_items([bad])


# --- random frames -------------------------------------------------------------------------------


def with_relations(cols: ItemColumns, items) -> ItemColumns:
    """``to_columns``' columns with the items' relations added, in reverse order."""
    annotation = {(cols.annotation_item[a], cols.annotation_annotator[a]): a
                  for a in range(len(cols.annotation_item))}
    rel = {k: [] for k in ("relation_annotation", "relation_head_start", "relation_head_end",
                           "relation_role", "relation_child_start", "relation_child_end")}
    for i, it in reversed(list(enumerate(items))):
        for name, links in (it.get("relations") or {}).items():
            for r in reversed(links or []):
                rel["relation_annotation"].append(annotation[(i, name)])
                rel["relation_head_start"].append(r["head"]["start"])
                rel["relation_head_end"].append(r["head"]["end"])
                rel["relation_role"].append(r["role"])
                rel["relation_child_start"].append(r["child"]["start"])
                rel["relation_child_end"].append(r["child"]["end"])
    return ItemColumns(**{**cols.__dict__, **rel})


@st.composite
def random_frames(draw):
    """Items of two to four annotators, each with spans and random links between them."""
    names = [f"ann{k}" for k in range(draw(st.integers(2, 4)))]
    items = []
    for i in range(draw(st.integers(1, 5))):
        words = draw(st.lists(st.sampled_from(["rebels", "shelled", "Kafr", "Tala", "army",
                                               "struck", "near", "Homs"]),
                              min_size=2, max_size=9))
        text = " ".join(words)
        bounds = token_offsets(text)
        annotations, relations = {}, {}
        for name in names:
            if draw(st.integers(0, 4)) == 0:
                continue  # did not annotate the sentence
            spans, pos = [], 0
            while pos < len(bounds):
                if draw(st.integers(0, 2)):
                    width = draw(st.integers(1, 2))
                    last = min(pos + width, len(bounds)) - 1
                    label = draw(st.sampled_from(["ACTOR", "EVENT", "LOCATION"]))
                    spans.append(sp(bounds[pos][0], bounds[last][1], label))
                    pos = last + 1
                else:
                    pos += 1
            annotations[name] = spans
            extents = [(s["start"], s["end"]) for s in spans]
            links = set()
            if len(extents) >= 2:
                for _ in range(draw(st.integers(0, 4))):
                    h, c = draw(st.permutations(extents))[:2]
                    links.add((h, c, draw(st.sampled_from(ROLES))))
            relations[name] = [link(h, c, r) for h, c, r in sorted(links)]
        items.append({"id": i, "text": text, "annotations": annotations,
                      "relations": relations})
    return names, items


@settings(max_examples=150, deadline=None)
@given(random_frames())
def test_argument_figures_match_the_double_loop(case) -> None:
    names, items = case
    report = agreement_report(items).to_json()
    check_against_reference(items, [n for n in names if n in report["annotators"]], report)


@settings(max_examples=60, deadline=None)
@given(random_frames(), st.integers(0, 3))
def test_columns_give_the_same_argument_figures_as_items(case, seed) -> None:
    _, items = case
    from_items = agreement_report(items, bootstrap=20, seed=seed).to_json()
    from_columns = agreement_report(with_relations(to_columns(items), items), bootstrap=20,
                                    seed=seed).to_json()
    assert json.dumps(from_items) == json.dumps(from_columns)
