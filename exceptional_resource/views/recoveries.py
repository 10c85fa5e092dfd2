"""A finance officer records money recovered from a school against an award."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError, NotFound
from core.forms import show_service_error
from core.money import format_pence
from core.tenancy import tenant_context
from exceptional_resource.forms import RecoveryForm
from exceptional_resource.models import Award
from exceptional_resource.selectors import cases as selectors
from exceptional_resource.selectors.recoveries import awards_paid_from_pool
from exceptional_resource.services.recoveries import award_paid_pence, award_recover, award_recoverable_pence
from pooling.selectors.ledger import pool_get


class AwardRecoverView(BodyMixin, TemplateView):
    template_name = "exceptional_resource/award_recover.html"
    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY
    step_up = True  # recording money back is a money action: a fresh code (accounts.stepup)

    def get_award(self) -> Award:
        return selectors.award_get(tenant=self.body, award_id=self.kwargs["award_id"], school_ids=None)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        award = self.get_award()
        context.update(
            award=award,
            paid_pence=award_paid_pence(award),
            recoverable_pence=award_recoverable_pence(award),
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=RecoveryForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = RecoveryForm(request.POST)
        if form.is_valid():
            try:
                done = award_recover(
                    actor=self.actor,
                    tenant=self.body,
                    award_id=self.get_award().pk,
                    amount_pence=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    received_on=form.cleaned_data["received_on"],
                )
            except ApplicationError as exc:
                show_service_error(form, exc, {"amount_pence": "amount"})
            else:
                note = f"{format_pence(done.amount_pence)} recovered into pool {done.posted_to.label}."
                if done.carried_forward:
                    note += f" Pool {done.award.pool.label} is closed, so it is carried forward into it."
                messages.success(request, note)
                return HttpResponseRedirect(
                    reverse("cases:award-recover", kwargs={"body_slug": self.body.slug, "award_id": done.award.pk})
                )
        return self.render_to_response(self.get_context_data(form=form))


class RecoveryCandidatesView(BodyMixin, TemplateView):
    """Recovering money from schools, for one period: first, for the year-end close, the
    awards that paid money while an outcome of the case is not achieved, to consider
    recovering; then every other award that paid money from the period, so a finance
    officer (who does not see cases) can record what any school returns."""

    template_name = "exceptional_resource/recovery_candidates.html"
    required_action = Action.MOVE_MONEY
    mfa_action = Action.MOVE_MONEY

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            with tenant_context(self.body):
                pool = pool_get(tenant=self.body, pool_id=self.kwargs["pool_id"])
        except NotFound:
            raise Http404("No such pool.") from None
        rows = awards_paid_from_pool(tenant=self.body, pool=pool)
        context.update(
            pool=pool,
            rows=[r for r in rows if r.outcomes_not_met],
            others=[r for r in rows if not r.outcomes_not_met],
        )
        return context
