"""My school's cases, the case form and case detail."""

from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin


class CaseListView(BodyMixin, TemplateView):
    """The cases the user may see: a head or SENDCO sees their own school's."""

    template_name = "exceptional_resource/case_list.html"
    required_action = Action.VIEW_CASE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["cases"] = []
        return context
