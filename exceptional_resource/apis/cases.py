"""Cases: the list (by status and school), drafting (the case, its costed provision map,
resources and outcomes) and comments. The workflow transitions and the decision are in
``workflow.py``.

Who may do what is the policy layer's answer: a head or SENDCO drafts, submits, answers,
withdraws and asks for reconsideration for their own school's cases; a decision officer
(with MFA) requests information and decides; an auditor reads. A case of another body or,
for a head or SENDCO, of another school is a 404; an action the role does not allow is a
403; a business rule is a 400/409 with its ``code`` (and ``field``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created
from exceptional_resource.apis.pupils import case_reach, case_school_scope
from exceptional_resource.apis.serializers import (
    CaseDetailOutputSerializer,
    CaseSummaryOutputSerializer,
    CountField,
    PenceField,
)
from exceptional_resource.models import Case, CaseStatus, ResourceLine
from exceptional_resource.selectors import cases as selectors
from exceptional_resource.selectors import queues
from exceptional_resource.selectors.auditor_scope import case_within_or_404
from exceptional_resource.services import drafts
from exceptional_resource.services.access_log import case_view_record
from exceptional_resource.services.comments import case_comment_add


class CaseApi(TenantAPIView):
    """Base for one case's operations: finds the case within the user's school scope."""

    required_action = Action.VIEW_CASE

    def get_case(self, case_id: int) -> Case:
        case = selectors.case_get(tenant=self.tenant, case_id=case_id, school_ids=case_school_scope(self))
        return case_within_or_404(tenant=self.tenant, case=case, scope=case_reach(self))

    def find_case(self, case_id: int) -> Case:
        """The case alone (no rows prefetched), for operations that need only its scope."""
        case = queues.case_find(tenant=self.tenant, case_id=case_id, school_ids=case_school_scope(self))
        if case is None:
            raise NotFound()
        return case_within_or_404(tenant=self.tenant, case=case, scope=case_reach(self))

    def detail(self, case_id: int) -> dict[str, Any]:
        return self.case_data(self.get_case(case_id))

    def case_data(self, case: Case) -> dict[str, Any]:
        """The case's detail without the awards, decisions and timeline entries out of the
        reader's reach (an auditor's ungranted pools)."""
        data: dict[str, Any] = CaseDetailOutputSerializer(case).data
        reach = case_reach(self)
        awards = {a.pk for a in reach.award_items(case.awards.all())}
        decisions = {d.pk for d in reach.decision_items(case, case.decisions.all())}
        data["awards"] = [a for a in data["awards"] if a["id"] in awards]
        data["decisions"] = [d for d in data["decisions"] if d["id"] in decisions]
        events = case.events.all()
        kept = {e.pk for e in reach.event_items(case, events)}
        data["timeline"] = [row for row, e in zip(data["timeline"], events, strict=True) if e.pk in kept]
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
        qs = case_reach(self).cases(qs)
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
        return Response(self.case_data(case))


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
