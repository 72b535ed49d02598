"""The span editor's page data: one payload for the annotation page and the gold editor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from annotator.annotation.queries import (
    document_of,
    get_schema,
    neighbour_ids,
    sentence_context,
)
from annotator.assignments.queue import batch_of, queue_neighbours, queue_position
from annotator.auth.models import User
from annotator.corpus.models import Document, Sentence
from annotator.corpus.tokens import token_offsets
from annotator.projects.guidelines import entries
from annotator.projects.schema import LabelSchema

# The saved state the editor starts from, as the annotation API spells it.
SAVED_KEYS = ("spans", "status", "version", "flagged", "flag_comment")

EditorMode = Literal["annotation", "gold"]


@dataclass(frozen=True)
class EditorLinks:
    """Where the editor saves and where its buttons go: URLs the calling view built."""

    api_url: str
    done_url: str
    prev_url: str | None = None
    next_url: str | None = None
    article_url: str | None = None  # the whole article, read-only (annotation page only)
    article_api_url: str | None = None
    # The sentence's suggestions and where the editor records what it did with them
    # (annotation page only; the API answers none when the batch has suggestions off).
    suggestions_url: str | None = None
    suggestion_events_url: str | None = None


@dataclass(frozen=True)
class QueuePlace:
    """Where a sentence sits in a user's work: their batch queue, else the project's order."""

    batch_id: int | None
    prev_id: int | None
    next_id: int | None
    number: int = 0  # 1-based place in the batch queue (0 outside a batch)
    total: int = 0
    batch_name: str | None = None  # None outside a batch
    # The next sentence's article when it is another one than this sentence's, else None.
    next_article: str | None = None


@dataclass(frozen=True)
class EditorPage:
    """What a page with the span editor shows: the sentence in its article and the editor."""

    sentence: Sentence
    document: Document
    context: dict[str, Any]
    schema: LabelSchema
    editor: dict[str, Any]  # the JSON the editor reads from <script id="editor-data">
    place: QueuePlace | None = None  # the annotation page's queue place (None: gold editor)

    def template_args(self) -> dict[str, Any]:
        """Return the names the editor's templates use."""
        return {
            "sentence": self.sentence, "document": self.document, "context": self.context,
            "schema": self.schema, "editor": self.editor, "place": self.place,
            "guide": entries(self.schema),
        }


def get_queue_place(session: Session, user: User, sentence: Sentence) -> QueuePlace:
    """Return the batch through which the user has the sentence, its neighbours there and
    its place ("12 of 24"), and the next sentence's article when that is a new one.

    Outside a batch the neighbours are those of the project's reading order, and the place
    is left out (counting a whole project's sentences on every page would cost too much).
    """
    batch_id = batch_of(session, user.id, sentence.id)
    batch_name = None
    if batch_id is not None:  # working through a queue: navigate within it
        prev_id, next_id = queue_neighbours(session, user.id, batch_id, sentence.id)
        position = queue_position(session, user.id, batch_id, sentence.id)
        number, total = (position.number, position.total) if position else (0, 0)
        batch_name = position.batch_name if position else ""
    else:
        prev_id, next_id = neighbour_ids(session, sentence)
        number, total = 0, 0
    next_doc = document_of(session, next_id) if next_id is not None else None
    next_article = next_doc[1] if next_doc and next_doc[0] != sentence.document_id else None
    return QueuePlace(batch_id, prev_id, next_id, number, total, batch_name, next_article)


def get_editor_page(
    session: Session,
    sentence: Sentence,
    saved: Mapping[str, Any],
    links: EditorLinks,
    *,
    user: str,
    batch_id: int | None = None,
    mode: EditorMode = "annotation",
    place: QueuePlace | None = None,
) -> EditorPage:
    """Read the schema and the article around the sentence; build the editor's payload."""
    schema = get_schema(session, sentence.project_id)
    editor = editor_payload(
        sentence, saved, schema, links, user=user, batch_id=batch_id, mode=mode
    )
    return EditorPage(
        sentence=sentence, document=sentence.document,
        context=sentence_context(session, sentence), schema=schema, editor=editor, place=place,
    )


def editor_payload(
    sentence: Sentence,
    saved: Mapping[str, Any],
    schema: LabelSchema,
    links: EditorLinks,
    *,
    user: str,
    batch_id: int | None = None,
    mode: EditorMode = "annotation",
) -> dict[str, Any]:
    """Build the span editor's JSON: the sentence, its tokens, the saved state, where to go.

    ``saved`` holds the state the editor starts from (``SAVED_KEYS``, and ``relations`` when
    the editor links event arguments). In ``"gold"`` mode the
    editor saves to the gold API and keeps unsaved work under a key of its own.
    """
    text = sentence.text
    payload: dict[str, Any] = {
        "sentence": {
            "id": sentence.id, "text": text, "document_id": sentence.document_id,
            "index": sentence.index, "excluded": sentence.excluded,
        },
        "tokens": token_offsets(text),
        **{key: saved[key] for key in SAVED_KEYS},
        # A frozen annotation (annotation.queries.is_frozen) opens read-only, saying why.
        "frozen": bool(saved.get("frozen")),
        "schema": schema.raw,
        "api_url": links.api_url,
        "prev_url": links.prev_url,
        "next_url": links.next_url,
        "done_url": links.done_url,
        "article_url": links.article_url,
        "article_api_url": links.article_api_url,
        "batch_id": batch_id,
        "user": user,
    }
    # Event frames: the editor links arguments when the saved state carries its relations
    # (the annotation API always does; the gold editor's when its API takes them).
    if "relations" in saved:
        payload["relations"] = saved["relations"]
    if links.suggestions_url:  # the annotation page: suggestions, when the batch has them on
        payload["suggestions_url"] = links.suggestions_url
        payload["suggestion_events_url"] = links.suggestion_events_url
    if mode == "gold":
        payload["mode"] = "gold"
        payload["storage_key"] = f"annotator:unsaved-gold:{user}:{sentence.id}"
    return payload


def gold_saved_state(gold: Mapping[str, Any]) -> dict[str, Any]:
    """Return a sentence's gold (as ``gold_state`` gives it) as the editor's saved state.

    Before any gold the editor starts at status "partial"; gold carries no flag.
    """
    return {
        "spans": gold["spans"], "status": gold["status"] or "partial",
        "version": gold["version"], "flagged": False, "flag_comment": "",
    }
