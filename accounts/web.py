"""Page plumbing shared by every app: the body-scoped view mixin."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.template.response import SimpleTemplateResponse
from django.urls import reverse

from accounts import stepup
from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from accounts.tenancy import tenant_context


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    action: Action
    order: int


BODY_NAV: list[NavItem] = []


def register_body_nav(label: str, url_name: str, action: Action, order: int) -> None:
    """Apps add their sections to the body navigation from ``AppConfig.ready``."""
    if all(item.url_name != url_name for item in BODY_NAV):
        BODY_NAV.append(NavItem(label, url_name, action, order))
        BODY_NAV.sort(key=lambda item: item.order)


register_body_nav("Overview", "accounts:body-home", Action.VIEW_BODY, 0)
register_body_nav("People", "accounts:people", Action.MANAGE_MEMBERS, 80)
register_body_nav("Audit log", "accounts:audit-log", Action.VIEW_AUDIT, 90)


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
    request: HttpRequest, items: Sequence[Any] | QuerySet[Any], *, per_page: int, label: str, param: str = "page"
) -> Pages:
    """One page of ``items`` from ``?<param>=``, with numbered links to the pages around it
    that keep the request's other parameters (a search, the other list's page), so two
    lists on one page can each have their own pages. Bad page numbers never raise."""
    page = Paginator(items, per_page).get_page(_page_number(request.GET.get(param)))
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


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a request that login has already been required for."""
    user = request.user
    assert isinstance(user, User)
    return user


def tenant_stream(tenant: ResponsibleBody, rows: Iterable[Any]) -> Iterator[Any]:
    """Yield ``rows`` inside the tenant's context: a streamed response is iterated after
    the view has returned, outside the context the view ran in."""
    with tenant_context(tenant):
        yield from rows


class BodyMixin(LoginRequiredMixin):
    """For pages under ``/b/<body_slug>/``: resolves the body, checks membership and role,
    and renders inside the body's tenant context.

    ``required_action`` decides whether the page exists for the user (404 otherwise, the
    same as another body's page). ``mfa_action`` sends money and decision roles to set up
    MFA before they can act."""

    required_action: Action = Action.VIEW_BODY
    mfa_action: Action | None = None
    # A POST to the page is a sensitive action: it needs a fresh authenticator code
    # (``accounts.stepup``). ``needs_step_up`` may decide per request.
    step_up = False
    body: ResponsibleBody
    access: BodyAccess

    def needs_step_up(self, request: HttpRequest) -> bool:
        return self.step_up and request.method == "POST"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        body = ResponsibleBody.objects.filter(slug=kwargs.get("body_slug", "")).first()
        if body is None:
            raise Http404("No such responsible body.")
        self.body = body
        with tenant_context(body):
            self.access = BodyAccess.load(request.user, body)
            if not self.access.can(self.required_action):
                raise Http404("No such page.")
            if self.mfa_action is not None and self.access.needs_mfa_for(self.mfa_action):
                messages.warning(request, "Set up multi-factor authentication before you can do this.")
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{query}")
            if self.needs_step_up(request):
                asking = stepup.page_step_up(request, template_context={"body": body, "access": self.access})
                if asking is not None:
                    asking.render()
                    return asking
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()
            return response

    @property
    def actor(self) -> User:
        user = self.request.user  # type: ignore[attr-defined]
        assert isinstance(user, User)
        return user

    def require(self, action: Action, obj: Any = None) -> None:
        if not self.access.can(action, obj):
            raise PermissionDenied("Your role does not allow this.")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["body"] = self.body
        context["access"] = self.access
        current = self.request.resolver_match.view_name if self.request.resolver_match else ""  # type: ignore[attr-defined]
        context["body_nav"] = [
            {
                "label": item.label,
                "url": reverse(item.url_name, kwargs={"body_slug": self.body.slug}),
                "active": current == item.url_name,
            }
            for item in BODY_NAV
            if self.access.can(item.action)
        ]
        return context


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
