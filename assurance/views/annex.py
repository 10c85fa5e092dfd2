"""The inclusion strategy annex pages under ``/b/<body_slug>/annex/``: which schools and
periods have one (a head or SENDCO sees their own school only), the annex, its CSV and PDF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from assurance import selectors
from assurance.annex import InclusionAnnex, annex_csv, annex_pdf, inclusion_annex
from core.errors import NotFound


class AnnexListView(BodyMixin, TemplateView):
    template_name = "assurance/annex/list.html"
    required_action = Action.VIEW_INCLUSION_ANNEX

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = selectors.annex_list(
            tenant=self.body, school_ids=self.access.school_ids(Action.VIEW_INCLUSION_ANNEX)
        )
        return context


class _AnnexMixin(BodyMixin):
    required_action = Action.VIEW_INCLUSION_ANNEX
    kwargs: dict[str, Any]

    def annex(self) -> InclusionAnnex:
        arrangement, pool = selectors.annex_subject(
            tenant=self.body, arrangement_id=self.kwargs["arrangement_id"], pool_id=self.kwargs["pool_id"]
        )
        if not self.access.can(Action.VIEW_INCLUSION_ANNEX, arrangement):
            raise NotFound("No such annex.")  # another school's
        self.pool, self.arrangement = pool, arrangement
        return inclusion_annex(tenant=self.body, arrangement=arrangement, pool=pool)


class AnnexView(_AnnexMixin, TemplateView):
    template_name = "assurance/annex/annex.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["annex"] = self.annex()
        context["pool"], context["arrangement"] = self.pool, self.arrangement
        return context


class AnnexCsvView(_AnnexMixin, TemplateView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        annex = self.annex()
        response = HttpResponse(annex_csv(annex), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{annex.filename_stem}.csv"'
        return response


class AnnexPdfView(_AnnexMixin, TemplateView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        annex = self.annex()
        response = HttpResponse(annex_pdf(annex), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{annex.filename_stem}.pdf"'
        return response
