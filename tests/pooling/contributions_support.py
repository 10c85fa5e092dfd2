"""Helpers shared by the contributions tests: member schools with dated arrangements,
allocations, the DfE sample file and the ledger figures they produce."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import ResponsibleBody, User
from core.tenancy import tenant_context
from groupings import services as groupings
from groupings.models import Arrangement, GroupingPolicy, School
from pooling.models import Leg, Pool, Transaction
from pooling.selectors import pool_balances
from pooling.services.contributions import allocation_set
from tests.factories import SchoolFactory, TrustFactory, own_academy

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The repository's parent folder holds shared/ (CI puts it there too).
DFE_SAMPLE = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "gias" / "funding" / "pupil-premium-2019-2020.csv"
)


def default_policy(actor: User, body: ResponsibleBody) -> GroupingPolicy:
    """The platform default: 10% pooled, 5% reserve, from 1 April 2026."""
    return groupings.policy_ensure_default(actor=actor, tenant=body, effective_from=date(2026, 4, 1))


def join(
    actor: User,
    body: ResponsibleBody,
    *,
    start: date = date(2026, 4, 1),
    end: date | None = None,
    name: str | None = None,
    basis: str = "own_academy",
    activate: bool = True,
    override_percent: Any = None,
    school: School | None = None,
) -> Arrangement:
    """A school in ``body``'s grouping from ``start`` (active unless ``activate`` is False)."""
    default_policy(actor, body)
    if school is None:
        if basis == "own_academy":
            school = own_academy(body, **({"name": name} if name else {}))
        else:
            school = SchoolFactory(trust_uid=TrustFactory().gias_group_uid, **({"name": name} if name else {}))
    arrangement = groupings.arrangement_propose(
        actor=actor,
        tenant=body,
        school_id=school.pk,
        basis=basis,
        counterparty="The trust",
        start_date=start,
        end_date=end,
        agreement_document=SimpleUploadedFile("signed.pdf", PDF) if basis == "contracted_trust" else None,
        pooled_share_override_percent=override_percent,
    )
    if activate:
        arrangement = groupings.arrangement_activate(actor=actor, tenant=body, arrangement_id=arrangement.pk)
    return arrangement


def allocate(actor: User, body: ResponsibleBody, school: School, pence: int, period: str = "2026-27") -> None:
    allocation_set(actor=actor, tenant=body, period_label=period, urn=school.urn, amount_pence=pence)


def balances(pool: Pool) -> Counter[str]:
    """The pool's non-zero balances (a missing account reads as 0)."""
    body = ResponsibleBody.objects.get(pk=pool.responsible_body_id)
    return Counter({k: v for k, v in pool_balances(tenant=body, pool=pool).items() if v})


def postings(pool: Pool, source_type: str) -> list[tuple[str, int]]:
    """(account kind, amount) of every leg posted for ``source_type`` sources, in order."""
    with tenant_context(pool.responsible_body_id):
        return list(
            Leg.objects.filter(transaction__pool=pool, transaction__source_type=source_type)
            .order_by("transaction_id", "id")
            .values_list("account__kind", "amount_pence")
        )


def transaction_count(pool: Pool) -> int:
    with tenant_context(pool.responsible_body_id):
        return Transaction.objects.filter(pool=pool).count()


def close(pool: Pool) -> None:
    with tenant_context(pool.responsible_body_id):
        Pool.objects.filter(pk=pool.pk).update(status="closed")
        pool.refresh_from_db()


def dfe_sample(rows: int = 20) -> tuple[list[str], list[list[str]]]:
    """The header and the first ``rows`` rows of a real DfE per-school allocation file."""
    if not DFE_SAMPLE.exists():
        pytest.fail(
            f"The DfE sample allocation file is missing: expected {DFE_SAMPLE} "
            "(the shared/ folder beside the repository)."
        )
    with DFE_SAMPLE.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        body = [row for _, row in zip(range(rows), reader, strict=False)]
    return header, body


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def register(urns: list[int]) -> list[School]:
    """Register rows for URNs taken from a DfE file."""
    return [SchoolFactory(urn=urn) for urn in urns]
