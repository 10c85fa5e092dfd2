"""What the pooling pages' lists share: numbered pages (GOV.UK pagination with page
numbers, ``templates/pooling/_pagination.html``) and links that differ per row only by an id."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import ResponsibleBody


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None for the ellipsis between distant pages
    url: str
    current: bool


@dataclass(frozen=True)
class Pages:
    page: Page[Any]
    links: list[PageLink]
    previous_url: str
    next_url: str
    label: str


def _number(text: str | None) -> int:
    """The page asked for: the first for a missing, non-numeric, zero or negative number
    (a number past the end gives the last page, from ``Paginator.get_page``)."""
    try:
        number = int(text or "")
    except ValueError:
        return 1
    return max(number, 1)


def paginate(request: HttpRequest, items: Sequence[Any] | QuerySet[Any], *, per_page: int, label: str) -> Pages:
    """One page of ``items`` from ``?page=``, with links to the pages around it that keep the
    request's other parameters (a search, the pool chosen)."""
    page = Paginator(items, per_page).get_page(_number(request.GET.get("page")))
    query = request.GET.copy()

    def url(number: int) -> str:
        query["page"] = str(number)
        return "?" + query.urlencode()

    links = [
        PageLink(number=n, url=url(n), current=n == page.number) if isinstance(n, int) else PageLink(None, "", False)
        for n in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    ]
    return Pages(
        page=page,
        links=links if len(links) > 1 else [],
        previous_url=url(page.previous_page_number()) if page.has_previous() else "",
        next_url=url(page.next_page_number()) if page.has_next() else "",
        label=label,
    )


_MARKER = 918273645546372819


def url_for_each(name: str, body: ResponsibleBody, key: str) -> Callable[[int], str]:
    """The URL of ``pooling:<name>`` for any id of ``key``, reversed once: a table of fifty
    rows otherwise resolves the same pattern fifty times over."""
    prefix, suffix = reverse(f"pooling:{name}", kwargs={"body_slug": body.slug, key: _MARKER}).split(str(_MARKER))
    return lambda pk: f"{prefix}{pk}{suffix}"
