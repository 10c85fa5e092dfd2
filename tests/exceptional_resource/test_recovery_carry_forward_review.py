"""Review of money14: money received in a closed period is carried forward into the
current pool, on its first day. With the following period's pool already opened too (as
the year-end close and early budgeting allow), "current" must still be the period that
follows the closed one, not the latest pool opened."""

from __future__ import annotations

from datetime import date

import pytest

from exceptional_resource.services.recoveries import award_recover
from pooling.services.ledger import pool_open
from pooling.services.payments import pool_close
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
