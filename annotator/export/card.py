"""The dataset card: an export's contents, provenance, agreement, schema and warnings (pure).

``render_card`` writes Markdown from the header and the tally's counts, one section after
the other; gold-json embeds it, the download and the command line write it beside the data.
Every value that is not the card's own text (names, versions, labels, descriptions, the
agreement report's warnings, the options) goes through ``escape_markdown``: an admin's text is
shown as typed, never as a link, HTML, a heading or a broken table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotator.export.markdown import escape_markdown as md
from annotator.export.records import SOURCES, ExportHeader
from annotator.export.tally import parse_label_schema
from annotator.projects.schema import LabelSchema
from annotator.wording import plural

# Card warnings. A label with fewer gold spans than this gives too few examples to learn or
# evaluate it; agreement below Krippendorff's (2004) 0.667 supports no conclusions at all.
FEW_EXAMPLES = 50
LOW_AGREEMENT = 0.667

SOURCE_MEANINGS = {
    "unanimous": "every annotator of the sentence marked it exactly alike",
    "majority": "at least the required number of annotators (k of n) marked it exactly",
    "curator": "chosen or edited by a curator",
}


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _figure(entry: Mapping[str, Any] | None) -> str:
    if not entry or entry.get("value") is None:
        return "n/a"
    return f"{entry['value']:.3f}"


def _interval(entry: Mapping[str, Any] | None) -> str:
    ci = (entry or {}).get("ci95")
    if not ci or ci[0] is None or ci[1] is None:
        return "n/a"
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def render_card(header: ExportHeader, counts: Mapping[str, Any]) -> str:
    """Write the dataset card (Markdown): contents, how gold was made, agreement, schema,
    warnings."""
    sections = [
        _title_section(header),
        _contents_section(counts),
        _sources_section(counts),
        _agreement_section(header.agreement),
        _frames_section(header, counts),
        _schema_section(header.label_schema),
        _warnings_section(header, counts),
    ]
    return "\n".join(line for section in sections for line in section) + "\n"


def _title_section(header: ExportHeader) -> list[str]:
    options = header.options
    described = [
        f"split {md(options['split'])} by document, seed {md(options['seed'])}"
        if options.get("split")
        else "no train/dev/test split",
        f"only the {md(options['part'])} part" if options.get("part") else None,
        "complete sentences only"
        if options.get("complete_only")
        else "complete and partial sentences",
        "annotators' own spans and relations included"
        if options.get("include_annotations")
        else None,
    ]
    return [
        f"# Dataset card: {md(header.project_name)}",
        "",
        f"Gold standard exported from annotator on {md(header.exported_at)} as "
        f"`{header.format}` (project id {header.project_id}).",
        "Options: " + "; ".join(d for d in described if d) + ".",
        "",
    ]


def _contents_section(counts: Mapping[str, Any]) -> list[str]:
    labels = list(counts["labels"])
    out = [
        "## Contents",
        "",
        "| part | documents | sentences | spans | " + " | ".join(map(md, labels)) + " |",
        "|---" * (4 + len(labels)) + "|",
    ]
    rows = list((counts.get("splits") or {}).items()) + [("all", counts)]
    for name, bucket in rows:
        out.append(
            f"| {md(name)} | {bucket['documents']} | {bucket['sentences']} | {bucket['spans']} | "
            + " | ".join(str(bucket["labels"].get(k, 0)) for k in labels)
            + " |"
        )
    status = counts["gold_status"]
    out += [
        "",
        f"Gold status: {plural(status.get('complete', 0), 'complete sentence')} "
        "(no open conflict), "
        f"{status.get('partial', 0)} partial (spans accepted so far; conflicts still open). "
        "A sentence with no gold span is a negative example: its annotators agreed it mentions "
        "nothing (complete) or nothing is accepted yet (partial).",
        "",
    ]
    return out


def _sources_section(counts: Mapping[str, Any]) -> list[str]:
    total_spans = counts["spans"]
    out = ["## How the gold was made", "", "| source | spans | share |", "|---|---|---|"]
    for source in SOURCES:
        n = counts["sources"].get(source, 0)
        out.append(
            f"| {source} ({SOURCE_MEANINGS[source]}) | {n} | {_percent(n, total_spans)} |"
        )
    out.append("")
    return out


def _agreement_section(agreement: Mapping[str, Any] | None) -> list[str]:
    out = ["## Agreement between annotators", ""]
    if not agreement:
        out.append(
            "No agreement figures: no sentence of this project was finished by two annotators."
        )
    else:
        out += [
            _agreement_text(agreement),
            "",
            "| label | Krippendorff's alpha | 95% interval | span F1 (exact) | 95% interval "
            "| spans compared |",
            "|---|---|---|---|---|---|",
            _agreement_row("all", agreement.get("overall", {})),
        ]
        for label, entry in agreement.get("labels", {}).items():
            out.append(_agreement_row(md(label), entry))
    out.append("")
    return out


def _agreement_row(name: str, entry: Mapping[str, Any]) -> str:
    alpha, f1 = entry.get("krippendorff_alpha"), entry.get("span_f1")
    return (
        f"| {name} | {_figure(alpha)} | {_interval(alpha)} | {_figure(f1)} | "
        f"{_interval(f1)} | {entry.get('spans', 'n/a')} |"
    )


def _agreement_text(agreement: Mapping[str, Any]) -> str:
    parts = []
    for key, what in (("sentences", "sentences"), ("annotators", "annotators"),
                      ("tokens", "tokens")):
        if agreement.get(key) is not None:
            parts.append(f"{agreement[key]} {what}")
    basis = f" over {', '.join(parts)}" if parts else ""
    return (
        f"Measured on the annotators' own work{basis} (docs/agreement.md). Alpha: Krippendorff's "
        "alpha (nominal) over tokens; span F1: exact-match F1 averaged over annotator pairs. "
        "Intervals: seeded bootstrap over sentences."
    )


def _frames_section(header: ExportHeader, counts: Mapping[str, Any]) -> list[str]:
    """Events and their arguments: per role, the events that have it and argument F1."""
    frames = counts.get("frames") or {}
    if not frames:
        return []
    schema = parse_label_schema(header.label_schema)
    roles_agreement = _roles_agreement(header.agreement)
    overall = ((header.agreement or {}).get("overall") or {}).get("argument_f1")
    out = [
        "## Event frames",
        "",
        f"{counts.get('relations', 0)} gold relations link events to their arguments "
        "(within one sentence). Argument F1: the annotators' agreement on (event, role, "
        "argument) triples, exact offsets, averaged over annotator pairs, with its bootstrap "
        "95% interval (docs/agreement.md).",
        "",
    ]
    if overall is not None:
        out += [f"Argument F1, all roles: {_figure(overall)} {_interval(overall)}.", ""]
    out += [
        "| event label | role | name | events | with this role | share | argument F1 "
        "| 95% interval |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label_key, frame in frames.items():
        label = schema.label(label_key) if schema else None
        for role_key, filled in frame["roles"].items():
            role = label.role(role_key) if label is not None else None
            entry = roles_agreement.get(role_key)
            out.append(
                f"| {md(label_key)} | {md(role_key)} | {md(role.name) if role else '-'} | "
                f"{frame['events']} | {filled} | {_percent(filled, frame['events'])} | "
                f"{_figure(entry)} | {_interval(entry)} |"
            )
    if not roles_agreement:
        out += ["", "No argument F1: no sentence with event arguments was finished by two "
                "annotators, or the agreement report does not measure arguments."]
    out.append("")
    return out


def _roles_agreement(agreement: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """Each role's argument F1 entry (``{"value", "ci95"}``) from the agreement summary.

    Read defensively: a summary made before arguments were measured has no ``per_role``.
    """
    per_role = (agreement or {}).get("per_role") or {}
    out = {}
    for role, block in per_role.items():
        entry = block.get("argument_f1") if isinstance(block, Mapping) else None
        if isinstance(entry, Mapping):
            out[role] = entry
    return out


def _schema_section(label_schema: Mapping[str, Any]) -> list[str]:
    schema = parse_label_schema(label_schema)
    version = schema.version if schema else label_schema.get("version", "?")
    name = schema.name if schema else label_schema.get("name", "?")
    out = [
        "## Label schema",
        "",
        f"Schema \"{md(name)}\", guidelines version {md(version)}.",
        "",
    ]
    if schema:
        out += _schema_table(schema)
    return out


def _schema_table(schema: LabelSchema) -> list[str]:
    out = ["| label | name | description | attributes | roles |", "|---|---|---|---|---|"]
    for label in schema.labels:
        attributes = "; ".join(
            f"{a.key}: " + ", ".join(v.value for v in a.values) for a in label.attributes
        )
        roles = "; ".join(f"{r.key}: " + ", ".join(r.targets) for r in label.roles)
        out.append(
            f"| {md(label.key)} | {md(label.name)} | {md(label.description)} | "
            f"{md(attributes) or '-'} | {md(roles) or '-'} |"
        )
    out.append("")
    return out


def _warnings_section(header: ExportHeader, counts: Mapping[str, Any]) -> list[str]:
    items = [f"- {warning}" for warning in card_warnings(header, counts)]
    return ["## Warnings", "", *(items or ["None."])]


def card_warnings(header: ExportHeader, counts: Mapping[str, Any]) -> list[str]:
    """List problems a user of the data should know about, in a fixed order (Markdown: the
    names in them escaped)."""
    warnings = _sample_warnings(counts)
    agreement = header.agreement or {}
    for label, entry in agreement.get("labels", {}).items():
        alpha = (entry.get("krippendorff_alpha") or {}).get("value")
        if alpha is not None and alpha < LOW_AGREEMENT:
            warnings.append(
                f"{md(label)}: annotators agree poorly (alpha {alpha:.3f} < {LOW_AGREEMENT}); "
                "check the guidelines for this label."
            )
    for message in agreement.get("warnings", []):
        warnings.append(md(message))
    return warnings + _gold_warnings(counts)


def _sample_warnings(counts: Mapping[str, Any]) -> list[str]:
    """Labels with too few spans, empty parts and parts missing a label."""
    warnings: list[str] = []
    for label, n in counts["labels"].items():
        if n < FEW_EXAMPLES:
            warnings.append(
                f"{md(label)} has only {plural(n, 'gold span')} (fewer than {FEW_EXAMPLES}): too "
                "few to "
                "train or evaluate it reliably."
            )
    for name, bucket in (counts.get("splits") or {}).items():
        missing = [k for k, n in bucket["labels"].items() if n == 0 and counts["labels"][k] > 0]
        if bucket["documents"] == 0:
            warnings.append(f"The {md(name)} part is empty.")
        elif missing:
            warnings.append(f"The {md(name)} part has no {', '.join(map(md, missing))} span.")
    return warnings


def _gold_warnings(counts: Mapping[str, Any]) -> list[str]:
    """Partial sentences, and spans the token-based formats had to widen or leave out."""
    warnings: list[str] = []
    partial = counts["gold_status"].get("partial", 0)
    if partial:
        warnings.append(
            f"{plural(partial, 'sentence is', 'sentences are')} partial: "
            f"{'its' if partial == 1 else 'their'} conflicts are still open, so spans may be "
            "missing (use complete_only to leave them out)."
        )
    if counts["spans_off_token_boundaries"]:
        warnings.append(
            f"{plural(counts['spans_off_token_boundaries'], 'span does', 'spans do')} not start "
            "and end on token boundaries (imported data): CoNLL widens them to whole tokens, "
            "JSONL gives them no token_start/token_end and the spaCy DocBin leaves them out."
        )
    if counts["spans_without_tokens"]:
        warnings.append(
            f"{plural(counts['spans_without_tokens'], 'span covers', 'spans cover')} no token of "
            "their own and are left out of CoNLL."
        )
    return warnings
