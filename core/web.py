"""Page plumbing shared by every app that needs no body or role: numbered pagination, a
journey kept in the session, and streaming inside a tenant context. The body-scoped view
mixin (``BodyMixin``) applies the policy layer, so it lives in ``accounts.web``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse

from core.tenancy import tenant_context

if TYPE_CHECKING:
    from accounts.models import ResponsibleBody


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None for the ellipsis between distant pages
    url: str
    current: bool


@dataclass(frozen=True)
class Pages:
    """A page of a list and its GOV.UK pagination links (``templates/includes/pagination.html``)."""

    page: Page[Any]
    links: list[PageLink]
    previous_url: str
    next_url: str
    label: str


def _page_number(text: str | None) -> int:
    """The page asked for: the first for a missing, non-numeric, zero or negative number (a
    number past the end gives the last page, from ``Paginator.get_page``)."""
    try:
        number = int(text or "")
    except ValueError:
        return 1
    return max(number, 1)


def paginate_list(
    request: HttpRequest,
    items: Sequence[Any] | QuerySet[Any],
    *,
    per_page: int,
    label: str,
    param: str = "page",
    count: int | None = None,
) -> Pages:
    """One page of ``items`` from ``?<param>=``, with numbered links to the pages around it
    that keep the request's other parameters (a search, the other list's page), so two
    lists on one page can each have their own pages. Bad page numbers never raise.
    ``count``: how many items there are, when the page has counted them already (the
    paginator then does not count them again)."""
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: once set, it is not computed
    page = paginator.get_page(_page_number(request.GET.get(param)))
    query = request.GET.copy()

    def url(number: int) -> str:
        query[param] = str(number)
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


def paginate_rows(
    request: HttpRequest,
    rows: QuerySet[Any],
    *,
    per_page: int,
    label: str,
    param: str = "page",
    values: Sequence[str] = (),
) -> Pages:
    """:func:`paginate_list` for a queryset whose rows are wide (joins, prefetches,
    annotations): the page's ids are found first, in the list's order, from the ids alone
    (an index can answer that, and a deep page's OFFSET then skips index entries, not joined
    rows), and only that page's rows are read in full. Still one query for the rows: the
    ids are a subquery of it. ``rows`` must be ordered, ending with a unique key.
    ``values``: the page's rows are read as these values (dicts), related rows' columns
    among them, joined for the page's rows alone. A list with nothing in it reads no rows."""
    ids = rows.prefetch_related(None).values_list("pk", flat=True)
    pages = paginate_list(request, ids, per_page=per_page, label=label, param=param)
    page = pages.page
    if not page.paginator.count:
        page.object_list = []
        return pages
    shown = rows.filter(pk__in=page.object_list)
    page.object_list = shown.values(*values) if values else shown
    return pages


_MARKER = 918273645546372819


def url_for_each(viewname: str, key: str, **kwargs: str | int) -> Callable[[int], str]:
    """The URL of ``viewname`` for any id of ``key`` (the other arguments fixed), reversed
    once: a table of fifty rows otherwise resolves the same pattern fifty times over."""
    prefix, suffix = reverse(viewname, kwargs={**kwargs, key: _MARKER}).split(str(_MARKER))

    def url(pk: int) -> str:
        return f"{prefix}{pk}{suffix}"

    return url


_SLUG_MARKER = "slug-marker-5546372819"


@lru_cache(maxsize=1024)
def _body_url_parts(viewname: str, script_prefix: str) -> tuple[str, str]:
    # ``script_prefix`` is part of the key: ``reverse`` prepends it, and it is the
    # request's (the deployment's sub-path, if any).
    prefix, suffix = reverse(viewname, kwargs={"body_slug": _SLUG_MARKER}).split(_SLUG_MARKER)
    return prefix, suffix


def body_url(viewname: str, body_slug: str) -> str:
    """``reverse(viewname, kwargs={"body_slug": body_slug})`` for a page whose only argument
    is the body, with the pattern reversed once per process: every body page links to each
    page of the body's navigation, and reversing one costs about a hundred calls."""
    prefix, suffix = _body_url_parts(viewname, get_script_prefix())
    return f"{prefix}{body_slug}{suffix}"


def tenant_stream(tenant: ResponsibleBody, rows: Iterable[Any]) -> Iterator[Any]:
    """Yield ``rows`` inside the tenant's context: a streamed response is iterated after
    the view has returned, outside the context the view ran in."""
    with tenant_context(tenant):
        yield from rows


class SessionJourneyMixin:
    """A multi-page journey that keeps its answers in the session until the person confirms.

    Subclasses name the journey with ``journey_key`` (unique per body and per object the
    journey is about); the answers survive back, refresh and validation errors."""

    request: HttpRequest

    @property
    def journey_key(self) -> str:
        raise NotImplementedError

    def journey_state(self) -> dict[str, Any]:
        return dict(self.request.session.get(self.journey_key, {}))

    def journey_save(self, **values: Any) -> None:
        state = self.journey_state()
        state.update(values)
        self.request.session[self.journey_key] = state

    def journey_reset(self, **values: Any) -> None:
        self.request.session[self.journey_key] = dict(values)

    def journey_forget(self) -> None:
        self.request.session.pop(self.journey_key, None)
