"""API for paying schools: schedules, payment runs and remittance advice, period close and
reopen, the journal export and the accounts' finance-system codes."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created, idempotent
from core.api_errors import error_body
from core.csv_export import csv_response
from core.tenancy import tenant_context
from pooling import selectors
from pooling.selectors import payments as payment_selectors
from pooling.services import downloads
from pooling.services import payments as services
from pooling.source_labels import source_labels

RUN_FIELDS = (
    "id",
    "pool_id",
    "due_up_to",
    "pay_on",
    "status",
    "total_pence",
    "created_by_label",
    "confirmed_by_label",
    "confirmed_at",
    "sent_by_label",
    "sent_at",
    "bank_file_sha256",
    "paid_on",
    "paid_by_label",
    "bank_reference",
    "failed_on",
    "failure_reason",
)


class PaymentRunOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pool_id = serializers.IntegerField()
    due_up_to = serializers.DateField()
    pay_on = serializers.DateField()
    status = serializers.CharField()
    total_pence = serializers.IntegerField()
    created_by_label = serializers.CharField()
    confirmed_by_label = serializers.CharField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    sent_by_label = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    bank_file_sha256 = serializers.CharField()
    paid_on = serializers.DateField(allow_null=True, help_text="The day the run was paid; null until it is.")
    paid_by_label = serializers.CharField()
    bank_reference = serializers.CharField()
    failed_on = serializers.DateField(allow_null=True, help_text="The day the bank failed the whole run, if it did.")
    failure_reason = serializers.CharField()


class PoolOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period = serializers.CharField(source="label")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)
    closed_by_label = serializers.CharField()
    reopen_reason = serializers.CharField()


class AccountOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pool_id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    nominal_code = serializers.CharField()
    cost_centre = serializers.CharField()
    cfr_code = serializers.CharField()


class InstalmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    due_on = serializers.DateField()
    amount_pence = serializers.IntegerField()
    status = serializers.CharField()
    payment_run_id = serializers.IntegerField(allow_null=True)


class ScheduleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pool_id = serializers.IntegerField()
    school_id = serializers.IntegerField()
    school_name = serializers.CharField(source="school.name")
    payee_id = serializers.IntegerField(
        allow_null=True, help_text="Set when the instalments are paid to an employer or provider, not the school."
    )
    source_type = serializers.CharField()
    source_id = serializers.CharField()
    frequency = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    total_pence = serializers.IntegerField()
    stopped_on = serializers.DateField(allow_null=True)
    instalments = InstalmentOutputSerializer(many=True)


class ScheduleListApi(TenantAPIView):
    required_action = Action.VIEW_POOL

    @extend_schema(responses=ScheduleOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str, pool_id: int) -> Response:
        pool = selectors.pool_get(tenant=self.tenant, pool_id=pool_id)
        return self.paginated(payment_selectors.schedule_list(tenant=self.tenant, pool=pool), ScheduleOutputSerializer)


class PaymentRunListApi(TenantAPIView):
    required_action = Action.VIEW_POOL

    @extend_schema(responses=PaymentRunOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str, pool_id: int) -> Response:
        pool = selectors.pool_get(tenant=self.tenant, pool_id=pool_id)
        runs = payment_selectors.payment_run_list(tenant=self.tenant, pool=pool)
        return self.paginated(runs, PaymentRunOutputSerializer)


class PaymentRunPreviewApi(TenantAPIView):
    """What a run would pay now, per school and per other payee (nothing is stored)."""

    required_action = Action.VIEW_POOL

    class FilterSerializer(serializers.Serializer):
        due_up_to = serializers.DateField()

    class OutputSerializer(serializers.Serializer):
        class LineSerializer(serializers.Serializer):
            school_id = serializers.IntegerField(allow_null=True)
            school_name = serializers.CharField(help_text="The school's name, or the other payee's.")
            urn = serializers.IntegerField(allow_null=True)
            payee_id = serializers.IntegerField(allow_null=True)
            instalments = serializers.IntegerField()
            amount_pence = serializers.IntegerField()

        due_up_to = serializers.DateField()
        total_pence = serializers.IntegerField()
        instalments = serializers.IntegerField()
        lines = LineSerializer(many=True)

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    def get(self, request: Request, body_slug: str, pool_id: int) -> Response:
        pool = selectors.pool_get(tenant=self.tenant, pool_id=pool_id)
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        preview = services.payment_run_preview(tenant=self.tenant, pool=pool, due_up_to=f.validated_data["due_up_to"])
        return Response(self.OutputSerializer(preview).data)


class PaymentRunConfirmApi(TenantAPIView):
    """Pay everything due up to a date. A second confirm finds nothing due (409
    ``nothing_to_pay``); ``expected_total_pence`` (the previewed total) guards against a
    run that changed since the preview (409 ``preview_stale``)."""

    required_action = Action.VIEW_POOL

    step_up_methods = frozenset({"POST"})  # a fresh authenticator code (accounts.stepup)

    class InputSerializer(serializers.Serializer):
        due_up_to = serializers.DateField()
        pay_on = serializers.DateField()
        expected_total_pence = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)

    @idempotent
    @extend_schema(request=InputSerializer, responses={201: PaymentRunOutputSerializer})
    def post(self, request: Request, body_slug: str, pool_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        pool = selectors.pool_get(tenant=self.tenant, pool_id=pool_id)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        run = services.payment_run_confirm(actor=self.actor, tenant=self.tenant, pool=pool, **s.validated_data)
        return created(PaymentRunOutputSerializer(run).data)


class PaymentRunDetailApi(TenantAPIView):
    required_action = Action.VIEW_POOL

    class OutputSerializer(PaymentRunOutputSerializer):
        class LineSerializer(serializers.Serializer):
            class PaidSerializer(serializers.Serializer):
                award_reference = serializers.CharField()
                source_type = serializers.CharField()
                source_id = serializers.CharField()
                due_on = serializers.DateField()
                amount_pence = serializers.IntegerField()

            id = serializers.IntegerField()
            school_id = serializers.IntegerField(allow_null=True, help_text="Null when the line pays another payee.")
            school_name = serializers.CharField(help_text="The school's name, or the other payee's.")
            urn = serializers.IntegerField(allow_null=True)
            payee_id = serializers.IntegerField(
                allow_null=True, help_text="Set when the line pays an employer or provider rather than a school."
            )
            payee_name = serializers.CharField(allow_blank=True)
            amount_pence = serializers.IntegerField()
            remittance_id = serializers.IntegerField(allow_null=True)
            remittance_ready = serializers.BooleanField()
            sha256_csv = serializers.CharField()
            sha256_pdf = serializers.CharField()
            instalments = PaidSerializer(many=True)
            returned_on = serializers.DateField(
                allow_null=True, help_text="Set when the bank returned this payment (or failed the run)."
            )
            return_reason = serializers.CharField(allow_blank=True)

        pool_label = serializers.CharField()
        lines = LineSerializer(many=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, body_slug: str, paymentrun_id: int) -> Response:
        run: Any = payment_selectors.payment_run_get(tenant=self.tenant, payment_run_id=paymentrun_id)
        by_recipient: dict[payment_selectors.Recipient, list[dict[str, Any]]] = defaultdict(list)
        paid = [i for i in payment_selectors.payment_run_instalments(tenant=self.tenant, run=run) if i.amount_pence]
        with tenant_context(self.tenant):
            labels = source_labels((i.schedule.source_type, i.schedule.source_id) for i in paid)
        for i in paid:
            if i.amount_pence:
                by_recipient[payment_selectors.recipient_of(i.schedule)].append(
                    {
                        "award_reference": labels[(i.schedule.source_type, i.schedule.source_id)],
                        "source_type": i.schedule.source_type,
                        "source_id": i.schedule.source_id,
                        "due_on": i.due_on,
                        "amount_pence": i.amount_pence,
                    }
                )
        lines = []
        for line in payment_selectors.payment_run_lines(tenant=self.tenant, run=run):
            remittance = getattr(line, "remittance", None)
            lines.append(
                {
                    "id": line.pk,
                    "school_id": line.school_id,
                    "school_name": line.paid_to_name,
                    "urn": line.school.urn if line.school is not None else None,
                    "payee_id": line.payee_id,
                    "payee_name": line.payee.name if line.payee is not None else "",
                    "amount_pence": line.amount_pence,
                    "remittance_id": remittance.pk if remittance else None,
                    "remittance_ready": bool(remittance and remittance.sha256_csv and remittance.sha256_pdf),
                    "sha256_csv": remittance.sha256_csv if remittance else "",
                    "sha256_pdf": remittance.sha256_pdf if remittance else "",
                    "instalments": by_recipient[payment_selectors.line_recipient(line)],
                    "returned_on": line.returned_on,
                    "return_reason": line.return_reason,
                }
            )
        payload: dict[str, Any] = {name: getattr(run, name) for name in RUN_FIELDS}
        payload.update(pool_label=run.pool.label, lines=lines)
        return Response(self.OutputSerializer(payload).data)


class RemittanceRequestApi(TenantAPIView):
    """Ask again for a run's remittance advice (only what is missing is built)."""

    required_action = Action.VIEW_POOL

    @extend_schema(request=None, responses={202: PaymentRunOutputSerializer})
    def post(self, request: Request, body_slug: str, paymentrun_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        run = payment_selectors.payment_run_get(tenant=self.tenant, payment_run_id=paymentrun_id)
        run = services.remittances_request(actor=self.actor, tenant=self.tenant, payment_run_id=run.pk)
        return Response(PaymentRunOutputSerializer(run).data, status=202)


class _RemittanceFileApi(TenantAPIView):
    required_action = Action.VIEW_POOL
    kind: Literal["csv", "pdf"] = "csv"

    def _file(self, remittance_id: int) -> HttpResponse:
        try:
            file = downloads.remittance_download(
                actor=self.actor, tenant=self.tenant, remittance_id=remittance_id, kind=self.kind
            )
        except downloads.FileMissing as exc:
            # Answered, not raised: raising inside the view's tenant transaction would roll
            # back the flag and the rebuild the service has just recorded.
            return Response(error_body(exc.code, exc.message), status=404)
        response = HttpResponse(file.content, content_type=file.content_type)
        response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
        response["X-Checksum-SHA256"] = file.sha256
        return response


class RemittanceCsvApi(_RemittanceFileApi):
    kind = "csv"

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request: Request, body_slug: str, remittance_id: int) -> HttpResponse:
        return self._file(remittance_id)


class RemittancePdfApi(_RemittanceFileApi):
    kind = "pdf"

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request: Request, body_slug: str, remittance_id: int) -> HttpResponse:
        return self._file(remittance_id)


class PoolClosePreviewApi(TenantAPIView):
    required_action = Action.VIEW_POOL

    class OutputSerializer(serializers.Serializer):
        next_label = serializers.CharField()
        cash_pence = serializers.IntegerField()
        receivable_pence = serializers.IntegerField()
        commitments_pence = serializers.IntegerField()
        payable_pence = serializers.IntegerField()
        carried_forward_pence = serializers.IntegerField()
        unpaid_instalments = serializers.IntegerField()
        unpaid_instalments_pence = serializers.IntegerField()
        schedules_to_move = serializers.IntegerField()
        can_close = serializers.BooleanField()

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, body_slug: str, pool_id: int) -> Response:
        pool = selectors.pool_get(tenant=self.tenant, pool_id=pool_id)
        return Response(self.OutputSerializer(payment_selectors.pool_close_preview(tenant=self.tenant, pool=pool)).data)


class PoolCloseApi(TenantAPIView):
    required_action = Action.VIEW_POOL

    step_up_methods = frozenset({"POST"})  # a fresh authenticator code (accounts.stepup)

    class InputSerializer(serializers.Serializer):
        next_label = serializers.RegexField(r"^\d{4}-\d{2}$", max_length=7)

    @extend_schema(request=InputSerializer, responses=PoolOutputSerializer)
    def post(self, request: Request, body_slug: str, pool_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        pool = selectors.pool_get(tenant=self.tenant, pool_id=pool_id)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        pool = services.pool_close(actor=self.actor, tenant=self.tenant, pool=pool, **s.validated_data)
        return Response(PoolOutputSerializer(pool).data)


class PoolReopenApi(TenantAPIView):
    required_action = Action.VIEW_POOL

    step_up_methods = frozenset({"POST"})  # a fresh authenticator code (accounts.stepup)

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses=PoolOutputSerializer)
    def post(self, request: Request, body_slug: str, pool_id: int) -> Response:
        self.require(Action.MANAGE_MEMBERS)
        pool = selectors.pool_get(tenant=self.tenant, pool_id=pool_id)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        pool = services.pool_reopen(actor=self.actor, tenant=self.tenant, pool=pool, **s.validated_data)
        return Response(PoolOutputSerializer(pool).data)


class JournalExportApi(TenantAPIView):
    """The ledger between two dates as a CSV journal (streamed)."""

    required_action = Action.VIEW_POOL

    class FilterSerializer(serializers.Serializer):
        date_from = serializers.DateField()
        date_to = serializers.DateField()
        pool = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)

    @extend_schema(parameters=[FilterSerializer], responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request: Request, body_slug: str) -> StreamingHttpResponse:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        data = f.validated_data
        export = downloads.journal_export(
            actor=self.actor,
            tenant=self.tenant,
            date_from=data["date_from"],
            date_to=data["date_to"],
            pool_id=data["pool"],
        )
        return csv_response(export.lines, filename=export.filename, tenant=self.tenant)


class AccountCodesListApi(TenantAPIView):
    required_action = Action.VIEW_POOL

    @extend_schema(responses=AccountOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str, pool_id: int) -> Response:
        pool = selectors.pool_get(tenant=self.tenant, pool_id=pool_id)
        accounts = payment_selectors.account_list(tenant=self.tenant, pool=pool)
        return Response(AccountOutputSerializer(accounts, many=True).data)


class AccountCodesSetApi(TenantAPIView):
    required_action = Action.VIEW_POOL

    class InputSerializer(serializers.Serializer):
        nominal_code = serializers.CharField(max_length=20, allow_blank=True, default="")
        cost_centre = serializers.CharField(max_length=20, allow_blank=True, default="")
        cfr_code = serializers.CharField(max_length=10, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=AccountOutputSerializer)
    def post(self, request: Request, body_slug: str, account_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        account = payment_selectors.account_get(tenant=self.tenant, account_id=account_id)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        account = services.account_codes_set(
            actor=self.actor, tenant=self.tenant, account_id=account.pk, **s.validated_data
        )
        return Response(AccountOutputSerializer(account).data)
