"""Receipts: money received against a contribution (a bank transfer, or for a trust's own
academies an internal top-slice). Arrears are expected less received."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.money import format_pence
from core.tenancy import tenant_context
from groupings.models import ArrangementBasis
from pooling.error_codes import PoolingError
from pooling.models import (
    AccountKind,
    Contribution,
    Pool,
    PoolStatus,
    Receipt,
    TransactionKind,
)
from pooling.services.ledger import LegSpec, post

# Receipts may be dated from a month before the period to six months after it ends.
RECEIPT_DAYS_BEFORE_PERIOD = 31
RECEIPT_DAYS_AFTER_PERIOD = 183
# Bases where the body holds the school's budget and may top-slice it instead of invoicing.
TOP_SLICE_BASES = frozenset({ArrangementBasis.OWN_ACADEMY, ArrangementBasis.MAINTAINED_VIA_LA})
RECEIPT_FIELDS = ("contribution", "amount_pence", "received_on", "method", "reference")


def receipt_window(pool: Pool) -> tuple[date, date]:
    """The dates a receipt for ``pool`` may carry."""
    return (
        pool.starts_on - timedelta(days=RECEIPT_DAYS_BEFORE_PERIOD),
        pool.ends_on + timedelta(days=RECEIPT_DAYS_AFTER_PERIOD),
    )


def receipt_record(
    *,
    actor: User,
    tenant: ResponsibleBody,
    contribution_id: int,
    amount_pence: int,
    received_on: date,
    method: str,
    reference: str = "",
    request_key: str = "",
) -> Receipt:
    """Record money received against a contribution: Dr pool bank, Cr contributions
    receivable. Refuses more than is outstanding. ``request_key`` (the form's or client's
    token) makes a repeated submission return the first receipt instead of a second."""
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int):
        raise ApplicationError(
            "Enter the amount in whole pence.", code=PoolingError.INVALID_AMOUNT, field="amount_pence"
        )
    if amount_pence <= 0:
        raise ApplicationError(
            "Enter an amount received of more than £0.00.", code=PoolingError.AMOUNT_NOT_POSITIVE, field="amount_pence"
        )
    if method not in Receipt.Method.values:
        raise ApplicationError("Choose how the money was received.", code=PoolingError.INVALID_METHOD, field="method")
    reference = reference.strip()
    if len(reference) > 100:
        raise ApplicationError(
            "Enter a reference of 100 characters or fewer.", code=PoolingError.REFERENCE_TOO_LONG, field="reference"
        )
    with tenant_context(tenant), transaction.atomic():
        contribution = (
            lock_rows(Contribution.objects)
            .select_related("pool", "school", "arrangement")
            .filter(pk=contribution_id)
            .first()
        )
        if contribution is None:
            raise NotFound("No such contribution.")
        key = f"{tenant.pk}:receipt-request:{request_key}" if request_key else ""
        if key:
            earlier = Receipt.objects.filter(pk__in=_receipt_ids_posted_with(key), contribution=contribution).first()
            if earlier is not None:
                return earlier
        pool = contribution.pool
        if pool.status != PoolStatus.OPEN:
            raise ConflictError(f"Pool {pool.label} is closed: no further receipts.", code=PoolingError.POOL_CLOSED)
        earliest, latest = receipt_window(pool)
        if not earliest <= received_on <= latest:
            raise ApplicationError(
                f"The date received must be between {earliest:%-d %B %Y} and {latest:%-d %B %Y} for pool {pool.label}.",
                code=PoolingError.RECEIVED_ON_OUTSIDE_PERIOD,
                field="received_on",
            )
        if received_on > timezone.localdate():
            raise ApplicationError(
                "The date received must be today or in the past.",
                code=PoolingError.RECEIVED_ON_IN_FUTURE,
                field="received_on",
            )
        if method == Receipt.Method.TOP_SLICE and contribution.arrangement.basis not in TOP_SLICE_BASES:
            raise ApplicationError(
                f"{contribution.school.name} is not funded by this body, so its contribution cannot be "
                "top-sliced: record the bank transfer.",
                code=PoolingError.TOP_SLICE_NOT_ALLOWED,
                field="method",
            )
        outstanding = contribution_outstanding_pence(tenant=tenant, contribution=contribution)
        if amount_pence > outstanding:
            raise ApplicationError(
                f"Only {format_pence(max(outstanding, 0))} is outstanding from {contribution.school.name}: "
                "enter no more than that.",
                code=PoolingError.MORE_THAN_OUTSTANDING,
                field="amount_pence",
                extra={"outstanding_pence": outstanding},
            )
        receipt = Receipt(
            responsible_body=tenant,
            contribution=contribution,
            amount_pence=amount_pence,
            received_on=received_on,
            method=method,
            reference=reference,
            recorded_by_label=actor.email,
        )
        receipt.save()
        _, created = post(
            actor=actor,
            tenant=tenant,
            pool=pool,
            kind=TransactionKind.RECEIPT,
            posted_on=received_on,
            description=(
                f"{receipt.get_method_display()} from {contribution.school.name} ({contribution.school.urn})"
                + (f": {reference}" if reference else "")
            ),
            idempotency_key=key or f"{tenant.pk}:receipt:{receipt.pk}",
            source_type="receipt",
            source_id=str(receipt.pk),
            legs=[
                LegSpec(AccountKind.POOL_BANK, amount_pence, contribution.school_id),
                LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, -amount_pence, contribution.school_id),
            ],
        )
        if not created:
            raise ConflictError("That receipt has already been recorded.", code=PoolingError.DUPLICATE_RECEIPT)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.RECEIPT_RECORDED,
            obj=receipt,
            label=f"{format_pence(amount_pence)} from {contribution.school.name} ({contribution.school.urn})",
            after=snapshot(receipt, RECEIPT_FIELDS),
        )
    return receipt


def _receipt_ids_posted_with(key: str) -> list[int]:
    from pooling.models import Transaction

    return [
        int(source_id)
        for source_id in Transaction.objects.filter(idempotency_key=key, source_type="receipt").values_list(
            "source_id", flat=True
        )
    ]


def contribution_outstanding_pence(*, tenant: ResponsibleBody, contribution: Contribution) -> int:
    """Expected (as posted) less received (as posted) for one contribution."""
    from pooling.selectors.contribution_ledger import contribution_ledger_totals

    totals = contribution_ledger_totals(tenant=tenant, pool=contribution.pool, contribution_ids=[contribution.pk])
    expected, received = totals.get(contribution.pk, (0, 0))
    return expected - received
