"""Agreement on event types over matched event spans, strict and hierarchy-aware (pure)."""

from __future__ import annotations

import numpy as np

from annotator.agreement.blocks import EventTypeAgreement
from annotator.agreement.context import ReportContext
from annotator.agreement.matching import AGREE, BOUNDARY_ONLY, SUBTYPE_ONLY, PairEvents
from annotator.agreement.metrics import Figure, alpha_from_coincidence, defined, undefined
from annotator.agreement.reasons import ONE_ANNOTATOR

SAME_TYPE = "every matched event has the same event type: no variation, 0/0"


def matched_event_pairs(ctx: ReportContext, ev: PairEvents) -> np.ndarray:
    """The subtype codes (a, b) of a pair's matched spans of one event label: exact matches,
    subtype-only and boundary-only disagreements (n x 2)."""
    mask = ev.paired & (ev.a_label == ev.b_label) & np.isin(ev.a_label, ctx.event_labels) & (
        (ev.kind == AGREE) | (ev.kind == SUBTYPE_ONLY) | (ev.kind == BOUNDARY_ONLY))
    return np.stack((ev.a_subtype[mask], ev.b_subtype[mask]), axis=1)


def event_type_agreement(ctx: ReportContext, pairs: np.ndarray, single: bool
                         ) -> EventTypeAgreement:
    """Strict and hierarchical agreement and alpha of the matched event ``pairs``.

    Each matched pair is a unit with two values; hierarchical figures give
    ``ctx.sibling_credit`` to two subtypes of one top-level type.
    """
    if single or len(pairs) == 0:
        none = undefined(ONE_ANNOTATOR if single else "no matched pair of event spans")
        return EventTypeAgreement(len(pairs), ctx.sibling_credit, none, none, none, none)
    a, b = pairs[:, 0], pairs[:, 1]
    n = len(ctx.corpus.subtypes)
    # o counts both orders (m_u - 1 = 1).
    o = np.bincount(a * n + b, minlength=n * n).reshape(n, n).astype(np.float64)
    o = o + o.T
    strict = _unless_same_type(alpha_from_coincidence(o))
    if ctx.has_hierarchy:
        hierarchical = defined(float(ctx.credit[a, b].mean()))
        hierarchical_alpha = _unless_same_type(alpha_from_coincidence(o, 1.0 - ctx.credit))
    else:
        hierarchical = hierarchical_alpha = undefined("no event-type hierarchy (no schema)")
    return EventTypeAgreement(len(pairs), ctx.sibling_credit,
                              strict_agreement=defined(float((a == b).mean())),
                              hierarchical_agreement=hierarchical, strict_alpha=strict,
                              hierarchical_alpha=hierarchical_alpha)


def _unless_same_type(fig: Figure) -> Figure:
    return fig if fig.value is not None else undefined(SAME_TYPE)
