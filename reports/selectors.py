"""Reads for report runs. Another body's run or file is the same 404 as a missing one, and
so is a run of a type the user's role may not see."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import ResponsibleBody
from accounts.policy import BodyAccess
from core.errors import NotFound
from reports.models import ReportFile, ReportRun
from reports.registry import ReportType, report_type_get, report_types


def report_types_for(*, access: BodyAccess) -> list[ReportType]:
    return [t for t in report_types() if access.can(t.action)]


def report_run_list(
    *, tenant: ResponsibleBody, access: BodyAccess | None = None, report_type: str = ""
) -> QuerySet[ReportRun]:
    """The runs the user may see, newest first; of one type when ``report_type`` is given."""
    qs = ReportRun.objects.for_tenant(tenant)
    if report_type:
        qs = qs.filter(report_type=report_type)
    if access is not None:
        visible = Q(pk__in=[])
        for rtype in report_types_for(access=access):
            rule = Q(report_type=rtype.key)
            if rtype.visible_runs is not None:
                rule &= rtype.visible_runs(access)
            visible |= rule
        qs = qs.filter(visible)
    # In the order the build made them (a pack's summary before its appendix's parts).
    files = ReportFile.objects.for_tenant(tenant).order_by("position", "name")
    return qs.prefetch_related(Prefetch("files", queryset=files)).order_by("-created_at", "-id")


def report_run_get(*, tenant: ResponsibleBody, report_run_id: int, access: BodyAccess | None = None) -> ReportRun:
    run = report_run_list(tenant=tenant, access=access).filter(pk=report_run_id).first()
    if run is None:
        raise NotFound("No such report.")
    return run


def report_file_get(*, tenant: ResponsibleBody, run: ReportRun, report_file_id: int) -> ReportFile:
    report_file = ReportFile.objects.for_tenant(tenant).filter(run=run, pk=report_file_id).first()
    if report_file is None:
        raise NotFound("No such file.")
    return report_file


def report_type_label(key: str) -> str:
    rtype = report_type_get(key)
    return rtype.label if rtype else key
