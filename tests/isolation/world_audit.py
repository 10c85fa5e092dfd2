"""Auditors' samples for both bodies (``auditsample_id``, with ``transaction_id`` of a
sampled transaction), drawn over a pool of their own period (2025-26) so other world files
can open 2026-27; the annex uses ``pool_id`` and ``arrangement_id`` from the same rows."""

from __future__ import annotations

from datetime import date

from assurance.services.audit_samples import audit_sample_draw
from pooling.models import AccountKind
from pooling.services.ledger import LegSpec, pool_open, post
from tests.factories import own_academy
from tests.isolation.world import World


def extend(world: World) -> None:
    for body, user, secret in (
        (world.body_a, world.user_a, "Alpha Audit"),
        (world.body_b, world.user_b, "Bravo Secret Audit"),
    ):
        pool = pool_open(actor=user, tenant=body, label="2025-26")
        school = own_academy(body, name=f"{secret} Academy")
        post(
            actor=user,
            tenant=body,
            pool=pool,
            kind="contribution_expected",
            posted_on=date(2025, 4, 1),
            description=f"{secret} contribution",
            idempotency_key=f"{body.pk}:world-audit:expected",
            source_type="world",
            source_id="audit",
            legs=[
                LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, 4_321_00, school.pk),
                LegSpec(AccountKind.CONTRIBUTIONS, -4_321_00, school.pk),
            ],
        )
        audit_sample_draw(actor=user, tenant=body, period="2025-26", size=1, seed=11)
    world.b_markers += ["Bravo Secret Audit contribution", "Bravo Secret Audit Academy"]
