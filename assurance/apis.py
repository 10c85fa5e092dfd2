"""Auditors' API under ``/api/v1/bodies/<body_slug>/audit/``: draw a sample, list and read
samples, and a sampled transaction's chain (read-only, every read audited). The export is
requested through the reports API (``report_type`` ``auditor_export``, ``parameters``
``{"period": "2026-27"}``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import TenantAPIView
from accounts.policy import Action
from assurance import selectors
from assurance.models import AuditSample
from assurance.services import audit_samples as services
from core.api import created


class AuditSampleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period = serializers.CharField(source="pool.label")
    population = serializers.ChoiceField(choices=AuditSample.Population.choices)
    size = serializers.IntegerField()
    seed = serializers.IntegerField()
    population_count = serializers.IntegerField()
    population_max_transaction_id = serializers.IntegerField()
    transaction_ids = serializers.ListField(child=serializers.IntegerField())
    drawn_by = serializers.CharField(source="drawn_by_label")
    drawn_at = serializers.DateTimeField()


class AuditSampleDetailOutputSerializer(AuditSampleOutputSerializer):
    reproduced = serializers.BooleanField(help_text="Drawing again with the seed gives the same transactions.")


class SampleListApi(TenantAPIView):
    """The body's audit samples, newest first (at most 100)."""

    required_action = Action.EXPORT_AUDIT

    @extend_schema(responses=AuditSampleOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        samples = selectors.audit_sample_list(tenant=self.tenant)[:100]
        return Response(AuditSampleOutputSerializer(samples, many=True).data)


class SampleDrawApi(TenantAPIView):
    """Draw ``size`` transactions at random from the period's pool. Leave ``seed`` out for a
    new random seed; give a recorded one to repeat a draw."""

    required_action = Action.EXPORT_AUDIT

    class InputSerializer(serializers.Serializer):
        period = serializers.CharField(max_length=7, help_text='The funding period, e.g. "2026-27".')
        size = serializers.IntegerField(min_value=1, max_value=services.MAX_SAMPLE_SIZE)
        population = serializers.ChoiceField(choices=AuditSample.Population.choices, default=AuditSample.Population.ALL)
        seed = serializers.IntegerField(min_value=0, max_value=services.MAX_SEED, required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses={201: AuditSampleOutputSerializer})
    def post(self, request: Request, body_slug: str) -> Response:
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        sample = services.audit_sample_draw(actor=self.actor, tenant=self.tenant, **s.validated_data)
        return created(AuditSampleOutputSerializer(sample).data)


class SampleDetailApi(TenantAPIView):
    required_action = Action.EXPORT_AUDIT

    @extend_schema(responses=AuditSampleDetailOutputSerializer)
    def get(self, request: Request, body_slug: str, auditsample_id: int) -> Response:
        sample = selectors.audit_sample_get(tenant=self.tenant, auditsample_id=auditsample_id)
        services.audit_sample_view_record(actor=self.actor, tenant=self.tenant, sample=sample, via="api")
        reproduced = services.audit_sample_redraw(tenant=self.tenant, sample=sample) == sample.transaction_ids
        return Response({**AuditSampleOutputSerializer(sample).data, "reproduced": reproduced})


class AuditLegOutputSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.kind")
    amount_pence = serializers.IntegerField()
    school_urn = serializers.IntegerField(source="school.urn", allow_null=True, default=None)


class AuditTransactionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    posted_on = serializers.DateField()
    description = serializers.CharField()
    source_type = serializers.CharField()
    source_id = serializers.CharField()
    reverses_id = serializers.IntegerField(allow_null=True)
    posted_by = serializers.CharField(source="actor_label")
    created_at = serializers.DateTimeField()


class AuditDocumentOutputSerializer(serializers.Serializer):
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size_bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_by = serializers.CharField(source="uploaded_by_label")
    uploaded_at = serializers.DateTimeField()


class AuditCaseSummaryOutputSerializer(serializers.Serializer):
    reference = serializers.CharField(source="case.reference")
    status = serializers.CharField(source="case.status")
    school_urn = serializers.IntegerField(source="case.school.urn")
    area_of_need = serializers.CharField(source="need_label")
    urgency = serializers.CharField(source="case.urgency")
    submitted_on = serializers.DateField(source="case.submitted_on", allow_null=True)
    decision_due_on = serializers.DateField(source="case.decision_due_on", allow_null=True)
    own_imf_pence = serializers.IntegerField(source="case.own_imf_pence")
    notional_sen_pence = serializers.IntegerField(source="case.notional_sen_pence")
    requested_pence = serializers.IntegerField()
    outcomes = serializers.IntegerField()
    documents = AuditDocumentOutputSerializer(many=True)


class AuditDecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    outcome = serializers.CharField()
    officer = serializers.CharField(source="officer_label")
    decided_at = serializers.DateTimeField()
    amount_pence = serializers.IntegerField()
    criteria_met = serializers.ListField(child=serializers.CharField())
    reasons = serializers.CharField()
    conditions = serializers.CharField()
    is_reconsideration = serializers.BooleanField()
    used_reserve = serializers.BooleanField()


class AuditAwardOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    school_urn = serializers.IntegerField(source="school.urn")
    amount_pence = serializers.IntegerField()
    status = serializers.CharField()


class AuditChainLinkOutputSerializer(serializers.Serializer):
    award = AuditAwardOutputSerializer()
    decision = AuditDecisionOutputSerializer()
    case = AuditCaseSummaryOutputSerializer(source="summary")


class AuditChainOutputSerializer(serializers.Serializer):
    transaction = AuditTransactionOutputSerializer()
    legs = AuditLegOutputSerializer(many=True)
    reverses = AuditTransactionOutputSerializer(source="followed", allow_null=True)
    links = AuditChainLinkOutputSerializer(many=True)
    note = serializers.CharField()


class ChainApi(TenantAPIView):
    """A sampled transaction, its legs, and the award, decision and case behind it."""

    required_action = Action.EXPORT_AUDIT

    @extend_schema(responses=AuditChainOutputSerializer)
    def get(self, request: Request, body_slug: str, auditsample_id: int, transaction_id: int) -> Response:
        sample = selectors.audit_sample_get(tenant=self.tenant, auditsample_id=auditsample_id)
        chain = selectors.transaction_chain(tenant=self.tenant, sample=sample, transaction_id=transaction_id)
        services.audit_chain_view_record(
            actor=self.actor, tenant=self.tenant, sample=sample, transaction_id=chain.transaction.pk, via="api"
        )
        return Response(AuditChainOutputSerializer(chain).data)
