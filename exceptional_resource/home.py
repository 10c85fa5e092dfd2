"""The work the cases app puts first on each role's home page: for a head or SENDCO,
starting a case, the cases waiting for them and what the pool is paying their school; for
a decision officer, the queue by its clock and the reviews due. Counts are a handful of
aggregate queries whatever the number of cases."""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import ResponsibleBody
from accounts.policy import Action, BodyAccess
from accounts.web import WorkItem
from core.money import format_pence
from exceptional_resource.models import CaseStatus
from exceptional_resource.selectors import cases as selectors
from pooling.models import Instalment

S = CaseStatus
NEEDS_SCHOOL = (S.DRAFT, S.INFORMATION_REQUESTED, S.REVIEW_DUE)
AWAITING_DECISION = (S.SUBMITTED, S.RECONSIDERATION_REQUESTED)


def _url(name: str, body: ResponsibleBody, query: str = "") -> str:
    return reverse(f"cases:{name}", kwargs={"body_slug": body.slug}) + query


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def school_work(access: BodyAccess, body: ResponsibleBody) -> list[WorkItem]:
    if not access.can(Action.RAISE_CASE):
        return []
    scope = access.school_ids(Action.RAISE_CASE)
    today = timezone.localdate()
    counts = (
        selectors.case_rows(tenant=body, school_ids=scope)
        .order_by()
        .aggregate(
            draft=Count("pk", filter=Q(status=S.DRAFT)),
            asked=Count("pk", filter=Q(status=S.INFORMATION_REQUESTED)),
            review=Count("pk", filter=Q(status=S.REVIEW_DUE)),
        )
    )
    needing = counts["draft"] + counts["asked"] + counts["review"]
    totals = selectors.award_totals(tenant=body, school_ids=scope)
    upcoming = Instalment.objects.for_tenant(body).filter(
        schedule__source_type="award", status=Instalment.Status.SCHEDULED, due_on__gte=today
    )
    if scope is not None:
        upcoming = upcoming.filter(schedule__school_id__in=scope)
    next_due = upcoming.aggregate(day=Min("due_on"))["day"]
    parts = [
        _plural(counts["draft"], "draft to finish", "drafts to finish"),
        _plural(counts["asked"], "question to answer", "questions to answer"),
        _plural(counts["review"], "review to record", "reviews to record"),
    ]
    return [
        WorkItem(
            "Start a case",
            "",
            "Raise a case for a pupil whose needs are beyond what your school's own funding can provide.",
            "Start a case",
            _url("new", body),
        ),
        WorkItem("Cases needing your action", str(needing), ", ".join(parts), "See your cases", _url("list", body)),
        WorkItem(
            "Awards and next payments",
            format_pence(totals.to_come_pence),
            f"still to be paid; {format_pence(totals.paid_pence)} paid so far"
            + (f"; next instalment due {next_due:%-d %B %Y}" if next_due else ""),
            "See awards and payments",
            _url("awards", body),
        ),
    ]


def officer_work(access: BodyAccess, body: ResponsibleBody) -> list[WorkItem]:
    if not access.can(Action.DECIDE_CASE):
        return []
    scope = access.school_ids(Action.DECIDE_CASE)
    today = timezone.localdate()
    queue = (
        selectors.case_rows(tenant=body, school_ids=scope)
        .order_by()
        .aggregate(
            waiting=Count("pk", filter=Q(status__in=AWAITING_DECISION)),
            late=Count("pk", filter=Q(status__in=AWAITING_DECISION, decision_due_on__lt=today)),
            due_soon=Count(
                "pk",
                filter=Q(status__in=AWAITING_DECISION, decision_due_on__gte=today, decision_due_on__lte=today),
            ),
        )
    )
    reviews = selectors.reviews_due_cases(tenant=body, school_ids=scope).count()
    return [
        WorkItem(
            "Cases awaiting your decision",
            str(queue["waiting"]),
            f"{queue['late']} past the decision target, {queue['due_soon']} due today",
            "Open the decision queue",
            _url("queue", body),
        ),
        WorkItem(
            "Reviews due",
            str(reviews),
            "awards whose outcomes are due for review within 30 days",
            "See reviews due",
            _url("reviews", body),
        ),
    ]


def auditor_work(access: BodyAccess, body: ResponsibleBody) -> list[WorkItem]:
    if not access.can(Action.EXPORT_AUDIT):
        return []
    return [
        WorkItem(
            "Auditor export",
            "",
            "Every transaction, decision and award of a period, with checksums.",
            "Request or download an export",
            reverse("reports:reports", kwargs={"body_slug": body.slug}),
        ),
        WorkItem(
            "Audit samples",
            "",
            "Draw a sample of decisions and payments and trace each to the ledger.",
            "Open audit samples",
            reverse("auditor:samples", kwargs={"body_slug": body.slug}),
        ),
        WorkItem(
            "Audit log",
            "",
            "Who did what, and when, across the body.",
            "Open the audit log",
            reverse("accounts:audit-log", kwargs={"body_slug": body.slug}),
        ),
    ]
