"""Change a project's label schema: count the spans and relations each key holds, refuse removing
keys in use unless mapped (or, for relations, confirmed), rewrite mapped spans and relations
(annotations and gold) with an audit row each, bump versions.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from annotator.adjudication.gold_changes import claim
from annotator.adjudication.models import GoldRelationRow, GoldSentence, GoldSpanRow
from annotator.adjudication.queries import gold_state
from annotator.annotation.models import Annotation, RelationRow, SpanRow
from annotator.audit.services import Change, record_changes
from annotator.corpus.models import Sentence
from annotator.db import utcnow
from annotator.errors import Conflict, Invalid
from annotator.projects.guidelines import next_version
from annotator.projects.models import GuidelinesVersion, Project
from annotator.projects.schema import LabelSchema, SchemaError, parse_schema
from annotator.projects.schema_changes import (
    LinkKey,
    Plan,
    SchemaDiff,
    broken_relations,
    check_plan,
    compare,
    load_document,
    over_max,
    parse_mappings,
    relation_fate,
    relations_phrase,
    retarget,
    rewrite,
    unmapped_in_use,
)
from annotator.projects.usage import (
    RelationUsage,
    Usage,
    frame_sizes,
    link_usage,
    span_usage,
)

AUDIT_ACTION = "schema_edit"


@dataclass(frozen=True)
class Preview:
    """What an edit would do: the new schema, its differences, the spans it would rewrite."""

    schema: LabelSchema
    diff: SchemaDiff
    plan: Plan
    usage: Usage
    refused: list[str]  # removed keys still in use and not mapped: "ACTOR (12 spans)"
    version: str  # the version the schema would get
    document: Any  # the submitted document, role targets following renamed labels
    relations: RelationUsage  # the stored relations, by the labels they link
    broken: dict[str, int]  # relations the edit leaves invalid: {"EVENT.location": 3}
    refused_relations: list[str]  # those, unconfirmed: "EVENT.location (3 relations)"
    over: list[str]  # roles whose new max stored events exceed (never applied)

    @property
    def dropped(self) -> int:
        """Relations the edit deletes (when the admin confirms it)."""
        return sum(self.broken.values())

    def dropped_roles(self) -> set[str]:
        """The role keys of the relations the edit deletes or renames."""
        return {role for (_, role, _) in self.broken_links()} | {r for _, r in self.plan.roles}

    def broken_links(self) -> list[LinkKey]:
        """The (head label, role, child label) of stored relations the edit leaves invalid."""
        return [link for link, n in self.relations.links.items()
                if n and relation_fate(link, self.plan, self.schema) is None]

    @property
    def rewritten(self) -> int:
        """Spans the mappings would move."""
        return sum(self.usage.labels.get(k, 0) for k in self.plan.labels) + sum(
            self.usage.values.get(k, 0) for k in self.plan.values)


@dataclass(frozen=True)
class Edited:
    version: str
    annotations: int  # annotations rewritten (each got a new version and an audit row)
    gold: int  # gold records rewritten
    diff: SchemaDiff
    dropped: int = 0  # relations deleted because the new schema no longer allows them


def preview_schema_edit(
    session: Session, project: Project, document: Any, mappings: Iterable[str] = (),
    drop_relations: bool | int = False,
) -> Preview:
    """Check a new schema document and the mappings against the project; write nothing.

    ``drop_relations`` confirms deleting the stored relations the new schema no longer allows
    (a role removed, a target taken off a role): ``True`` whatever their number, or the number
    the admin was shown (a different number now is refused: check again).

    Raises:
        Invalid: the document is not a valid schema, or a mapping is malformed or does not
            map a removed key to a key of the new schema.
    """
    try:
        plan = parse_mappings(mappings)
        document = retarget(document, plan)
        new = parse_schema(document)
        old = project.schema
        diff = compare(old, new, plan)
        check_plan(diff, new, plan)
    except SchemaError as err:
        raise Invalid(f"invalid label schema: {err}") from None
    usage = span_usage(session, project.id, _union(old, new))
    refused = unmapped_in_use(diff, plan, usage.labels, usage.values)
    relations = _relation_usage(session, project.id, diff, plan, new)
    broken = broken_relations(diff, plan, new, relations.links)
    confirmed = drop_relations is True or (
        drop_relations is not False and drop_relations == sum(broken.values()))
    refused_relations = [] if confirmed else [
        f"{key} ({relations_phrase(n)})" for key, n in broken.items()]
    over = over_max(new, plan, relations.frames)
    return Preview(new, diff, plan, usage, refused, next_version(old.version), document,
                   relations, broken, refused_relations, over)


def _relation_usage(
    session: Session, project_id: int, diff: SchemaDiff, plan: Plan, new: LabelSchema,
) -> RelationUsage:
    """Count the stored relations an edit may affect, reading nothing when it cannot affect
    any (the common edit: names, colours, values): a relation can only break when a role, a
    target or a label goes away or moves, and a frame only outgrow a ``max`` that changes."""
    touched = bool(diff.removed_roles or diff.removed_targets or diff.removed_labels or plan)
    links = link_usage(session, project_id) if touched else {}
    tightened = {key.split(".", 1)[1] for key, limit in diff.max_changed if limit is not None}
    if plan:  # a moved label or role may meet a max it did not have
        tightened |= {role.key for label in new.labels for role in label.roles if role.max}
    return RelationUsage(links, frame_sizes(session, project_id, tightened))


def preview_schema_text(
    session: Session, project: Project, text: str, mappings: Iterable[str] = (),
    drop_relations: bool | int = False,
) -> Preview:
    """``preview_schema_edit`` of a document given as JSON text (the editor's field)."""
    return preview_schema_edit(session, project, _document(text), mappings, drop_relations)


def edit_schema_text(
    session: Session, project: Project, actor_id: int | None, text: str,
    mappings: Iterable[str] = (), drop_relations: bool | int = False,
) -> Edited:
    """``edit_schema`` with a document given as JSON text (the editor's field)."""
    return edit_schema(session, project, actor_id, _document(text), mappings, drop_relations)


def _document(text: str) -> Any:
    try:
        return load_document(text)
    except SchemaError as err:
        raise Invalid(f"invalid label schema: {err}") from None


def _union(old: LabelSchema, new: LabelSchema) -> LabelSchema:
    # Values are counted for labels with attributes in either schema.
    return LabelSchema(old.name, old.version, old.labels + new.labels, raw={})


def edit_schema(
    session: Session, project: Project, actor_id: int | None, document: Any,
    mappings: Iterable[str] = (), drop_relations: bool | int = False,
) -> Edited:
    """Replace the project's schema with ``document``, rewriting the spans of mapped keys and
    the relations of mapped roles; role targets follow renamed labels.

    Every annotation and gold record whose spans or relations change gets a new version (an
    editor open on it sees a conflict, not an overwrite) and one audit row with its spans and
    relations before and after. Relations the new schema no longer allows are deleted only
    when ``drop_relations`` confirms it (see ``preview_schema_edit``). The schema's version is
    bumped when anything changed but the version.

    Raises:
        Invalid: the schema or a mapping is invalid, a removed key is still used by spans and
            not mapped, relations would become invalid unconfirmed, or a role's new ``max`` is
            below what stored events have (the message names the keys and their counts);
            nothing changed.
        Conflict: an annotation or gold record changed while the spans were rewritten.
    """
    preview = preview_schema_edit(session, project, document, mappings, drop_relations)
    problems = []
    if preview.refused:
        problems.append(
            "spans use keys this schema removes: " + ", ".join(preview.refused)
            + "; map each to a key of the new schema (OLD=NEW) or retire it instead")
    if preview.refused_relations:
        problems.append(
            "relations use roles or targets this schema removes: "
            + ", ".join(preview.refused_relations) + "; map a removed role to another role of "
            "its label (LABEL.role=LABEL.role) or confirm that these relations are deleted")
    if preview.over:
        problems.append("a role's new max is below what stored events have: "
                        + ", ".join(preview.over) + "; keep the max or correct those events")
    if problems:
        raise Invalid("; ".join(problems))
    if not preview.diff.changed:
        return Edited(project.schema.version, 0, 0, preview.diff)
    annotations = gold = 0
    if preview.plan or preview.broken:
        annotations = _rewrite_annotations(session, project.id, actor_id, preview)
        gold = _rewrite_gold(session, project.id, actor_id, preview)
    new_document = copy.deepcopy(preview.document)
    new_document["version"] = preview.version
    project.label_schema = new_document
    _carry_guidelines(session, project, actor_id, new_document)
    session.flush()
    return Edited(preview.version, annotations, gold, preview.diff, preview.dropped)


def _affected_labels(preview: Preview) -> list[str]:
    return sorted(set(preview.plan.labels) | {key[0] for key in preview.plan.values})


def _span_json(span: SpanRow) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "label": span.label,
            "attributes": dict(span.attributes or {})}


def _relation_json(relation: RelationRow | GoldRelationRow) -> dict[str, Any]:
    return relation.to_value().to_json()


def _rewrite_relations(
    relations: list[Any], labels: dict[tuple[int, int], str], preview: Preview,
) -> bool:
    """Give each relation its mapped role, or delete it when the new schema does not allow it
    (``labels``: the body's span labels before the edit, by offsets)."""
    changed = False
    for relation in list(relations):
        head = labels.get((relation.head_start, relation.head_end))
        child = labels.get((relation.child_start, relation.child_end))
        if head is None or child is None:
            continue
        role = relation_fate((head, relation.role, child), preview.plan, preview.schema)
        if role is None:
            relations.remove(relation)
            changed = True
        elif role != relation.role:
            relation.role = role
            changed = True
    return changed


def _rewrite_spans(spans: Iterable[SpanRow | GoldSpanRow], preview: Preview) -> bool:
    changed = False
    for span in spans:
        moved = rewrite(span.label, span.attributes or {}, preview.plan, preview.schema)
        if moved is not None:
            span.label, span.attributes = moved
            changed = True
    return changed


def _rewrite_annotations(
    session: Session, project_id: int, actor_id: int | None, preview: Preview,
) -> int:
    labels, roles = _affected_labels(preview), sorted(preview.dropped_roles())
    annotations = session.scalars(
        select(Annotation)
        .join(Sentence, Sentence.id == Annotation.sentence_id)
        .where(Sentence.project_id == project_id, Annotation.id.in_(
            select(SpanRow.annotation_id).where(SpanRow.label.in_(labels)).union(
                select(RelationRow.annotation_id).where(RelationRow.role.in_(roles)))))
        .options(selectinload(Annotation.spans), selectinload(Annotation.relations))
        .order_by(Annotation.id)
    ).all()
    now = utcnow()
    changes: list[Change] = []
    for annotation in annotations:
        state = {"status": annotation.status, "flagged": annotation.flagged,
                 "flag_comment": annotation.flag_comment or ""}
        before = {"spans": [_span_json(s) for s in annotation.spans],
                  "relations": [_relation_json(r) for r in annotation.relations], **state,
                  "version": annotation.version}
        old_labels = {(s.start, s.end): s.label for s in annotation.spans}
        spans_moved = _rewrite_spans(annotation.spans, preview)
        if not _rewrite_relations(annotation.relations, old_labels, preview) and not spans_moved:
            continue
        version = _claim_annotation(session, annotation, now)
        changes.append(Change(
            actor_id, annotation.annotator_id, annotation.sentence_id, "annotation",
            AUDIT_ACTION, version, before,
            {"spans": [_span_json(s) for s in annotation.spans],
             "relations": [_relation_json(r) for r in sorted(
                 annotation.relations, key=lambda r: r.to_value())],
             **state, "version": version},
        ))
    session.flush()
    record_changes(session, changes, at=now)
    return len(changes)


def _claim_annotation(session: Session, annotation: Annotation, now: Any) -> int:
    """Compare-and-set the annotation's version, as a save does: one of two racing writes lands."""
    expected = annotation.version
    result = session.execute(
        update(Annotation)
        .where(Annotation.id == annotation.id, Annotation.version == expected)
        .values(version=expected + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict("an annotation changed while the schema was edited; try again")
    set_committed_value(annotation, "version", expected + 1)
    return expected + 1


def _rewrite_gold(
    session: Session, project_id: int, actor_id: int | None, preview: Preview,
) -> int:
    labels, roles = _affected_labels(preview), sorted(preview.dropped_roles())
    records = session.scalars(
        select(GoldSentence)
        .join(Sentence, Sentence.id == GoldSentence.sentence_id)
        .where(Sentence.project_id == project_id, GoldSentence.id.in_(
            select(GoldSpanRow.gold_id).where(GoldSpanRow.label.in_(labels)).union(
                select(GoldRelationRow.gold_id).where(GoldRelationRow.role.in_(roles)))))
        .options(selectinload(GoldSentence.spans), selectinload(GoldSentence.relations))
        .order_by(GoldSentence.id)
    ).all()
    now = utcnow()
    changes: list[Change] = []
    for gold in records:
        before = _gold_state(session, gold)
        old_labels = {(s.start, s.end): s.label for s in gold.spans}
        spans_moved = _rewrite_spans(gold.spans, preview)
        if not _rewrite_relations(gold.relations, old_labels, preview) and not spans_moved:
            continue
        claim(session, gold)
        gold.updated_at = now
        session.flush()
        changes.append(Change(actor_id, None, gold.sentence_id, "gold", AUDIT_ACTION,
                              gold.version, before, _gold_state(session, gold)))
    record_changes(session, changes, at=now)
    return len(changes)


def _gold_state(session: Session, gold: GoldSentence) -> dict[str, Any]:
    """The gold record's audit state, with its relations (an old state without them: none)."""
    relations = sorted(gold.relations, key=lambda r: r.to_value())
    return {**gold_state(session, gold), "relations": [_relation_json(r) for r in relations]}


def _carry_guidelines(
    session: Session, project: Project, actor_id: int | None, document: dict[str, Any],
) -> None:
    """Publish the current guidelines text again under the new version, so the guidelines
    page shows the schema in force (nothing to carry when none was ever published)."""
    current = session.scalar(
        select(GuidelinesVersion).where(GuidelinesVersion.project_id == project.id)
        .order_by(GuidelinesVersion.id.desc()).limit(1))
    if current is not None:
        session.add(GuidelinesVersion(
            project_id=project.id, version=document["version"], body=current.body,
            label_schema=document, published_by=actor_id,
        ))
