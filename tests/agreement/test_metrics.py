"""Agreement coefficients against published worked examples and independent implementations."""

from __future__ import annotations

import math
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.metrics.agreement import AnnotationTask
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from annotator.agreement.metrics import (
    alpha_from_coincidence,
    cohen_kappa_from_table,
    coincidence_matrix,
    collapse_to_binary,
    compress_counts,
    contingency_table,
    fleiss_kappa_from_counts,
    fleiss_subset,
    krippendorff_alpha,
    nominal_alpha,
    prf,
    unitizing_alpha,
)

# --- published worked examples ---------------------------------------------------------------

# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", section C: four observers,
# twelve units, nominal values 1-5, with missing values (None). Published alpha = 0.743.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]

# Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses (depression,
# personality disorder, schizophrenia, neurosis, other); n_ij = raters giving diagnosis j to
# patient i. Published kappa = .430.
FLEISS_1971 = [
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
    [0, 0, 5, 0, 1], [3, 0, 0, 1, 2], [5, 1, 0, 0, 0], [0, 2, 0, 4, 0], [1, 0, 2, 0, 3],
    [0, 0, 0, 0, 6], [0, 1, 0, 5, 0], [0, 2, 0, 1, 3], [2, 0, 0, 4, 0], [1, 0, 0, 4, 1],
    [0, 5, 0, 1, 0], [4, 0, 0, 0, 2], [0, 2, 0, 4, 0], [1, 0, 5, 0, 0], [0, 0, 0, 0, 6],
]


def test_krippendorff_2011_nominal_example_with_missing_data() -> None:
    fig = krippendorff_alpha(KRIPPENDORFF_2011)
    assert fig.reason is None
    assert round(fig.value, 3) == 0.743


def test_krippendorff_2011_coincidences() -> None:
    # The same paper's coincidence matrix: value 1 row (o_11 .. o_15) = 7, 4/3, 1/3, 1/3, 0 and
    # n_. = 40 pairable values.
    values = sorted({v for row in KRIPPENDORFF_2011 for v in row if v is not None})
    counts = np.zeros((12, len(values)))
    for row in KRIPPENDORFF_2011:
        for u, v in enumerate(row):
            if v is not None:
                counts[u, values.index(v)] += 1
    o = coincidence_matrix(counts)
    assert np.allclose(o[0], [7, 4 / 3, 1 / 3, 1 / 3, 0])
    assert math.isclose(o.sum(), 40)


def test_fleiss_1971_example() -> None:
    fig = fleiss_kappa_from_counts(np.array(FLEISS_1971))
    assert round(fig.value, 3) == 0.430


def test_cohen_1960_style_table() -> None:
    # p_o = .70, p_e = .5 * .6 + .5 * .4 = .50 -> kappa = .40 (worked by hand).
    table = np.array([[40, 10], [20, 30]])
    assert math.isclose(cohen_kappa_from_table(table).value, 0.4)


# --- unitizing alpha ------------------------------------------------------------------------


def test_unitizing_alpha_hand_worked() -> None:
    """Continuum of 10 characters, one category, coder 1 marks [2, 6), coder 2 marks [3, 6).

    Sections: coder 1 = gap [0,2), unit [2,6), gap [6,10); coder 2 = gap [0,3), unit [3,6),
    gap [6,10). Observed: the two units overlap, distance (2-3)^2 + (6-6)^2 = 1; neither unit
    lies inside a gap of the other coder. D_o = 2 * 1 / (m (m-1) L^2) = 2 / (2 * 1 * 100) = .01.
    Expected: N_c = 2 units of lengths 4 and 3; gaps 2, 4 (coder 1) and 3, 4 (coder 2).
      l = 4: (N_c - 1)(2*64 - 3*16 + 4)/3 = 28, plus 16 * [(4-4+1) + (4-4+1)] = 32 -> 60
      l = 3: (N_c - 1)(2*27 - 3*9 + 3)/3 = 10, plus  9 * [(3-3+1) + 2 + 2]      = 45 -> 55
    numerator 2/L * 115 = 23; denominator m L (m L - 1) - sum l(l-1) = 20*19 - (12 + 6) = 362;
    D_e = 23/362; alpha = 1 - .01 * 362/23 = 1 - 362/2300 = 1938/2300 = 0.842609.
    """
    overall, per, parts = unitizing_alpha(10, [[(2, 6, "X")], [(3, 6, "X")]])
    assert math.isclose(parts["X"][0], 0.01)
    assert math.isclose(parts["X"][1], 23 / 362)
    assert math.isclose(per["X"].value, 1938 / 2300)
    assert math.isclose(overall.value, 1938 / 2300)


def test_unitizing_alpha_krippendorff_2004_example() -> None:
    """Krippendorff (2004), Content Analysis, 2nd ed., p. 254: continuum [150, 450), two
    observers, categories c and k; published per-category figures D_o(c) = .0144,
    D_e(c) = .0532, alpha_c = .7286, and perfect agreement on k (D_e(k) = .0490)."""
    start = 150
    obs_i = [(225, 295, "c"), (370, 400, "c"), (180, 240, "k"), (300, 350, "k")]
    obs_j = [(220, 300, "c"), (355, 375, "c"), (400, 420, "c"), (180, 240, "k"), (300, 350, "k")]
    shift = [[(s - start, e - start, c) for s, e, c in obs] for obs in (obs_i, obs_j)]
    overall, per, parts = unitizing_alpha(300, shift)
    assert round(parts["c"][0], 4) == 0.0144
    assert round(parts["c"][1], 4) == 0.0532
    assert round(per["c"].value, 4) == 0.7286
    assert parts["k"][0] == 0.0 and round(parts["k"][1], 4) == 0.0490
    assert per["k"].value == 1.0
    # Over both categories alpha = 1 - sum D_o / sum D_e = 1 - .0144 / (.0532 + .0490).
    assert round(overall.value, 3) == round(1 - 0.0144 / (0.0532 + 0.0490), 3) == 0.859


def test_unitizing_alpha_krippendorff_1995_observed_disagreements() -> None:
    """Krippendorff (1995), Sociological Methodology 25, p. 57: four pairs of observers on a
    continuum of 24; their observed disagreements D_o are .03125, 2.26736, .02777, .38715."""
    pairs = {
        "A": ([(2, 10), (14, 20)], [(4, 8), (15, 17)]),
        "B": ([(0, 18)], [(0, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 9), (9, 10)]),
        "C": ([(2, 8), (10, 12), (14, 18), (20, 22)], [(0, 2), (4, 8), (10, 14), (16, 18),
                                                       (20, 22)]),
        "D": ([(0, 2), (2, 10), (10, 14), (14, 20), (20, 24)], [(0, 4), (4, 8), (8, 15),
                                                                  (15, 17), (17, 24)]),
    }
    expected = {"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715}
    for name, (first, second) in pairs.items():
        coders = [[(s, e, name) for s, e in first], [(s, e, name) for s, e in second]]
        _, _, parts = unitizing_alpha(24, coders)
        assert abs(parts[name][0] - expected[name]) < 1e-5, name


def _reference_unitizing(length: int, coders: list[list[tuple[int, int]]]) -> tuple[float, float]:
    """Krippendorff's alpha_u for one category written out loop by loop from the definition:
    walk every coder's sections (units and gaps) and every pair of sections of two coders."""
    def sections(units: list[tuple[int, int]]) -> list[tuple[int, int, bool]]:
        out, pos = [], 0
        for s, e in sorted(units):
            if s > pos:
                out.append((pos, s, False))
            out.append((s, e, True))
            pos = e
        if pos < length:
            out.append((pos, length, False))
        return out

    m = len(coders)
    secs = [sections(c) for c in coders]
    observed = 0.0
    for i in range(m):
        for j in range(m):
            if i == j:
                continue
            for bg, eg, ug in secs[i]:
                for bh, eh, uh in secs[j]:
                    if ug and uh and bg < eh and bh < eg:
                        observed += (bg - bh) ** 2 + (eg - eh) ** 2
                    elif ug and not uh and bh <= bg and eg <= eh:
                        observed += (eg - bg) ** 2  # unit g inside gap h
                    elif uh and not ug and bg <= bh and eh <= eg:
                        observed += (eh - bh) ** 2  # gap g contains unit h
    d_o = observed / (m * (m - 1) * length**2)
    units = [e - s for c in coders for s, e in c]
    gaps = [e - s for sec in secs for s, e, u in sec if not u]
    n_c = len(units)
    numerator = 0.0
    for lg in units:
        numerator += (n_c - 1) * (2 * lg**3 - 3 * lg**2 + lg) / 3
        numerator += lg * lg * sum(h - lg + 1 for h in gaps if h >= lg)
    numerator *= 2 / length
    denominator = m * length * (m * length - 1) - sum(lg * (lg - 1) for lg in units)
    return d_o, (numerator / denominator if n_c else 0.0)


@st.composite
def unitizations(draw):
    length = draw(st.integers(1, 40))
    m = draw(st.integers(2, 4))
    coders = []
    for _ in range(m):
        cuts = sorted(set(draw(st.lists(st.integers(0, length), max_size=8))))
        units = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if draw(st.booleans())]
        coders.append(units)
    return length, coders


@settings(max_examples=200, deadline=None)
@given(unitizations())
def test_unitizing_alpha_matches_loop_reference(case) -> None:
    length, coders = case
    d_o, d_e = _reference_unitizing(length, coders)
    _, per, parts = unitizing_alpha(length, [[(s, e, "X") for s, e in c] for c in coders], ["X"])
    assert math.isclose(parts["X"][0], d_o, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(parts["X"][1], d_e, rel_tol=1e-9, abs_tol=1e-12)
    if d_e > 0:
        assert math.isclose(per["X"].value, 1 - d_o / d_e, rel_tol=1e-9, abs_tol=1e-9)
    else:
        assert per["X"].value is None and "nobody marked" in per["X"].reason


def test_unitizing_alpha_edge_cases() -> None:
    one, per, _ = unitizing_alpha(10, [[(0, 3, "X")]])
    assert one.value is None and "two or more coders" in one.reason
    nobody, per, _ = unitizing_alpha(10, [[], []], ["X"])
    assert nobody.value is None and per["X"].reason == "nobody marked a unit of X"
    perfect, per, _ = unitizing_alpha(10, [[(1, 4, "X"), (5, 9, "Y")]] * 3)
    assert perfect.value == 1.0 and per["X"].value == 1.0 and per["Y"].value == 1.0


# --- random data against reference implementations -------------------------------------------


@st.composite
def reliability_data(draw, *, missing: bool = True, max_values: int = 5):
    coders = draw(st.integers(2, 5))
    units = draw(st.integers(1, 30))
    values = draw(st.integers(1, max_values))
    cell = st.one_of(st.none(), st.integers(0, values - 1)) if missing else st.integers(
        0, values - 1)
    return [[draw(cell) for _ in range(units)] for _ in range(coders)]


def _reference_alpha(data) -> float | None:
    matrix = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
    # The krippendorff package needs two distinct values and a pairable unit.
    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    if not pairable.any() or len(set(matrix[:, pairable][~np.isnan(matrix[:, pairable])])) < 2:
        return None
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))


@settings(max_examples=300, deadline=None)
@given(reliability_data())
def test_alpha_matches_krippendorff_package(data) -> None:
    expected = _reference_alpha(data)
    ours = krippendorff_alpha(data)
    if expected is None:
        assert ours.value is None and ours.reason
    else:
        assert math.isclose(ours.value, expected, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=300, deadline=None)
@given(reliability_data())
def test_vectorised_matrix_alpha_matches_krippendorff_package(data) -> None:
    matrix = np.array([[-1 if v is None else v for v in row] for row in data])
    expected = _reference_alpha(data)
    ours = nominal_alpha(matrix, 5)
    if expected is None:
        assert ours.value is None and ours.reason
    else:
        assert math.isclose(ours.value, expected, rel_tol=1e-9, abs_tol=1e-9)


def test_vectorised_matrix_alpha_with_many_coders_uses_the_fallback() -> None:
    rng = np.random.default_rng(1)
    matrix = rng.integers(-1, 3, size=(40, 200))  # 4**40 codes overflow int64: row unique
    expected = krippendorff.alpha(reliability_data=np.where(matrix < 0, np.nan, matrix),
                                  level_of_measurement="nominal")
    assert math.isclose(nominal_alpha(matrix, 3).value, expected, rel_tol=1e-9)


@settings(max_examples=150, deadline=None)
@given(reliability_data())
def test_alpha_matches_nltk(data) -> None:
    triples = [(f"c{k}", f"u{u}", v) for k, row in enumerate(data) for u, v in enumerate(row)
               if v is not None]
    # NLTK drops nothing itself: give it the pairable units only, as alpha defines.
    per_unit: dict[str, int] = {}
    for _, u, _ in triples:
        per_unit[u] = per_unit.get(u, 0) + 1
    triples = [t for t in triples if per_unit[t[1]] >= 2]
    expected = _reference_alpha(data)
    ours = krippendorff_alpha(data)
    if expected is None:
        assert ours.value is None
        return
    task = AnnotationTask(data=triples)
    assert math.isclose(ours.value, task.alpha(), rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_cohen_kappa_matches_sklearn(data) -> None:
    n = data.draw(st.integers(1, 40))
    values = data.draw(st.integers(1, 5))
    a = np.array(data.draw(st.lists(st.integers(0, values - 1), min_size=n, max_size=n)))
    b = np.array(data.draw(st.lists(st.integers(0, values - 1), min_size=n, max_size=n)))
    ours = cohen_kappa_from_table(contingency_table(a, b, values))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cohen_kappa_score(a, b)
    if math.isnan(expected):
        assert ours.value is None and "0/0" in ours.reason
    else:
        assert math.isclose(ours.value, expected, rel_tol=1e-9, abs_tol=1e-9)
        # Per-value (binary) kappa equals sklearn on the recoded data.
        for c in range(values):
            binary = cohen_kappa_from_table(collapse_to_binary(contingency_table(a, b, values), c))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = cohen_kappa_score(a == c, b == c)
            if math.isnan(ref):
                assert binary.value is None
            else:
                assert math.isclose(binary.value, ref, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_fleiss_kappa_matches_statsmodels(data) -> None:
    raters = data.draw(st.integers(2, 6))
    cats = data.draw(st.integers(1, 5))
    subjects = data.draw(st.integers(1, 25))
    table = np.zeros((subjects, cats), dtype=int)
    for i in range(subjects):
        for _ in range(raters):
            table[i, data.draw(st.integers(0, cats - 1))] += 1
    ours = fleiss_kappa_from_counts(table)
    with np.errstate(all="ignore"):
        expected = sm_fleiss_kappa(table)
    if not np.isfinite(expected):
        assert ours.value is None and ours.reason
    else:
        assert math.isclose(ours.value, expected, rel_tol=1e-9, abs_tol=1e-9)
    rows, weights = compress_counts(table)
    again = fleiss_kappa_from_counts(rows, weights)
    assert (again.value is None) == (ours.value is None)
    if ours.value is not None:
        assert math.isclose(again.value, ours.value, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=200, deadline=None)
@given(reliability_data())
def test_compressed_counts_give_the_same_alpha(data) -> None:
    values = sorted({v for row in data for v in row if v is not None})
    counts = np.zeros((len(data[0]), max(len(values), 1)), dtype=int)
    for row in data:
        for u, v in enumerate(row):
            if v is not None:
                counts[u, values.index(v)] += 1
    rows, weights = compress_counts(counts)
    assert weights.sum() == counts.shape[0]
    a = alpha_from_coincidence(coincidence_matrix(counts))
    b = alpha_from_coincidence(coincidence_matrix(rows, weights))
    assert (a.value is None) == (b.value is None)
    if a.value is not None:
        assert math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-12)


# --- edge cases ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "value", "reason"),
    [
        ([[1, 2, 3]], None, "fewer than two pairable values"),  # one coder
        ([[1, None], [None, 2]], None, "fewer than two pairable values"),  # nothing pairable
        ([[0, 0, 0], [0, 0, 0]], None, "no variation"),  # nobody labelled anything
        ([[1, 2, 1], [1, 2, 1]], 1.0, None),  # perfect agreement with variation
        # Two units, each coded 1 and 2: o_12 = o_21 = 2, n_1 = n_2 = 2, n = 4,
        # alpha = 1 - (n - 1) * 4 / (2 * 2 + 2 * 2) = 1 - 12/8 = -0.5.
        ([[1, 2], [2, 1]], -0.5, None),
    ],
)
def test_alpha_edge_cases(data, value, reason) -> None:
    fig = krippendorff_alpha(data)
    if value is None:
        assert fig.value is None and reason in fig.reason
    else:
        assert fig.reason is None and math.isclose(fig.value, value)
        assert math.isclose(fig.value, _reference_alpha(data))


@pytest.mark.parametrize(
    ("table", "value", "reason"),
    [
        ([[0, 0], [0, 0]], None, "no unit was coded by both"),
        ([[5, 0], [0, 0]], None, "0/0"),
        ([[3, 0], [0, 4]], 1.0, None),
        ([[0, 3], [3, 0]], -1.0, None),
    ],
)
def test_cohen_edge_cases(table, value, reason) -> None:
    fig = cohen_kappa_from_table(np.array(table))
    assert fig.value == value
    if reason:
        assert reason in fig.reason


def test_fleiss_subset_picks_the_most_common_number_of_raters() -> None:
    counts = np.array([[2, 0], [1, 1], [3, 0], [0, 1]])
    sub, weights, raters = fleiss_subset(counts)
    assert raters == 2 and sub.tolist() == [[2, 0], [1, 1]] and weights.tolist() == [1, 1]
    none, _, zero = fleiss_subset(np.array([[1, 0], [0, 1]]))
    assert zero == 0 and none.shape[0] == 0
    with pytest.raises(ValueError):
        fleiss_kappa_from_counts(np.array([[2, 0], [1, 0]]))


@pytest.mark.parametrize(
    ("matched", "ref", "other", "p", "r", "f"),
    [
        (2, 4, 2, 1.0, 0.5, 2 * 2 / 6),
        (0, 0, 3, 0.0, None, 0.0),
        (0, 3, 0, None, 0.0, 0.0),
        (0, 0, 0, None, None, None),
    ],
)
def test_prf(matched, ref, other, p, r, f) -> None:
    out = prf(matched, ref, other)
    assert out["precision"].value == p and out["recall"].value == r
    assert (out["f1"].value is None and f is None) or math.isclose(out["f1"].value, f)
    for key in ("precision", "recall", "f1"):
        assert (out[key].value is None) == (out[key].reason is not None)
