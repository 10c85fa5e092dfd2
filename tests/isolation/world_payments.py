"""Payment runs, lines and remittance advice for both bodies (``paymentrun_id``,
``remittance_id``; ``pool_id`` and ``account_id`` come with the pool)."""

from __future__ import annotations

from datetime import date

from pooling.models import AccountKind
from pooling.services.ledger import LegSpec, pool_open, post
from pooling.services.payments import award_commit_and_schedule, payment_run_confirm, remittances_build
from tests.factories import own_academy
from tests.isolation.world import World


def extend(world: World) -> None:
    for body, user, secret, total in (
        (world.body_a, world.user_a, "Alpha Remittance", 2_400_00),
        (world.body_b, world.user_b, "Bravo Secret Remittance", 7_777_77),
    ):
        pool = pool_open(actor=user, tenant=body, label="2026-27")
        school = own_academy(body, name=f"{secret} Academy")
        post(
            actor=user,
            tenant=body,
            pool=pool,
            kind="contribution_expected",
            posted_on=date(2026, 4, 1),
            description=f"{secret} contribution",
            idempotency_key=f"{body.pk}:world-payments:expected",
            source_type="world",
            source_id="payments",
            legs=[
                LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, 20_000_00, school.pk),
                LegSpec(AccountKind.CONTRIBUTIONS, -20_000_00, school.pk),
            ],
        )
        award_commit_and_schedule(
            actor=user,
            tenant=body,
            pool=pool,
            school_id=school.pk,
            source_type="world",
            source_id=f"{secret} award",
            total_pence=total,
            starts_on=date(2026, 4, 1),
            ends_on=date(2027, 3, 31),
            frequency="termly",
        )
        run = payment_run_confirm(
            actor=user, tenant=body, pool=pool, due_up_to=date(2026, 4, 30), pay_on=date(2026, 5, 1)
        )
        remittances_build(tenant=body, payment_run_id=run.pk)
    world.b_markers += ["Bravo Secret Remittance Academy", "£3,260.27"]
