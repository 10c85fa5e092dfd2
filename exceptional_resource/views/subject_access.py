"""The subject-access page: a decision officer or the body's admin enters a pupil's
reference and the export is queued; the report page shows its progress and the download."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError, NotFound
from core.forms import show_service_error
from exceptional_resource.services.subject_access import subject_access_request


class SubjectAccessForm(forms.Form):
    reference = forms.CharField(
        label="Pupil reference",
        help_text="The pupil's reference in the pool, like P-ABCD2345 (on the case page).",
        max_length=12,
        error_messages={"required": "Enter the pupil's reference", "max_length": "Enter a reference like P-ABCD2345"},
    )


class SubjectAccessView(BodyMixin, TemplateView):
    template_name = "exceptional_resource/subject_access.html"
    required_action = Action.ANSWER_SUBJECT_ACCESS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", SubjectAccessForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SubjectAccessForm(request.POST)
        if form.is_valid():
            try:
                run = subject_access_request(
                    actor=self.actor, tenant=self.body, reference=form.cleaned_data["reference"]
                )
            except NotFound:
                form.add_error("reference", "No pupil with that reference is held by this body")
            except ApplicationError as exc:
                show_service_error(form, exc)
            else:
                return HttpResponseRedirect(
                    reverse("reports:report", kwargs={"body_slug": self.body.slug, "reportrun_id": run.pk})
                )
        return self.render_to_response(self.get_context_data(form=form))
