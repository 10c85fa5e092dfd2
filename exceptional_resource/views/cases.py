"""My school's cases, awards and payments, case detail with its timeline and comments, the
pupil's identity (audited), and the school's own actions on a case: answering a question,
withdrawing, and asking for reconsideration."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.generic import TemplateView

from accounts.policy import Action
from accounts.web import BodyMixin
from core.errors import ApplicationError
from core.forms import show_service_error
from core.web import paginate_list, paginate_rows
from exceptional_resource.forms import AnswerForm, CommentForm, ReconsiderationForm, WithdrawForm
from exceptional_resource.models import Case, CaseStatus
from exceptional_resource.selectors import cases as selectors
from exceptional_resource.selectors import queues
from exceptional_resource.selectors.auditor_scope import case_scope
from exceptional_resource.selectors.case_page import case_page_get
from exceptional_resource.services import pupil_identity_view
from exceptional_resource.services.cases import (
    case_provide_information,
    case_request_reconsideration,
    case_withdraw,
)
from exceptional_resource.services.comments import case_comment_add
from exceptional_resource.templatetags.case_tags import pupil_label_html
from exceptional_resource.views.cells import CaseCells
from exceptional_resource.views.common import (
    CaseMixin,
    case_letters,
    letter_url,
    timeline,
)
from exceptional_resource.views.evidence import evidence_context
from pooling.selectors.payments import returned_lines

RETURNED_SHOWN = 10  # the newest payments the bank returned, shown above the awards
RETURNED_COLUMNS = (
    "amount_pence", "payment_run_id", "returned_on", "return_reason", "school_id", "payee_id",
    "school__name", "payee__name", "payment_run__id",
)  # fmt: skip

S = CaseStatus
CASES_PER_PAGE = 50
AWARDS_PER_PAGE = 25
RECONSIDERABLE = {S.APPROVED, S.PARTLY_APPROVED, S.DECLINED, S.ACTIVE}


class CaseListView(BodyMixin, TemplateView):
    """The cases the user may see: a head or SENDCO their own school's, an officer or
    auditor the body's. Each with its status, what happens next and the decision clock."""

    template_name = "exceptional_resource/case_list.html"
    required_action = Action.VIEW_CASE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        school_ids = self.access.school_ids(Action.VIEW_CASE)
        scope = case_scope(access=self.access, tenant=self.body)
        cases = scope.cases(queues.case_list_by_last_change(tenant=self.body, school_ids=school_ids))
        pages = paginate_rows(
            self.request, cases, per_page=CASES_PER_PAGE, label="Pages of cases", values=queues.CASE_LIST_VALUES
        )
        on_page = list(pages.page.object_list)
        names = queues.pupil_names(
            pupils=queues.row_pupils(on_page), school_ids=self.access.school_ids(Action.SEE_OWN_PUPIL_NAMES)
        )
        cells = CaseCells(body=self.body)
        next_step = "school_next" if school_ids is not None else "officer_next"
        rows = []
        for c in on_page:
            tag = cells.tag(c["status"])
            rows.append(
                {
                    "url": cells.case_url(c["id"]),
                    "reference": c["reference"],
                    "pupil": pupil_label_html(c["pupil__reference"], names.get(c["pupil_id"], "")),
                    "urgent": c["urgency"] == Case.Urgency.URGENT,
                    "school": c["school__name"],
                    "status": tag["html"],
                    "next": tag[next_step],
                    "clock": cells.clock(queues.row_clock(c, today=cells.today)),
                }
            )
        context.update(
            page=pages.page,
            pages=pages,
            rows=rows,
            school_scoped=school_ids is not None,
            show_school=school_ids is None or len(school_ids) > 1,
            can_raise=self.access.can(Action.RAISE_CASE),
            can_decide=self.access.can(Action.DECIDE_CASE),
        )
        return context


class AwardListView(BodyMixin, TemplateView):
    """What is committed to the school (or every school, for an officer) and when each
    instalment is due."""

    template_name = "exceptional_resource/awards.html"
    required_action = Action.VIEW_CASE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        school_ids = self.access.school_ids(Action.VIEW_CASE)
        scope = case_scope(access=self.access, tenant=self.body)
        links = paginate_list(
            self.request,
            selectors.award_list(tenant=self.body, school_ids=school_ids, scope=scope),
            per_page=AWARDS_PER_PAGE,
            label="Pages of awards",
        )
        if links.page.paginator.count:
            totals = selectors.award_totals(tenant=self.body, school_ids=school_ids, scope=scope)
            rows = selectors.award_rows_of(tenant=self.body, awards=list(links.page.object_list))
        else:  # nothing awarded: no page of awards to read, and nothing committed or paid
            totals, rows = selectors.AwardTotals(to_come_pence=0, paid_pence=0), []
        # An auditor follows returned payments through their samples, pool by pool: only a
        # school role's own schools (or a body-wide role) show them here. Of a line, what
        # the warning says: its amount, run, return and whom it paid.
        returned = returned_lines(tenant=self.body, school_ids=None if scope.schools is None else set(scope.schools))
        context.update(
            rows=rows,
            links=links,
            school_scoped=school_ids is not None,
            can_decide=self.access.can(Action.DECIDE_CASE),
            committed_pence=totals.to_come_pence,
            paid_pence=totals.paid_pence,
            returned=list(returned.only(*RETURNED_COLUMNS)[:RETURNED_SHOWN]),
        )
        return context


class CaseDetailView(CaseMixin, TemplateView):
    """Everything about one case in summary lists, its decisions, award and payments, the
    timeline and comments; the actions open to the user at this point."""

    template_name = "exceptional_resource/case_detail.html"

    def read_case(self) -> Case:
        return case_page_get(
            tenant=self.body, case_id=self.kwargs["case_id"], school_ids=self.access.school_ids(self.case_action)
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = self.get_case()
        scope = case_scope(access=self.access, tenant=self.body)
        parts = selectors.case_detail_parts(case=case)
        parts["decisions"] = scope.decision_items(case, parts["decisions"])  # an auditor's granted pools'
        parts["events"] = scope.event_items(case, parts["events"])
        is_school = self.access.can(Action.RAISE_CASE, case)
        is_officer = self.access.can(Action.DECIDE_CASE, case)
        outcomes = parts["outcomes"]
        review_recorded = bool(outcomes) and all(o.result for o in outcomes)
        context.update(parts)
        context.update(
            timeline=timeline(parts["events"]),
            evidence=evidence_context(
                access=self.access, body=self.body, case=case, next_url=self.request.get_full_path()
            ),
            awards=selectors.case_award_rows(tenant=self.body, case=case, scope=scope),
            comments=list(selectors.case_comments(tenant=self.body, case=case)),
            comment_form=kwargs.get("comment_form") or CommentForm(auto_id="comment_%s"),
            can_comment=is_school or is_officer,
            is_school=is_school,
            is_officer=is_officer,
            can_see_identity=self.access.can(Action.VIEW_PUPIL_IDENTITY, case),
            can_hold=self.access.can(Action.MANAGE_LEGAL_HOLD),
            letter_url=letter_url(self.body, case) if parts["decisions"] else None,
            case_letters=case_letters(body=self.body, case=case, decisions=parts["decisions"])
            if is_school or is_officer
            else [],
            actions={
                "edit": is_school and case.status == S.DRAFT,
                "withdraw": is_school and case.status in (S.DRAFT, S.SUBMITTED),
                "answer": is_school and case.status == S.INFORMATION_REQUESTED,
                "reconsider": is_school and case.status in RECONSIDERABLE,
                "decide": is_officer and case.status in (S.SUBMITTED, S.RECONSIDERATION_REQUESTED),
                "ask": is_officer and case.status == S.SUBMITTED,
                "record_review": is_school and case.status == S.REVIEW_DUE,
                "decide_review": is_officer and case.status == S.REVIEW_DUE and review_recorded,
                "change_award": is_officer,
            },
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Add a comment."""
        case = self.get_case()
        form = CommentForm(request.POST, auto_id="comment_%s")
        if form.is_valid():
            try:
                case_comment_add(actor=self.actor, tenant=self.body, case_id=case.pk, text=form.cleaned_data["text"])
            except ApplicationError as exc:
                show_service_error(form, exc)
            else:
                messages.success(request, "Your comment has been added.")
                return HttpResponseRedirect(self.case_url() + "#comments")
        return self.render_to_response(self.get_context_data(comment_form=form))


class PupilIdentityView(CaseMixin, TemplateView):
    """The pupil's name and UPN, for the school's head or SENDCO and the decision officers.
    Every view is recorded in the audit log."""

    template_name = "exceptional_resource/pupil_identity.html"
    required_action = Action.VIEW_PUPIL_IDENTITY
    case_action = Action.VIEW_PUPIL_IDENTITY

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case = self.get_case()
        context["identity"] = pupil_identity_view(actor=self.actor, tenant=self.body, pupil=case.pupil)
        return context


class _CaseFormView(CaseMixin, TemplateView):
    """A one-form action on a case by a role that may do it to this case now."""

    template_name = "exceptional_resource/case_action.html"
    form_class: type[Any]
    title = ""
    button = ""
    intro = ""
    done = ""
    allowed_statuses: frozenset[str] = frozenset()
    warning = False
    service_fields: dict[str, str] = {}  # the service's argument -> the form's field, for its errors

    def get_form(self, data: Any = None) -> Any:
        return self.form_class(data)

    def dispatch_allowed(self) -> bool:
        return self.get_case().status in self.allowed_statuses

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.dispatch_allowed():
            messages.info(
                request, f"This case is {self.get_case().get_status_display().lower()}: that is not open now."
            )
            return HttpResponseRedirect(self.case_url())
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, button=self.button, intro=self.intro, warning=self.warning)
        return context

    def act(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                self.act(form.cleaned_data)
            except ApplicationError as exc:
                show_service_error(form, exc, self.service_fields)
            else:
                messages.success(request, self.done)
                return HttpResponseRedirect(self.case_url())
        return self.render_to_response(self.get_context_data(form=form))


class ProvideInformationView(_CaseFormView):
    required_action = Action.RAISE_CASE
    case_action = Action.RAISE_CASE
    form_class = AnswerForm
    title = "Answer the officer's question"
    button = "Send answer"
    done = "Your answer has been sent. The decision clock is running again."
    allowed_statuses = frozenset({S.INFORMATION_REQUESTED})

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        parts = selectors.case_detail_parts(case=self.get_case())
        question = parts["latest_question"]
        context["quote"] = question.note if question else ""
        return context

    def act(self, data: dict[str, Any]) -> None:
        case_provide_information(actor=self.actor, tenant=self.body, case_id=self.get_case().pk, answer=data["answer"])


class WithdrawView(_CaseFormView):
    required_action = Action.RAISE_CASE
    case_action = Action.RAISE_CASE
    form_class = WithdrawForm
    title = "Withdraw the case"
    button = "Withdraw case"
    intro = "A withdrawn case is not decided. You can start a new case for the pupil at any time."
    done = "The case has been withdrawn."
    allowed_statuses = frozenset({S.DRAFT, S.SUBMITTED})
    warning = True

    def act(self, data: dict[str, Any]) -> None:
        case_withdraw(actor=self.actor, tenant=self.body, case_id=self.get_case().pk, reason=data["reason"])


class ReconsiderationView(_CaseFormView):
    required_action = Action.RAISE_CASE
    case_action = Action.RAISE_CASE
    form_class = ReconsiderationForm
    title = "Ask for the decision to be reconsidered"
    button = "Ask for reconsideration"
    intro = "A different decision officer from the one who decided looks at the case again."
    done = "You have asked for the decision to be reconsidered."
    allowed_statuses = frozenset(RECONSIDERABLE)

    def act(self, data: dict[str, Any]) -> None:
        case_request_reconsideration(
            actor=self.actor, tenant=self.body, case_id=self.get_case().pk, grounds=data["grounds"]
        )
