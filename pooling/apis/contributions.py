"""API for IMF allocations (one at a time, or a DfE file with chosen columns), expected
contributions with arrears, recalculation, and receipts."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created, idempotent
from pooling.allocation_files import read_upload
from pooling.models import Pool, Receipt
from pooling.selectors import contributions as selectors
from pooling.selectors.ledger import pool_get
from pooling.services.allocations import allocation_import_confirm, allocation_import_preview, allocation_set
from pooling.services.contributions import contributions_calculate
from pooling.services.receipts import receipt_record


class SchoolRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    urn = serializers.IntegerField()
    name = serializers.CharField()


class AllocationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period_label = serializers.CharField()
    school = SchoolRefSerializer()
    amount_pence = serializers.IntegerField()
    in_grouping = serializers.BooleanField(required=False, help_text="A member of the grouping during the period.")
    source_import_id = serializers.IntegerField(allow_null=True)
    entered_by_label = serializers.CharField()
    created_at = serializers.DateTimeField()


class AllocationImportRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period_label = serializers.CharField()
    file_name = serializers.CharField()
    file_sha256 = serializers.CharField()
    urn_column = serializers.CharField()
    amount_column = serializers.CharField()
    rows_imported = serializers.IntegerField()
    imported_by_label = serializers.CharField()
    created_at = serializers.DateTimeField()


class ProblemOutputSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The line of a CSV file (the header is line 1) or row of a spreadsheet.")
    column = serializers.CharField()
    value = serializers.CharField()
    message = serializers.CharField()


class ContributionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    school = SchoolRefSerializer()
    arrangement_id = serializers.IntegerField()
    allocation_pence = serializers.IntegerField()
    share_bp = serializers.IntegerField()
    member_days = serializers.IntegerField()
    period_days = serializers.IntegerField()
    policy_version = serializers.IntegerField()
    expected_pence = serializers.IntegerField(help_text="As posted to the ledger.")
    received_pence = serializers.IntegerField()
    outstanding_pence = serializers.IntegerField(help_text="Expected less received; negative when overpaid.")
    due_on = serializers.DateField(help_text="When it is due: 30 days after the period starts or the school joins.")
    standing = serializers.ChoiceField(choices=["received", "due", "arrears", "overpaid"])
    arrears_pence = serializers.IntegerField(help_text="What is outstanding once the due date has passed; else 0.")
    calculated_at = serializers.DateTimeField()


class ReceiptOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contribution_id = serializers.IntegerField()
    amount_pence = serializers.IntegerField()
    received_on = serializers.DateField()
    method = serializers.ChoiceField(choices=Receipt.Method.choices)
    reference = serializers.CharField()
    recorded_by_label = serializers.CharField()
    created_at = serializers.DateTimeField()


class _PoolApi(TenantAPIView):
    required_action = Action.VIEW_POOL

    def pool(self, pool_id: int) -> Pool:
        return pool_get(tenant=self.tenant, pool_id=pool_id)


# --- Allocations ---------------------------------------------------------------------------


class AllocationListApi(_PoolApi):
    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)

    @extend_schema(parameters=[FilterSerializer], responses=AllocationOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str, pool_id: int) -> Response:
        pool = self.pool(pool_id)
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        qs = selectors.allocation_list(tenant=self.tenant, period_label=pool.label, q=f.validated_data["q"])
        return self.paginated(qs, AllocationOutputSerializer)


class AllocationSetApi(_PoolApi):
    """Record or change one school's allocation for the pool's funding period."""

    class InputSerializer(serializers.Serializer):
        urn = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
        amount_pence = serializers.IntegerField(help_text="Whole pence, 0 or more.")

    @extend_schema(request=InputSerializer, responses=AllocationOutputSerializer)
    def post(self, request: Request, body_slug: str, pool_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        pool = self.pool(pool_id)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        allocation = allocation_set(actor=self.actor, tenant=self.tenant, period_label=pool.label, **s.validated_data)
        return Response(AllocationOutputSerializer(allocation).data)


class AllocationImportApi(_PoolApi):
    """Check a DfE allocation file against the chosen columns (``confirm`` false: a preview
    that writes nothing), or import it all-or-nothing (``confirm`` true). With problems, a
    confirmed import answers 400 ``allocation_file_invalid`` listing each with its line."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="CSV or XLSX, one row a school.")
        urn_column = serializers.CharField(max_length=200, help_text="The header of the URN column.")
        amount_column = serializers.CharField(max_length=200, help_text="The header of the amount column (pounds).")
        confirm = serializers.BooleanField(required=False, default=False)

    class OutputSerializer(serializers.Serializer):
        file_name = serializers.CharField()
        sha256 = serializers.CharField()
        period_label = serializers.CharField()
        urn_column = serializers.CharField()
        amount_column = serializers.CharField()
        rows = serializers.IntegerField()
        new = serializers.IntegerField()
        changed = serializers.IntegerField()
        unchanged = serializers.IntegerField()
        total_pence = serializers.IntegerField()
        can_import = serializers.BooleanField()
        problems = ProblemOutputSerializer(many=True)
        imported = AllocationImportRecordSerializer(allow_null=True)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={200: OutputSerializer, 201: OutputSerializer},
    )
    def post(self, request: Request, body_slug: str, pool_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        pool = self.pool(pool_id)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        table, _ = read_upload(data["file"], field="file")
        columns = {"urn_column": data["urn_column"], "amount_column": data["amount_column"]}
        preview = allocation_import_preview(tenant=self.tenant, period_label=pool.label, table=table, **columns)
        imported = None
        if data["confirm"]:
            imported = allocation_import_confirm(
                actor=self.actor, tenant=self.tenant, period_label=pool.label, table=table, **columns
            )
        body = {
            "file_name": preview.file_name,
            "sha256": preview.sha256,
            "period_label": preview.period_label,
            "urn_column": preview.urn_column,
            "amount_column": preview.amount_column,
            "rows": preview.row_count,
            "new": preview.new_count,
            "changed": preview.changed_count,
            "unchanged": preview.unchanged_count,
            "total_pence": preview.total_pence,
            "can_import": preview.can_import,
            "problems": [p.as_dict() for p in preview.problems],
            "imported": imported,
        }
        output = self.OutputSerializer(body).data
        return created(output) if imported is not None else Response(output)


class AllocationImportListApi(_PoolApi):
    @extend_schema(responses=AllocationImportRecordSerializer(many=True))
    def get(self, request: Request, body_slug: str, pool_id: int) -> Response:
        pool = self.pool(pool_id)
        qs = selectors.allocation_import_list(tenant=self.tenant, period_label=pool.label)
        return self.paginated(qs, AllocationImportRecordSerializer)


# --- Contributions -------------------------------------------------------------------------


class _ArrangementRefSerializer(serializers.Serializer):
    arrangement_id = serializers.IntegerField()
    school = SchoolRefSerializer()


def _arrangement_ref(a: Any) -> dict[str, Any]:
    return {"arrangement_id": a.pk, "school": a.school}


class ContributionListApi(_PoolApi):
    """Every member's contribution with expected, received and arrears, and the totals."""

    class OutputSerializer(serializers.Serializer):
        pool_id = serializers.IntegerField()
        period_label = serializers.CharField()
        expected_pence = serializers.IntegerField()
        received_pence = serializers.IntegerField()
        outstanding_pence = serializers.IntegerField()
        arrears_pence = serializers.IntegerField(help_text="Outstanding on contributions past their due date.")
        contributions = ContributionOutputSerializer(many=True)
        no_allocation = _ArrangementRefSerializer(many=True, help_text="Members with no allocation for the period.")
        not_calculated = _ArrangementRefSerializer(many=True, help_text="Members not yet in a calculation.")

    @extend_schema(operation_id="pool_contributions_list", responses=OutputSerializer)
    def get(self, request: Request, body_slug: str, pool_id: int) -> Response:
        pool = self.pool(pool_id)
        summary = selectors.contribution_summary(tenant=self.tenant, pool=pool)
        data = {
            "pool_id": pool.pk,
            "period_label": pool.label,
            "expected_pence": summary.expected_pence,
            "received_pence": summary.received_pence,
            "outstanding_pence": summary.outstanding_pence,
            "arrears_pence": summary.arrears_pence,
            "contributions": [row.as_dict() for row in summary.rows],
            "no_allocation": [_arrangement_ref(a) for a in summary.no_allocation],
            "not_calculated": [_arrangement_ref(a) for a in summary.not_calculated],
        }
        return Response(self.OutputSerializer(data).data)


class ContributionsRecalculateApi(_PoolApi):
    """Recalculate every member's contribution and post the differences; repeating it
    posts nothing."""

    class NotCalculatedSerializer(serializers.Serializer):
        arrangement_id = serializers.IntegerField()
        school_name = serializers.CharField()
        urn = serializers.IntegerField()
        reason = serializers.CharField()

    class OutputSerializer(serializers.Serializer):
        changed = serializers.IntegerField()
        expected_posted_pence = serializers.IntegerField(help_text="Net change posted to contributions expected.")
        reserve_posted_pence = serializers.IntegerField(help_text="Net change posted to the urgent-case reserve.")
        contribution_ids = serializers.ListField(child=serializers.IntegerField())
        not_calculated = serializers.SerializerMethodField()

        def get_not_calculated(self, obj: Any) -> list[dict[str, Any]]:
            return [dict(ContributionsRecalculateApi.NotCalculatedSerializer(n).data) for n in obj["not_calculated"]]

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request: Request, body_slug: str, pool_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        pool = self.pool(pool_id)
        result = contributions_calculate(actor=self.actor, tenant=self.tenant, pool=pool)
        data = {
            "changed": result.changed,
            "expected_posted_pence": result.expected_posted_pence,
            "reserve_posted_pence": result.reserve_posted_pence,
            "contribution_ids": [c.pk for c in result.contributions],
            "not_calculated": result.not_calculated,
        }
        return Response(self.OutputSerializer(data).data)


class _ContributionApi(TenantAPIView):
    required_action = Action.VIEW_POOL

    def row(self, contribution_id: int) -> selectors.ContributionRow:
        contribution = selectors.contribution_get(tenant=self.tenant, contribution_id=contribution_id)
        expected, received = selectors.contribution_ledger_totals(
            tenant=self.tenant, pool=contribution.pool, contribution_ids=[contribution.pk]
        ).get(contribution.pk, (0, 0))
        return selectors.ContributionRow(contribution, expected, received)


class ContributionDetailApi(_ContributionApi):
    @extend_schema(operation_id="contribution_retrieve", responses=ContributionOutputSerializer)
    def get(self, request: Request, body_slug: str, contribution_id: int) -> Response:
        return Response(ContributionOutputSerializer(self.row(contribution_id).as_dict()).data)


class ReceiptListApi(_ContributionApi):
    @extend_schema(responses=ReceiptOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str, contribution_id: int) -> Response:
        contribution = selectors.contribution_get(tenant=self.tenant, contribution_id=contribution_id)
        qs = selectors.receipt_list(tenant=self.tenant, contribution=contribution)
        return self.paginated(qs, ReceiptOutputSerializer)


class ReceiptRecordApi(_ContributionApi):
    """Record money received against a contribution (Dr pool bank, Cr receivable). A
    repeated ``request_key`` returns the receipt it recorded instead of a second one."""

    class InputSerializer(serializers.Serializer):
        amount_pence = serializers.IntegerField(help_text="Whole pence, more than 0 and no more than is outstanding.")
        received_on = serializers.DateField()
        method = serializers.ChoiceField(choices=Receipt.Method.choices)
        reference = serializers.CharField(required=False, default="", allow_blank=True, max_length=100)
        request_key = serializers.CharField(
            required=False, default="", allow_blank=True, max_length=64, help_text="Your unique key for this request."
        )

    @idempotent
    @extend_schema(request=InputSerializer, responses={201: ReceiptOutputSerializer})
    def post(self, request: Request, body_slug: str, contribution_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        contribution = selectors.contribution_get(tenant=self.tenant, contribution_id=contribution_id)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        receipt = receipt_record(
            actor=self.actor, tenant=self.tenant, contribution_id=contribution.pk, **s.validated_data
        )
        return created(ReceiptOutputSerializer(receipt).data)
