"""The grouping's members (with their CSV) and the school search."""

from __future__ import annotations

from typing import Any

from django.http import (
    HttpRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.csv_export import csv_lines, csv_response
from core.web import paginate_list
from groupings import selectors
from groupings.forms import (
    MembersFilterForm,
    SchoolSearchForm,
)


class MembersView(BodyMixin, TemplateView):
    template_name = "groupings/members.html"
    required_action = Action.VIEW_GROUPING

    def _arrangements(self) -> Any:
        form = MembersFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        qs = selectors.arrangement_list(
            tenant=self.body,
            school_ids=self.access.school_ids(Action.VIEW_GROUPING),
            **{k: v for k, v in filters.items() if v},
        )
        return form, qs

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        if request.GET.get("format") == "csv":
            return self._csv()
        return super().get(request, *args, **kwargs)

    def _csv(self) -> StreamingHttpResponse:
        _, qs = self._arrangements()
        lines = csv_lines(selectors.ARRANGEMENT_CSV_HEADER, selectors.arrangement_csv_rows(qs))
        return csv_response(lines, filename=f"{self.body.slug}-grouping-members.csv", tenant=self.body)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form, qs = self._arrangements()
        pages = paginate_list(self.request, qs, per_page=100, label="Pages of arrangements")
        page = pages.page
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            pages=pages,
            arrangements=list(page.object_list),
            query=query.urlencode(),
            can_manage=self.access.can(Action.MANAGE_GROUPING),
        )
        return context


class SchoolSearchView(BodyMixin, TemplateView):
    template_name = "groupings/school_search.html"
    required_action = Action.MANAGE_GROUPING

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = SchoolSearchForm(self.request.GET or None)
        results = None
        if form.is_valid() and any(form.cleaned_data.values()):
            results = list(
                selectors.school_search(
                    q=form.cleaned_data["q"], la_code=form.cleaned_data["la"], trust=form.cleaned_data["trust"]
                )[: selectors.SEARCH_LIMIT]
            )
        context.update(form=form, results=results, limit=selectors.SEARCH_LIMIT)
        return context
