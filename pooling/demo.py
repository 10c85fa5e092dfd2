"""Demo data for pooling: for each demo body, last funding year's pool closed (the grouping
began on 1 April 2026, so a year before that pooled nothing and was closed into this one)
and this year's pool open, with every member's IMF allocation, their contributions
calculated and some of them received, in part or in full. Idempotent: each step is
skipped once done. Payment runs come with the awards they pay (``exceptional_resource.demo``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import ResponsibleBody, Role, User
from core.tenancy import body_only_context, tenant_context
from groupings.models import Arrangement
from pooling.models import Contribution, ImfAllocation, Pool, PoolStatus, Receipt
from pooling.models.audit_grants import PoolAuditGrant
from pooling.periods import period_of
from pooling.services.allocations import allocation_set
from pooling.services.audit_grants import pool_audit_grant
from pooling.services.contributions import contributions_calculate
from pooling.services.ledger import pool_open
from pooling.services.period_close import pool_close
from pooling.services.receipts import receipt_record

DOMAINS = {"step-academy-trust": "step.example", "kingston": "kingston.example"}


def finance_officer(body: ResponsibleBody) -> User:
    return User.objects.get(email=f"finance.officer@{DOMAINS[body.slug]}")


def _auditor_grants(body: ResponsibleBody, pools: list[Pool]) -> None:
    """The body administrator gives the demo auditor this year's and last year's pools until
    the auditor's membership ends, through the same service as the page: an auditor reads pool
    money, cases and the audit log only of pools they are granted (issue 16)."""
    domain = DOMAINS[body.slug]
    admin = User.objects.get(email=f"body.admin@{domain}")
    auditor = User.objects.get(email=f"auditor@{domain}")
    with tenant_context(body):
        membership = auditor.memberships.filter(responsible_body=body, role=Role.AUDITOR).order_by("-valid_to").first()
        granted = set(PoolAuditGrant.objects.filter(user=auditor).values_list("content_object_id", flat=True))
    if membership is None or membership.valid_to is None:
        return
    for pool in pools:
        if pool.pk not in granted:
            pool_audit_grant(
                actor=admin, tenant=body, pool_id=pool.pk, auditor_id=auditor.pk, valid_until=membership.valid_to
            )


def _allocation_pence(urn: int) -> int:
    """A plausible IMF allocation, different for each school and the same every run."""
    return 45_000_00 + (urn % 7) * 5_000_00


def _previous_year_closed(body: ResponsibleBody, officer: User, label: str, previous_label: str) -> None:
    with tenant_context(body):
        previous = Pool.objects.filter(responsible_body=body, label=previous_label).first()
    if previous is not None and previous.status == PoolStatus.CLOSED:
        return
    previous = pool_open(actor=officer, tenant=body, label=previous_label)
    pool_close(actor=officer, tenant=body, pool=previous, next_label=label)


def _allocations_and_contributions(body: ResponsibleBody, officer: User, pool: Pool) -> None:
    with tenant_context(body):
        members = list(
            Arrangement.objects.filter(responsible_body=body, status__in=["active", "notice_given"])
            .select_related("school")
            .order_by("pk")
        )
        allocated = set(
            ImfAllocation.objects.filter(responsible_body=body, period_label=pool.label).values_list(
                "school_id", flat=True
            )
        )
        calculated = Contribution.objects.filter(pool=pool).exists()
    for arrangement in members:
        if arrangement.school_id not in allocated:
            allocation_set(
                actor=officer,
                tenant=body,
                period_label=pool.label,
                urn=arrangement.school.urn,
                amount_pence=_allocation_pence(arrangement.school.urn),
            )
    if not calculated:
        contributions_calculate(actor=officer, tenant=body, pool=pool)


def _receipts(body: ResponsibleBody, officer: User, pool: Pool) -> None:
    """Half the members have paid: every other one in full, the rest of that half in part."""
    today = timezone.localdate()
    with tenant_context(body):
        if Receipt.objects.filter(contribution__pool=pool).exists():
            return
        contributions = list(Contribution.objects.filter(pool=pool).order_by("school__name", "pk"))
    received_on = max(pool.starts_on, today - timedelta(days=20))
    for n, contribution in enumerate(contributions[: max(1, len(contributions) // 2)]):
        amount = contribution.expected_pence if n % 2 == 0 else contribution.expected_pence // 2
        if amount <= 0:
            continue
        receipt_record(
            actor=officer,
            tenant=body,
            contribution_id=contribution.pk,
            amount_pence=amount,
            received_on=received_on,
            method="top_slice" if body.is_trust else "transfer",
            reference=f"DEMO-{contribution.school.urn}",
        )


def seed(ctx: Any) -> None:
    period = period_of(timezone.localdate())
    previous_label = period_of(period.starts_on - timedelta(days=1)).label
    for slug in DOMAINS:
        body = ctx.bodies[slug]
        officer = finance_officer(body)
        # The body's services scope their reads by row-level security: out of the platform's
        # context, which sees every body, for the body's own work.
        with body_only_context(body):
            _previous_year_closed(body, officer, period.label, previous_label)
            pool = pool_open(actor=officer, tenant=body, label=period.label)
            _allocations_and_contributions(body, officer, pool)
            _receipts(body, officer, pool)
            with tenant_context(body):
                pools = list(Pool.objects.filter(responsible_body=body).order_by("starts_on"))
            _auditor_grants(body, pools)
