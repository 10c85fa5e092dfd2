"""The governance pack's shared-resources section reconciles with the ledger when resources
are funded, varied and ended early."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.db.models import Sum
from pypdf import PdfReader

from assurance.governance import output as governance_output
from assurance.governance.gather import gather, snapshot
from assurance.governance.xlsx import pack_xlsx
from core.tenancy import tenant_context
from pooling.models import Instalment
from pooling.selectors import pool_balances
from shared_resources.services.allocation import delivery_record, request_allocate, request_create
from shared_resources.services.funding import funding_commit, funding_end, funding_vary
from shared_resources.services.register import resource_register
from tests.pooling.payments_support import confirm_and_pay
from tests.shared_resources.conftest import Scene, base_fields, spring, teacher

pytestmark = pytest.mark.django_db


def _fund(scene: Scene, resource_id: int, amount: int) -> int:
    return funding_commit(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=resource_id,
        pool_id=scene.pool.pk,
        amount_pence=amount,
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
    ).pk


def test_the_pack_shows_cost_utilisation_and_cost_per_unit_and_reconciles(scene: Scene) -> None:
    post = teacher(scene)
    base = resource_register(actor=scene.finance.user, tenant=scene.body, **base_fields(scene))
    ended = teacher(scene, name="Central-team EP post")
    _fund(scene, post.pk, 40_000_00)
    base_funding = _fund(scene, base.pk, 36_000_00)
    ended_funding = _fund(scene, ended.pk, 20_000_00)
    confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 12, 31),
        pay_on=date(2026, 12, 1),
    )
    funding_vary(
        actor=scene.finance.user,
        tenant=scene.body,
        funding_id=base_funding,
        new_amount_pence=24_000_00,
        reason="6 places",
    )
    ended_row = funding_end(
        actor=scene.finance.user, tenant=scene.body, funding_id=ended_funding, end_on=date(2027, 1, 31), reason="Left"
    )
    period = spring(scene, post, units=60)
    request = request_create(
        actor=scene.sendco.user, tenant=scene.body, period_id=period.pk, school_id=scene.school.pk, units=20
    )
    allocation = request_allocate(actor=scene.officer.user, tenant=scene.body, request_id=request.pk)
    delivery_record(
        actor=scene.officer.user,
        tenant=scene.body,
        allocation_id=allocation.pk,
        delivered_on=date(2027, 2, 1),
        units=16,
    )

    with snapshot(scene.body):
        pack = gather(tenant=scene.body, pool=scene.pool, period_end=date(2027, 3, 31))
        balances = pool_balances(tenant=scene.body, pool=scene.pool, as_at=date(2027, 3, 31))
    assert pack.reconciled, [c for c in pack.checks if not c.ok]
    assert pack.shared is not None
    lines = {line.name: line for line in pack.shared.lines}
    assert lines["Specialist teacher for autism"].committed_pence == 40_000_00
    assert lines["Hill SEMH base"].committed_pence == 24_000_00
    assert lines["Central-team EP post"].committed_pence == ended_row.amount_pence
    with tenant_context(scene.body):
        paid = dict(
            Instalment.objects.filter(status="paid", schedule__source_type="shared_resource_funding")
            .values("schedule__source_id")
            .annotate(t=Sum("amount_pence"))
            .values_list("schedule__source_id", "t")
        )
    assert lines["Central-team EP post"].paid_pence == paid[str(ended_funding)] > 0
    with tenant_context(scene.body):
        released = list(
            Instalment.objects.filter(
                status="released",
                schedule__source_type="shared_resource_funding",
                schedule__source_id=str(ended_funding),
            ).values_list("due_on", "amount_pence")
        )
    assert [d for d, _ in released] == [date(2027, m, 1) for m in range(2, 9)]
    assert ended_row.amount_pence == 20_000_00 - sum(a for _, a in released)
    teacher_line = lines["Specialist teacher for autism"]
    assert (teacher_line.capacity, teacher_line.booked, teacher_line.delivered) == (60, 20, 16)
    assert teacher_line.utilisation_pct == 27
    assert teacher_line.cost_per_unit_pence == 2_500_00
    assert pack.shared.committed_pence == balances["awards"]  # no awards in this pool: all shared resources
    names = [c.name for c in pack.checks]
    assert "Shared resources: cost (section) against the ledger" in names
    assert "Shared resources: funding amounts against net commitments (3 fundings)" in names
    need_rows = {r.area: r.awards for r in pack.need_phase}
    assert need_rows["Shared resources"] == balances["awards"]

    book = openpyxl.load_workbook(io.BytesIO(pack_xlsx(pack)))
    rows = [[c.value for c in row] for row in book["Shared resources"].iter_rows()]
    teacher_row = next(r for r in rows if r[0] == "Specialist teacher for autism")
    assert teacher_row[3:] == [40_000.0, teacher_line.paid_pence / 100, 60, 20, 16, 27, 2_500.0]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(governance_output.pack_pdf(pack))).pages)
    section = text[text.index("7. Shared resources") : text.index("8. Reconciliation")]
    assert "Specialist teacher for autism" in section
    assert "27%" in section
    assert "£2,500.00" in section


def test_a_pack_that_does_not_match_a_funding_amount_fails_reconciliation(scene: Scene) -> None:
    from core.tenancy import tenant_context
    from shared_resources.models import ResourceFunding

    post = teacher(scene)
    funding_id = _fund(scene, post.pk, 60_000_00)
    with tenant_context(scene.body):
        ResourceFunding.objects.filter(pk=funding_id).update(amount_pence=60_000_01)
    with snapshot(scene.body):
        pack = gather(tenant=scene.body, pool=scene.pool, period_end=date(2027, 3, 31))
    failed = [c for c in pack.checks if not c.ok]
    assert [(c.name, c.pack_pence, c.ledger_pence) for c in failed] == [
        ("Shared resources: funding amounts against net commitments (1 fundings)", 60_000_01, 60_000_00)
    ]


def test_the_funding_check_finds_the_body_s_transactions_by_their_source_index(scene: Scene) -> None:
    """The pack's funding check names the body on the legs and the transactions, so on the
    national data set PostgreSQL reads the transactions through (body, source type, source
    id) instead of scanning every account for the awards accounts (found by make bench's
    EXPLAIN step: a sequential scan of 68,940 accounts)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shared_resources.reporting import _funding_check

    funding = _fund(scene, teacher(scene).pk, 30_000_00)
    with tenant_context(scene.body), CaptureQueriesContext(connection) as captured:
        check = _funding_check(scene.pool)
    assert (check.pack_pence, check.ledger_pence) == (30_000_00, 30_000_00)
    assert funding
    sums = [q["sql"] for q in captured.captured_queries if 'SUM("pooling_leg"."amount_pence")' in q["sql"]]
    assert len(sums) == 1
    body = scene.body.pk
    assert f'"pooling_leg"."responsible_body_id" = {body}' in sums[0]
    assert f'"pooling_transaction"."responsible_body_id" = {body}' in sums[0]
