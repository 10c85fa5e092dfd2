"""The body-scoped page base: ``BodyMixin`` resolves the body from the URL and applies the
policy layer (membership, role, MFA); the body navigation each app adds to. Plumbing that
needs no body or role (pagination, session journeys) is in ``core.web``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.template.response import SimpleTemplateResponse
from django.urls import reverse

from accounts import stepup
from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.errors import NotFound
from core.tenancy import tenant_context


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
        body = ResponsibleBody.objects.filter(slug=kwargs.get("body_slug", "")).first()
        if body is None:
            raise NotFound("No such responsible body.")
        self.body = body
        with tenant_context(body):
            self.access = BodyAccess.load(request.user, body)
            if not self.access.can(self.required_action):
                raise NotFound("No such page.")
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
