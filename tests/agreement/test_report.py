"""The whole report against reference implementations, edge cases, groups, bootstrap, columns."""

from __future__ import annotations

import json
import math
import warnings
from itertools import combinations

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from annotator.agreement import AgreementInputError, agreement_report, list_disagreements
from annotator.agreement.metrics import unitizing_alpha
from annotator.corpus.tokens import token_offsets
from annotator.projects.schema import default_schema_document, parse_schema

SCHEMA = parse_schema(default_schema_document())
LABELS = ["ACTOR", "LOCATION", "UNIT", "EVENT"]
TEXT = "Government forces shelled the village of Kafr Tala on Monday."


def report_json(items, **kw):
    """The report as JSON-ready data (``AgreementReport.to_json()``), as the routes serve it."""
    return agreement_report(items, **kw).to_json()


def sp(start, end, label, event_type=None):
    attrs = {"event_type": event_type} if event_type else {}
    return {"start": start, "end": end, "label": label, "attributes": attrs}


# --- an independent token labelling, written without the library -----------------------------


def token_matrix(items, annotators):
    """coders x tokens with label strings, None where the annotator did not annotate."""
    columns = []
    for item in items:
        for start, end in token_offsets(item["text"]):
            col = []
            for name in annotators:
                spans = item["annotations"].get(name)
                if spans is None:
                    col.append(None)
                    continue
                label = "O"
                for s in sorted(spans, key=lambda x: x["start"]):
                    if s["start"] < end and start < s["end"]:
                        label = s["label"]
                        break
                col.append(label)
            columns.append(col)
    return [[col[k] for col in columns] for k in range(len(annotators))]


def ref_alpha(matrix, keep=None):
    codes = {"O": 0, **{lb: i + 1 for i, lb in enumerate(sorted(LABELS))}}
    arr = np.array([[np.nan if v is None else codes[v] for v in row] for row in matrix], float)
    if keep is not None:
        arr = arr[:, keep]
    pairable = (~np.isnan(arr)).sum(axis=0) >= 2
    vals = arr[:, pairable]
    if not pairable.any() or len(set(vals[~np.isnan(vals)])) < 2:
        return None
    return float(krippendorff.alpha(reliability_data=arr, level_of_measurement="nominal"))


def close(a, b):
    return (a is None and b is None) or (
        a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9))


@st.composite
def random_items(draw, *, complete=False):
    n_ann = draw(st.integers(1, 4))
    names = [f"ann{k}" for k in range(n_ann)]
    out = []
    for i in range(draw(st.integers(1, 6))):
        words = draw(st.lists(st.sampled_from(["rebels", "shelled", "Kafr", "Tala", ",", "the",
                                               "25th", "brigade"]), min_size=1, max_size=10))
        text = " ".join(words)
        bounds = token_offsets(text)
        ann = {}
        for name in names:
            if not complete and draw(st.integers(0, 3)) == 0:
                continue
            spans, pos = [], 0
            while pos < len(bounds):
                if draw(st.integers(0, 2)) == 0:
                    width = draw(st.integers(1, 3))
                    last = min(pos + width, len(bounds)) - 1
                    label = draw(st.sampled_from(LABELS))
                    et = draw(st.sampled_from([None, "armed_clash", "air_drone_strike",
                                               "shelling_artillery_missile"])) if (
                        label == "EVENT") else None
                    spans.append(sp(bounds[pos][0], bounds[last][1], label, et))
                    pos = last + 1
                else:
                    pos += 1
            ann[name] = spans
        out.append({"id": i, "text": text, "annotations": ann})
    return names, out


@settings(max_examples=120, deadline=None)
@given(random_items())
def test_token_figures_match_reference_implementations(case) -> None:
    names, items = case
    report = report_json(items, labels=sorted(LABELS))
    matrix = token_matrix(items, names)
    assert report["counts"]["tokens"] == len(matrix[0])
    ov = report["overall"]
    assert close(ov["krippendorff_alpha"], ref_alpha(matrix))
    if ov["krippendorff_alpha"] is None:
        assert ov["undefined"]["krippendorff_alpha"]
    # Inside any annotator's span only.
    inside = [any(row[t] not in (None, "O") for row in matrix) for t in range(len(matrix[0]))]
    assert report["counts"]["tokens_inside_spans"] == sum(inside)
    assert close(ov["inside_spans"]["krippendorff_alpha"], ref_alpha(matrix, np.array(inside)))
    # Per label: that label vs everything else.
    for lb in LABELS:
        binary = [[None if v is None else ("O" if v != lb else lb) for v in row] for row in matrix]
        assert close(report["per_label"][lb]["krippendorff_alpha"], ref_alpha(binary)), lb
    # Cohen's kappa per pair, with sklearn on the tokens both annotated.
    kappas = []
    for pair in report["per_pair"]:
        ka, kb = (names.index(n) for n in pair["annotators"])
        both = [t for t in range(len(matrix[0])) if matrix[ka][t] is not None
                and matrix[kb][t] is not None]
        a = [matrix[ka][t] for t in both]
        b = [matrix[kb][t] for t in both]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = cohen_kappa_score(a, b) if both else float("nan")
        expected = None if math.isnan(expected) else float(expected)
        assert close(pair["cohen_kappa"], expected)
        assert pair["tokens"] == len(both)
        if expected is not None:
            kappas.append(expected)
        for lb in LABELS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = cohen_kappa_score([x == lb for x in a], [x == lb for x in b]) if both else (
                    float("nan"))
            assert close(pair["per_label"][lb]["cohen_kappa"], None if math.isnan(ref) else ref)
    assert close(ov["cohen_kappa"], sum(kappas) / len(kappas) if kappas else None)
    # Fleiss' kappa on the tokens with the most common number (>= 2) of annotators.
    raters = [sum(row[t] is not None for row in matrix) for t in range(len(matrix[0]))]
    tally = {}
    for r in raters:
        if r >= 2:
            tally[r] = tally.get(r, 0) + 1
    if tally:
        best = max(tally, key=lambda r: (tally[r], r))
        cats = ["O"] + LABELS
        table = np.array([[sum(row[t] == c for row in matrix) for c in cats]
                          for t in range(len(raters)) if raters[t] == best])
        with np.errstate(all="ignore"):
            expected = float(sm_fleiss_kappa(table))
        assert ov["fleiss_raters_per_unit"] == best
        assert close(ov["fleiss_kappa"], expected if np.isfinite(expected) else None)
    else:
        assert ov["fleiss_kappa"] is None


@settings(max_examples=120, deadline=None)
@given(random_items())
def test_span_f1_matches_a_set_based_reference(case) -> None:
    _, items = case
    report = report_json(items, labels=LABELS)
    f1s = []
    for pair in report["per_pair"]:
        a_name, b_name = pair["annotators"]
        shared = [it for it in items if it["annotations"].get(a_name) is not None
                  and it["annotations"].get(b_name) is not None]
        sa = {(it["id"], s["start"], s["end"], s["label"]) for it in shared
              for s in it["annotations"][a_name]}
        sb = {(it["id"], s["start"], s["end"], s["label"]) for it in shared
              for s in it["annotations"][b_name]}
        assert pair["sentences"] == len(shared)
        assert pair["spans"] == {a_name: len(sa), b_name: len(sb)}
        assert pair["matches"]["exact"] == len(sa & sb)
        if not shared:
            assert pair["span_f1"] is None
            continue
        expected = 2 * len(sa & sb) / (len(sa) + len(sb)) if sa or sb else None
        assert close(pair["span_f1"], expected)
        assert close(pair["precision"], len(sa & sb) / len(sb) if sb else None)
        assert close(pair["recall"], len(sa & sb) / len(sa) if sa else None)
        if expected is not None:
            f1s.append(expected)
        for lb in LABELS:
            la = {x for x in sa if x[3] == lb}
            lbb = {x for x in sb if x[3] == lb}
            want = 2 * len(la & lbb) / (len(la) + len(lbb)) if la or lbb else None
            assert close(pair["per_label"][lb]["span_f1"], want)
        # Every span of the pair is counted once in the span confusion matrix rows/columns.
        conf = np.array(pair["confusion"])
        assert conf[:-1].sum() == len(sa) and conf[:, :-1].sum() == len(sb)
        assert sum(pair["disagreements"].values()) <= len(sa) + len(sb)
    assert close(report["overall"]["span_f1"], sum(f1s) / len(f1s) if f1s else None)
    json.dumps(report, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(random_items(complete=True))
def test_unitizing_alpha_in_the_report_is_the_continuum_of_all_sentences(case) -> None:
    names, items = case
    report = report_json(items, labels=LABELS)
    coders = []
    offset = 0
    for k in range(len(names)):
        units, offset = [], 0
        for it in items:
            units += [(s["start"] + offset, s["end"] + offset, s["label"])
                      for s in it["annotations"][names[k]]]
            offset += len(it["text"])
        coders.append(units)
    overall, per, _ = unitizing_alpha(offset, coders, LABELS)
    if len(names) < 2:
        assert report["overall"]["unitizing_alpha"] is None
        return
    assert close(report["overall"]["unitizing_alpha"], overall.value)
    for lb in LABELS:
        assert close(report["per_label"][lb]["unitizing_alpha"], per[lb].value)


# --- edge cases ------------------------------------------------------------------------------


def _one(annotations, text=TEXT, **kw):
    return [{"id": 1, "text": text, "annotations": annotations, **kw}]


PERFECT = {n: [sp(0, 17, "ACTOR"), sp(18, 25, "EVENT", "shelling_artillery_missile"),
               sp(41, 50, "LOCATION")] for n in ("a", "b", "c")}


def test_one_annotator_only() -> None:
    report = report_json(_one({"a": PERFECT["a"]}), schema=SCHEMA)
    ov = report["overall"]
    for key in ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa", "span_f1",
                "unitizing_alpha"):
        assert ov[key] is None and "only one annotator" in ov["undefined"][key], key
    assert report["per_pair"] == []
    assert "only one annotator: agreement needs two or more" in report["warnings"]
    assert report["per_label"]["ACTOR"]["krippendorff_alpha"] is None
    json.dumps(report, allow_nan=False)


def test_nobody_labelled_anything() -> None:
    report = report_json(_one({"a": [], "b": [], "c": []}), schema=SCHEMA)
    ov = report["overall"]
    assert ov["krippendorff_alpha"] is None
    assert "nobody labelled anything" in ov["undefined"]["krippendorff_alpha"]
    assert ov["span_f1"] is None and ov["unitizing_alpha"] is None
    assert ov["undefined"]["unitizing_alpha"] == "nobody marked any unit"
    for lb in LABELS:
        block = report["per_label"][lb]
        assert block["krippendorff_alpha"] is None
        assert block["undefined"]["krippendorff_alpha"] == f"nobody used {lb}"
        assert block["undefined"]["span_f1"] == f"nobody used {lb}"
        assert block["undefined"]["unitizing_alpha"] == f"nobody marked a unit of {lb}"
    pair = report["per_pair"][0]
    assert pair["span_f1"] is None and pair["undefined"]["span_f1"] == (
        "neither annotator marked a span")
    assert sum(ov["disagreements"].values()) == 0
    json.dumps(report, allow_nan=False)


def test_perfect_agreement() -> None:
    report = report_json(_one(PERFECT), schema=SCHEMA)
    ov = report["overall"]
    for key in ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa", "span_f1",
                "span_f1_partial", "unitizing_alpha"):
        assert ov[key] == pytest.approx(1.0), key
    assert ov["inside_spans"]["krippendorff_alpha"] == pytest.approx(1.0)
    assert ov["event_type"]["strict_agreement"] == 1.0
    assert ov["event_type"]["pairs"] == 3
    # One event type only: agreement is perfect, but alpha has no variation to measure.
    assert ov["event_type"]["strict_alpha"] is None
    assert sum(ov["disagreements"].values()) == 0
    assert report["per_label"]["UNIT"]["undefined"]["krippendorff_alpha"] == "nobody used UNIT"
    assert report["per_label"]["ACTOR"]["krippendorff_alpha"] == pytest.approx(1.0)
    assert "UNIT: only 0 spans" in " ".join(report["warnings"])
    assert list_disagreements(_one(PERFECT)) == []


def test_a_label_nobody_used_is_null_with_a_reason() -> None:
    items = _one({"a": [sp(0, 17, "ACTOR")], "b": [sp(0, 10, "ACTOR")]})
    report = report_json(items, schema=SCHEMA)
    unit = report["per_label"]["UNIT"]
    for key in ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa", "span_f1"):
        assert unit[key] is None and unit["undefined"][key] == "nobody used UNIT", key
    assert report["per_pair"][0]["per_label"]["UNIT"]["undefined"]["span_f1"] == (
        "nobody used UNIT")
    assert report["overall"]["krippendorff_alpha"] is not None


def test_no_sentence_seen_by_two_annotators() -> None:
    items = [{"id": 1, "text": TEXT, "annotations": {"a": PERFECT["a"]}},
             {"id": 2, "text": TEXT, "annotations": {"b": PERFECT["b"]}}]
    report = report_json(items, schema=SCHEMA)
    pair = report["per_pair"][0]
    assert pair["sentences"] == 0
    assert pair["undefined"]["cohen_kappa"] == "no sentence was annotated by both"
    assert pair["undefined"]["span_f1"] == "no sentence was annotated by both"
    assert report["overall"]["krippendorff_alpha"] is None
    assert "no sentence was annotated by two or more annotators" in report["warnings"]
    assert "annotated by every annotator" in report["overall"]["undefined"]["unitizing_alpha"]


def test_no_items_at_all() -> None:
    report = report_json([], schema=SCHEMA)
    assert report["counts"]["sentences"] == 0 and report["annotators"] == []
    assert report["overall"]["krippendorff_alpha"] is None
    json.dumps(report, allow_nan=False)


def test_empty_list_is_o_but_absent_is_missing() -> None:
    both = report_json(_one({"a": [sp(0, 17, "ACTOR")], "b": []}), schema=SCHEMA)
    absent = report_json(_one({"a": [sp(0, 17, "ACTOR")], "b": None}), schema=SCHEMA)
    assert both["per_pair"][0]["disagreements"]["missed"] == 1
    assert both["overall"]["krippendorff_alpha"] is not None
    assert absent["per_pair"][0]["sentences"] == 0
    assert absent["overall"]["krippendorff_alpha"] is None


def test_event_types_strict_and_hierarchical() -> None:
    items = [
        {"id": 1, "text": TEXT, "annotations": {
            "a": [sp(18, 25, "EVENT", "shelling_artillery_missile")],
            "b": [sp(18, 25, "EVENT", "air_drone_strike")]}},  # siblings: half credit
        {"id": 2, "text": TEXT, "annotations": {
            "a": [sp(18, 25, "EVENT", "armed_clash")],
            "b": [sp(18, 29, "EVENT", "protest")]}},  # boundary pair, different groups: none
        {"id": 3, "text": TEXT, "annotations": {
            "a": [sp(18, 25, "EVENT", "armed_clash")],
            "b": [sp(18, 25, "EVENT", "armed_clash")]}},  # same: full credit
    ]
    report = report_json(items, schema=SCHEMA)
    et = report["overall"]["event_type"]
    assert et["pairs"] == 3
    assert et["strict_agreement"] == pytest.approx(1 / 3)
    assert et["hierarchical_agreement"] == pytest.approx((0.5 + 0 + 1) / 3)
    # Hierarchical alpha: values shelling, air, clash x2... as a two-coder reliability table with
    # distance 1 - credit, checked against the krippendorff package with the same distance.
    codes = {"shelling_artillery_missile": 0, "air_drone_strike": 1, "armed_clash": 2,
             "protest": 3}
    data = np.array([[0, 2, 2], [1, 3, 2]], dtype=float)
    strict = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert et["strict_alpha"] == pytest.approx(strict)
    groups = {0: "e", 1: "e", 2: "b", 3: "p"}

    def distance(v1, v2, i1, i2, n_v, dtype=np.float64):
        v1 = np.asarray(v1)
        v2 = np.asarray(v2)
        same_group = np.vectorize(lambda x, y: groups[int(x)] == groups[int(y)])(v1, v2)
        return np.where(v1 == v2, 0.0, np.where(same_group, 0.5, 1.0)).astype(dtype)

    hier = krippendorff.alpha(reliability_data=data, level_of_measurement=distance)
    assert et["hierarchical_alpha"] == pytest.approx(hier)
    assert report["overall"]["disagreements"]["subtype_only"] == 1
    assert report["overall"]["disagreements"]["boundary_only"] == 1
    assert codes  # the value codes the data table above uses


def test_confusion_matrix_counts_labels_across_annotators() -> None:
    items = _one({"a": [sp(0, 17, "UNIT"), sp(41, 50, "LOCATION")],
                  "b": [sp(0, 17, "ACTOR")]})
    report = report_json(items, schema=SCHEMA)
    conf = report["confusion"]
    assert conf["labels"] == LABELS + ["O"]
    m = np.array(conf["spans"])
    i = conf["labels"].index
    # Symmetric over the two orders: UNIT vs ACTOR once each way; LOCATION vs nothing (O).
    assert m[i("UNIT"), i("ACTOR")] == 1 and m[i("ACTOR"), i("UNIT")] == 1
    assert m[i("LOCATION"), i("O")] == 1 and m[i("O"), i("LOCATION")] == 1
    assert m.sum() == 4
    tokens = np.array(conf["tokens"])
    assert tokens[i("UNIT"), i("ACTOR")] == 2  # "Government forces": two tokens
    pair = report["per_pair"][0]
    assert np.array(pair["confusion"])[i("UNIT"), i("ACTOR")] == 1
    assert pair["disagreements"] == {"subtype_only": 0, "boundary_only": 0, "label_only": 1,
                                     "label_and_boundary": 0, "missed": 1}
    assert report["per_label"]["UNIT"]["disagreements"]["label_only"] == 1
    assert report["per_label"]["ACTOR"]["disagreements"]["label_only"] == 1
    assert report["per_label"]["LOCATION"]["disagreements"]["missed"] == 1


@settings(max_examples=40, deadline=None)
@given(random_items(), st.lists(st.sampled_from([1, 2, None]), min_size=6, max_size=6))
def test_each_group_equals_a_report_on_its_items_alone(case, groups) -> None:
    _, items = case
    for item, g in zip(items, groups, strict=False):
        item["group"] = g
    report = report_json(items, labels=LABELS)
    distinct = list(dict.fromkeys(it["group"] for it in items))
    if distinct == [None]:
        assert report["per_group"] == []
        return
    assert [g["group"] for g in report["per_group"]] == distinct
    for block in report["per_group"]:
        alone = report_json([it for it in items if it["group"] == block["group"]],
                                 labels=LABELS)
        # Annotators absent from a group still appear there (with no data) but not alone.
        for key in ("krippendorff_alpha", "fleiss_kappa", "span_f1", "unitizing_alpha"):
            if set(alone["annotators"]) == set(report["annotators"]) or key != "unitizing_alpha":
                assert close(block["overall"][key], alone["overall"][key]), key
        assert block["counts"]["tokens"] == alone["counts"]["tokens"]
        assert block["overall"]["disagreements"] == alone["overall"]["disagreements"]


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(3)
    items = []
    for i in range(60):
        gold = [sp(0, 17, "ACTOR"), sp(18, 25, "EVENT"), sp(41, 50, "LOCATION")]
        other = [s for s in gold if rng.random() > 0.3]
        if rng.random() < 0.3:
            other = [sp(0, 10, "ACTOR")] + other[1:]
        items.append({"id": i, "text": TEXT, "annotations": {"a": gold, "b": other}})
    one = report_json(items, schema=SCHEMA, bootstrap=200, seed=5)
    two = report_json(items, schema=SCHEMA, bootstrap=200, seed=5)
    other_seed = report_json(items, schema=SCHEMA, bootstrap=200, seed=6)
    assert one["overall"]["ci"] == two["overall"]["ci"]
    assert one["overall"]["ci"] != other_seed["overall"]["ci"]
    lo, hi = one["overall"]["ci"]["krippendorff_alpha"]
    assert lo <= one["overall"]["krippendorff_alpha"] <= hi and lo < hi
    lo, hi = one["overall"]["ci"]["span_f1"]
    assert lo <= one["overall"]["span_f1"] <= hi
    assert one["per_label"]["ACTOR"]["ci"]["span_f1"] is not None
    assert one["per_label"]["UNIT"]["ci"]["krippendorff_alpha"] is None  # never used
    assert one["bootstrap"]["replicates"] == 200 and one["bootstrap"]["seed"] == 5
    assert "ci" not in report_json(items, schema=SCHEMA)["overall"]


def test_bad_input_raises_agreement_input_error() -> None:
    with pytest.raises(AgreementInputError, match="item 1"):
        report_json(_one({"a": [sp(0, 999, "ACTOR")]}))


# --- determinism, pairs, columns --------------------------------------------------------------

DRILL = [
    {"id": "s1", "text": TEXT, "group": 4, "annotations": {
        "a": [sp(0, 17, "UNIT"), sp(18, 25, "EVENT", "armed_clash")],
        "b": [sp(0, 17, "ACTOR"), sp(18, 25, "EVENT", "protest"), sp(41, 50, "LOCATION")],
        "c": [sp(0, 10, "UNIT")]}},
]


def test_report_is_deterministic_and_json_ready() -> None:
    a = report_json(DRILL, schema=SCHEMA, bootstrap=20)
    b = report_json(list(reversed(DRILL)), schema=SCHEMA, bootstrap=20)
    assert json.dumps(a, allow_nan=False) == json.dumps(b, allow_nan=False)
    assert list(a)[:4] == ["format", "annotators", "labels", "tokenizer"]


def test_pairs_are_all_annotator_pairs_in_name_order() -> None:
    report = report_json(DRILL, schema=SCHEMA)
    assert [p["annotators"] for p in report["per_pair"]] == [list(p) for p in
                                                             combinations("abc", 2)]


def to_columns(items):
    """The same items in the columnar form a database read produces."""
    from annotator.agreement import ItemColumns

    cols = {k: [] for k in ("annotation_item", "annotation_annotator", "span_annotation",
                            "span_start", "span_end", "span_label", "span_subtype")}
    # Annotations and spans deliberately not in item order: the columns carry no order.
    for i, item in reversed(list(enumerate(items))):
        for name, spans in item["annotations"].items():
            if spans is None:
                continue
            cols["annotation_item"].append(i)
            cols["annotation_annotator"].append(name)
            a = len(cols["annotation_item"]) - 1
            for s in reversed(spans):
                cols["span_annotation"].append(a)
                cols["span_start"].append(s["start"])
                cols["span_end"].append(s["end"])
                cols["span_label"].append(s["label"])
                cols["span_subtype"].append((s.get("attributes") or {}).get("event_type"))
    return ItemColumns(ids=[it["id"] for it in items], texts=[it["text"] for it in items],
                       groups=[it.get("group") for it in items], **cols)


@settings(max_examples=80, deadline=None)
@given(random_items(), st.lists(st.sampled_from([1, 2, None]), min_size=6, max_size=6))
def test_columns_give_the_same_report_as_items(case, groups) -> None:
    _, items = case
    for item, g in zip(items, groups, strict=False):
        item["group"] = g
    from_items = report_json(items, labels=LABELS)
    from_columns = report_json(to_columns(items), labels=LABELS)
    assert json.dumps(from_items) == json.dumps(from_columns)


def test_bad_columns_are_refused() -> None:
    cols = to_columns(DRILL)
    cols.span_end[0] = 999
    with pytest.raises(AgreementInputError, match="outside"):
        agreement_report(cols)
    cols = to_columns(DRILL)
    cols.span_annotation[0] = 99
    with pytest.raises(AgreementInputError, match="outside the annotations"):
        agreement_report(cols)
