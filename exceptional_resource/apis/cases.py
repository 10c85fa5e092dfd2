"""Cases: the list (by status and school), drafting (the case, its costed provision map,
the resource asked for, the intended outcomes), every transition of the workflow, and the
pool's headroom as the deciding officer sees it.

Who may do what is the policy layer's answer: a head or SENDCO drafts, submits, answers,
withdraws and asks for reconsideration for their own school's cases; a decision officer
(with MFA) requests information and decides; an auditor reads. A case of another body or,
for a head or SENDCO, of another school is a 404; an action the role does not allow is a
403; a business rule is a 400/409 with its ``code`` (and ``field``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import TenantAPIView
from accounts.policy import Action
from core.api import created
from core.errors import ApplicationError
from exceptional_resource import selectors
from exceptional_resource.apis.pupils import case_school_scope
from exceptional_resource.apis.serializers import (
    CaseDetailOutputSerializer,
    CaseSummaryOutputSerializer,
    CountField,
    DecisionOutputSerializer,
    PenceField,
)
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Case, CaseStatus, Decision, ResourceLine
from exceptional_resource.services import cases as case_services
from exceptional_resource.services import drafts
from exceptional_resource.services.access_log import case_view_record
from exceptional_resource.services.comments import case_comment_add
from pooling.services.ledger import InsufficientHeadroom


class CaseApi(TenantAPIView):
    """Base for one case's operations: finds the case within the user's school scope."""

    required_action = Action.VIEW_CASE

    def get_case(self, case_id: int) -> Case:
        return selectors.case_get(tenant=self.tenant, case_id=case_id, school_ids=case_school_scope(self))

    def find_case(self, case_id: int) -> Case:
        """The case alone (no rows prefetched), for operations that need only its scope."""
        case = selectors.case_list(tenant=self.tenant, school_ids=case_school_scope(self)).filter(pk=case_id).first()
        if case is None:
            raise NotFound()
        return case

    def detail(self, case_id: int) -> dict[str, Any]:
        data: dict[str, Any] = CaseDetailOutputSerializer(self.get_case(case_id)).data
        return data


class CaseListApi(CaseApi):
    """Cases newest first, each with its decision clock. A head or SENDCO sees their own
    school's; decision officers and auditors see the body's."""

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
        school_id = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(parameters=[FilterSerializer], responses=CaseSummaryOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        qs = selectors.case_list(
            tenant=self.tenant,
            school_ids=case_school_scope(self),
            status=f.validated_data.get("status", ""),
            school_id=f.validated_data.get("school_id"),
        )
        return self.paginated(qs, CaseSummaryOutputSerializer)


class DraftFieldsSerializer(serializers.Serializer):
    need_description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    own_imf_pence = PenceField(required=False, help_text="What the school funds from its own IMF, in pence.")
    notional_sen_pence = PenceField(required=False, help_text="…and from its notional SEN budget, in pence.")
    parents_involved = serializers.BooleanField(required=False, allow_null=True)
    parents_summary = serializers.CharField(required=False, allow_blank=True, max_length=500)
    pupil_involved = serializers.BooleanField(required=False, allow_null=True)
    pupil_summary = serializers.CharField(required=False, allow_blank=True, max_length=500)
    urgency = serializers.ChoiceField(choices=Case.Urgency.choices, required=False)


class CaseCreateApi(CaseApi):
    """Start a draft for a pupil of your school; anything else may be given now or later."""

    class InputSerializer(DraftFieldsSerializer):
        pupil_id = serializers.IntegerField(min_value=1)

    @extend_schema(request=InputSerializer, responses={201: CaseDetailOutputSerializer})
    def post(self, request: Request, body_slug: str) -> Response:
        self.require(Action.RAISE_CASE)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        fields = dict(s.validated_data)
        case = drafts.case_create_draft(actor=self.actor, tenant=self.tenant, pupil_id=fields.pop("pupil_id"), **fields)
        return created(self.detail(case.pk))


class CaseDetailApi(CaseApi):
    """One case with its provision map, request, outcomes, timeline, decisions, awards and
    clock. Every read is audited."""

    @extend_schema(responses=CaseDetailOutputSerializer)
    def get(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        case_view_record(actor=self.actor, tenant=self.tenant, case=case, via="api")
        return Response(CaseDetailOutputSerializer(case).data)


class CaseUpdateApi(CaseApi):
    """Change a draft's own fields; only those sent change."""

    class InputSerializer(DraftFieldsSerializer):
        pass

    @extend_schema(request=InputSerializer, responses=CaseDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.RAISE_CASE, case)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        drafts.case_update_draft(actor=self.actor, tenant=self.tenant, case_id=case.pk, **s.validated_data)
        return Response(self.detail(case.pk))


class ProvisionRowAddApi(CaseApi):
    """Add a row of the provision already in place; its cost is computed."""

    class InputSerializer(serializers.Serializer):
        provision = serializers.CharField(max_length=200)
        staff_role = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        group_size = CountField(min_value=1, max_value=60)
        sessions_per_week = CountField(min_value=1, max_value=50)
        minutes_per_session = CountField(min_value=1, max_value=600)
        weeks = CountField(min_value=1, max_value=52)
        hourly_cost_pence = PenceField()

    @extend_schema(request=InputSerializer, responses={201: CaseDetailOutputSerializer})
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.RAISE_CASE, case)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        drafts.provision_row_add(actor=self.actor, tenant=self.tenant, case_id=case.pk, **s.validated_data)
        return created(self.detail(case.pk))


class ProvisionRowRemoveApi(CaseApi):
    @extend_schema(request=None, responses=CaseDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, case_id: int, provisionrow_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.RAISE_CASE, case)
        drafts.provision_row_remove(actor=self.actor, tenant=self.tenant, case_id=case.pk, row_id=provisionrow_id)
        return Response(self.detail(case.pk))


class ResourceLineAddApi(CaseApi):
    """Add a line to what is asked for: quantity × unit cost, with start and end dates."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ResourceLine.Kind.choices)
        description = serializers.CharField(max_length=200)
        quantity = CountField(min_value=1, max_value=100_000)
        unit_cost_pence = PenceField()
        starts_on = serializers.DateField()
        ends_on = serializers.DateField()

        def validate(self, data: dict[str, Any]) -> dict[str, Any]:
            if data["ends_on"] < data["starts_on"]:
                raise serializers.ValidationError({"ends_on": "The end date must be on or after the start date."})
            return data

    @extend_schema(request=InputSerializer, responses={201: CaseDetailOutputSerializer})
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.RAISE_CASE, case)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        drafts.resource_line_add(actor=self.actor, tenant=self.tenant, case_id=case.pk, **s.validated_data)
        return created(self.detail(case.pk))


class ResourceLineRemoveApi(CaseApi):
    @extend_schema(request=None, responses=CaseDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, case_id: int, resourceline_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.RAISE_CASE, case)
        drafts.resource_line_remove(actor=self.actor, tenant=self.tenant, case_id=case.pk, line_id=resourceline_id)
        return Response(self.detail(case.pk))


class OutcomeAddApi(CaseApi):
    """Add an intended, measurable outcome with its review date (one to four a case)."""

    class InputSerializer(serializers.Serializer):
        description = serializers.CharField(max_length=300)
        measure = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
        review_on = serializers.DateField()

    @extend_schema(request=InputSerializer, responses={201: CaseDetailOutputSerializer})
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.RAISE_CASE, case)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        drafts.outcome_add(actor=self.actor, tenant=self.tenant, case_id=case.pk, **s.validated_data)
        return created(self.detail(case.pk))


class OutcomeRemoveApi(CaseApi):
    @extend_schema(request=None, responses=CaseDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, case_id: int, outcome_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.RAISE_CASE, case)
        drafts.outcome_remove(actor=self.actor, tenant=self.tenant, case_id=case.pk, outcome_id=outcome_id)
        return Response(self.detail(case.pk))


# --- Transitions -----------------------------------------------------------------------------


class CaseSubmitApi(CaseApi):
    """Send a complete draft for decision; the decision clock starts. An incomplete draft
    is a 400 ``incomplete_case`` naming the first missing field, with all of them in
    ``detail.missing``."""

    @extend_schema(request=None, responses=CaseDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.RAISE_CASE, case)
        case_services.case_submit(actor=self.actor, tenant=self.tenant, case_id=case.pk)
        return Response(self.detail(case.pk))


class CaseRequestInformationApi(CaseApi):
    """A decision officer asks the school for something; the clock pauses."""

    class InputSerializer(serializers.Serializer):
        question = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses=CaseDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.DECIDE_CASE, case)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        case_services.case_request_information(
            actor=self.actor, tenant=self.tenant, case_id=case.pk, question=s.validated_data["question"]
        )
        return Response(self.detail(case.pk))


class CaseProvideInformationApi(CaseApi):
    """The school answers; the case is back with the officer and the clock runs again."""

    class InputSerializer(serializers.Serializer):
        answer = serializers.CharField(max_length=5000)

    @extend_schema(request=InputSerializer, responses=CaseDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.RAISE_CASE, case)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        case_services.case_provide_information(
            actor=self.actor, tenant=self.tenant, case_id=case.pk, answer=s.validated_data["answer"]
        )
        return Response(self.detail(case.pk))


class CaseWithdrawApi(CaseApi):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=CaseDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.RAISE_CASE, case)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        case_services.case_withdraw(
            actor=self.actor, tenant=self.tenant, case_id=case.pk, reason=s.validated_data["reason"]
        )
        return Response(self.detail(case.pk))


class CaseRequestReconsiderationApi(CaseApi):
    """The school asks for a decision to be looked at again; a different officer decides
    it through the same decide operation."""

    class InputSerializer(serializers.Serializer):
        grounds = serializers.CharField(max_length=5000)

    @extend_schema(request=InputSerializer, responses=CaseDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.RAISE_CASE, case)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        case_services.case_request_reconsideration(
            actor=self.actor, tenant=self.tenant, case_id=case.pk, grounds=s.validated_data["grounds"]
        )
        return Response(self.detail(case.pk))


class AwardTermsSerializer(serializers.Serializer):
    """The terms of an award, parsed only: the service (``award_terms_check``) decides
    which are required and whether they hold together."""

    amount_pence = PenceField(required=False, default=0)
    pool_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    frequency = serializers.ChoiceField(
        choices=Decision.Frequency.choices, required=False, allow_blank=True, default=""
    )
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    review_on = serializers.DateField(required=False, allow_null=True, default=None)
    conditions = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


def _headroom_conflict(exc: InsufficientHeadroom) -> Response:
    """The 409 for a decision the pool cannot fund, returned rather than raised: the
    service has already recorded the shortfall for governance, and raising would roll that
    record back with the request's transaction."""
    return Response({"code": exc.code, "message": exc.message, "detail": exc.extra}, status=409)


class CaseDecideApi(CaseApi):
    """Approve, partly approve or decline a submitted case, or decide a reconsideration
    (which must be a different officer). On a case whose award is running the decision
    supersedes it: approving varies the award to ``amount_pence`` (its pool, payments and
    dates stay), declining ends it on ``end_on``. Approving commits the money at once and plans the
    instalments; above the officer's limit it is 409 ``over_delegated_limit``; if the pool
    cannot fund it, 409 ``insufficient_headroom`` with the shortfall in ``detail`` and the
    shortfall is recorded on the case for the finance officers and trustees."""

    step_up_methods = frozenset({"POST"})  # a fresh authenticator code (accounts.stepup)

    class InputSerializer(AwardTermsSerializer):
        outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
        criteria_met = serializers.ListField(
            child=serializers.CharField(max_length=300), required=False, default=list, max_length=20
        )
        reasons = serializers.CharField(max_length=5000)
        use_reserve = serializers.BooleanField(required=False, default=False)
        end_on = serializers.DateField(
            required=False,
            allow_null=True,
            default=None,
            help_text="Declining a case whose award is running: the award's last day (unpaid instalments after it "
            "are released). Required then; 400 ``end_on_required`` without it.",
        )

    class OutputSerializer(serializers.Serializer):
        decision = DecisionOutputSerializer()
        award_id = serializers.IntegerField(allow_null=True)
        case = CaseDetailOutputSerializer()

    @extend_schema(
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            409: inline_serializer(
                "CaseDecideConflict",
                {
                    "code": serializers.CharField(),
                    "message": serializers.CharField(),
                    "detail": serializers.DictField(),
                },
            ),
        },
    )
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.DECIDE_CASE, case)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        try:
            result = case_services.case_decide(
                actor=self.actor, tenant=self.tenant, case_id=case.pk, **s.validated_data
            )
        except InsufficientHeadroom as exc:
            return _headroom_conflict(exc)
        decided = self.get_case(case.pk)
        decision = next(d for d in decided.decisions.all() if d.pk == result.decision.pk)
        payload = {"decision": decision, "award_id": result.award.pk if result.award else None, "case": decided}
        return created(self.OutputSerializer(payload).data)


class CaseHeadroomApi(CaseApi):
    """The pool's headroom as the deciding officer sees it: what is available now and what
    would be left after awarding ``amount_pence`` (the total requested when not given).
    ``pool_id`` defaults to the open pool of the current funding period."""

    class FilterSerializer(serializers.Serializer):
        pool_id = serializers.IntegerField(required=False, min_value=1)
        amount_pence = PenceField(required=False)

    class OutputSerializer(serializers.Serializer):
        pool_id = serializers.IntegerField()
        pool_label = serializers.CharField()
        available_pence = serializers.IntegerField(help_text="What the pool can still commit, reserve excluded.")
        reserve_pence = serializers.IntegerField(help_text="The urgent-case reserve.")
        committed_outstanding_pence = serializers.IntegerField()
        amount_pence = serializers.IntegerField()
        available_after_pence = serializers.IntegerField()
        can_fund = serializers.BooleanField()
        shortfall_pence = serializers.IntegerField()
        requested_total_pence = serializers.IntegerField()
        officer_limit_pence = serializers.IntegerField()
        within_limit = serializers.BooleanField()

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    def get(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.DECIDE_CASE, case)
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        preview = selectors.case_headroom_preview(
            tenant=self.tenant,
            case=case,
            officer_limit_pence=self.access.decision_limit_pence(),
            pool_id=f.validated_data.get("pool_id"),
            amount_pence=f.validated_data.get("amount_pence"),
        )
        if preview is None:
            raise ApplicationError("Choose an open funding period.", code=CaseError.INVALID_POOL, field="pool_id")
        return Response(
            self.OutputSerializer(
                {
                    "pool_id": preview.pool.pk,
                    "pool_label": preview.pool.label,
                    "available_pence": preview.available_pence,
                    "reserve_pence": preview.headroom.reserve_pence,
                    "committed_outstanding_pence": preview.headroom.committed_outstanding_pence,
                    "amount_pence": preview.amount_pence,
                    "available_after_pence": preview.available_after_pence,
                    "can_fund": preview.can_fund,
                    "shortfall_pence": preview.shortfall_pence,
                    "requested_total_pence": preview.requested_total_pence,
                    "officer_limit_pence": preview.officer_limit_pence,
                    "within_limit": preview.within_limit,
                }
            ).data
        )


# --- Comments --------------------------------------------------------------------------------


class CaseCommentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author_label = serializers.CharField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class CaseCommentListApi(CaseApi):
    """A case's comments between the school and the body's officers, oldest first."""

    @extend_schema(responses=CaseCommentOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.find_case(case_id)
        return self.paginated(selectors.case_comments(tenant=self.tenant, case=case), CaseCommentOutputSerializer)


class CaseCommentAddApi(CaseApi):
    """Comment on a case: the school's head or SENDCO, or a decision officer."""

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses={201: CaseCommentOutputSerializer})
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        if not (self.access.can(Action.RAISE_CASE, case) or self.access.can(Action.DECIDE_CASE, case)):
            self.require(Action.RAISE_CASE, case)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        comment = case_comment_add(actor=self.actor, tenant=self.tenant, case_id=case.pk, text=s.validated_data["text"])
        return created(CaseCommentOutputSerializer(comment).data)
