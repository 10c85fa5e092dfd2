"""The specialist provision register: the list (seeded from GIAS), a setting with its
places by need and phase and its planned new places."""

from __future__ import annotations

from typing import Any

from django.contrib import messages

from partnerships import selectors
from partnerships.forms import PlacesForm, PlannedForm, SettingForm
from partnerships.models import ProvisionSetting
from partnerships.services import provision as services
from partnerships.views.base import ButtonAction, FormAction, Page, PartnershipPage, url


class ProvisionView(PartnershipPage):
    template_name = "partnerships/provision.html"

    def page_context(self, **forms: Any) -> dict[str, Any]:
        settings = list(selectors.setting_list(tenant=self.body, partnership=self.partnership))
        rows = []
        for s in settings:
            places = list(s.places.all())
            rows.append(
                {
                    "s": s,
                    "places": sum(p.places for p in places),
                    "on_roll": sum(p.on_roll for p in places),
                    "planned": sum(p.places for p in s.planned.all()),
                }
            )
        return {"rows": rows, "setting_form": forms.get("setting_form") or SettingForm()}


class SeedView(ButtonAction, ProvisionView):
    def back_url(self) -> str:
        return url("provision", self.body, partnership_id=self.partnership.pk)

    def perform(self) -> str:
        result = services.provision_seed_from_gias(
            actor=self.actor, tenant=self.body, partnership_id=self.partnership.pk
        )
        messages.success(
            self.request,
            f"From the school register: {result.created} settings added, {result.updated} updated.",
        )
        return self.back_url()


class SettingAddView(FormAction, ProvisionView):
    form_class = SettingForm
    context_key = "setting_form"

    def perform(self, data: dict[str, Any]) -> str:
        setting = services.setting_add(actor=self.actor, tenant=self.body, partnership_id=self.partnership.pk, **data)
        return url("setting", self.body, provisionsetting_id=setting.pk)


class SettingView(Page):
    template_name = "partnerships/setting.html"
    setting: ProvisionSetting

    def load(self) -> None:
        self.setting = selectors.setting_get(tenant=self.body, provisionsetting_id=self.kwargs["provisionsetting_id"])

    def page_context(self, **forms: Any) -> dict[str, Any]:
        s = self.setting
        places = list(s.places.all())
        return {
            "setting": s,
            "partnership": s.partnership,
            "places": places,
            "planned": list(s.planned.all()),
            "total_places": sum(p.places for p in places),
            "total_on_roll": sum(p.on_roll for p in places),
            "edit_form": forms.get("edit_form")
            or SettingForm(initial={"name": s.name, "kind": s.kind, "locality": s.locality}),
            "places_form": forms.get("places_form") or PlacesForm(),
            "planned_form": forms.get("planned_form") or PlannedForm(),
        }


class _SettingAction(FormAction, SettingView):
    def done(self, message: str) -> str:
        messages.success(self.request, message)
        return url("setting", self.body, provisionsetting_id=self.setting.pk)


class SettingEditView(_SettingAction):
    form_class = SettingForm
    context_key = "edit_form"

    def perform(self, data: dict[str, Any]) -> str:
        services.setting_update(actor=self.actor, tenant=self.body, provisionsetting_id=self.setting.pk, **data)
        return self.done("The setting is saved.")


class PlacesSetView(_SettingAction):
    form_class = PlacesForm
    context_key = "places_form"

    def perform(self, data: dict[str, Any]) -> str:
        services.places_set(actor=self.actor, tenant=self.body, provisionsetting_id=self.setting.pk, **data)
        return self.done(f"Places for {data['need']} ({data['phase'].replace('_', ' ')}) are saved.")


class PlannedAddView(_SettingAction):
    form_class = PlannedForm
    context_key = "planned_form"

    def perform(self, data: dict[str, Any]) -> str:
        services.planned_add(actor=self.actor, tenant=self.body, provisionsetting_id=self.setting.pk, **data)
        return self.done("The planned places are added.")


class PlannedRemoveView(ButtonAction, Page):
    def load(self) -> None:
        self.planned = selectors.planned_get(tenant=self.body, plannedplaces_id=self.kwargs["plannedplaces_id"])

    def back_url(self) -> str:
        return url("setting", self.body, provisionsetting_id=self.planned.setting_id)

    def perform(self) -> str:
        services.planned_remove(actor=self.actor, tenant=self.body, plannedplaces_id=self.planned.pk)
        messages.success(self.request, "The planned places are removed.")
        return self.back_url()
