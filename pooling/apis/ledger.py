"""API for pools and their ledger: pools, opening one, headroom and balances as at a date,
transactions with their legs (keyset cursor pagination), one transaction, and reversing it."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policy import Action
from accounts.web import TenantAPIView
from core.api import created, idempotent
from pooling import selectors
from pooling.forms.ledger import period_label_error
from pooling.models import AccountKind, Transaction
from pooling.selectors import ledger_browse as browse
from pooling.services.ledger import pool_open_or_get, transaction_reverse


class LedgerPoolOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)


class LegOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.CharField(source="account.kind")
    account_name = serializers.CharField(source="account.get_kind_display")
    pool_id = serializers.IntegerField(source="account.pool_id")
    amount_pence = serializers.IntegerField(help_text="Debit positive, credit negative.")
    debit_pence = serializers.SerializerMethodField()
    credit_pence = serializers.SerializerMethodField()
    school_id = serializers.IntegerField(allow_null=True)
    school_urn = serializers.IntegerField(source="school.urn", allow_null=True, default=None)
    school_name = serializers.CharField(source="school.name", allow_null=True, default=None)

    def get_debit_pence(self, leg: Any) -> int:
        return max(int(leg.amount_pence), 0)

    def get_credit_pence(self, leg: Any) -> int:
        return max(-int(leg.amount_pence), 0)


class TransactionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pool_id = serializers.IntegerField()
    kind = serializers.CharField()
    posted_on = serializers.DateField()
    description = serializers.CharField()
    idempotency_key = serializers.CharField()
    source_type = serializers.CharField()
    source_id = serializers.CharField()
    reverses_id = serializers.IntegerField(allow_null=True)
    reversed_by_id = serializers.SerializerMethodField()
    actor_label = serializers.CharField()
    created_at = serializers.DateTimeField()
    legs = LegOutputSerializer(many=True)

    def get_reversed_by_id(self, txn: Transaction) -> int | None:
        reversal = getattr(txn, "reversed_by", None)
        return reversal.pk if reversal is not None else None


class AsAtSerializer(serializers.Serializer):
    as_at = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="YYYY-MM-DD; today's figures when left out."
    )


def _as_at(request: Request) -> date | None:
    f = AsAtSerializer(data=request.query_params)
    f.is_valid(raise_exception=True)
    as_at: date | None = f.validated_data["as_at"]
    return as_at


class PoolListApi(TenantAPIView):
    required_action = Action.VIEW_POOL

    @extend_schema(responses=LedgerPoolOutputSerializer(many=True))
    def get(self, request: Request, body_slug: str) -> Response:
        return Response(LedgerPoolOutputSerializer(selectors.pool_list(tenant=self.tenant), many=True).data)


class PoolOpenApi(TenantAPIView):
    """Open the body's pool for a funding period. Idempotent: 201 when opened now, 200
    with the pool when it was already open."""

    required_action = Action.VIEW_POOL

    class InputSerializer(serializers.Serializer):
        label = serializers.CharField(max_length=20, help_text="The funding period, like 2026-27.")  # type: ignore[assignment]

        def validate_label(self, value: str) -> str:
            error = period_label_error(value)
            if error:
                raise serializers.ValidationError(error + ".")
            return value.strip()

    @extend_schema(
        request=InputSerializer, responses={201: LedgerPoolOutputSerializer, 200: LedgerPoolOutputSerializer}
    )
    def post(self, request: Request, body_slug: str) -> Response:
        self.require(Action.MOVE_MONEY)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        pool, opened = pool_open_or_get(actor=self.actor, tenant=self.tenant, label=s.validated_data["label"])
        data = LedgerPoolOutputSerializer(pool).data
        return created(data) if opened else Response(data)


class PoolHeadroomApi(TenantAPIView):
    required_action = Action.VIEW_POOL

    class OutputSerializer(serializers.Serializer):
        pool_id = serializers.IntegerField()
        as_at = serializers.DateField(allow_null=True)
        expected_pence = serializers.IntegerField()
        received_pence = serializers.IntegerField()
        carried_forward_pence = serializers.IntegerField()
        recoveries_pence = serializers.IntegerField()
        reserve_pence = serializers.IntegerField()
        committed_outstanding_pence = serializers.IntegerField()
        payable_pence = serializers.IntegerField()
        paid_pence = serializers.IntegerField()
        receivable_pence = serializers.IntegerField()
        cash_pence = serializers.IntegerField()
        available_on_received_pence = serializers.IntegerField()
        available_on_expected_pence = serializers.IntegerField()

    @extend_schema(parameters=[AsAtSerializer], responses=OutputSerializer)
    def get(self, request: Request, body_slug: str, pool_id: int) -> Response:
        pool = selectors.pool_get(tenant=self.tenant, pool_id=pool_id)
        as_at = _as_at(request)
        headroom = selectors.pool_headroom(tenant=self.tenant, pool=pool, as_at=as_at)
        return Response(self.OutputSerializer({"pool_id": pool.pk, "as_at": as_at, **headroom.as_dict()}).data)


class PoolBalancesApi(TenantAPIView):
    """Each account's balance (the sum of its legs; debit positive) as at a date."""

    required_action = Action.VIEW_POOL

    class OutputSerializer(serializers.Serializer):
        account = serializers.CharField()
        account_name = serializers.CharField()
        nominal_code = serializers.CharField()
        cost_centre = serializers.CharField()
        cfr_code = serializers.CharField()
        balance_pence = serializers.IntegerField(help_text="Debit positive, credit negative.")

    @extend_schema(parameters=[AsAtSerializer], responses=OutputSerializer(many=True))
    def get(self, request: Request, body_slug: str, pool_id: int) -> Response:
        pool = selectors.pool_get(tenant=self.tenant, pool_id=pool_id)
        as_at = _as_at(request)
        balances = selectors.pool_balances(tenant=self.tenant, pool=pool, as_at=as_at)
        rows = [
            {
                "account": a.kind,
                "account_name": a.get_kind_display(),
                "nominal_code": a.nominal_code,
                "cost_centre": a.cost_centre,
                "cfr_code": a.cfr_code,
                "balance_pence": balances.get(a.kind, 0),
            }
            for a in browse.account_list(tenant=self.tenant, pool=pool)
        ]
        return Response(self.OutputSerializer(rows, many=True).data)


CURSOR_HELP = "Opaque: pass the `next` or `previous` link as it is."


class TransactionListApi(TenantAPIView):
    """A pool's transactions with their legs, newest first. Cursor (keyset) pagination: a
    deep page costs what the first costs."""

    required_action = Action.VIEW_POOL

    class FilterSerializer(serializers.Serializer):
        account_kind = serializers.ChoiceField(
            choices=AccountKind.choices, required=False, allow_blank=True, default=""
        )
        source_type = serializers.CharField(required=False, default="", allow_blank=True, max_length=60)
        date_from = serializers.DateField(required=False, allow_null=True, default=None)
        date_to = serializers.DateField(required=False, allow_null=True, default=None)
        after = serializers.CharField(required=False, default="", allow_blank=True, help_text=CURSOR_HELP)
        before = serializers.CharField(required=False, default="", allow_blank=True, help_text=CURSOR_HELP)
        page_size = serializers.IntegerField(
            required=False, default=browse.PAGE_SIZE, min_value=1, max_value=browse.MAX_PAGE_SIZE
        )

        def _cursor(self, value: str) -> browse.Cursor | None:
            if not value:
                return None
            try:
                return browse.Cursor.decode(value)
            except ValueError as exc:
                raise serializers.ValidationError(
                    "Not a cursor from this API: follow the next or previous link."
                ) from exc

        def validate_after(self, value: str) -> browse.Cursor | None:
            return self._cursor(value)

        def validate_before(self, value: str) -> browse.Cursor | None:
            return self._cursor(value)

        def validate(self, data: dict[str, Any]) -> dict[str, Any]:
            if data.get("after") and data.get("before"):
                raise serializers.ValidationError({"before": "Give after or before, not both."})
            if data["date_from"] and data["date_to"] and data["date_to"] < data["date_from"]:
                raise serializers.ValidationError({"date_to": "Must be on or after date_from."})
            return data

    @extend_schema(
        operation_id="v1_bodies_pools_transactions_list",
        parameters=[FilterSerializer],
        responses=inline_serializer(
            "TransactionPage",
            {
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": TransactionOutputSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request, body_slug: str, pool_id: int) -> Response:
        pool = selectors.pool_get(tenant=self.tenant, pool_id=pool_id)
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        data = f.validated_data
        page = browse.transaction_page(
            tenant=self.tenant,
            pool=pool,
            account_kind=data["account_kind"],
            source_type=data["source_type"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            after=data["after"],
            before=data["before"],
            size=data["page_size"],
        )
        keep = {k: v for k, v in request.query_params.items() if k not in ("after", "before") and v}
        base = request.build_absolute_uri(request.path)

        def link(**cursor: str) -> str:
            return f"{base}?{urlencode({**keep, **cursor})}"

        return Response(
            {
                "next": link(after=page.older.encode()) if page.older else None,
                "previous": link(before=page.newer.encode()) if page.newer else None,
                "results": TransactionOutputSerializer(page.transactions, many=True).data,
            }
        )


class TransactionDetailApi(TenantAPIView):
    required_action = Action.VIEW_POOL

    @extend_schema(operation_id="v1_bodies_pools_transaction_retrieve", responses=TransactionOutputSerializer)
    def get(self, request: Request, body_slug: str, transaction_id: int) -> Response:
        txn = browse.transaction_detail(tenant=self.tenant, transaction_id=transaction_id)
        return Response(TransactionOutputSerializer(txn).data)


class TransactionReverseApi(TenantAPIView):
    """Post the exact opposite of a transaction, with the reason. Once only."""

    required_action = Action.VIEW_POOL

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=250)

    @idempotent
    @extend_schema(request=InputSerializer, responses={201: TransactionOutputSerializer})
    def post(self, request: Request, body_slug: str, transaction_id: int) -> Response:
        self.require(Action.MOVE_MONEY)
        original = browse.transaction_detail(tenant=self.tenant, transaction_id=transaction_id)
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        reversal = transaction_reverse(
            actor=self.actor, tenant=self.tenant, transaction_id=original.pk, reason=s.validated_data["reason"]
        )
        txn = browse.transaction_detail(tenant=self.tenant, transaction_id=reversal.pk)
        return created(TransactionOutputSerializer(txn).data)
