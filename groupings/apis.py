"""API for groupings: the school register search, arrangements and policy versions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created
from groupings import selectors
from groupings.models import ArrangementBasis, ArrangementStatus
from groupings.services.arrangements import (
    arrangement_activate,
    arrangement_end,
    arrangement_give_notice,
    arrangement_propose,
    arrangement_withdraw,
    own_academies_add,
    own_academies_preview,
)
from groupings.services.policy import policy_version_create


class SchoolOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    urn = serializers.IntegerField()
    name = serializers.CharField()
    la_code = serializers.CharField()
    la_name = serializers.CharField()
    type_name = serializers.CharField()
    phase = serializers.CharField()
    status = serializers.CharField()
    trust_uid = serializers.IntegerField(allow_null=True)
    trust_name = serializers.CharField()
    number_of_pupils = serializers.IntegerField(allow_null=True)
    is_imf_eligible = serializers.BooleanField()
    eligibility_reason = serializers.CharField()


class ArrangementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    school = SchoolOutputSerializer()
    basis = serializers.ChoiceField(choices=ArrangementBasis.choices)
    status = serializers.ChoiceField(choices=ArrangementStatus.choices)
    counterparty = serializers.CharField()
    agreement_reference = serializers.CharField()
    has_agreement_document = serializers.SerializerMethodField()
    conversion_pathway = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    notice_given_on = serializers.DateField(allow_null=True)
    pooled_share_override_bp = serializers.IntegerField(allow_null=True)
    policy_version = serializers.IntegerField(source="policy.version", allow_null=True, default=None)
    approved_by = serializers.EmailField(source="approved_by.email", allow_null=True, default=None)
    approved_at = serializers.DateTimeField(allow_null=True)

    def get_has_agreement_document(self, obj: Any) -> bool:
        return bool(obj.agreement_document)


class PolicyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    effective_from = serializers.DateField()
    pooled_share_bp = serializers.IntegerField()
    allow_share_override = serializers.BooleanField()
    segregation_of_duties = serializers.BooleanField()
    sendco_may_organise_sessions = serializers.BooleanField()
    peer_review_headings = serializers.ListField(child=serializers.CharField())
    case_file_retention_years = serializers.IntegerField()
    financial_retention_years = serializers.IntegerField()
    funding_periods = serializers.ListField(child=serializers.CharField())
    areas_of_need = serializers.JSONField()
    decision_criteria = serializers.ListField(child=serializers.CharField())
    decision_target_working_days = serializers.IntegerField()
    delegated_limits_pence = serializers.DictField(child=serializers.IntegerField())
    urgent_reserve_bp = serializers.IntegerField()
    change_note = serializers.CharField()
    created_by_label = serializers.CharField()


class SchoolSearchApi(TenantAPIView):
    required_action = Action.MANAGE_GROUPING

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
        la = serializers.CharField(required=False, default="", allow_blank=True, max_length=100)
        trust = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
        eligible_only = serializers.BooleanField(required=False, default=False)

    @extend_schema(parameters=[FilterSerializer], responses=SchoolOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        qs = selectors.school_search(
            q=f.validated_data["q"],
            la_code=f.validated_data["la"],
            trust=f.validated_data["trust"],
            eligible_only=f.validated_data["eligible_only"],
        )
        return self.paginated(qs, SchoolOutputSerializer)


class ArrangementListApi(TenantAPIView):
    required_action = Action.VIEW_GROUPING

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=[("current", "current"), *ArrangementStatus.choices], required=False, allow_blank=True, default=""
        )
        basis = serializers.ChoiceField(choices=ArrangementBasis.choices, required=False, allow_blank=True, default="")
        q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)

    @extend_schema(parameters=[FilterSerializer], responses=ArrangementOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        qs = selectors.arrangement_list(
            tenant=self.tenant,
            school_ids=self.access.school_ids(Action.VIEW_GROUPING),
            with_policy=True,
            **f.validated_data,
        )
        return self.paginated(qs, ArrangementOutputSerializer)


class ArrangementProposeApi(TenantAPIView):
    required_action = Action.MANAGE_GROUPING
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        school_id = serializers.IntegerField()
        basis = serializers.CharField(max_length=40)
        counterparty = serializers.CharField(max_length=200)
        start_date = serializers.DateField()
        end_date = serializers.DateField(required=False, allow_null=True, default=None)
        agreement_reference = serializers.CharField(required=False, default="", allow_blank=True, max_length=100)
        agreement_document = serializers.FileField(required=False, allow_null=True, default=None)
        conversion_pathway = serializers.CharField(required=False, default="", allow_blank=True, max_length=300)
        pooled_share_override_percent = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=10
        )

    @extend_schema(
        request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
        responses={201: ArrangementOutputSerializer},
    )
    def post(self, request: Request, body_slug: str) -> Response:
        self.require(Action.MANAGE_GROUPING)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        arrangement = arrangement_propose(actor=self.actor, tenant=self.tenant, **s.validated_data)
        return created(ArrangementOutputSerializer(arrangement).data)


class ArrangementDetailApi(TenantAPIView):
    required_action = Action.VIEW_GROUPING

    @extend_schema(responses=ArrangementOutputSerializer)
    def get(self, request: Request, body_slug: str, arrangement_id: int) -> Response:
        arrangement = selectors.arrangement_get(tenant=self.tenant, arrangement_id=arrangement_id)
        if not self.access.can(Action.VIEW_GROUPING, arrangement):
            from rest_framework.exceptions import NotFound

            raise NotFound()
        return Response(ArrangementOutputSerializer(arrangement).data)


class _ArrangementTransitionApi(TenantAPIView):
    required_action = Action.MANAGE_GROUPING

    class InputSerializer(serializers.Serializer):
        pass

    def _act(self, request: Request, arrangement_id: int, **kwargs: Any) -> Any:
        raise NotImplementedError

    def post(self, request: Request, body_slug: str, arrangement_id: int) -> Response:
        self.require(Action.MANAGE_GROUPING)
        selectors.arrangement_get(tenant=self.tenant, arrangement_id=arrangement_id)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        arrangement = self._act(request, arrangement_id, **s.validated_data)
        return Response(ArrangementOutputSerializer(arrangement).data)


class ArrangementActivateApi(_ArrangementTransitionApi):
    @extend_schema(request=None, responses=ArrangementOutputSerializer)
    def post(self, request: Request, body_slug: str, arrangement_id: int) -> Response:
        return super().post(request, body_slug, arrangement_id)

    def _act(self, request: Request, arrangement_id: int, **kwargs: Any) -> Any:
        return arrangement_activate(actor=self.actor, tenant=self.tenant, arrangement_id=arrangement_id)


class ArrangementWithdrawApi(_ArrangementTransitionApi):
    @extend_schema(request=None, responses=ArrangementOutputSerializer)
    def post(self, request: Request, body_slug: str, arrangement_id: int) -> Response:
        return super().post(request, body_slug, arrangement_id)

    def _act(self, request: Request, arrangement_id: int, **kwargs: Any) -> Any:
        return arrangement_withdraw(actor=self.actor, tenant=self.tenant, arrangement_id=arrangement_id)


class ArrangementGiveNoticeApi(_ArrangementTransitionApi):
    class InputSerializer(serializers.Serializer):
        end_date = serializers.DateField()

    @extend_schema(request=InputSerializer, responses=ArrangementOutputSerializer)
    def post(self, request: Request, body_slug: str, arrangement_id: int) -> Response:
        return super().post(request, body_slug, arrangement_id)

    def _act(self, request: Request, arrangement_id: int, **kwargs: Any) -> Any:
        return arrangement_give_notice(
            actor=self.actor,
            tenant=self.tenant,
            arrangement_id=arrangement_id,
            **kwargs,
        )


class ArrangementEndApi(_ArrangementTransitionApi):
    step_up_methods = frozenset({"POST"})  # it ends the school's awards: a fresh code (X-MFA-Code)

    class InputSerializer(serializers.Serializer):
        end_date = serializers.DateField()

    @extend_schema(request=InputSerializer, responses=ArrangementOutputSerializer)
    def post(self, request: Request, body_slug: str, arrangement_id: int) -> Response:
        return super().post(request, body_slug, arrangement_id)

    def _act(self, request: Request, arrangement_id: int, **kwargs: Any) -> Any:
        return arrangement_end(
            actor=self.actor,
            tenant=self.tenant,
            arrangement_id=arrangement_id,
            **kwargs,
        )


class OwnAcademiesApi(TenantAPIView):
    """Preview (``confirm`` false) or add (``confirm`` true with the previewed ids) the
    trust's own academies from GIAS as active arrangements."""

    required_action = Action.MANAGE_GROUPING

    class InputSerializer(serializers.Serializer):
        start_date = serializers.DateField()
        confirm = serializers.BooleanField(required=False, default=False)
        school_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)

    class OutputSerializer(serializers.Serializer):
        to_add = SchoolOutputSerializer(many=True)
        already_in_a_grouping = SchoolOutputSerializer(many=True)
        not_eligible = SchoolOutputSerializer(many=True)
        added = ArrangementOutputSerializer(many=True)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: Request, body_slug: str) -> Response:
        self.require(Action.MANAGE_GROUPING)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        added = []
        if s.validated_data["confirm"]:
            added = own_academies_add(
                actor=self.actor,
                tenant=self.tenant,
                start_date=s.validated_data["start_date"],
                school_ids=s.validated_data["school_ids"],
            )
        preview = own_academies_preview(tenant=self.tenant, start_date=s.validated_data["start_date"])
        data = {
            "to_add": preview.to_add,
            "already_in_a_grouping": preview.already_in_a_grouping,
            "not_eligible": preview.not_eligible,
            "added": added,
        }
        return Response(self.OutputSerializer(data).data)


class PolicyListApi(TenantAPIView):
    required_action = Action.VIEW_GROUPING

    @extend_schema(responses=PolicyOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        return self.paginated(selectors.policy_versions(tenant=self.tenant), PolicyOutputSerializer)


class PolicyCreateApi(TenantAPIView):
    required_action = Action.MANAGE_GROUPING

    class InputSerializer(serializers.Serializer):
        effective_from = serializers.DateField()
        pooled_share_percent = serializers.CharField(max_length=10)
        urgent_reserve_percent = serializers.CharField(max_length=10)
        decision_target_working_days = serializers.IntegerField(min_value=1, max_value=60)
        decision_criteria = serializers.ListField(child=serializers.CharField(max_length=300), min_length=1)
        allow_share_override = serializers.BooleanField(required=False, default=False)
        segregation_of_duties = serializers.BooleanField(
            required=False,
            default=True,
            help_text="On by default: refuse deciding a case one raised, and confirming a payment run that pays an "
            "award one decided.",
        )
        funding_periods = serializers.ListField(
            child=serializers.RegexField(r"^\d{4}-\d{2}$"), required=False, default=list
        )
        sendco_may_organise_sessions = serializers.BooleanField(required=False, default=False)
        peer_review_headings = serializers.ListField(
            child=serializers.CharField(max_length=200), min_length=1, max_length=12, required=False
        )
        delegated_limits_pence = serializers.DictField(child=serializers.IntegerField(min_value=0), required=False)
        case_file_retention_years = serializers.IntegerField(
            min_value=1, max_value=31, required=False, help_text="Default: the latest version's (6 at first)."
        )
        financial_retention_years = serializers.IntegerField(
            min_value=6, max_value=31, required=False, help_text="Default: the latest version's (6 at first)."
        )
        change_note = serializers.CharField(required=False, default="", allow_blank=True, max_length=300)

    @extend_schema(request=InputSerializer, responses={201: PolicyOutputSerializer})
    def post(self, request: Request, body_slug: str) -> Response:
        self.require(Action.MANAGE_GROUPING)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        policy = policy_version_create(actor=self.actor, tenant=self.tenant, **s.validated_data)
        return created(PolicyOutputSerializer(policy).data)
