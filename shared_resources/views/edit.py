"""The page that changes a registered resource (``resource_update``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.views.generic import FormView

from accounts.grouping_scope import school_choices
from accounts.policy import Action
from core.errors import ApplicationError
from shared_resources.forms import ResourceEditForm
from shared_resources.services.edit import resource_update
from shared_resources.services.register import need_codes
from shared_resources.views.common import FormPage, ResourceMixin, show_resource_error, url


class ResourceEditView(FormPage, ResourceMixin, FormView):
    """Change a resource's name, dates, areas of need, places, costs or payee. Refusals
    (capacity below what is allocated, dates that leave out its terms or funding, bad money)
    show on the field and write nothing."""

    template_name = "shared_resources/resource_form.html"
    form_class = ResourceEditForm
    heading = "Change a shared resource"
    button = "Save changes"
    required_action = Action.MANAGE_SHARED_RESOURCES
    step_up = True  # an edit can change the payee's bank details or a funded cost
    mfa_action = Action.MANAGE_SHARED_RESOURCES

    def caption(self) -> str:
        return str(self.resource().name)

    def back_url(self) -> str:
        return url("resource", self.body, sharedresource_id=self.resource().pk)

    def get_initial(self) -> dict[str, Any]:
        return ResourceEditForm.initial_for(self.resource())

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(
            needs=need_codes(tenant=self.body), schools=school_choices(tenant=self.body), kind=self.resource().kind
        )
        return kwargs

    def form_valid(self, form: ResourceEditForm) -> HttpResponse:
        resource = self.resource()
        try:
            resource_update(actor=self.actor, tenant=self.body, resource_id=resource.pk, **form.service_kwargs())
        except ApplicationError as exc:
            show_resource_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{form.cleaned_data['name']} is changed.")
        return HttpResponseRedirect(url("resource", self.body, sharedresource_id=resource.pk))
