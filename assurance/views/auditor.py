"""Auditors' pages under ``/b/<body_slug>/audit/``: their samples (draw one, see one) and a
sampled transaction's chain down to the case, read-only; every view is audited. The export
itself is a report run (``accounts/reports``, type ``auditor_export``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from assurance import selectors
from assurance.auditor.report import REPORT_KEY
from assurance.models import AuditSample
from assurance.services import audit_samples as services
from core.errors import ApplicationError
from core.forms import show_service_error
from pooling.selectors.audit_grants import audit_pool_ids, audit_pool_list
from reports.selectors import report_run_list

RECENT = 20


class SampleForm(forms.Form):
    period = forms.ChoiceField(
        label="Funding period",
        error_messages={"required": "Choose a funding period", "invalid_choice": "Choose a funding period"},
    )
    population = forms.ChoiceField(
        label="Draw from",
        choices=AuditSample.Population.choices,
        initial=AuditSample.Population.ALL,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to draw from", "invalid_choice": "Choose what to draw from"},
    )
    size = forms.IntegerField(
        label="How many transactions",
        help_text=f"From 1 to {services.MAX_SAMPLE_SIZE}.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={"required": "Enter how many transactions to draw", "invalid": "Enter a whole number"},
    )
    seed = forms.IntegerField(
        label="Seed (optional)",
        required=False,
        help_text="Leave blank for a new random seed. Enter a recorded seed to repeat an earlier draw.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-10"}),
        error_messages={"invalid": "Enter a whole number, or leave the seed blank"},
    )

    def __init__(self, *args: Any, periods: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        period = self.fields["period"]
        assert isinstance(period, forms.ChoiceField)
        period.choices = [(label, label) for label in periods]


def _granted(view: BodyMixin) -> set[int]:
    """The pools the auditor holds a live grant on (a body administrator chooses them)."""
    return audit_pool_ids(tenant=view.body, user=view.actor)


def _periods(view: BodyMixin) -> list[str]:
    return [pool.label for pool in audit_pool_list(tenant=view.body, user=view.actor)]


class SampleListView(BodyMixin, TemplateView):
    """The auditor's home: draw a sample, the samples drawn, the exports requested."""

    template_name = "assurance/auditor/samples.html"
    required_action = Action.EXPORT_AUDIT

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", SampleForm(periods=_periods(self)))
        context["samples"] = list(selectors.audit_sample_list(tenant=self.body, pool_ids=_granted(self))[:RECENT])
        context["exports"] = list(
            report_run_list(tenant=self.body, access=self.access, report_type=REPORT_KEY)[:RECENT]
        )
        context["export_url"] = reverse("reports:report-new", kwargs={"body_slug": self.body.slug})
        context["export_key"] = REPORT_KEY
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SampleForm(data=request.POST, periods=_periods(self))
        if form.is_valid():
            try:
                sample = services.audit_sample_draw(
                    actor=self.actor,
                    tenant=self.body,
                    period=form.cleaned_data["period"],
                    size=form.cleaned_data["size"],
                    population=form.cleaned_data["population"],
                    seed=form.cleaned_data["seed"],
                )
            except ApplicationError as exc:
                show_service_error(form, exc)
            else:
                messages.success(request, f"Sample drawn: {sample.size} transactions, seed {sample.seed}.")
                return HttpResponseRedirect(
                    reverse("auditor:sample", kwargs={"body_slug": self.body.slug, "auditsample_id": sample.pk})
                )
        return self.render_to_response(self.get_context_data(form=form))


class SampleDetailView(BodyMixin, TemplateView):
    template_name = "assurance/auditor/sample.html"
    required_action = Action.EXPORT_AUDIT

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        sample = selectors.audit_sample_get(
            tenant=self.body, auditsample_id=kwargs["auditsample_id"], pool_ids=_granted(self)
        )
        services.audit_sample_view_record(actor=self.actor, tenant=self.body, sample=sample, via="page")
        context["sample"] = sample
        context["transactions"] = selectors.audit_sample_transactions(tenant=self.body, sample=sample)
        context["reproduced"] = services.audit_sample_redraw(tenant=self.body, sample=sample) == sample.transaction_ids
        return context


class ChainView(BodyMixin, TemplateView):
    template_name = "assurance/auditor/chain.html"
    required_action = Action.EXPORT_AUDIT

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        sample = selectors.audit_sample_get(
            tenant=self.body, auditsample_id=kwargs["auditsample_id"], pool_ids=_granted(self)
        )
        chain = selectors.transaction_chain(tenant=self.body, sample=sample, transaction_id=kwargs["transaction_id"])
        services.audit_chain_view_record(
            actor=self.actor, tenant=self.body, sample=sample, transaction_id=chain.transaction.pk, via="page"
        )
        ids = sample.transaction_ids
        position = ids.index(chain.transaction.pk)
        context.update(
            sample=sample,
            chain=chain,
            position=position + 1,
            previous_id=ids[position - 1] if position > 0 else None,
            next_id=ids[position + 1] if position + 1 < len(ids) else None,
            debits_pence=sum(leg.amount_pence for leg in chain.legs if leg.amount_pence > 0),
        )
        return context
