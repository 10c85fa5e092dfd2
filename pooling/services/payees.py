"""Payees other than schools: whom a schedule pays directly (a shared post's employer, a
commissioned service's provider, the trust hosting a support base), with the bank details a
payment needs. Changing bank details is a finance officer's act (``money.move``), audited
with the old and new last four digits, never the whole number."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.constraints import violates
from core.errors import ApplicationError, ConflictError, NotFound
from core.locking import lock_rows
from core.tenancy import tenant_context
from pooling.error_codes import PoolingError
from pooling.models import InstalmentSchedule, Payee

_SEPARATORS = re.compile(r"[\s-]")


def _digits(value: str, *, n: int, field: str, what: str) -> str:
    cleaned = _SEPARATORS.sub("", value or "")
    if not cleaned:
        raise ApplicationError(f"Enter the payee's {what}.", code=PoolingError.MISSING_FIELD, field=field)
    if not (cleaned.isascii() and cleaned.isdigit() and len(cleaned) == n):
        raise ApplicationError(f"Enter the {what} as {n} digits.", code=PoolingError.INVALID_BANK_DETAILS, field=field)
    return cleaned


def _text(value: str, *, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ApplicationError(f"Enter {limit} characters or fewer.", code=PoolingError.REFERENCE_TOO_LONG, field=field)
    return value


def _snapshot(payee: Payee) -> dict[str, str]:
    return {
        "kind": payee.kind,
        "name": payee.name,
        "sort_code": payee.sort_code,
        "account": payee.account_masked if payee.account_number else "",
        "payment_reference": payee.payment_reference,
        "remittance_email": payee.remittance_email,
        "address": payee.address,
    }


def payee_set(
    *,
    actor: User,
    tenant: ResponsibleBody,
    kind: str,
    name: str,
    sort_code: str,
    account_number: str,
    payment_reference: str = "",
    remittance_email: str = "",
    address: str = "",
) -> Payee:
    """The body's payee called ``name``, created, or with these details if it exists (one
    payee per name per body: a second resource employed by the same entity shares it)."""
    if kind not in Payee.Kind.values:
        raise ApplicationError("Choose what kind of payee this is.", code=PoolingError.MISSING_FIELD, field="kind")
    name = (name or "").strip()
    if not name:
        raise ApplicationError("Enter the payee's name.", code=PoolingError.MISSING_FIELD, field="payee")
    name = _text(name, field="payee", limit=200)
    sort_code = _digits(sort_code, n=6, field="sort_code", what="sort code")
    account_number = _digits(account_number, n=8, field="account_number", what="account number")
    payment_reference = _text(payment_reference, field="payment_reference", limit=18)
    address = _text(address, field="address", limit=300)
    remittance_email = _text(remittance_email, field="remittance_email", limit=254)
    if remittance_email and ("@" not in remittance_email or " " in remittance_email):
        raise ApplicationError(
            "Enter an email address like name@example.org.",
            code=PoolingError.INVALID_BANK_DETAILS,
            field="remittance_email",
        )
    with tenant_context(tenant), transaction.atomic():
        access = BodyAccess.load(actor, tenant)
        if not access.can(Action.MOVE_MONEY) or access.needs_mfa_for(Action.MOVE_MONEY):
            raise ApplicationError(
                "Only a finance officer may set a payee's bank details.", code=PoolingError.NOT_ALLOWED
            )
        payee = lock_rows(Payee.objects.filter(name=name)).first()
        before = _snapshot(payee) if payee is not None else None
        before_account, before_sort = (payee.account_number, payee.sort_code) if payee is not None else ("", "")
        if payee is None:
            payee = Payee(responsible_body=tenant, name=name, created_by_label=actor.email)
        payee.kind, payee.sort_code, payee.account_number = kind, sort_code, account_number
        payee.payment_reference, payee.remittance_email, payee.address = payment_reference, remittance_email, address
        after = _snapshot(payee)
        # Compare the real bank details, not the masked ones the audit keeps: a corrected
        # account number with the same last four digits is still a change.
        unchanged = before == after and (before_account, before_sort) == (payee.account_number, payee.sort_code)
        if unchanged:
            return payee
        try:
            with transaction.atomic():
                payee.save()
        except IntegrityError as exc:
            if violates(exc, "payee_name_per_body"):
                raise ConflictError(
                    "A payee with that name was added at the same moment: try again.",
                    code=PoolingError.DUPLICATE_POSTING,
                    field="payee",
                ) from exc
            raise
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.PAYEE_SET,
            obj=payee,
            label=f"Payee {payee.name}: sort code {payee.sort_code_display}, account {payee.account_masked}"[:300],
            before=before,
            after=after,
        )
    return payee


def schedule_payee_set(
    *, actor: User, tenant: ResponsibleBody, source_type: str, source_ids: list[str], payee_id: int | None
) -> int:
    """Pay what is still unpaid on these schedules to ``payee_id`` (None: to each schedule's
    school). Runs already confirmed keep paying whom they paid. Returns how many schedules
    changed."""
    with tenant_context(tenant), transaction.atomic():
        if payee_id is not None and not Payee.objects.filter(pk=payee_id).exists():
            raise NotFound("No such payee.", field="payee_id")
        schedules = list(
            lock_rows(InstalmentSchedule.objects.filter(source_type=source_type, source_id__in=source_ids))
            .exclude(payee_id=payee_id)
            .order_by("pk")
        )
        for schedule in schedules:
            before = {"payee": schedule.payee_id}
            schedule.payee_id = payee_id
            schedule.save(update_fields=["payee"])
            audit_record(
                actor=actor,
                tenant=tenant,
                verb=AuditVerb.SCHEDULE_PAYEE_SET,
                obj=schedule,
                label=f"{source_type} {schedule.source_id}: paid to "
                + (f"payee {payee_id}" if payee_id else "the school"),
                before=before,
                after={"payee": payee_id},
            )
    return len(schedules)
