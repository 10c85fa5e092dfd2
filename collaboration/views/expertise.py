"""The expertise directory: search it by area of need; edit your own entry."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from collaboration.forms import ExpertiseForm
from collaboration.selectors.expertise import expertise_list, expertise_own
from collaboration.services.expertise import NEED_LABELS, QUALIFICATIONS, expertise_save
from core.errors import ApplicationError
from core.web import paginate_list


class ExpertsView(BodyMixin, TemplateView):
    template_name = "collaboration/experts.html"
    required_action = Action.COLLABORATE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        area = self.request.GET.get("area", "")
        area = area if area in NEED_LABELS else ""
        pages = paginate_list(self.request, expertise_list(tenant=self.body, area=area), per_page=25, label="People")
        context.update(
            area=area,
            needs=sorted(NEED_LABELS.items(), key=lambda kv: kv[1]),
            pages=pages,
            people=[
                {
                    "name": p.display_name,
                    "areas": [NEED_LABELS.get(a, a) for a in p.areas_of_need],
                    "qualifications": [QUALIFICATIONS.get(q, q) for q in p.qualifications],
                    "summary": p.summary,
                    "availability": p.availability,
                    "is_me": p.user_id == self.actor.pk,
                }
                for p in pages.page.object_list
            ],
        )
        return context


class ExpertiseEditView(BodyMixin, TemplateView):
    template_name = "collaboration/expertise_edit.html"
    required_action = Action.COLLABORATE

    def form(self, data: Any = None) -> ExpertiseForm:
        own = expertise_own(tenant=self.body, user=self.actor)
        initial = (
            {
                "display_name": own.display_name,
                "areas_of_need": own.areas_of_need,
                "qualifications": own.qualifications,
                "summary": own.summary,
                "availability": own.availability,
            }
            if own
            else {"display_name": self.actor.full_name}
        )
        return ExpertiseForm(
            data,
            initial=initial,
            needs=sorted(NEED_LABELS.items(), key=lambda kv: kv[1]),
            qualifications=list(QUALIFICATIONS.items()),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            try:
                expertise_save(actor=self.actor, tenant=self.body, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "Your entry in the directory is saved.")
                return HttpResponseRedirect(reverse("collaboration:experts", kwargs={"body_slug": self.body.slug}))
        return self.render_to_response(self.get_context_data(form=form))
