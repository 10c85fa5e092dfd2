"""API for a confirmed payment run's way to paid: send it to the bank (its bank file),
download the bank file again, record the bank's payment. The same services as the pages
(``pooling.services.payment_runs``); the writes need a fresh authenticator code."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import idempotent
from core.errors import NotFound
from pooling.apis.payments import PaymentRunOutputSerializer
from pooling.selectors import payments as payment_selectors
from pooling.services import payment_returns
from pooling.services import payment_runs as services


class PaymentRunSendApi(TenantAPIView):
    """Confirmed → sent to the bank. Answers the run (with the bank file's SHA-256); fetch
    the file from ``bank-file/``. 409 ``run_transition_not_allowed`` if it is not confirmed."""

    required_action = Action.VIEW_POOL
    step_up_methods = frozenset({"POST"})

    @extend_schema(request=None, responses={200: PaymentRunOutputSerializer})
    def post(self, request: Request, body_slug: str, paymentrun_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        file = services.payment_run_send(actor=self.actor, tenant=self.tenant, payment_run_id=paymentrun_id)
        return Response(PaymentRunOutputSerializer(file.run).data)


class PaymentRunBankFileApi(TenantAPIView):
    """The bank file of a run sent to the bank (or paid): the same bytes as when it was sent."""

    required_action = Action.VIEW_POOL

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request: Request, body_slug: str, paymentrun_id: int) -> HttpResponse:
        self.require(Action.MOVE_MONEY)
        file = services.payment_run_bank_file_download(
            actor=self.actor, tenant=self.tenant, payment_run_id=paymentrun_id
        )
        response = HttpResponse(file.content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
        response["X-Checksum-SHA256"] = file.sha256
        return response


class PaymentRunPaidApi(TenantAPIView):
    """Sent to the bank → paid on ``paid_on`` (the bank's confirmation): the payment is
    posted that day. 400 ``paid_on_in_future`` / ``paid_on_before_sent``; 409
    ``run_transition_not_allowed`` if the run is not sent to the bank."""

    required_action = Action.VIEW_POOL
    step_up_methods = frozenset({"POST"})

    class InputSerializer(serializers.Serializer):
        paid_on = serializers.DateField()
        bank_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)

    @extend_schema(request=InputSerializer, responses={200: PaymentRunOutputSerializer})
    def post(self, request: Request, body_slug: str, paymentrun_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        payment_selectors.payment_run_get(tenant=self.tenant, payment_run_id=paymentrun_id)  # 404 before 400
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        run = services.payment_run_record_paid(
            actor=self.actor, tenant=self.tenant, payment_run_id=paymentrun_id, **s.validated_data
        )
        return Response(PaymentRunOutputSerializer(run).data)


class PaymentReturnInputSerializer(serializers.Serializer):
    returned_on = serializers.DateField(help_text="The date of the bank's notice.")
    reason = serializers.CharField(max_length=300, help_text="Why the bank returned it (account closed, …).")


class PaymentLineOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    payment_run_id = serializers.IntegerField()
    school_id = serializers.IntegerField(allow_null=True)
    payee_id = serializers.IntegerField(allow_null=True)
    paid_to_name = serializers.CharField()
    amount_pence = serializers.IntegerField()
    returned_on = serializers.DateField(allow_null=True)
    return_reason = serializers.CharField()
    returned_by_label = serializers.CharField()


class PaymentLineReturnedApi(TenantAPIView):
    """One line of a paid run returned by the bank: its payment reversed in the ledger, its
    instalments due again. 409 ``already_returned`` the second time, ``run_transition_not_allowed``
    if the run is not paid; 400 ``returned_on_in_future`` / ``returned_on_before_sent`` /
    ``reason_required``."""

    required_action = Action.VIEW_POOL
    step_up_methods = frozenset({"POST"})

    @idempotent
    @extend_schema(request=PaymentReturnInputSerializer, responses={200: PaymentLineOutputSerializer})
    def post(self, request: Request, body_slug: str, paymentrun_id: int, paymentrunline_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        run = payment_selectors.payment_run_get(tenant=self.tenant, payment_run_id=paymentrun_id)
        line_id = paymentrunline_id
        if payment_selectors.payment_run_line_get(tenant=self.tenant, run=run, line_id=line_id) is None:
            raise NotFound("No such line in this payment run.")
        s = PaymentReturnInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        line = payment_returns.payment_run_line_return(
            actor=self.actor, tenant=self.tenant, payment_run_id=run.pk, line_id=line_id, **s.validated_data
        )
        return Response(PaymentLineOutputSerializer(line).data)


class PaymentRunFailedApi(TenantAPIView):
    """Sent to the bank → failed: the bank paid none of the run. Every line returned, the
    payable reversed, every instalment due again. 409 ``run_transition_not_allowed`` if the
    run is not sent to the bank (a paid run's lines are returned one by one)."""

    required_action = Action.VIEW_POOL
    step_up_methods = frozenset({"POST"})

    @idempotent
    @extend_schema(request=PaymentReturnInputSerializer, responses={200: PaymentRunOutputSerializer})
    def post(self, request: Request, body_slug: str, paymentrun_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        payment_selectors.payment_run_get(tenant=self.tenant, payment_run_id=paymentrun_id)  # 404 before 400
        s = PaymentReturnInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        run = payment_returns.payment_run_fail(
            actor=self.actor,
            tenant=self.tenant,
            payment_run_id=paymentrun_id,
            failed_on=s.validated_data["returned_on"],
            reason=s.validated_data["reason"],
        )
        return Response(PaymentRunOutputSerializer(run).data)
