"""A case's workflow through the API: submit, request and provide information, withdraw,
ask for reconsideration, decide (with the award's terms) and the officer's headroom view.
A decision the pool cannot fund is answered 409 ``insufficient_headroom``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from core.api import created, idempotent
from core.errors import ApplicationError
from exceptional_resource.apis.cases import CaseApi
from exceptional_resource.apis.serializers import (
    CaseDetailOutputSerializer,
    DecisionOutputSerializer,
    PenceField,
)
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Decision
from exceptional_resource.selectors import cases as selectors
from exceptional_resource.services import cases as case_services
from pooling.services.ledger import InsufficientHeadroom

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


def headroom_conflict(exc: InsufficientHeadroom) -> Response:
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

    @idempotent
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
            return headroom_conflict(exc)
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
