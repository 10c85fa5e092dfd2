"""Awards and reviews: the awards the user may see with their instalments, varying one,
ending one early; recording a review's results (the school), deciding what follows it (the
officer: renew, change or end), and the cases whose review is due or coming up."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created, idempotent
from core.errors import ConflictError
from exceptional_resource.apis.cases import CaseApi
from exceptional_resource.apis.pupils import case_reach, case_school_scope
from exceptional_resource.apis.serializers import (
    AwardDetailOutputSerializer,
    AwardOutputSerializer,
    CaseDetailOutputSerializer,
    CaseSummaryOutputSerializer,
    PenceField,
    award_detail,
)
from exceptional_resource.apis.workflow import AwardTermsSerializer, headroom_conflict
from exceptional_resource.error_codes import CaseError
from exceptional_resource.models import Award, Outcome
from exceptional_resource.selectors import cases as selectors
from exceptional_resource.selectors.recoveries import awards_paid_from_pool
from exceptional_resource.services.awards import award_end_early, award_vary, review_record
from exceptional_resource.services.recoveries import award_recover
from exceptional_resource.services.reviews import REVIEW_DECISIONS, review_decide
from pooling.selectors.ledger import pool_get
from pooling.services.ledger import InsufficientHeadroom


class AwardApi(TenantAPIView):
    required_action = Action.VIEW_CASE

    def get_award(self, award_id: int) -> Award:
        return selectors.award_get(
            tenant=self.tenant,
            award_id=award_id,
            school_ids=case_school_scope(self),
            scope=case_reach(self),
        )

    def detail(self, award_id: int) -> dict[str, Any]:
        award = self.get_award(award_id)
        instalments = selectors.award_instalments(tenant=self.tenant, award_ids=[award.pk])[award.pk]
        return award_detail(award, instalments)


class AwardListApi(AwardApi):
    """Awards newest first: what is committed to each school. A head or SENDCO sees their
    own school's."""

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Award.Status.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses=AwardOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        qs = selectors.award_list(
            tenant=self.tenant,
            school_ids=case_school_scope(self),
            status=f.validated_data.get("status", ""),
            scope=case_reach(self),
        )
        return self.paginated(qs, AwardOutputSerializer)


class AwardDetailApi(AwardApi):
    """One award with its instalments: paid, still to pay and released."""

    @extend_schema(responses=AwardDetailOutputSerializer)
    def get(self, request: Request, body_slug: str, award_id: int) -> Response:
        return Response(self.detail(award_id))


class AwardVaryApi(AwardApi):
    """Change an award's total (a decision officer, within their limit): the commitment
    moves by the difference and unpaid instalments are re-split."""

    step_up_methods = frozenset({"POST"})  # a fresh authenticator code (accounts.stepup)

    class InputSerializer(serializers.Serializer):
        new_amount_pence = PenceField(min_value=1)
        reason = serializers.CharField(max_length=2000)

    @idempotent
    @extend_schema(request=InputSerializer, responses=AwardDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, award_id: int) -> Response:
        award = self.get_award(award_id)
        self.require(Action.DECIDE_CASE, award)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        try:
            award_vary(actor=self.actor, tenant=self.tenant, award_id=award.pk, **s.validated_data)
        except InsufficientHeadroom as exc:
            return headroom_conflict(exc)
        return Response(self.detail(award.pk))


class AwardEndApi(AwardApi):
    """End an award early (the pupil left, say): unpaid instalments due after ``end_on``
    are released back to the pool, exactly."""

    step_up_methods = frozenset({"POST"})  # a fresh authenticator code (accounts.stepup)

    class InputSerializer(serializers.Serializer):
        end_on = serializers.DateField()
        reason = serializers.CharField(max_length=2000)

    @idempotent
    @extend_schema(request=InputSerializer, responses=AwardDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, award_id: int) -> Response:
        award = self.get_award(award_id)
        self.require(Action.DECIDE_CASE, award)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        if award.status != Award.Status.ACTIVE:
            raise ConflictError("This award has already ended.", code=CaseError.AWARD_NOT_ACTIVE)
        award_end_early(actor=self.actor, tenant=self.tenant, award_id=award.pk, **s.validated_data)
        return Response(self.detail(award.pk))


class ReviewRecordApi(CaseApi):
    """The school records progress against every intended outcome: achieved, partly or not
    yet, with a note."""

    class InputSerializer(serializers.Serializer):
        class ResultSerializer(serializers.Serializer):
            outcome_id = serializers.IntegerField(min_value=1)
            result = serializers.ChoiceField(choices=Outcome.Result.choices)
            note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

        results = ResultSerializer(many=True, allow_empty=False)

        def validate_results(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
            ids = [r["outcome_id"] for r in value]
            if len(ids) != len(set(ids)):
                raise serializers.ValidationError("Give each outcome one result.")
            return value

    @extend_schema(request=InputSerializer, responses=CaseDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.RAISE_CASE, case)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        results = {r["outcome_id"]: (r["result"], r["note"]) for r in s.validated_data["results"]}
        review_record(actor=self.actor, tenant=self.tenant, case_id=case.pk, results=results)
        return Response(self.detail(case.pk))


class ReviewDecideApi(CaseApi):
    """The officer decides what follows a review: ``renew`` (a new award: give its terms),
    ``change`` (the award's new total in ``amount_pence`` and the next ``review_on``) or
    ``end`` (on ``end_on``, today when left out)."""

    step_up_methods = frozenset({"POST"})  # a fresh authenticator code (accounts.stepup)

    class InputSerializer(AwardTermsSerializer):
        decision = serializers.ChoiceField(choices=[(d, d.capitalize()) for d in REVIEW_DECISIONS])
        reasons = serializers.CharField(max_length=5000)
        criteria_met = serializers.ListField(
            child=serializers.CharField(max_length=300), required=False, default=list, max_length=20
        )
        end_on = serializers.DateField(required=False, allow_null=True, default=None)

    @idempotent
    @extend_schema(request=InputSerializer, responses=CaseDetailOutputSerializer)
    def post(self, request: Request, body_slug: str, case_id: int) -> Response:
        case = self.get_case(case_id)
        self.require(Action.DECIDE_CASE, case)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        try:
            review_decide(actor=self.actor, tenant=self.tenant, case_id=case.pk, **s.validated_data)
        except InsufficientHeadroom as exc:
            return headroom_conflict(exc)
        return Response(self.detail(case.pk))


class ReviewsDueApi(TenantAPIView):
    """Cases whose review is due now or whose outcomes are to be reviewed within
    ``within_days`` (30 unless given), earliest first."""

    required_action = Action.VIEW_CASE

    class FilterSerializer(serializers.Serializer):
        within_days = serializers.IntegerField(required=False, default=30, min_value=0, max_value=366)

    class OutputSerializer(CaseSummaryOutputSerializer):
        next_review_on = serializers.DateField(allow_null=True)

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        qs = selectors.reviews_due(
            tenant=self.tenant, school_ids=case_school_scope(self), within_days=f.validated_data["within_days"]
        )
        qs = case_reach(self).cases(qs)
        return self.paginated(qs, self.OutputSerializer)


class AwardRecoverApi(TenantAPIView):
    """A finance officer records money recovered from the award's school (all or part of
    what it was paid, with a reason): posted to the ``recoveries`` account of the award's
    pool, or of the current open pool if that one is closed (``carried_forward`` true).
    409 ``over_recovery`` above what was paid and not yet recovered. Needs a fresh
    authenticator code in ``X-MFA-Code`` (403 ``step_up_required``)."""

    required_action = Action.MOVE_MONEY
    step_up_methods = frozenset({"POST"})  # a fresh authenticator code (accounts.stepup)

    class InputSerializer(serializers.Serializer):
        amount_pence = PenceField(min_value=1)
        reason = serializers.CharField(max_length=500)
        received_on = serializers.DateField(required=False, allow_null=True, default=None)

    class OutputSerializer(serializers.Serializer):
        award_id = serializers.IntegerField(source="award.pk")
        amount_pence = serializers.IntegerField()
        transaction_id = serializers.IntegerField(source="transaction.pk")
        posted_to_pool = serializers.CharField(source="posted_to.label")
        award_pool = serializers.CharField(source="award.pool.label")
        carried_forward = serializers.BooleanField()
        recoverable_left_pence = serializers.IntegerField()

    @idempotent
    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request, body_slug: str, award_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        award = selectors.award_get(tenant=self.tenant, award_id=award_id, school_ids=None)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        done = award_recover(actor=self.actor, tenant=self.tenant, award_id=award.pk, **s.validated_data)
        return created(self.OutputSerializer(done).data)


class RecoveryCandidateListApi(TenantAPIView):
    """Every award that has paid money from a period (decided from its pool or paid by its
    runs), with what was paid, recovered and can still be recovered; ``outcomes_not_met``
    marks those to consider recovering at the year-end close (an intended outcome of the
    case not achieved). ``?to_consider=true`` lists only those. Finance officers."""

    required_action = Action.MOVE_MONEY

    class FilterSerializer(serializers.Serializer):
        to_consider = serializers.BooleanField(required=False, default=False)

    class OutputSerializer(serializers.Serializer):
        award_id = serializers.IntegerField(source="award.pk")
        case_reference = serializers.CharField(source="award.case.reference")
        school_id = serializers.IntegerField(source="award.school_id")
        school_name = serializers.CharField(source="award.school.name")
        award_pool = serializers.CharField(source="award.pool.label")
        paid_pence = serializers.IntegerField()
        recovered_pence = serializers.IntegerField()
        recoverable_pence = serializers.IntegerField()
        outcome_results = serializers.ListField(source="results", child=serializers.CharField())
        outcomes_not_met = serializers.BooleanField()

    @extend_schema(parameters=[FilterSerializer], responses={200: OutputSerializer(many=True)})
    def get(self, request: Request, body_slug: str, pool_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        pool = pool_get(tenant=self.tenant, pool_id=pool_id)
        rows = awards_paid_from_pool(tenant=self.tenant, pool=pool)
        if f.validated_data["to_consider"]:
            rows = [r for r in rows if r.outcomes_not_met]
        return self.paginated(rows, self.OutputSerializer)
