"""Pools and ledger transactions for both bodies (``pool_id``, ``transaction_id``)."""

from __future__ import annotations

from datetime import date

from pooling.models import AccountKind
from pooling.services.ledger import LegSpec, commitment_post, pool_open, post, transaction_reverse
from tests.factories import own_academy
from tests.isolation.world import World


def extend(world: World) -> None:
    for body, user, secret, award_pence in (
        (world.body_a, world.user_a, "Alpha ledger posting", 11_111_11),
        (world.body_b, world.user_b, "Bravo Secret ledger posting", 12_345_67),
    ):
        pool = pool_open(actor=user, tenant=body, label="2026-27")
        school = own_academy(body, name=f"{secret} Academy")
        for step, (kind, legs) in enumerate(
            [
                (
                    "contribution_expected",
                    [
                        LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, 50_000_00, school.pk),
                        LegSpec(AccountKind.CONTRIBUTIONS, -50_000_00, school.pk),
                    ],
                ),
                (
                    "receipt",
                    [
                        LegSpec(AccountKind.POOL_BANK, 40_000_00, school.pk),
                        LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, -40_000_00, school.pk),
                    ],
                ),
            ]
        ):
            txn, _ = post(
                actor=user,
                tenant=body,
                pool=pool,
                kind=kind,
                posted_on=date(2026, 4, 1 + step),
                description=f"{secret} {kind}",
                idempotency_key=f"{body.pk}:world-ledger:{step}",
                source_type="world",
                source_id=str(step),
                legs=legs,
            )
        transaction_reverse(actor=user, tenant=body, transaction_id=txn.pk, reason=f"{secret} reversed")
        commitment_post(
            actor=user,
            tenant=body,
            pool=pool,
            school_id=school.pk,
            amount_pence=award_pence,
            source_type="world",
            source_id="award",
            idempotency_key=f"{body.pk}:world-ledger:award",
            description=f"{secret} award",
        )
    world.b_markers += ["Bravo Secret ledger posting", "£12,345.67"]
