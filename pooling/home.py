"""The work the pool puts first on the home page: for a finance officer, the open pool's
headroom, the instalments due this week, the contributions still to be received and the
allocation import; for a trustee, the headline figures and the latest governance pack."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import ResponsibleBody, Role
from accounts.policy import Action, BodyAccess
from accounts.web import WorkItem
from core.money import format_pence
from pooling.models import Instalment, Pool
from pooling.selectors import ledger_browse
from pooling.selectors.paid import pool_headroom_on
from reports.models import ReportRun

GOVERNANCE_PACK = "governance_pack"


def _url(name: str, body: ResponsibleBody, **kwargs: object) -> str:
    return reverse(name, kwargs={"body_slug": body.slug, **kwargs})


def _open_pool(body: ResponsibleBody) -> Pool | None:
    return Pool.objects.for_tenant(body).filter(status="open").order_by("-starts_on").first()


def finance_work(access: BodyAccess, body: ResponsibleBody) -> list[WorkItem]:
    if not access.can(Action.MOVE_MONEY):
        return []
    pool = _open_pool(body)
    if pool is None:
        return [
            WorkItem(
                "No pool is open",
                "",
                "Open this year's pool so that decisions can commit money and schools' contributions can be set.",
                "Open a pool",
                _url("pooling:dashboard", body),
            )
        ]
    today = timezone.localdate()
    headroom = pool_headroom_on(tenant=body, pool=pool, day=today)
    week = today + timedelta(days=7)
    due = (
        Instalment.objects.for_tenant(body)
        .filter(schedule__pool=pool, status=Instalment.Status.SCHEDULED, due_on__lte=week)
        .aggregate(n=Count("pk"), pence=Sum("amount_pence"))
    )
    contributions = ledger_browse.contributions_overview(tenant=body, pool=pool, top=0)
    outstanding = contributions.expected_pence - contributions.received_pence
    return [
        WorkItem(
            f"Available to commit in pool {pool.label}",
            format_pence(headroom.available_on_expected_pence),
            f"{format_pence(headroom.paid_pence)} paid to schools so far",
            "Open the pool dashboard",
            _url("pooling:dashboard", body) + f"?pool={pool.pk}",
        ),
        WorkItem(
            "Payments due this week",
            format_pence(int(due["pence"] or 0)),
            f"{due['n']} instalment{'s' if due['n'] != 1 else ''} due by {week:%-d %B %Y} and in no payment run",
            "Prepare a payment run",
            _url("pooling:payment-run-new", body, pool_id=pool.pk),
        ),
        WorkItem(
            "Contributions still to be received",
            format_pence(max(outstanding, 0)),
            f"from {contributions.schools} member schools",
            "See contributions",
            _url("pooling:contributions", body, pool_id=pool.pk),
        ),
        WorkItem(
            "Allocations",
            "",
            "Import the DfE allocation file to set each school's contribution.",
            "Import allocations",
            _url("pooling:allocation-import", body, pool_id=pool.pk),
        ),
    ]


def trustee_work(access: BodyAccess, body: ResponsibleBody) -> list[WorkItem]:
    if Role.TRUSTEE not in access.roles:
        return []
    items: list[WorkItem] = []
    pool = _open_pool(body)
    if pool is not None:
        headroom = pool_headroom_on(tenant=body, pool=pool, day=timezone.localdate())
        items.append(
            WorkItem(
                f"Pool {pool.label}",
                format_pence(headroom.available_on_expected_pence),
                f"available to commit; {format_pence(headroom.paid_pence)} paid to schools so far",
                "Open the pool dashboard",
                _url("pooling:dashboard", body) + f"?pool={pool.pk}",
            )
        )
    latest = (
        ReportRun.objects.for_tenant(body)
        .filter(report_type=GOVERNANCE_PACK, status=ReportRun.Status.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .first()
    )
    if latest is not None:
        items.append(
            WorkItem(
                "Latest governance pack",
                "",
                latest.label,
                "Read the latest governance pack",
                _url("reports:report", body, reportrun_id=latest.pk),
            )
        )
    else:
        items.append(
            WorkItem(
                "Governance pack",
                "",
                "No governance pack has been produced yet.",
                "Request a governance pack",
                _url("reports:report-new", body),
            )
        )
    return items
