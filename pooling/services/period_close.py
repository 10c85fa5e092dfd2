"""Closing a funding period and reopening it, and the accounts' finance-system codes.

Closing carries every balance-sheet account of the old pool into the next period's pool
in one balanced transaction (key ``f"{tenant.pk}:carry-forward:<pool id>:<n>"``, the n-th
close of the pool: a reopened pool that is closed again carries only what changed since).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.audit import audit_record, snapshot
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.money import format_pence
from core.tenancy import tenant_context
from pooling.error_codes import PoolingError
from pooling.models import (
    Account,
    AccountKind,
    Instalment,
    InstalmentSchedule,
    Leg,
    PaymentRunLine,
    Pool,
    PoolStatus,
    Transaction,
    TransactionKind,
)
from pooling.selectors.payments import pool_close_preview
from pooling.services.ledger import LegSpec, pool_open, post

POOL_FIELDS = ("status", "closed_at", "closed_by_label", "reopen_reason")
ACCOUNT_CODE_FIELDS = ("nominal_code", "cost_centre", "cfr_code")
# What a close carries into the next pool: the balance-sheet accounts. Income, expense and
# equity accounts (contributions, reserve, carry_forward, recoveries, awards) stay with
# their period.
CARRIED_PER_SCHOOL = (AccountKind.CONTRIBUTIONS_RECEIVABLE, AccountKind.COMMITMENTS, AccountKind.PAYABLE_TO_SCHOOLS)
CASH_ACCOUNTS = (AccountKind.POOL_BANK, AccountKind.PAYMENTS_MADE)


def _party_totals(old: Pool) -> dict[tuple[str, int | None, int | None], int]:
    """What each party holds on ``old``'s per-party accounts: (account kind, school id,
    payee id) → net pence. A commitment is carried to the party it was committed to: runs
    confirmed before commitments legs named the committed school debited a shared
    resource's payee instead, and those legs are put back on the schools the run's
    instalments were committed to (the run's instalments, with those of its lines the bank
    returned, must account for them exactly: if they do not, the close is refused naming
    the run, rather than carrying the commitment against the wrong party)."""
    totals: dict[tuple[str, int | None, int | None], int] = defaultdict(int)
    rows = (
        Leg.objects.filter(account__pool=old, account__kind__in=CARRIED_PER_SCHOOL)
        .values("account__kind", "school_id", "payee_id")
        .annotate(total=Sum("amount_pence"))
        .order_by("account__kind", "school_id", "payee_id")
    )
    for row in rows:
        totals[(row["account__kind"], row["school_id"], row["payee_id"])] += int(row["total"])
    legacy = (
        Leg.objects.filter(
            account__pool=old,
            account__kind=AccountKind.COMMITMENTS,
            payee__isnull=False,
            transaction__source_type="payment_run",
        )
        .values("transaction__source_id", "payee_id")
        .annotate(total=Sum("amount_pence"))
        .order_by("transaction__source_id", "payee_id")
    )
    for row in legacy:
        run_id, payee_id, amount = int(row["transaction__source_id"]), row["payee_id"], int(row["total"])
        returned = [
            i
            for ids in PaymentRunLine.objects.filter(payment_run_id=run_id, payee_id=payee_id).values_list(
                "returned_instalment_ids", flat=True
            )
            for i in ids
        ]
        by_school = dict(
            Instalment.objects.filter(Q(payment_run_id=run_id) | Q(pk__in=returned), schedule__payee_id=payee_id)
            .values_list("schedule__school_id")
            .annotate(total=Sum("amount_pence"))
            .order_by("schedule__school_id")
        )
        if sum(by_school.values()) != abs(amount):
            raise ConflictError(
                f"Pool {old.label} cannot be closed: payment run {run_id}'s instalments for payee {payee_id} add up "
                f"to {format_pence(sum(by_school.values()))}, not the {format_pence(abs(amount))} it committed, so "
                "its commitment cannot be carried to the schools it was committed to. Ask an administrator to "
                "check the run.",
                code=PoolingError.CLOSE_RUN_INSTALMENTS_MISMATCH,
            )
        sign = 1 if amount > 0 else -1
        totals[(AccountKind.COMMITMENTS, None, payee_id)] -= amount
        for school_id, part in by_school.items():
            totals[(AccountKind.COMMITMENTS, school_id, None)] += sign * int(part)
    return totals


def _carry_forward_legs(*, old: Pool, new: Pool) -> list[LegSpec]:
    """Legs that empty ``old``'s balance-sheet accounts into ``new``: receivables,
    commitments and anything payable party by party (each school, and each payee other than
    a school, keeps what it had), cash as one net amount; each pool's legs balanced by its
    carry_forward account (Dr in the old pool for what leaves, Cr in the new pool for what
    arrives)."""
    legs: list[LegSpec] = []
    for (kind, school_id, payee_id), total in sorted(
        _party_totals(old).items(), key=lambda item: (item[0][0], item[0][1] or 0, item[0][2] or 0)
    ):
        if total:
            legs.append(LegSpec(kind, -total, school_id, payee_id=payee_id))
            legs.append(LegSpec(kind, total, school_id, pool=new, payee_id=payee_id))
    cash = (
        Leg.objects.filter(account__pool=old, account__kind__in=CASH_ACCOUNTS)
        .values("account__kind")
        .annotate(total=Sum("amount_pence"))
        .order_by("account__kind")
    )
    net_cash = 0
    for row in cash:
        total = int(row["total"])
        if total:
            legs.append(LegSpec(row["account__kind"], -total))
            net_cash += total
    if net_cash:
        legs.append(LegSpec(AccountKind.POOL_BANK, net_cash, pool=new))
    leaving = -sum(leg.amount_pence for leg in legs if leg.pool is None)
    arriving = sum(leg.amount_pence for leg in legs if leg.pool is not None)
    if leaving:
        legs.append(LegSpec(AccountKind.CARRY_FORWARD, leaving))
    if arriving:
        legs.append(LegSpec(AccountKind.CARRY_FORWARD, -arriving, pool=new))
    return legs


def pool_close(*, actor: User, tenant: ResponsibleBody, pool: Pool, next_label: str) -> Pool:
    """Close a funding period after its last payment run and open the next.

    Refuses while anything is payable or a scheduled instalment due in the period is
    unpaid. Carries the old pool's cash, arrears and open commitments into the next pool in
    one transaction (its balance-sheet accounts end at zero; the next pool shows what
    arrived as ``carried_forward_pence``), moves the unpaid schedules to the next pool,
    copies the finance-system codes onto the next pool's accounts where it has none, and
    marks the old pool closed: the database then refuses postings to it."""
    with tenant_context(tenant), transaction.atomic():
        locked = lock_rows(Pool.objects).filter(pk=pool.pk).first()
        if locked is None:
            raise NotFound("No such pool.")
        if locked.status != PoolStatus.OPEN:
            raise ConflictError(f"Pool {locked.label} is already closed.", code=PoolingError.POOL_CLOSED)
        preview = pool_close_preview(tenant=tenant, pool=locked)
        if preview.payable_pence:
            raise ConflictError(
                f"£{preview.payable_pence / 100:,.2f} is payable to schools: pay it before closing.",
                code=PoolingError.PAYABLE_OUTSTANDING,
            )
        if preview.unpaid_instalments:
            raise ConflictError(
                f"{preview.unpaid_instalments} instalment(s) due by {locked.ends_on:%-d %B %Y} are unpaid: "
                "run a payment run first.",
                code=PoolingError.UNPAID_INSTALMENTS,
            )
        next_pool = pool_open(actor=actor, tenant=tenant, label=next_label)
        if next_pool.starts_on != locked.ends_on + timedelta(days=1):
            raise ApplicationError(
                f"The next period after {locked.label} starts on {locked.ends_on + timedelta(days=1):%-d %B %Y}.",
                code=PoolingError.NOT_THE_NEXT_PERIOD,
                field="next_label",
            )
        if next_pool.status != PoolStatus.OPEN:
            raise ConflictError(f"Pool {next_pool.label} is closed.", code=PoolingError.POOL_CLOSED, field="next_label")
        legs = _carry_forward_legs(old=locked, new=next_pool)
        n = Transaction.objects.filter(
            kind=TransactionKind.CARRY_FORWARD, source_type="pool", source_id=str(locked.pk)
        ).count()
        if legs:
            post(
                actor=actor,
                tenant=tenant,
                pool=locked,
                kind=TransactionKind.CARRY_FORWARD,
                posted_on=next_pool.starts_on,
                description=f"Carried forward from {locked.label} to {next_pool.label}",
                idempotency_key=f"{tenant.pk}:carry-forward:{locked.pk}:{n}",
                source_type="pool",
                source_id=str(locked.pk),
                legs=legs,
            )
        unpaid = Instalment.objects.filter(status=Instalment.Status.SCHEDULED).values("schedule_id")
        moving = list(
            lock_rows(InstalmentSchedule.objects)
            .filter(pool=locked, pk__in=unpaid)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        InstalmentSchedule.objects.filter(pk__in=moving).update(pool=next_pool)
        _copy_account_codes(old=locked, new=next_pool)
        before = snapshot(locked, POOL_FIELDS)
        locked.status = PoolStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by_label = actor.email
        locked.save(update_fields=["status", "closed_at", "closed_by_label"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.POOL_CLOSED,
            obj=locked,
            label=f"Pool {locked.label} closed; carried forward to {next_pool.label}",
            before=before,
            after=snapshot(locked, POOL_FIELDS)
            | {
                "next_pool": next_pool.pk,
                "cash_pence": preview.cash_pence,
                "receivable_pence": preview.receivable_pence,
                "commitments_pence": preview.commitments_pence,
                "carried_forward_pence": preview.carried_forward_pence,
                "schedules_moved": moving,
            },
        )
        if moving:
            audit_record(
                actor=actor,
                tenant=tenant,
                verb=AuditVerb.SCHEDULE_MOVED,
                object_type="pooling.instalmentschedule",
                object_id=",".join(str(pk) for pk in moving)[:64],
                label=f"{len(moving)} unpaid schedule(s) moved from pool {locked.label} to {next_pool.label}",
                before={"pool": locked.pk, "schedules": moving},
                after={"pool": next_pool.pk, "schedules": moving},
            )
        pool.refresh_from_db()
    return pool


def _copy_account_codes(*, old: Pool, new: Pool) -> None:
    codes = {a.kind: a for a in Account.objects.filter(pool=old)}
    changed = []
    for account in Account.objects.filter(pool=new):
        source = codes.get(account.kind)
        if source is None or any(getattr(account, f) for f in ACCOUNT_CODE_FIELDS):
            continue
        if not any(getattr(source, f) for f in ACCOUNT_CODE_FIELDS):
            continue
        for f in ACCOUNT_CODE_FIELDS:
            setattr(account, f, getattr(source, f))
        changed.append(account)
    Account.objects.bulk_update(changed, list(ACCOUNT_CODE_FIELDS))


def pool_reopen(*, actor: User, tenant: ResponsibleBody, pool: Pool, reason: str) -> Pool:
    """Reopen a closed period for a correction: body administrators only, with a reason.
    What was carried forward stays carried; closing again carries only what changed."""
    reason = (reason or "").strip()
    with tenant_context(tenant), transaction.atomic():
        access = BodyAccess.load(actor, tenant)
        if not access.can(Action.MANAGE_MEMBERS) or access.needs_mfa_for(Action.MANAGE_MEMBERS):
            raise PermissionDenied("Only a body administrator (with multi-factor authentication) can reopen a period.")
        if not reason:
            raise ApplicationError("Say why the period is reopened.", code=PoolingError.REASON_REQUIRED, field="reason")
        if len(reason) > 500:
            raise ApplicationError(
                "The reason must be 500 characters or fewer.", code=PoolingError.REASON_TOO_LONG, field="reason"
            )
        locked = lock_rows(Pool.objects).filter(pk=pool.pk).first()
        if locked is None:
            raise NotFound("No such pool.")
        if locked.status != PoolStatus.CLOSED:
            raise ConflictError(f"Pool {locked.label} is open.", code=PoolingError.POOL_OPEN)
        before = snapshot(locked, POOL_FIELDS)
        locked.status = PoolStatus.OPEN
        locked.reopen_reason = reason
        locked.closed_at = None
        locked.closed_by_label = ""
        locked.save(update_fields=["status", "reopen_reason", "closed_at", "closed_by_label"])
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.POOL_REOPENED,
            obj=locked,
            label=f"Pool {locked.label} reopened: {reason}"[:300],
            before=before,
            after=snapshot(locked, POOL_FIELDS),
        )
        pool.refresh_from_db()
    return pool


# --- Finance-system codes -------------------------------------------------------------------


_CODE_LIMITS = {"nominal_code": 20, "cost_centre": 20, "cfr_code": 10}


def _clean_code(value: str, *, field: str) -> str:
    value = (value or "").strip()
    if len(value) > _CODE_LIMITS[field]:
        raise ApplicationError(
            f"Enter {_CODE_LIMITS[field]} characters or fewer.", code=PoolingError.CODE_TOO_LONG, field=field
        )
    if value and (not value[0].isalnum() or not all(c.isalnum() or c in " ._/-" for c in value)):
        raise ApplicationError(
            "Use letters, numbers, spaces and . _ / - only, starting with a letter or number.",
            code=PoolingError.INVALID_CODE,
            field=field,
        )
    return value


def account_codes_set(
    *, actor: User, tenant: ResponsibleBody, account_id: int, nominal_code: str, cost_centre: str, cfr_code: str = ""
) -> Account:
    """Set the nominal code, cost centre and CFR code the journal export uses for an account."""
    values = {
        "nominal_code": _clean_code(nominal_code, field="nominal_code"),
        "cost_centre": _clean_code(cost_centre, field="cost_centre"),
        "cfr_code": _clean_code(cfr_code, field="cfr_code"),
    }
    with tenant_context(tenant), transaction.atomic():
        account = lock_rows(Account.objects).select_related("pool").filter(pk=account_id).first()
        if account is None:
            raise NotFound("No such account.")
        before = snapshot(account, ACCOUNT_CODE_FIELDS)
        if before == values:
            return account
        for name, value in values.items():
            setattr(account, name, value)
        account.save(update_fields=list(ACCOUNT_CODE_FIELDS))
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.ACCOUNT_CODES_SET,
            obj=account,
            before=before,
            after=snapshot(account, ACCOUNT_CODE_FIELDS),
        )
    return account
