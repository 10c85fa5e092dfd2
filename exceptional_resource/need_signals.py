"""The need-signal provider: counts of exceptional-resource cases and awards by Code of
Practice area of need, phase and term, for the schools of one local-authority area, summed
over the bodies that consented and published under the rule in ``groupings.need_signals``
(counts of 1-4 suppressed, the rest rounded to the nearest 5). Only counts leave here:
no money, no pupil, no school, no case reference.

Registered from ``ExceptionalResourceConfig.ready``; ``partnerships`` never imports this."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from django.db.models import Count

from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, CaseStatus
from groupings.need_signals import NeedSignalRow, publish_count, term_of
from groupings.policy_defaults import AREAS_OF_NEED

AREA_OF_NEED: dict[str, str] = {str(n["code"]): str(a["area"]) for a in AREAS_OF_NEED for n in a["needs"]}  # type: ignore[attr-defined]
PRIMARY_YEARS = frozenset({"R", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6"})
NOT_RAISED = (CaseStatus.DRAFT, CaseStatus.WITHDRAWN)

Key = tuple[str, str, str]


def _key(need: str, year_group: str, day: object) -> Key:
    area = AREA_OF_NEED.get(need, "Other")
    phase = "primary" if year_group in PRIMARY_YEARS else "secondary"
    return area, phase, term_of(day)  # type: ignore[arg-type]


def need_signals(*, body_ids: Sequence[int], la_code: str) -> list[NeedSignalRow]:
    cases: Counter[Key] = Counter()
    awards: Counter[Key] = Counter()
    for body_id in body_ids:
        with tenant_context(body_id):
            for row in (
                Case.objects.filter(school__la_code=la_code, submitted_on__isnull=False)
                .exclude(status__in=NOT_RAISED)
                .values("pupil__primary_need", "pupil__year_group", "submitted_on")
                .annotate(n=Count("id"))
                .order_by()
            ):
                cases[_key(row["pupil__primary_need"], row["pupil__year_group"], row["submitted_on"])] += row["n"]
            for row in (
                Award.objects.filter(school__la_code=la_code)
                .values("case__pupil__primary_need", "case__pupil__year_group", "decision__decided_at__date")
                .annotate(n=Count("id"))
                .order_by()
            ):
                key = _key(
                    row["case__pupil__primary_need"], row["case__pupil__year_group"], row["decision__decided_at__date"]
                )
                awards[key] += row["n"]
    return [
        NeedSignalRow(
            area_of_need=area, phase=phase, term=term, cases=publish_count(cases[k]), awards=publish_count(awards[k])
        )
        for k in sorted(set(cases) | set(awards))
        for area, phase, term in [k]
    ]
