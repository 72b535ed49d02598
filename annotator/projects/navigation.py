"""The navigation bar of every project page: which links a role sees, which one is current.

Pure (no framework): the web layer passes the role the user acts with in the project and the
request's endpoint; the template (``templates/_project_nav.html``) builds the URLs. A link is
shown to the roles whose routes let them in (the ``project_access`` guard of its endpoint),
so the bar never offers a page that answers 403.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLE_ORDER = ("annotator", "curator", "admin")  # as annotator.projects.models.PROJECT_ROLES


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str  # takes ``project_id``
    need: str  # the least role that may open it
    covers: frozenset[str]  # endpoints on which this item is the current page

    def shown_to(self, role: str) -> bool:
        """Whether a member acting as ``role`` may open this page."""
        return ROLE_ORDER.index(role) >= ROLE_ORDER.index(self.need)


def _item(label: str, endpoint: str, need: str, *also: str) -> NavItem:
    return NavItem(label, endpoint, need, frozenset((endpoint, *also)))


NAV: tuple[NavItem, ...] = (
    _item("Sentences", "projects.list_sentences", "annotator",
          "annotation.show_sentence", "annotation.show_article", "annotation.list_my_sentences",
          "audit.show_history"),
    _item("Documents", "corpus.list_documents", "admin", "corpus.show_document",
          "export.import_annotations_page"),
    _item("Batches", "assignments.list_batches", "admin", "assignments.show_batch"),
    _item("Dashboard", "assignments.dashboard", "admin", "assignments.list_untyped_spans"),
    _item("Agreement", "reports.show_agreement", "admin",
          "reports.show_batch_agreement", "reports.list_disagreements"),
    _item("Adjudication", "adjudication.show_queue", "curator",
          "adjudication.show_conflict", "adjudication.show_gold"),
    _item("Export", "export.show_export", "curator"),
    _item("Models", "learning.list_models", "admin"),
    _item("Guidelines", "projects.show_guidelines", "annotator", "projects.edit_guidelines"),
    _item("Settings", "projects.show_label_schema", "admin", "projects.edit_label_schema",
          "suggestions.show_settings"),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    endpoint: str
    current: bool


def project_nav(role: str, endpoint: str | None) -> list[NavLink]:
    """The bar's links for a member acting as ``role``, the current page's marked."""
    return [NavLink(item.label, item.endpoint, endpoint in item.covers)
            for item in NAV if item.shown_to(role)]
