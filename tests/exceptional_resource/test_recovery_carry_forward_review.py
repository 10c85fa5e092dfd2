"""Review of money14: money received in a closed period is carried forward into the
current pool, on its first day. With the following period's pool already opened too (as
the year-end close and early budgeting allow), "current" must still be the period that
follows the closed one, not the latest pool opened."""

from __future__ import annotations

from datetime import date

import pytest

from core.tenancy import tenant_context
from exceptional_resource.services.recoveries import award_recover
from pooling.models import Pool
from pooling.services.ledger import pool_open
from pooling.services.payments import pool_close
from pooling.services.recoveries import recovery_pool
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.conftest import scene as scene
from tests.exceptional_resource.test_recoveries import _paid_award

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]


def test_a_recovery_for_a_closed_period_goes_to_the_next_period_not_the_latest_opened(scene: Scene) -> None:
    award = _paid_award(scene, due_up_to=date(2027, 3, 31))
    pool_close(actor=scene.finance.user, tenant=scene.body, pool=scene.pool, next_label="2027-28")
    pool_open(actor=scene.finance.user, tenant=scene.body, label="2028-29")
    done = award_recover(
        actor=scene.finance.user, tenant=scene.body, award_id=award.pk, amount_pence=500_00, reason="Left early"
    )
    # Received on 7 December 2026 (2026-27, closed): 2027-28 is the period it carries into.
    assert (done.posted_to.label, done.transaction.posted_on) == ("2027-28", date(2027, 4, 1))


@pytest.mark.parametrize(
    ("received_on", "label"),
    [
        (date(2026, 12, 7), "2027-28"),  # in the closed period: the next one
        (date(2027, 6, 1), "2027-28"),  # inside the next period
        (date(2028, 3, 31), "2027-28"),  # its last day
        (date(2028, 4, 1), "2028-29"),  # the period after, opened early
        (date(2029, 4, 5), "2028-29"),  # every open pool has ended: the latest
    ],
)
def test_the_recovery_pool_is_the_open_pool_holding_the_day_received_or_the_next_one(
    scene: Scene, received_on: date, label: str
) -> None:
    pool_close(actor=scene.finance.user, tenant=scene.body, pool=scene.pool, next_label="2027-28")
    pool_open(actor=scene.finance.user, tenant=scene.body, label="2028-29")
    with tenant_context(scene.body):
        closed = Pool.objects.get(pk=scene.pool.pk)
        assert recovery_pool(paying_pool=closed, today=received_on).label == label


def test_an_earlier_open_pool_holding_the_day_is_not_carried_back_into(scene: Scene) -> None:
    pool_open(actor=scene.finance.user, tenant=scene.body, label="2025-26")
    pool_close(actor=scene.finance.user, tenant=scene.body, pool=scene.pool, next_label="2027-28")
    with tenant_context(scene.body):
        closed = Pool.objects.get(pk=scene.pool.pk)
        assert recovery_pool(paying_pool=closed, today=date(2026, 1, 5)).label == "2027-28"
