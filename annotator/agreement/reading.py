"""What a report means in words: its warnings and its plain-words reading (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from annotator.agreement.blocks import Section

ADVICE = {
    "missed": "annotators overlook mentions: check attention and the guidelines' coverage",
    "boundary_only": "annotators disagree on span extents: sharpen the boundary rules",
    "label_only": "annotators disagree on which label fits: clarify the label definitions",
    "label_and_boundary": "annotators disagree on both extent and label",
    "subtype_only": "annotators disagree on event types: clarify the event-type definitions",
}


def warning_list(annotators: int, sentences_compared: int, unknown_labels: Sequence[str],
                 spans_compared: Mapping[str, int], min_units: int) -> list[str]:
    """The report's warnings, from the few counts they depend on."""
    out: list[str] = []
    if annotators < 2:
        out.append("only one annotator: agreement needs two or more")
    elif sentences_compared == 0:
        out.append("no sentence was annotated by two or more annotators")
    for lb in unknown_labels:
        out.append(f"label {lb} is not in the label schema")
    for lb, n in spans_compared.items():
        if n < min_units:
            out.append(f"{lb}: only {n} span{'' if n == 1 else 's'} in sentences seen by two or "
                       "more annotators "
                       f"(fewer than {min_units}); its figures are not meaningful yet")
    return out


def argument_warnings(arguments_compared: Mapping[str, int], unknown_roles: Sequence[str],
                      min_units: int) -> list[str]:
    """The warnings on event-frame arguments: roles not in the schema, and roles with too few
    arguments to measure (none when nobody linked any argument)."""
    out = [f"role {r} is not in the label schema" for r in unknown_roles]
    if not any(arguments_compared.values()):
        return out
    for role, n in arguments_compared.items():
        if n < min_units:
            out.append(f"role {role}: only {n} argument(s) in sentences seen by two or more "
                       f"annotators (fewer than {min_units}); its argument F1 is not "
                       "meaningful yet")
    return out


def _alpha_words(value: float) -> str:
    # Krippendorff (2004, p. 241; 2011): rely on data with alpha >= .800, draw tentative
    # conclusions only from .667 <= alpha < .800, and discard data below .667.
    if value >= 0.8:
        return "reliable"
    if value >= 0.667:
        return "tentative agreement: good enough for tentative conclusions only"
    return "unreliable: below Krippendorff's 0.667 minimum"


def _kappa_words(value: float) -> str:
    # Landis & Koch (1977) benchmarks, the ones most often quoted for kappa.
    for bound, words in ((0.0, "poor"), (0.2, "slight"), (0.4, "fair"), (0.6, "moderate"),
                         (0.8, "substantial")):
        if value <= bound:
            return words
    return "almost perfect"


def reading(section: Section) -> list[str]:
    """Return a short plain-words reading of a section's summary figures, one sentence each
    (of a report's: ``reading(report.whole)``; the report carries it as ``report.reading``)."""
    return [*_headline(section), *_weakest(section), *_disagreements(section)]


def _headline(section: Section) -> list[str]:
    """Alpha, mean kappa, alpha inside spans and span F1, in words."""
    out: list[str] = []
    ov = section.overall
    alpha = ov.krippendorff_alpha
    if alpha.value is None:
        out.append("Krippendorff's alpha is undefined: " + (alpha.reason or "no data") + ".")
    else:
        out.append(f"alpha {alpha.value:.2f}: {_alpha_words(alpha.value)}.")
    kappa = ov.cohen_kappa.value
    if kappa is not None:
        out.append(f"mean pairwise Cohen's kappa {kappa:.2f}: {_kappa_words(kappa)} "
                   "(Landis & Koch).")
    inside = ov.inside_spans.krippendorff_alpha.value
    if inside is not None and alpha.value is not None:
        out.append(f"alpha on tokens inside someone's span only {inside:.2f} (\"O\" tokens, the "
                   "words outside every span, left out; lower than the overall alpha when "
                   "agreement rests on the many words nobody marked).")
    f1 = ov.span_f1.value
    if f1 is not None:
        part = ov.span_f1_partial.value
        extra = f" ({part:.2f} when overlapping spans count)" if part is not None else ""
        out.append(f"span F1 {f1:.2f}{extra}: of the spans two annotators marked, "
                   f"{f1:.0%} match exactly.")
    args = ov.arguments
    if args.argument_f1.value is not None:
        given = args.argument_f1_given_event.value
        extra = (f"; {given:.2f} on the events both marked exactly" if given is not None
                 else "")
        out.append(f"argument F1 {args.argument_f1.value:.2f}{extra}: of the event-frame "
                   f"arguments two annotators linked, {args.argument_f1.value:.0%} match "
                   "exactly (event, role and argument).")
    return out


def _weakest(section: Section) -> list[str]:
    """The weakest and strongest label, and the least agreeing pair."""
    out: list[str] = []
    scored = [(lb, b.krippendorff_alpha.value) for lb, b in section.per_label.items()
              if b.krippendorff_alpha.value is not None]
    if len(scored) > 1:
        worst = min(scored, key=lambda x: x[1])
        best = max(scored, key=lambda x: x[1])
        out.append(f"weakest label {worst[0]} (alpha {worst[1]:.2f}), "
                   f"strongest {best[0]} (alpha {best[1]:.2f}).")
    scored_pairs = [(p.annotators, p.cohen_kappa.value) for p in section.per_pair
                    if p.cohen_kappa.value is not None]
    if len(scored_pairs) > 1:
        worst_pair = min(scored_pairs, key=lambda x: x[1])
        out.append(f"least agreeing pair {worst_pair[0][0]} / {worst_pair[0][1]} "
                   f"(kappa {worst_pair[1]:.2f}).")
    return out


def _disagreements(section: Section) -> list[str]:
    """The most common kind of disagreement and what to do about it."""
    kinds = section.overall.disagreements
    total = sum(kinds.values())
    if not total:
        return []
    top = max(kinds, key=lambda k: kinds[k])
    return [f"most disagreements are {top.replace('_', '-')} "
            f"({kinds[top]} of {total}): {ADVICE[top]}."]
