"""The decision officer's pages: the queue of cases awaiting a decision with their clocks
and the pool's headroom, the decision page (headroom now and after this decision, the
published criteria), asking the school for information, and varying or ending an award."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.models import Role
from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError, NotFound
from core.forms import show_service_error
from core.money import format_pence, parse_pounds
from core.web import paginate_rows
from exceptional_resource.forms import AwardEndForm, AwardVaryForm, DecisionForm, QuestionForm
from exceptional_resource.models import Award, Case, CaseStatus, Decision
from exceptional_resource.selectors import cases as selectors
from exceptional_resource.selectors import queues
from exceptional_resource.services.awards import award_end_early, award_vary
from exceptional_resource.services.cases import case_decide, case_request_information
from exceptional_resource.views.cases import _CaseFormView
from exceptional_resource.views.cells import CaseCells
from exceptional_resource.views.common import CaseMixin
from pooling.services.ledger import InsufficientHeadroom

S = CaseStatus
QUEUE_PER_PAGE = 50
DECIDE_FIELDS = {"amount_pence": "amount", "pool_id": "pool", "outcome": "outcome", "end_on": "end_on"}
REFUSALS = {
    "over_delegated_limit": "This is above your delegated limit, so it must be escalated: an officer with a "
    "higher limit decides it. Leave it in the queue for them, or decide a lower amount.",
    "recused": "You work at this school, so you cannot decide this case: another decision officer must decide it.",
    "same_officer_reconsideration": "You made the decision being reconsidered, so a different officer must "
    "decide the reconsideration.",
    "reserve_not_allowed": "Only officers with a higher delegated limit may draw on the reserve for urgent cases.",
}


class DecisionQueueView(BodyMixin, TemplateView):
    """Cases awaiting a decision, the longest-waiting first: each with its decision clock
    (working days taken of the target, or paused) and what is asked for; the open pools'
    headroom above."""

    template_name = "exceptional_resource/queue.html"
    required_action = Action.DECIDE_CASE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cases = queues.decision_queue(tenant=self.body)
        pages = paginate_rows(
            self.request,
            cases,
            per_page=QUEUE_PER_PAGE,
            label="Pages of cases awaiting a decision",
            values=queues.QUEUE_VALUES,
        )
        cells = CaseCells(body=self.body)
        rows = [
            {
                "url": cells.case_url(c["id"]),
                "reference": c["reference"],
                "urgent": c["urgency"] == Case.Urgency.URGENT,
                "school": c["school__name"],
                "status": cells.tag(c["status"])["html"],
                "clock": cells.clock(queues.row_clock(c, today=cells.today)),
                "requested": format_pence(int(c["requested_pence"] or 0)),
            }
            for c in pages.page.object_list
        ]
        context.update(
            page=pages.page,
            pages=pages,
            rows=rows,
            pools=selectors.open_pools_headroom(tenant=self.body),
            limit_pence=self.access.decision_limit_pence(),
        )
        return context


class DecideView(CaseMixin, TemplateView):
    """Decide a case against the published criteria, seeing what the pool can fund now and
    after this decision. Refusals (limit, recusal, headroom) are shown at the top."""

    template_name = "exceptional_resource/decide.html"
    required_action = Action.DECIDE_CASE
    case_action = Action.DECIDE_CASE
    mfa_action = Action.DECIDE_CASE

    def needs_step_up(self, request: HttpRequest) -> bool:
        return request.method == "POST" and request.POST.get("action") != "preview"

    def _form(self, data: Any = None) -> DecisionForm:
        case = self.get_case()
        criteria = list(case.policy.decision_criteria) if case.policy else []
        self.pools = selectors.open_pools_headroom(tenant=self.body)
        pools = [(p.pk, f"{p.label} ({format_pence(h.available_on_expected_pence)} available)") for p, h in self.pools]
        initial: dict[str, Any] = {}
        if data is None:
            lines = list(case.resource_lines.all())
            requested = sum(line.total_pence for line in lines)
            initial = {
                "amount": f"{requested / 100:.2f}" if requested else "",
                "pool": str(self.pools[0][0].pk) if self.pools else "",
                "frequency": Decision.Frequency.MONTHLY,
                "starts_on": min((line.starts_on for line in lines), default=None),
                "ends_on": max((line.ends_on for line in lines), default=None),
                "review_on": min((o.review_on for o in case.outcomes.all()), default=None),
            }
        return DecisionForm(data, initial=initial, criteria=criteria, pools=pools)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.get_case().status not in (S.SUBMITTED, S.RECONSIDERATION_REQUESTED):
            messages.info(request, "This case is not awaiting a decision.")
            return HttpResponseRedirect(self.case_url())
        return self.render_to_response(self.get_context_data(form=self._form()))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = self.get_case()
        form: DecisionForm = kwargs["form"]
        parts = selectors.case_detail_parts(case=case)
        context.update(parts)
        amount = self._typed_amount(form)
        chosen = str(form["pool"].value() or "")
        preview = selectors.case_headroom_preview(
            tenant=self.body,
            case=case,
            officer_limit_pence=self.access.decision_limit_pence(),
            pool_id=int(chosen) if chosen.isdigit() else None,
            amount_pence=amount,
            pools=self.pools,
        )
        if chosen and not chosen.isdigit():
            preview = None
        context.update(
            pool=preview.pool if preview else None,
            headroom=preview.headroom if preview else None,
            amount_pence=amount,
            after_pence=preview.available_after_pence if preview else None,
            limit_pence=self.access.decision_limit_pence(),
            recused=any(
                m.role in (Role.HEAD, Role.SENDCO) and m.school_id == case.school_id for m in self.access.memberships
            ),
            previous=parts["decisions"][-1] if parts["decisions"] else None,
            refusal=kwargs.get("refusal", ""),
            running_award=selectors.running_award_of(case=case),
        )
        return context

    @staticmethod
    def _typed_amount(form: DecisionForm) -> int:
        if form.is_bound and form.is_valid():
            return int(form.cleaned_data.get("amount") or 0)
        if form.is_bound:
            cleaned = getattr(form, "cleaned_data", {})
            return int(cleaned.get("amount") or 0)
        try:
            return parse_pounds(str(form.initial.get("amount") or "0"))
        except ValueError:
            return 0

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        case = self.get_case()
        form = self._form(request.POST)
        if request.POST.get("action") == "preview" or not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            result = case_decide(
                actor=self.actor,
                tenant=self.body,
                case_id=case.pk,
                outcome=data["outcome"],
                criteria_met=list(data["criteria_met"]),
                reasons=data["reasons"],
                amount_pence=data["amount"] or 0,
                pool_id=int(data["pool"]) if data["pool"] else None,
                frequency=data["frequency"] or "",
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                conditions=data["conditions"],
                review_on=data["review_on"],
                use_reserve=bool(data["use_reserve"]),
                end_on=data["end_on"],
            )
        except InsufficientHeadroom as exc:
            refusal = (
                f"{exc.message} The decision has not been made. The shortfall is recorded on the case for the "
                "finance officers and trustees to resolve at governance level."
            )
            return self.render_to_response(self.get_context_data(form=form, refusal=refusal))
        except ApplicationError as exc:
            if exc.code in REFUSALS:
                return self.render_to_response(self.get_context_data(form=form, refusal=REFUSALS[exc.code]))
            show_service_error(form, exc, DECIDE_FIELDS)
            return self.render_to_response(self.get_context_data(form=form))
        outcome = result.decision.get_outcome_display().lower()
        if result.award is not None:
            messages.success(
                request, f"Case {case.reference} {outcome}: {format_pence(result.award.amount_pence)} committed."
            )
        else:
            messages.success(request, f"Case {case.reference} {outcome}.")
        return HttpResponseRedirect(self.case_url())


class RequestInformationView(_CaseFormView):
    required_action = Action.DECIDE_CASE
    case_action = Action.DECIDE_CASE
    mfa_action = Action.DECIDE_CASE
    form_class = QuestionForm
    title = "Ask the school for information"
    button = "Send question"
    intro = "The decision clock pauses until the school answers."
    done = "Your question has been sent to the school. The decision clock is paused."
    allowed_statuses = frozenset({S.SUBMITTED})

    def act(self, data: dict[str, Any]) -> None:
        case_request_information(
            actor=self.actor, tenant=self.body, case_id=self.get_case().pk, question=data["question"]
        )


class _AwardFormView(_CaseFormView):
    """An officer's change to an active award (its case is the page's case)."""

    required_action = Action.DECIDE_CASE
    case_action = Action.DECIDE_CASE
    mfa_action = Action.DECIDE_CASE
    step_up = True

    def get_award(self) -> Award:
        if not hasattr(self, "_award"):
            award = selectors.award_get(tenant=self.body, award_id=self.kwargs["award_id"], school_ids=None)
            if not self.access.can(Action.DECIDE_CASE, award):
                raise NotFound("No such award.")
            self._award = award
        return self._award

    def get_case(self) -> Case:
        if not hasattr(self, "_case"):
            self._case = selectors.case_get(tenant=self.body, case_id=self.get_award().case_id, school_ids=None)
        return self._case

    def dispatch_allowed(self) -> bool:
        return self.get_award().status == Award.Status.ACTIVE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["award"] = self.get_award()
        return context


class AwardVaryView(_AwardFormView):
    form_class = AwardVaryForm
    title = "Change the award"
    button = "Change award"
    intro = (
        "What is already paid stays paid; the rest of the new total is spread over the instalments still to "
        "come. An increase is checked against the pool's headroom and your delegated limit."
    )
    done = "The award has been changed."
    # The award service's argument and the schedule's (its "already paid" refusal) are both
    # the new total typed in ``new_amount``.
    service_fields = {"new_amount_pence": "new_amount", "new_total_pence": "new_amount"}

    def get_form(self, data: Any = None) -> Any:
        if data is None:
            return AwardVaryForm(initial={"new_amount": f"{self.get_award().amount_pence / 100:.2f}"})
        return AwardVaryForm(data)

    def act(self, data: dict[str, Any]) -> None:
        award_vary(
            actor=self.actor,
            tenant=self.body,
            award_id=self.get_award().pk,
            new_amount_pence=data["new_amount"],
            reason=data["reason"],
        )


class AwardEndView(_AwardFormView):
    form_class = AwardEndForm
    title = "End the award early"
    button = "End award"
    intro = "For example when the pupil leaves the school or the school leaves the grouping."
    done = "The award has ended. Instalments due after its last day will not be paid."
    warning = True

    def get_form(self, data: Any = None) -> Any:
        return AwardEndForm(data, initial={"end_on": timezone.localdate()} if data is None else None)

    def act(self, data: dict[str, Any]) -> None:
        award_end_early(
            actor=self.actor,
            tenant=self.body,
            award_id=self.get_award().pk,
            end_on=data["end_on"],
            reason=data["reason"],
        )
