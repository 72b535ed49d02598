"""Pages of the JSON API's lists: ``page`` and ``per_page`` read strictly from the query string,
and the envelope every paginated answer has (items, page, per_page, pages, total, links).

The page numbers follow ``paging.py`` (a page past the last one answers the last page); unlike
the HTML pages, a value that is not a whole number in range is refused (400), since a script
that sends one has a bug it should hear about.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import request, url_for

from annotator.paging import MAX_PAGE, MAX_PER_PAGE, Pager
from annotator.web_input import query_int


def page_arguments(default_per_page: int) -> tuple[str, int]:
    """The ``page`` asked for (as text, for ``Pager.of``) and ``per_page`` (1..MAX_PER_PAGE);
    ``BadInput`` (400) when either is not a whole number in range."""
    page = query_int("page", maximum=MAX_PAGE) or 1
    per_page = query_int("per_page", maximum=MAX_PER_PAGE) or default_per_page
    return str(page), per_page


def _link(page: int, pager: Pager) -> str:
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}
    return url_for(request.endpoint or "", **(request.view_args or {}), **args, page=page,
                   per_page=pager.per_page)


def page_envelope(items: Sequence[Any], pager: Pager) -> dict[str, Any]:
    """One page of a list as the API answers it, with links to its neighbours (same filters)."""
    return {
        "items": list(items),
        "page": pager.page,
        "per_page": pager.per_page,
        "pages": pager.pages,
        "total": pager.total,
        "links": {
            "self": _link(pager.page, pager),
            "first": _link(1, pager),
            "prev": _link(pager.page - 1, pager) if pager.page > 1 else None,
            "next": _link(pager.page + 1, pager) if pager.page < pager.pages else None,
            "last": _link(pager.pages, pager),
        },
    }
