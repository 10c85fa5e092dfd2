"""The inclusion strategy annex: for one school and funding period, the activity the pool
funded and what it cost, in a form the school can attach to its published IMF inclusion
strategy (page, CSV and PDF).

No pupil-level data: no case or pupil references, no need descriptions, no per-award rows.
Activity is the awards' amounts apportioned across the kinds of resource their cases asked
for (largest remainder, so the kinds sum exactly to the awards). The annex is published, so
small numbers are suppressed: with 1 to 4 awards neither their number nor any amount
awarded, paid or still to pay, nor the activity, is shown (one award's amount and what it
buys could identify the child); the school's contribution is always shown. Money comes from
the ledger and the instalment schedules."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

from defusedcsv import csv
from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import ResponsibleBody
from core.money import pence_to_decimal, split_pence
from core.pdf import html_to_pdf
from core.tenancy import tenant_context
from exceptional_resource.models import Award, ResourceLine
from groupings.models import Arrangement
from pooling.models import AccountKind, Instalment, InstalmentSchedule, Leg, Pool
from pooling.selectors.paid import in_run_q, paid_q

SMALL_NUMBER = 5
SUPPRESSED_TEXT = (
    "Not shown: fewer than 5 awards, so amounts and activity could identify a child. "
    "The responsible body holds the figures."
)
_KIND_LABELS = dict(ResourceLine.Kind.choices)


@dataclass(frozen=True)
class ActivityLine:
    label: str
    pence: int


@dataclass
class InclusionAnnex:
    body_name: str
    school_name: str
    school_urn: int
    period: str
    starts_on: date
    ends_on: date
    generated_at: datetime
    contribution_expected_pence: int
    contribution_received_pence: int
    awarded_pence: int
    paid_pence: int
    scheduled_pence: int
    awards_count: int
    activities: list[ActivityLine] = field(default_factory=list)

    @property
    def awards_count_text(self) -> str:
        if self.awards_count == 0:
            return "none"
        return "fewer than 5" if self.awards_count < SMALL_NUMBER else str(self.awards_count)

    @property
    def suppressed(self) -> bool:
        """1 to 4 awards: what the pool funded is not published (small numbers)."""
        return 0 < self.awards_count < SMALL_NUMBER

    @property
    def suppressed_text(self) -> str:
        return SUPPRESSED_TEXT

    @property
    def activities_total_pence(self) -> int:
        return sum(line.pence for line in self.activities)

    @property
    def net_position_pence(self) -> int:
        """Awarded to the school less what it contributed (positive: the school gained)."""
        return self.awarded_pence - self.contribution_expected_pence

    @property
    def filename_stem(self) -> str:
        return f"inclusion-annex-{self.school_urn}-{self.period}"


def inclusion_annex(*, tenant: ResponsibleBody, arrangement: Arrangement, pool: Pool) -> InclusionAnnex:
    """The annex for the arrangement's school and the pool's period. A handful of queries."""
    school = arrangement.school
    today = timezone.localdate()
    with tenant_context(tenant):
        legs = Leg.objects.filter(transaction__pool=pool, school=school)
        sums = legs.aggregate(
            expected=Sum("amount_pence", filter=Q(account__kind=AccountKind.CONTRIBUTIONS)),
            received=Sum("amount_pence", filter=Q(account__kind=AccountKind.POOL_BANK, transaction__kind="receipt")),
            awarded=Sum("amount_pence", filter=Q(account__kind=AccountKind.AWARDS)),
        )
        schedules = InstalmentSchedule.objects.filter(pool=pool, school=school, source_type="award")
        instalments = Instalment.objects.filter(schedule__in=schedules).aggregate(
            paid=Sum("amount_pence", filter=paid_q(today)),
            scheduled=Sum(
                "amount_pence", filter=(Q(status=Instalment.Status.SCHEDULED) & ~paid_q(today)) | in_run_q(today)
            ),
        )
        awards = list(Award.objects.filter(pool=pool, school=school).order_by("id"))
        lines_by_case: dict[int, list[ResourceLine]] = {}
        for line in ResourceLine.objects.filter(case_id__in=[a.case_id for a in awards]).order_by("id"):
            lines_by_case.setdefault(line.case_id, []).append(line)
    by_kind: dict[str, int] = {}
    for award in awards:
        lines = [line for line in lines_by_case.get(award.case_id, []) if line.total_pence > 0]
        if not lines:
            by_kind["other"] = by_kind.get("other", 0) + award.amount_pence
            continue
        for line, part in zip(
            lines, split_pence(award.amount_pence, [line.total_pence for line in lines]), strict=True
        ):
            by_kind[line.kind] = by_kind.get(line.kind, 0) + part
    activities = [
        ActivityLine(_KIND_LABELS.get(kind, "Other"), pence)
        for kind, pence in sorted(by_kind.items(), key=lambda item: (-item[1], item[0]))
    ]
    return InclusionAnnex(
        body_name=tenant.legal_name,
        school_name=school.name,
        school_urn=school.urn,
        period=pool.label,
        starts_on=pool.starts_on,
        ends_on=pool.ends_on,
        generated_at=timezone.now(),
        contribution_expected_pence=-(sums["expected"] or 0),
        contribution_received_pence=sums["received"] or 0,
        awarded_pence=sums["awarded"] or 0,
        paid_pence=instalments["paid"] or 0,
        scheduled_pence=instalments["scheduled"] or 0,
        awards_count=len(awards),
        activities=activities,
    )


def annex_csv(annex: InclusionAnnex) -> bytes:
    """One row per figure: section, item, pence and pounds (formulae neutralised)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "item", "amount_pence", "amount_pounds"])
    writer.writerow(["school", f"{annex.school_name} (URN {annex.school_urn})", "", ""])
    writer.writerow(["period", f"{annex.period} ({annex.starts_on:%d/%m/%Y} to {annex.ends_on:%d/%m/%Y})", "", ""])
    writer.writerow(["responsible body", annex.body_name, "", ""])
    rows = [
        ("contribution", "Pooled contribution expected", annex.contribution_expected_pence),
        ("contribution", "Pooled contribution received", annex.contribution_received_pence),
    ]
    if not annex.suppressed:
        rows += [
            ("pool funding", "Awarded to the school from the pool", annex.awarded_pence),
            ("pool funding", "Paid to the school", annex.paid_pence),
            ("pool funding", "Still to be paid", annex.scheduled_pence),
            ("pool funding", "Net position (awarded less contributed)", annex.net_position_pence),
        ]
        rows += [("activity", line.label, line.pence) for line in annex.activities]
    for section, item, pence in rows:
        writer.writerow([section, item, pence, f"{pence_to_decimal(pence):.2f}"])
    if annex.suppressed:
        writer.writerow(["pool funding", SUPPRESSED_TEXT, "", ""])
    writer.writerow(["activity", f"Number of awards: {annex.awards_count_text}", "", ""])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def annex_pdf(annex: InclusionAnnex) -> bytes:
    html = render_to_string("assurance/annex/annex_pdf.html", {"annex": annex})
    return html_to_pdf(html)
