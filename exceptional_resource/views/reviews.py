"""Reviews of outcomes: what is due (now and soon), the school recording progress against
each intended outcome, and the officer deciding to renew, change or end the award."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from core.forms import show_service_error
from core.web import paginate_rows
from exceptional_resource.forms import ReviewDecideForm, ReviewRecordForm
from exceptional_resource.models import CaseStatus, Outcome
from exceptional_resource.selectors import cases as selectors
from exceptional_resource.selectors import queues
from exceptional_resource.selectors.auditor_scope import case_scope
from exceptional_resource.services.awards import review_record
from exceptional_resource.services.reviews import review_decide
from exceptional_resource.views.cells import CaseCells
from exceptional_resource.views.common import CaseMixin
from exceptional_resource.views.decisions import DECIDE_FIELDS, REFUSALS
from pooling.services.ledger import InsufficientHeadroom

S = CaseStatus
REVIEWS_PER_PAGE = 50


class ReviewsDueView(BodyMixin, TemplateView):
    """Reviews due now and coming up in the next six weeks: a school sees its own, an
    officer the body's."""

    template_name = "exceptional_resource/reviews.html"
    required_action = Action.VIEW_CASE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        school_ids = self.access.school_ids(Action.VIEW_CASE)
        scope = case_scope(access=self.access, tenant=self.body)
        now, coming = queues.reviews_now_and_soon(tenant=self.body, school_ids=school_ids, within_days=42)
        due = paginate_rows(
            self.request,
            scope.cases(now),
            per_page=REVIEWS_PER_PAGE,
            label="Pages of reviews due now",
            values=queues.REVIEW_VALUES,
        )
        soon = paginate_rows(
            self.request,
            scope.cases(coming),
            per_page=REVIEWS_PER_PAGE,
            param="soon_page",
            label="Pages of reviews coming up",
            values=queues.REVIEW_VALUES,
        )
        cells = CaseCells(body=self.body)
        next_step = "school_next" if school_ids is not None else "officer_next"

        def row(case: dict[str, Any]) -> dict[str, Any]:
            review_on = case["next_review_on"]
            return {
                "url": cells.case_url(case["id"]),
                "reference": case["reference"],
                "school": case["school__name"],
                "review_on": cells.long_day(review_on) if review_on else "",
                "next": cells.tag(case["status"])[next_step],
            }

        context.update(
            due=[row(c) for c in due.page.object_list],
            soon=[row(c) for c in soon.page.object_list],
            due_links=due,
            soon_links=soon,
            school_scoped=school_ids is not None,
            can_record=self.access.can(Action.RAISE_CASE),
            can_decide=self.access.can(Action.DECIDE_CASE),
        )
        return context


class _ReviewMixin(CaseMixin):
    request: HttpRequest

    def outcomes(self) -> list[Outcome]:
        if not hasattr(self, "_outcomes"):
            self._outcomes = selectors.case_outcomes(case=self.get_case())
        return self._outcomes

    def not_due(self) -> HttpResponse | None:
        if self.get_case().status != S.REVIEW_DUE:
            messages.info(self.request, "This case has no review due.")
            return HttpResponseRedirect(self.case_url())
        return None


class ReviewRecordView(_ReviewMixin, TemplateView):
    """The school records progress against each intended outcome."""

    template_name = "exceptional_resource/review_record.html"
    required_action = Action.RAISE_CASE
    case_action = Action.RAISE_CASE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if redirect := self.not_due():
            return redirect
        initial = {}
        for o in self.outcomes():
            initial[f"result_{o.pk}"] = o.result
            initial[f"note_{o.pk}"] = o.result_note
        return self.render_to_response(
            self.get_context_data(form=ReviewRecordForm(initial=initial, outcomes=self.outcomes()))
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if redirect := self.not_due():
            return redirect
        form = ReviewRecordForm(request.POST, outcomes=self.outcomes())
        if form.is_valid():
            try:
                review_record(actor=self.actor, tenant=self.body, case_id=self.get_case().pk, results=form.results())
            except ApplicationError as exc:
                show_service_error(form, exc)
            else:
                messages.success(
                    request, "Progress has been recorded. A decision officer will now decide what happens next."
                )
                return HttpResponseRedirect(self.case_url())
        return self.render_to_response(self.get_context_data(form=form))


class ReviewDecideView(_ReviewMixin, TemplateView):
    """The officer decides, with the school's results in front of them."""

    template_name = "exceptional_resource/review_decide.html"
    required_action = Action.DECIDE_CASE
    case_action = Action.DECIDE_CASE
    mfa_action = Action.DECIDE_CASE
    step_up = True

    def _form(self, data: Any = None) -> ReviewDecideForm:
        case = self.get_case()
        criteria = list(case.policy.decision_criteria) if case.policy else []
        self.pools = selectors.open_pools_headroom(tenant=self.body)
        pools = [(p.pk, p.label) for p, _ in self.pools]
        initial: dict[str, Any] = {}
        if data is None:
            award = selectors.case_active_award(case=case)
            initial = {
                "amount": f"{award.amount_pence / 100:.2f}" if award else "",
                "pool": str(self.pools[0][0].pk) if self.pools else "",
                "frequency": "monthly",
            }
        return ReviewDecideForm(data, initial=initial, criteria=criteria, pools=pools)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if redirect := self.not_due():
            return redirect
        return self.render_to_response(self.get_context_data(form=self._form()))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            outcomes=self.outcomes(),
            recorded=all(o.result for o in self.outcomes()),
            awards=selectors.case_award_rows(tenant=self.body, case=self.get_case()),
            pools=self.pools,
            refusal=kwargs.get("refusal", ""),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if redirect := self.not_due():
            return redirect
        form = self._form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            review_decide(
                actor=self.actor,
                tenant=self.body,
                case_id=self.get_case().pk,
                decision=data["decision"],
                reasons=data["reasons"],
                criteria_met=list(data["criteria_met"]),
                amount_pence=data["amount"] or 0,
                pool_id=int(data["pool"]) if data["pool"] else None,
                frequency=data["frequency"] or "",
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                conditions=data["conditions"],
                review_on=data["review_on"],
                end_on=data["end_on"],
            )
        except InsufficientHeadroom as exc:
            refusal = f"{exc.message} Nothing has changed. The shortfall is recorded for governance to resolve."
            return self.render_to_response(self.get_context_data(form=form, refusal=refusal))
        except ApplicationError as exc:
            if exc.code in REFUSALS:
                return self.render_to_response(self.get_context_data(form=form, refusal=REFUSALS[exc.code]))
            show_service_error(form, exc, {**DECIDE_FIELDS, "decision": "decision"})
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, f"Your decision on the review of case {self.get_case().reference} has been recorded.")
        return HttpResponseRedirect(self.case_url())
