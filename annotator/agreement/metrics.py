"""Chance-corrected agreement coefficients on count tables, vectorised with NumPy (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np


class Figure(NamedTuple):
    """A figure and, when it is undefined (``value`` is None), the reason why."""

    value: float | None
    reason: str | None = None


def undefined(reason: str) -> Figure:
    """Return an undefined figure and the reason why."""
    return Figure(None, reason)


def defined(value: float) -> Figure:
    """Return a figure with a value (as a Python float)."""
    return Figure(float(value), None)


# --- Krippendorff's alpha ------------------------------------------------------------------


def coincidence_matrix(counts: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Return the coincidence matrix o[c, k] of a units x values count table.

    ``counts[u, c]`` is how many coders gave value ``c`` to unit ``u`` (``weights[u]``: how many
    units share that row, see ``compress_counts``). Krippendorff (2011, sec. C):
    o_ck = sum_u (number of ordered c-k pairs of values in u) / (m_u - 1), over units with
    m_u >= 2 values ("pairable" units); units with fewer values say nothing about agreement.
    """
    counts = np.asarray(counts)
    if counts.ndim != 2:
        raise ValueError("counts must be a 2-D units x values table")
    m = counts.sum(axis=1)
    keep = m >= 2
    w = np.ones(counts.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    if not keep.all():
        counts, m, w = counts[keep], m[keep], w[keep]
    width = counts.shape[1]
    if counts.shape[0] == 0:
        return np.zeros((width, width))
    weighted = counts * (w / (m - 1.0))[:, None]
    o = weighted.T @ counts.astype(np.float64)
    # A value is never paired with itself: remove the n_uc "self pairs" from the diagonal.
    o[np.diag_indices(width)] -= weighted.sum(axis=0)
    return o


def compress_counts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct rows of a small-integer count table and how often each occurs.

    Every figure here is a sum over units of a function of the unit's row, so millions of tokens
    reduce to a few hundred distinct rows (for 3 coders and 5 values at most 4^5).
    """
    counts = np.asarray(counts, dtype=np.int64)
    if counts.shape[0] == 0:
        return counts, np.zeros(0)
    radix = int(counts.max()) + 1
    width = counts.shape[1]
    if radix ** width > 2**62:
        rows, freq = np.unique(counts, axis=0, return_counts=True)
        return rows, freq.astype(np.float64)
    powers = radix ** np.arange(width, dtype=np.int64)
    codes = counts @ powers
    if radix ** width <= 4 * counts.shape[0] + 1024:
        freq = np.bincount(codes)
        distinct = np.flatnonzero(freq)
        freq = freq[distinct]
    else:
        distinct, freq = np.unique(codes, return_counts=True)
    rows = (distinct[:, None] // powers[None, :]) % radix
    return rows, freq.astype(np.float64)


def alpha_from_coincidence(o: np.ndarray, delta: np.ndarray | None = None) -> Figure:
    """Return Krippendorff's alpha 1 - D_o / D_e from a coincidence matrix.

    ``delta`` is the squared distance between values (default nominal: 0 on the diagonal, 1
    elsewhere). D_o = sum o_ck delta_ck / n and D_e = sum n_c n_k delta_ck / (n (n - 1)), so
    alpha = 1 - (n - 1) sum o_ck delta_ck / sum n_c n_k delta_ck (Krippendorff 2011, sec. C-E).
    """
    o = np.asarray(o, dtype=np.float64)
    width = o.shape[0]
    if delta is None:
        delta = 1.0 - np.eye(width)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n < 2 - 1e-9:
        return undefined("fewer than two pairable values (no unit was coded by two coders)")
    expected = float(n_c @ delta @ n_c)
    observed = float((o * delta).sum())
    if expected <= 1e-12 * max(n * n, 1.0):
        return undefined("every pairable value is the same: no variation, so alpha is 0/0")
    return defined(1.0 - (n - 1.0) * observed / expected)


def krippendorff_alpha(data: Sequence[Sequence[object]] | np.ndarray, *, missing: object = None,
                       delta: np.ndarray | None = None) -> Figure:
    """Return nominal Krippendorff's alpha of reliability data (coders x units, with gaps).

    ``missing`` marks a value a coder did not give (None, or e.g. -1 / NaN for arrays).
    """
    rows = [list(r) for r in data]
    values = sorted({v for r in rows for v in r if not _is_missing(v, missing)}, key=repr)
    index = {v: i for i, v in enumerate(values)}
    units = max((len(r) for r in rows), default=0)
    counts = np.zeros((units, len(values)), dtype=np.int64)
    for r in rows:
        for u, v in enumerate(r):
            if not _is_missing(v, missing):
                counts[u, index[v]] += 1
    return alpha_from_coincidence(coincidence_matrix(counts), delta)


def value_patterns(values: np.ndarray, n_values: int) -> tuple[np.ndarray, np.ndarray]:
    """Count the distinct columns of a coders x units matrix of codes 0..n_values-1 (negative:
    missing). Returns (patterns: P x coders, frequency of each)."""
    v = np.asarray(values)
    m = v.shape[0]
    radix = n_values + 1
    if m == 0 or v.shape[1] == 0:
        return np.zeros((0, m), dtype=np.int64), np.zeros(0)
    if radix**m >= 2**62:
        rows, freq = np.unique(np.maximum(v, -1).T, axis=0, return_counts=True)
        return rows.astype(np.int64), freq.astype(np.float64)
    # One integer per column: sum over coders of (value + 1) * radix^k (0 = missing).
    codes = np.zeros(v.shape[1], dtype=np.int64)
    for k in range(m - 1, -1, -1):
        codes *= radix
        codes += np.maximum(v[k], -1) + 1
    if radix**m <= 4 * codes.size + 65536:
        tally = np.bincount(codes, minlength=radix**m)
        distinct = np.flatnonzero(tally)
        freq = tally[distinct]
    else:
        distinct, freq = np.unique(codes, return_counts=True)
    powers = radix ** np.arange(m, dtype=np.int64)
    return (distinct[:, None] // powers[None, :]) % radix - 1, freq.astype(np.float64)


def nominal_alpha(values: np.ndarray, n_values: int | None = None) -> Figure:
    """Return nominal Krippendorff's alpha of a coders x units matrix of integer codes
    0..n_values-1, negative meaning missing (vectorised: units reduce to their patterns)."""
    v = np.asarray(values)
    if n_values is None:
        n_values = int(v.max()) + 1 if v.size else 0
    patterns, freq = value_patterns(v, n_values)
    counts = np.zeros((patterns.shape[0], n_values), dtype=np.int64)
    for k in range(patterns.shape[1]):
        given = patterns[:, k] >= 0
        np.add.at(counts, (np.flatnonzero(given), patterns[given, k]), 1)
    return alpha_from_coincidence(coincidence_matrix(counts, freq))


def _is_missing(v: object, missing: object) -> bool:
    if v is None or v is missing:
        return True
    if isinstance(v, float) and v != v:  # NaN
        return True
    return missing is not None and v == missing


def collapse_to_binary(matrix: np.ndarray, index: int) -> np.ndarray:
    """Collapse a square value-by-value table to "value ``index``" vs "any other value".

    Coincidence and contingency tables are sums of products of per-unit indicator vectors, so
    merging categories merges rows and columns: the binary table of a label is exact, not an
    approximation.
    """
    m = np.asarray(matrix, dtype=np.float64)
    row, col = m[index], m[:, index]
    total = m.sum()
    yes_yes = m[index, index]
    yes_no = row.sum() - yes_yes
    no_yes = col.sum() - yes_yes
    return np.array([[total - yes_no - no_yes - yes_yes, no_yes], [yes_no, yes_yes]])


# --- Cohen's kappa -------------------------------------------------------------------------


def cohen_kappa_from_table(table: np.ndarray) -> Figure:
    """Return Cohen's (1960) kappa (p_o - p_e) / (1 - p_e) from a two-coder contingency table."""
    t = np.asarray(table, dtype=np.float64)
    n = t.sum()
    if n <= 0:
        return undefined("no unit was coded by both coders")
    p_o = np.trace(t) / n
    p_e = float((t.sum(axis=1) / n) @ (t.sum(axis=0) / n))
    if 1.0 - p_e <= 1e-12:
        return undefined("both coders used one and the same value throughout: kappa is 0/0")
    return defined((p_o - p_e) / (1.0 - p_e))


def contingency_table(a: np.ndarray, b: np.ndarray, width: int,
                      weights: np.ndarray | None = None) -> np.ndarray:
    """Return the width x width table of value pairs (a[i], b[i]) (each counted ``weights[i]``
    times, default once); negative values are missing."""
    a = np.asarray(a)
    b = np.asarray(b)
    both = (a >= 0) & (b >= 0)
    codes = a[both].astype(np.int64) * width + b[both]
    w = None if weights is None else np.asarray(weights)[both]
    table = np.bincount(codes, weights=w, minlength=width * width).reshape(width, width)
    return np.rint(table).astype(np.int64) if w is not None else table


# --- Fleiss' kappa -------------------------------------------------------------------------


def fleiss_kappa_from_counts(counts: np.ndarray, weights: np.ndarray | None = None) -> Figure:
    """Return Fleiss' (1971) kappa of a subjects x categories table with equal row sums.

    P_i = (sum_j n_ij^2 - n) / (n (n - 1)), P-bar their mean, p_j = sum_i n_ij / (N n),
    P_e = sum_j p_j^2, kappa = (P-bar - P_e) / (1 - P_e). ``weights[i]``: how many subjects
    share row i.
    """
    t = np.asarray(counts, dtype=np.float64)
    w = np.ones(t.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    if t.shape[0] == 0 or w.sum() == 0:
        return undefined("no unit was coded by two or more coders")
    n = t.sum(axis=1)
    if not np.all(n == n[0]):
        raise ValueError("Fleiss' kappa needs the same number of ratings for every subject")
    raters = n[0]
    if raters < 2:
        return undefined("Fleiss' kappa needs at least two ratings per unit")
    subjects = w.sum()
    p_i = ((t * t).sum(axis=1) - raters) / (raters * (raters - 1.0))
    p_bar = float(w @ p_i) / subjects
    p_j = (w @ t) / (subjects * raters)
    p_e = float(p_j @ p_j)
    if 1.0 - p_e <= 1e-12:
        return undefined("every rating is the same category: kappa is 0/0")
    return defined((p_bar - p_e) / (1.0 - p_e))


def fleiss_subset(counts: np.ndarray, weights: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, int]:
    """Pick the units Fleiss' kappa is computed on when the number of coders per unit varies.

    Fleiss' kappa assumes every unit has the same number n of ratings (the raters may differ
    from unit to unit). With missing data we keep the units having the most common number of
    ratings (>= 2; ties go to the larger n) and return them, their weights and n (0 if none).
    """
    counts = np.asarray(counts)
    w = np.ones(counts.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    m = counts.sum(axis=1).astype(np.int64)
    tally = np.bincount(m, weights=w) if m.size else np.zeros(0)
    if tally.size <= 2 or tally[2:].max() == 0:
        return counts[:0], w[:0], 0
    usable = tally[2:]
    best = int(np.flatnonzero(usable == usable.max())[-1]) + 2
    keep = m == best
    return counts[keep], w[keep], best


# --- Unitizing alpha -----------------------------------------------------------------------


def unitizing_alpha(length: int, coders: Sequence[Sequence[tuple[int, int, object]]],
                    categories: Sequence[object] | None = None
                    ) -> tuple[Figure, dict[object, Figure], dict[object, tuple[float, float]]]:
    """Return Krippendorff's (1995; 2004, sec. 11.6) unitizing alpha on one continuum.

    ``coders[i]`` lists coder i's units as (start, end, category), half-open, within
    [0, length). Every coder covers the whole continuum (no missing data). Units of one category
    must not overlap within a coder. For each category c the continuum of a coder is cut into
    sections: its units of c, and the gaps between them (everything else, other categories
    included). With l the length of a section and b, e its start and end:

    D_o(c) = 2 / (m (m-1) L^2) * sum over coder pairs i<j and sections g of i, h of j of
      (b_g - b_h)^2 + (e_g - e_h)^2   if g and h are both units of c and overlap,
      l_g^2                            if g is a unit and lies inside a gap h (and vice versa),
      0                                otherwise.
    D_e(c) = 2/L * sum over units g of c of [(N_c - 1) (2 l^3 - 3 l^2 + l) / 3
                                             + l^2 * sum over gaps h, l_h >= l, of (l_h - l + 1)]
             / (m L (m L - 1) - sum over units g of c of l (l - 1)),
    N_c the number of units of c over all coders. alpha_c = 1 - D_o(c) / D_e(c), and over all
    categories alpha = 1 - sum_c D_o(c) / sum_c D_e(c).

    Returns (overall, per category, per category (D_o, D_e)).
    """
    if categories is None:
        categories = sorted({c for units in coders for _, _, c in units}, key=repr)
    code = {c: i for i, c in enumerate(categories)}
    arrays = []
    for units in coders:
        arr = np.array([(s, e, code[c]) for s, e, c in units if c in code],
                       dtype=np.int64).reshape(-1, 3)
        arrays.append(arr[np.lexsort((arr[:, 0], arr[:, 2]))])
    overall, per, parts = unitizing_alpha_arrays(
        length, [(a[:, 0], a[:, 1], a[:, 2]) for a in arrays], len(categories),
        [str(c) for c in categories])
    return (overall, {c: per[i] for i, c in enumerate(categories)},
            {c: parts[i] for i, c in enumerate(categories) if i in parts})


def unitizing_alpha_arrays(length: int,
                           coders: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
                           n_categories: int, names: Sequence[str] | None = None
                           ) -> tuple[Figure, list[Figure], dict[int, tuple[float, float]]]:
    """``unitizing_alpha`` on arrays: per coder (starts, ends, category codes 0..n-1), each
    sorted by category then start."""
    m = len(coders)
    names = list(names) if names is not None else [str(i) for i in range(n_categories)]
    if m < 2:
        reason = "unitizing alpha needs two or more coders"
        return undefined(reason), [undefined(reason)] * n_categories, {}
    if length <= 0:
        reason = "the continuum is empty"
        return undefined(reason), [undefined(reason)] * n_categories, {}
    per: list[Figure] = []
    parts: dict[int, tuple[float, float]] = {}
    total_o = total_e = 0.0
    for cat in range(n_categories):
        sections = []
        for starts, ends, cats in coders:
            lo, hi = np.searchsorted(cats, [cat, cat + 1])
            sections.append(np.stack((starts[lo:hi], ends[lo:hi]), axis=1))
        d_o = _unitizing_observed(length, sections)
        d_e = _unitizing_expected(length, sections)
        parts[cat] = (d_o, d_e)
        total_o += d_o
        total_e += d_e
        if d_e <= 0.0:
            per.append(undefined(f"nobody marked a unit of {names[cat]}"))
        else:
            per.append(defined(1.0 - d_o / d_e))
    if total_e <= 0.0:
        overall = undefined("nobody marked any unit")
    else:
        overall = defined(1.0 - total_o / total_e)
    return overall, per, parts


def _unitizing_observed(length: int, units: list[np.ndarray]) -> float:
    m = len(units)
    total = 0.0
    for i in range(m):
        for j in range(i + 1, m):
            total += _pair_observed(units[i], units[j])
    return 2.0 * total / (m * (m - 1.0) * float(length) ** 2)


def _pair_observed(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of squared section distances between two coders' units of one category.

    A unit lies inside a gap of the other coder exactly when no unit of the other coder
    overlaps it (gaps are the maximal stretches between units), so the unit-in-gap terms are the
    squared lengths of the units that overlap nothing on the other side.
    """
    if len(a) == 0 and len(b) == 0:
        return 0.0
    a_s, a_e = a[:, 0], a[:, 1]
    b_s, b_e = b[:, 0], b[:, 1]
    # For each unit of a, the units of b overlapping it form one run in b's sorted order.
    lo = np.searchsorted(b_e, a_s, side="right")
    hi = np.searchsorted(b_s, a_e, side="left")
    n_over = np.maximum(hi - lo, 0)
    ai = np.repeat(np.arange(len(a)), n_over)
    offsets = np.arange(n_over.sum()) - np.repeat(np.cumsum(n_over) - n_over, n_over)
    bj = np.repeat(lo, n_over) + offsets
    ds = (a_s[ai] - b_s[bj]).astype(np.float64)
    de = (a_e[ai] - b_e[bj]).astype(np.float64)
    both = float((ds * ds + de * de).sum())
    a_len = (a_e - a_s).astype(np.float64)
    a_alone = float((a_len[n_over == 0] ** 2).sum())
    b_hits = np.zeros(len(b), dtype=bool)
    b_hits[bj] = True
    b_len = (b_e - b_s).astype(np.float64)
    b_alone = float((b_len[~b_hits] ** 2).sum())
    return both + a_alone + b_alone


def _unitizing_expected(length: int, units: list[np.ndarray]) -> float:
    m = len(units)
    unit_len = np.concatenate([u[:, 1] - u[:, 0] for u in units])
    n_c = unit_len.size
    if n_c == 0:
        return 0.0
    gaps = []
    for u in units:
        bounds = np.concatenate(([0], u.ravel(), [length])).reshape(-1, 2)
        g = bounds[:, 1] - bounds[:, 0]
        gaps.append(g[g > 0])
    gap = np.concatenate(gaps)
    # Unit lengths are few distinct small numbers: work per length l = 0..top with counts.
    # sum over gaps h with l_h >= l of (l_h - l + 1) = S1(l) - (l - 1) S0(l), S0 and S1 the
    # count and the sum of those gaps (suffix sums of a histogram capped at top + 1).
    top = int(unit_len.max())
    per_length = np.bincount(unit_len, minlength=top + 1).astype(np.float64)
    capped = np.minimum(gap, top + 1)
    s0 = np.cumsum(np.bincount(capped, minlength=top + 2)[::-1])[::-1].astype(np.float64)
    s1 = np.cumsum(np.bincount(capped, weights=gap.astype(np.float64),
                               minlength=top + 2)[::-1])[::-1]
    ln = np.arange(top + 1, dtype=np.float64)
    fits = s1[: top + 1] - (ln - 1.0) * s0[: top + 1]
    within = (n_c - 1.0) * (2 * ln**3 - 3 * ln**2 + ln) / 3.0
    numerator = 2.0 / length * float(per_length @ (within + ln * ln * fits))
    denominator = (m * float(length) * (m * float(length) - 1.0)
                   - float(per_length @ (ln * (ln - 1.0))))
    return numerator / denominator


# --- Span precision, recall, F1 --------------------------------------------------------------


def prf(matched: float, reference: float, other: float) -> dict[str, Figure]:
    """Return precision, recall and F1 of ``other`` against ``reference`` for ``matched`` pairs.

    F1 = 2 matched / (reference + other) is symmetric in the two annotators, which is why it is
    the pairwise agreement figure for spans (Hripcsak & Rothschild 2005).
    """
    out = {
        "precision": defined(matched / other) if other else undefined(
            "the second annotator marked no span"),
        "recall": defined(matched / reference) if reference else undefined(
            "the first annotator marked no span"),
    }
    total = reference + other
    out["f1"] = defined(2.0 * matched / total) if total else undefined(
        "neither annotator marked a span")
    return out
