"""Forecast demand (by hand or CSV upload, all or nothing) and the need signals."""

from __future__ import annotations

from typing import Any

from django.contrib import messages

from partnerships import selectors
from partnerships.demand_csv import ForecastFileRejected
from partnerships.forms import ForecastForm, ForecastUploadForm
from partnerships.services import demand as services
from partnerships.sufficiency import year_label
from partnerships.views.base import ButtonAction, FormAction, PartnershipPage, url


class DemandView(PartnershipPage):
    template_name = "partnerships/demand.html"

    def page_context(self, **forms: Any) -> dict[str, Any]:
        forecasts = list(selectors.forecast_list(tenant=self.body, partnership=self.partnership))
        snapshot = selectors.latest_snapshot(tenant=self.body, partnership=self.partnership)
        return {
            "forecasts": [{"f": f, "year_label": year_label(f.year)} for f in forecasts],
            "forecast_form": forms.get("forecast_form") or ForecastForm(),
            "upload_form": forms.get("upload_form") or ForecastUploadForm(),
            "problems": forms.get("problems") or [],
            "snapshot": snapshot,
            "signals": list(snapshot.counts.all()) if snapshot else [],
        }


class ForecastSetView(FormAction, DemandView):
    form_class = ForecastForm
    context_key = "forecast_form"

    def perform(self, data: dict[str, Any]) -> str:
        services.forecast_set(actor=self.actor, tenant=self.body, partnership_id=self.partnership.pk, **data)
        messages.success(self.request, "The forecast is saved.")
        return url("demand", self.body, partnership_id=self.partnership.pk)


class ForecastUploadView(FormAction, DemandView):
    form_class = ForecastUploadForm
    context_key = "upload_form"

    def perform(self, data: dict[str, Any]) -> str:
        upload = data["file"]
        try:
            saved = services.forecast_import(
                actor=self.actor,
                tenant=self.body,
                partnership_id=self.partnership.pk,
                data=upload.read(),
                filename=upload.name or "",
            )
        except ForecastFileRejected as exc:
            self._problems = exc.problems
            raise
        messages.success(self.request, f"{saved} forecasts saved from {upload.name}.")
        return url("demand", self.body, partnership_id=self.partnership.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        if getattr(self, "_problems", None):
            kwargs["problems"] = self._problems
        return super().get_context_data(**kwargs)


class SignalsRefreshView(ButtonAction, DemandView):
    def back_url(self) -> str:
        return url("demand", self.body, partnership_id=self.partnership.pk) + "#need-signals"

    def perform(self) -> str:
        snapshot = services.need_signals_refresh(actor=self.actor, tenant=self.body, partnership_id=self.partnership.pk)
        messages.success(self.request, f"Need signals refreshed from {snapshot.trusts_included} consenting trusts.")
        return self.back_url()
