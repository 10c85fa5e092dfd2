"""Files people download from the ledger, each one use case the page and the API share:
a school's remittance advice (checked against its stored checksum) and the journal export.
Both are audited in the same transaction as the read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

from django.db import transaction

from accounts.models import ResponsibleBody, User
from core.audit import audit_record
from core.audit_verbs import AuditVerb
from core.errors import ApplicationError, NotFound
from core.storage import stored_file_verified
from core.tenancy import tenant_context
from pooling import remittances
from pooling.error_codes import PoolingError
from pooling.selectors import ledger as ledger_selectors
from pooling.selectors import payments as payment_selectors
from pooling.services.payments import remittance_file_missing

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


@dataclass(frozen=True)
class RemittanceFile:
    content: bytes
    content_type: str
    filename: str
    sha256: str


MISSING_ADVICE = (
    "The stored remittance advice is missing. It is being built again from the ledger; try in a few minutes."
)


class FileMissing(NotFound):
    code = "file_missing"


def remittance_download(
    *, actor: User, tenant: ResponsibleBody, remittance_id: int, kind: Literal["csv", "pdf"]
) -> RemittanceFile:
    """A school's remittance advice as stored, refused unless it matches its checksum. A
    stored file that is gone is ``FileMissing``, after flagging it and asking for a rebuild
    (``remittance_file_missing``, committed on its own)."""
    try:
        return _remittance_read(actor=actor, tenant=tenant, remittance_id=remittance_id, kind=kind)
    except FileNotFoundError as exc:
        remittance_file_missing(tenant=tenant, remittance_id=remittance_id)
        raise FileMissing(MISSING_ADVICE) from exc


def _remittance_read(
    *, actor: User, tenant: ResponsibleBody, remittance_id: int, kind: Literal["csv", "pdf"]
) -> RemittanceFile:
    with tenant_context(tenant), transaction.atomic():
        remittance = payment_selectors.remittance_get(tenant=tenant, remittance_id=remittance_id)
        file_field = remittance.csv_file if kind == "csv" else remittance.pdf_file
        expected = remittance.sha256_csv if kind == "csv" else remittance.sha256_pdf
        if not file_field or not expected:
            raise NotFound("This remittance advice is still being prepared.")
        name = str(file_field.name)
        with stored_file_verified(file_field.storage, name, sha256=expected, what="remittance advice") as handle:
            content = handle.read()
        line = remittance.line
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.REMITTANCE_DOWNLOADED,
            obj=remittance,
            label=f"Remittance advice ({kind.upper()}) for {line.paid_to_name}, payment run {line.payment_run_id}"[
                :300
            ],
        )
    return RemittanceFile(
        content=content,
        content_type=CONTENT_TYPES[kind],
        filename=f"remittance-run{line.payment_run_id}-{remittances.line_tag(line)}.{kind}",
        sha256=expected,
    )


@dataclass(frozen=True)
class JournalExport:
    filename: str
    lines: Iterator[str]  # formula-safe CSV text; iterate inside the tenant's context


def journal_export(
    *, actor: User, tenant: ResponsibleBody, date_from: date, date_to: date, pool_id: int | None = None
) -> JournalExport:
    """The ledger's legs posted between two dates (in one pool, or all) as a CSV journal for
    the body's finance system; the export is audited before the first line is read."""
    if date_to < date_from:
        raise ApplicationError(
            "The end date must be on or after the start date.", code=PoolingError.DATES_OUT_OF_ORDER, field="date_to"
        )
    with tenant_context(tenant), transaction.atomic():
        pool = ledger_selectors.pool_get(tenant=tenant, pool_id=pool_id) if pool_id else None
        legs = payment_selectors.journal_legs(tenant=tenant, date_from=date_from, date_to=date_to, pool=pool)
        audit_record(
            actor=actor,
            tenant=tenant,
            verb=AuditVerb.JOURNAL_EXPORTED,
            object_type="pooling.pool",
            object_id=str(pool.pk) if pool else "",
            label=f"Journal {date_from} to {date_to}" + (f", pool {pool.label}" if pool else ""),
        )
    return JournalExport(
        filename=f"{tenant.slug}-journal-{date_from}-{date_to}.csv",
        lines=remittances.journal_csv_lines(legs.iterator(chunk_size=2000)),
    )
