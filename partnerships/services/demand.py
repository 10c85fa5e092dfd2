"""Forecast demand (by hand or from a CSV, all or nothing) and need-signal refreshes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError
from core.locking import lock_rows
from core.queries import one_or_not_found
from core.tenancy import tenant_context
from groupings.need_signals import need_signals_for
from partnerships.demand_csv import ForecastRow, read_forecast_csv
from partnerships.error_codes import PartnershipError
from partnerships.models import NEED_CODES, PHASES, DemandForecast, NeedSignalCount, NeedSignalSnapshot, Partnership
from partnerships.selectors import platform_consenting_body_ids, platform_partnership_ids
from partnerships.services._common import whole_number


def _upsert(tenant: ResponsibleBody, partnership: Partnership, row: ForecastRow, source: str, label: str) -> None:
    DemandForecast.objects.update_or_create(
        partnership=partnership,
        need=row.need,
        phase=row.phase,
        year=row.year,
        defaults={
            "responsible_body": tenant,
            "pupils": row.pupils,
            "source": source,
            "updated_by_label": label,
            "updated_at": timezone.now(),
        },
    )


def forecast_set(
    *, actor: User, tenant: ResponsibleBody, partnership_id: int, need: str, phase: str, year: int, pupils: int
) -> DemandForecast:
    if need not in NEED_CODES:
        raise ApplicationError("Choose a primary need from the list.", code=PartnershipError.UNKNOWN_NEED, field="need")
    if phase not in PHASES:
        raise ApplicationError("Choose a phase from the list.", code=PartnershipError.UNKNOWN_PHASE, field="phase")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ApplicationError(
            "Enter the academic year it starts in, like 2027.", code=PartnershipError.INVALID_YEAR, field="year"
        )
    whole_number(pupils, field="pupils", label="the number of pupils")
    with tenant_context(tenant):
        partnership = one_or_not_found(Partnership.objects, "No such partnership.", pk=partnership_id)
        _upsert(
            tenant, partnership, ForecastRow(0, need, phase, year, pupils), DemandForecast.Source.MANUAL, actor.email
        )
        forecast = DemandForecast.objects.get(partnership=partnership, need=need, phase=phase, year=year)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.DEMAND_FORECAST_SET,
            obj=forecast,
            after={"need": need, "phase": phase, "year": year, "pupils": pupils},
        )
    return forecast


def forecast_import(*, actor: User, tenant: ResponsibleBody, partnership_id: int, data: bytes, filename: str) -> int:
    """Read the whole file first; write every row in one transaction only if none has a
    problem (``ForecastFileRejected`` lists them with line numbers). Returns the rows saved."""
    rows = read_forecast_csv(data, name=filename)
    now = timezone.now()
    with tenant_context(tenant), transaction.atomic():
        partnership = one_or_not_found(lock_rows(Partnership.objects), "No such partnership.", pk=partnership_id)
        existing = {(f.need, f.phase, f.year): f for f in DemandForecast.objects.filter(partnership=partnership)}
        to_create: list[DemandForecast] = []
        to_update: list[DemandForecast] = []
        for row in rows:
            forecast = existing.get((row.need, row.phase, row.year))
            if forecast is None:
                forecast = DemandForecast(
                    responsible_body=tenant, partnership=partnership, need=row.need, phase=row.phase, year=row.year
                )
                to_create.append(forecast)
            else:
                to_update.append(forecast)
            forecast.pupils = row.pupils
            forecast.source = DemandForecast.Source.UPLOAD
            forecast.updated_by_label = actor.email
            forecast.updated_at = now
        DemandForecast.objects.bulk_create(to_create, batch_size=1000)
        DemandForecast.objects.bulk_update(
            to_update, ["pupils", "source", "updated_by_label", "updated_at"], batch_size=1000
        )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.DEMAND_FORECAST_IMPORTED,
            obj=partnership,
            after={"file": filename[:200], "rows": len(rows), "added": len(to_create), "replaced": len(to_update)},
        )
    return len(rows)


def need_signals_refresh(*, actor: User | None, tenant: ResponsibleBody, partnership_id: int) -> NeedSignalSnapshot:
    """Ask the published interface for the signals of the trusts that consent today and
    store them as a new snapshot. A trust that revoked consent is simply not asked."""
    with tenant_context(tenant):
        partnership = one_or_not_found(Partnership.objects, "No such partnership.", pk=partnership_id)
    body_ids = platform_consenting_body_ids(partnership_id=partnership_id)
    rows = need_signals_for(body_ids=body_ids, la_code=partnership.la_code)
    with tenant_context(tenant):
        snapshot = NeedSignalSnapshot.objects.create(
            responsible_body=tenant,
            partnership=partnership,
            refreshed_by_label=actor.email if actor else "system",
            trusts_included=len(body_ids),
        )
        NeedSignalCount.objects.bulk_create(
            NeedSignalCount(
                responsible_body=tenant,
                snapshot=snapshot,
                area_of_need=r.area_of_need,
                phase=r.phase,
                term=r.term,
                cases=r.cases,
                awards=r.awards,
            )
            for r in rows
        )
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.NEED_SIGNALS_REFRESHED,
            obj=snapshot,
            after={"trusts": len(body_ids), "rows": len(rows)},
        )
    return snapshot


def need_signals_refresh_all() -> int:
    """Refresh every partnership's need signals (the nightly beat task), so a revoked
    consent drops out within a day even if nobody presses refresh. Returns how many."""
    refreshed = 0
    for partnership_id, body_id in platform_partnership_ids():
        tenant = one_or_not_found(ResponsibleBody.objects, "No such responsible body.", pk=body_id)
        need_signals_refresh(actor=None, tenant=tenant, partnership_id=partnership_id)
        refreshed += 1
    return refreshed
