"""Page plumbing shared by every app: the body-scoped view mixin."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.models import ResponsibleBody
from accounts.policy import Action, BodyAccess
from accounts.tenancy import tenant_context


class BodyMixin(LoginRequiredMixin):
    """For pages under ``/b/<body_slug>/``: resolves the body, checks membership and role,
    and renders inside the body's tenant context.

    ``required_action`` decides whether the page exists for the user (404 otherwise, the
    same as another body's page). ``mfa_action`` sends money and decision roles to set up
    MFA before they can act."""

    required_action: Action = Action.VIEW_BODY
    mfa_action: Action | None = None
    body: ResponsibleBody
    access: BodyAccess

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        body = ResponsibleBody.objects.filter(slug=kwargs.get("body_slug", "")).first()
        if body is None:
            raise Http404("No such responsible body.")
        self.body = body
        with tenant_context(body):
            self.access = BodyAccess.load(request.user, body)  # type: ignore[arg-type]
            if not self.access.can(self.required_action):
                raise Http404("No such page.")
            if self.mfa_action is not None and self.access.needs_mfa_for(self.mfa_action):
                messages.warning(request, "Set up multi-factor authentication before you can do this.")
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{query}")
            response: HttpResponse = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response

    def require(self, action: Action, obj: Any = None) -> None:
        if not self.access.can(action, obj):
            raise PermissionDenied("Your role does not allow this.")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["body"] = self.body
        context["access"] = self.access
        return context
