"""The inclusion strategy annex pages under ``/b/<body_slug>/annex/``: which schools and
periods have one (a head or SENDCO sees their own school only), the annex, its CSV and PDF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from assurance.annex import InclusionAnnex, annex_csv, annex_pdf, inclusion_annex
from core.errors import NotFound
from groupings.models import Arrangement, ArrangementStatus
from pooling.models import Pool

HELD = (ArrangementStatus.ACTIVE, ArrangementStatus.NOTICE_GIVEN, ArrangementStatus.ENDED)


class AnnexListView(BodyMixin, TemplateView):
    template_name = "assurance/annex/list.html"
    required_action = Action.VIEW_INCLUSION_ANNEX

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        arrangements = Arrangement.objects.filter(status__in=HELD).select_related("school").order_by("school__name")
        schools = self.access.school_ids(Action.VIEW_INCLUSION_ANNEX)
        if schools is not None:
            arrangements = arrangements.filter(school_id__in=schools)
        pools = list(Pool.objects.order_by("-starts_on"))
        context["rows"] = [
            (arrangement, [pool for pool in pools if _overlaps(arrangement, pool)]) for arrangement in arrangements
        ]
        return context


def _overlaps(arrangement: Arrangement, pool: Pool) -> bool:
    return arrangement.start_date <= pool.ends_on and (
        arrangement.end_date is None or arrangement.end_date >= pool.starts_on
    )


class _AnnexMixin(BodyMixin):
    required_action = Action.VIEW_INCLUSION_ANNEX
    kwargs: dict[str, Any]

    def annex(self) -> InclusionAnnex:
        kwargs = self.kwargs
        arrangement = (
            Arrangement.objects.filter(pk=kwargs["arrangement_id"], status__in=HELD).select_related("school").first()
        )
        pool = Pool.objects.filter(pk=kwargs["pool_id"]).first()
        if arrangement is None or pool is None or not _overlaps(arrangement, pool):
            raise NotFound("No such annex.")
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
