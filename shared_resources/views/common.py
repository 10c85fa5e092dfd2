"""What the shared-resources pages share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from accounts.models import ResponsibleBody
from accounts.web import BodyMixin
from core.errors import ApplicationError
from core.forms import show_service_error
from shared_resources import selectors
from shared_resources.forms import RESOURCE_FIELD_NAMES
from shared_resources.models import SharedResource


def url(name: str, body: ResponsibleBody, **kwargs: Any) -> str:
    return reverse(f"shared-resources:{name}", kwargs={"body_slug": body.slug, **kwargs})


def show_error(form: forms.Form, exc: ApplicationError, names: dict[str, str] | None = None) -> None:
    """Put a service's refusal on the field it names (or the whole form)."""
    show_service_error(form, exc, dict(names or {}))


def show_resource_error(form: forms.Form, exc: ApplicationError) -> None:
    show_error(form, exc, RESOURCE_FIELD_NAMES)


class ReadScopeFirst:
    """For pages anyone in the body may reach but only readers of shared resources (or an
    auditor with a live pool grant) may read: a method the page does not answer is the same
    404 as the page itself for everyone else, never a 405 that says the page is there."""

    access: Any
    body: ResponsibleBody
    actor: Any

    def http_method_not_allowed(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        selectors.read_scope(self.access, self.body, self.actor)  # NotFound for non-readers
        return super().http_method_not_allowed(request, *args, **kwargs)  # type: ignore[misc]


class ResourceMixin(BodyMixin):
    kwargs: dict[str, Any]

    def pool_scope(self) -> set[int] | None:
        if not hasattr(self, "_pool_scope"):
            self._pool_scope = selectors.read_scope(self.access, self.body, self.actor)
        return self._pool_scope

    def resource(self) -> SharedResource:
        if not hasattr(self, "_resource"):
            self._resource = selectors.resource_get(
                tenant=self.body, resource_id=self.kwargs["sharedresource_id"], pool_ids=self.pool_scope()
            )
        return self._resource

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["resource"] = self.resource()
        return context


class FormPage:
    """Words for ``shared_resources/_form_page.html``: the heading, the caption, the button
    and where "Back" goes (the register unless the view says otherwise)."""

    heading = ""
    button = "Save"
    body: ResponsibleBody

    def caption(self) -> str:
        return ""

    def back_url(self) -> str:
        return url("list", self.body)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(heading=self.heading, button=self.button, caption=self.caption(), back_url=self.back_url())
        return context
