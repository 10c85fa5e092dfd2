"""The body-scoped bases for pages and APIs: ``BodyMixin`` (pages) and ``TenantAPIView``
(APIs) resolve the body from the URL and apply the policy layer (membership, role, MFA);
and the body navigation each app adds to. Plumbing that needs no body or role
(pagination, session journeys, the API exception handler) is in ``core.web`` and
``core.api``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.template.response import SimpleTemplateResponse
from django.urls import reverse
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import stepup
from accounts.models import ApiToken, ResponsibleBody, User
from accounts.policy import (
    IDENTITY_ACTIONS,
    Action,
    BodyAccess,
    request_token_scope,
    set_request_token_actions,
)
from core.api import MfaRequired
from core.audit import audit_acting_via, audit_acting_via_scope
from core.errors import NotFound
from core.templatetags.journey import AFTER_MFA_SETUP
from core.tenancy import tenant_context, tenant_context_of
from core.web import body_url


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


@dataclass(frozen=True)
class WorkItem:
    """One line of a role's home page: the work, a figure, and the link that starts it."""

    title: str
    figure: str
    detail: str
    link_text: str
    url: str


HomePanel = Callable[[BodyAccess, ResponsibleBody], list[WorkItem]]
HOME_PANELS: list[tuple[int, str, HomePanel]] = []


def register_home_panel(key: str, order: int, panel: HomePanel) -> None:
    """Apps add the work they own to each role's home page from ``AppConfig.ready``; a
    panel returns no items for a role with nothing to do there."""
    if all(existing != key for _, existing, _ in HOME_PANELS):
        HOME_PANELS.append((order, key, panel))
        HOME_PANELS.sort(key=lambda item: item[0])


def home_work(access: BodyAccess, body: ResponsibleBody) -> list[WorkItem]:
    """The work of every panel registered, in their order."""
    with tenant_context(body):
        return [item for _, _, panel in HOME_PANELS for item in panel(access, body)]


register_body_nav("Overview", "accounts:body-home", Action.VIEW_BODY, 0)
register_body_nav("People", "accounts:people", Action.MANAGE_MEMBERS, 80)
register_body_nav("Audit log", "accounts:audit-log", Action.VIEW_AUDIT, 90)


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a request that login has already been required for."""
    user = request.user
    assert isinstance(user, User)
    return user


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
        # The body and its tenant context in one statement (core.tenancy.tenant_context_of).
        with tenant_context_of(ResponsibleBody.objects.filter(slug=kwargs.get("body_slug", ""))) as body:
            if body is None:
                raise NotFound("No such responsible body.")
            self.body = body
            self.access = BodyAccess.load(request.user, body)
            if not self.access.can(self.required_action):
                raise NotFound("No such page.")
            if self.mfa_action is not None and self.access.needs_mfa_for(self.mfa_action):
                messages.warning(request, "Set up multi-factor authentication before you can do this.")
                request.session[AFTER_MFA_SETUP] = request.get_full_path()
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
                "url": body_url(item.url_name, self.body.slug),
                "active": current == item.url_name,
            }
            for item in BODY_NAV
            if self.access.can(item.action)
        ]
        return context


class TenantAPIView(APIView):
    """Base for every API under ``/api/v1/bodies/<body_slug>/``.

    Resolves the body from the URL, checks the user's current membership and role, and runs
    the handler inside the body's tenant context. Another body's objects, an unknown slug
    and a body the user does not belong to are all the same 404."""

    required_action: Action = Action.VIEW_BODY
    # Methods that are sensitive actions: they need a fresh authenticator code in the
    # ``X-MFA-Code`` header (``accounts.stepup``), checked after the role.
    step_up_methods: frozenset[str] = frozenset()
    body: ResponsibleBody | None
    access: BodyAccess

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # The body and its tenant context in one statement (core.tenancy.tenant_context_of);
        # no such body: no context, and ``initial`` answers 404 after authentication.
        bodies = ResponsibleBody.objects.filter(slug=kwargs.get("body_slug", ""))
        with audit_acting_via_scope(), request_token_scope(), tenant_context_of(bodies) as body:
            self.body = body
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()
            return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.body is None:
            raise exceptions.NotFound()
        self.access = BodyAccess.load(request.user, self.body)  # type: ignore[arg-type]
        if not self.access.can(self.required_action):
            raise exceptions.NotFound()
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is not None:
            # The roles decide what exists for this person (404 above); the token only narrows.
            audit_acting_via(token.audit_label)
            actions = frozenset(token.actions)
            if token.read_only:  # never a pupil's identity, even on a token made before this rule
                actions -= {str(a) for a in IDENTITY_ACTIONS}
            self.access.token_actions = actions
            set_request_token_actions(self.access.token_actions)  # services' own checks too
            if token.read_only and request.method not in SAFE_METHODS:
                raise exceptions.PermissionDenied("This API token is read-only.", code="token_read_only")
            self._require_token_allows(self.required_action)

    def _require_token_allows(self, action: Action) -> None:
        if not self.access.token_allows(action):
            raise exceptions.PermissionDenied(f"This API token does not allow {action}.", code="token_scope")

    def require_step_up(self) -> None:
        """Refuse (403 ``step_up_required``) unless the user proved their second factor
        in the last ``STEP_UP_MAX_AGE_MINUTES`` (the code in ``X-MFA-Code``)."""
        stepup.api_step_up(self.request)

    @property
    def tenant(self) -> ResponsibleBody:
        """The body from the URL; set and checked before any handler runs."""
        assert self.body is not None
        return self.body

    @property
    def actor(self) -> User:
        user = self.request.user
        assert isinstance(user, User)
        return user

    def paginated(self, rows: Any, serializer: type[serializers.BaseSerializer], **context: Any) -> Response:
        """One page of ``rows`` (``?page=``, the settings' page size) serialised with
        ``serializer``, with DRF's ``count``/``next``/``previous`` envelope."""
        paginator = PageNumberPagination()
        page: Any = paginator.paginate_queryset(rows, self.request, view=self)
        return paginator.get_paginated_response(serializer(page, many=True, context=context).data)

    def require(self, action: Action, obj: Any = None) -> None:
        """Refuse unless the user's role allows ``action`` (on ``obj``) and MFA is set up."""
        self._require_token_allows(action)
        if not self.access.can(action, obj):
            raise exceptions.PermissionDenied("Your role does not allow this.")
        if self.access.needs_mfa_for(action):
            raise MfaRequired()
        if self.request.method in self.step_up_methods:
            self.require_step_up()
