"""The retention job keeps the financial record (#21 point 1): after the declined and ended
cases of a realistic pool are erased and their pupils anonymised, the governance pack for
the same period is the same pack, figure for figure, and still reconciles to the ledger,
whose transactions and legs are untouched."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from core.tenancy import tenant_context
from exceptional_resource.models import Case, Pupil
from exceptional_resource.services import awards as award_services
from exceptional_resource.services.retention import retention_run
from pooling.models import Leg, Transaction
from tests.assurance.governance_support import award_of, failure_of, governance_scene, pack_of

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]

PERIOD_END = date(2026, 12, 7)


def _figures(pack: Any) -> dict[str, Any]:
    values = dataclasses.asdict(pack)
    values.pop("generated_at")
    return values


def _ledger(body: Any) -> list[tuple[Any, ...]]:
    with tenant_context(body):
        legs = list(Leg.objects.order_by("pk").values_list("pk", "transaction_id", "account_id", "amount_pence"))
        transactions = list(Transaction.objects.order_by("pk").values_list("pk", "kind", "posted_on"))
    return [*transactions, *legs]


def test_the_pack_and_the_ledger_are_unchanged_and_reconcile_after_erasure() -> None:
    scene = governance_scene()
    ended = scene.cases[2]
    award_services.award_end_early(
        actor=scene.officer, tenant=scene.body, award_id=award_of(scene, ended).pk, end_on=PERIOD_END, reason="Left"
    )
    before = pack_of(scene, period_end=PERIOD_END)
    assert before.reconciled, failure_of(before)
    assert len(before.checks) == 17
    ledger_before = _ledger(scene.body)
    with tenant_context(scene.body):
        closed = sorted(Case.objects.filter(status__in=["declined", "ended"]).values_list("pk", flat=True))
    assert len(closed) == 3  # two declined, one ended early

    with time_machine.travel(datetime(2033, 6, 1, 10, tzinfo=UTC), tick=False):
        result = retention_run(tenant=scene.body)

    assert sorted(result.erased_case_ids) == closed
    assert len(result.anonymised_pupil_ids) == 3
    with tenant_context(scene.body):
        assert set(Case.objects.filter(pk__in=closed).values_list("need_description", flat=True)) == {""}
        assert Pupil.objects.filter(anonymised_at__isnull=False).count() == 3
    after = pack_of(scene, period_end=PERIOD_END)
    assert after.reconciled, failure_of(after)
    assert [c.ok for c in after.checks] == [True] * 17
    assert _figures(after) == _figures(before)
    assert _ledger(scene.body) == ledger_before
