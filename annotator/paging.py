"""Page numbers of paginated lists: read from a query string, clamped, turned into an offset.

Pure (no framework): the views pass ``request.args.get("page")`` in and hand the ``Pager`` to
the template's ``_pager.html`` macro. No page of the app grows with the size of a project.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_PAGE = 10**6  # beyond any real list; keeps OFFSET far from the databases' integer limits
MAX_PER_PAGE = 500  # the API's largest page (api_pages.py)


def page_number(raw: str | None) -> int:
    """The page a query-string value asks for: ASCII digits 1..MAX_PAGE, anything else page 1.

    (``str.isdigit`` is not enough: it accepts ``²`` and other non-ASCII digits.)
    """
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 7:
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


@dataclass(frozen=True)
class Pager:
    """One page of a list of ``total`` items, ``per_page`` at a time (page clamped to the last)."""

    page: int
    per_page: int
    total: int

    @classmethod
    def of(cls, raw: str | None, per_page: int, total: int) -> Pager:
        """The page ``raw`` asks for, moved back to the last page if the list is shorter."""
        last = max((total + per_page - 1) // per_page, 1)
        return cls(min(page_number(raw), last), per_page, total)

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page
