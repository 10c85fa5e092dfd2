"""Allocations, an allocation import, contributions and receipts for both bodies
(``pool_id``, ``contribution_id``)."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from groupings.services.arrangements import arrangement_activate, arrangement_propose
from pooling.allocation_files import read_upload
from pooling.services.allocations import allocation_import_confirm, allocation_set
from pooling.services.contributions import contributions_calculate
from pooling.services.ledger import pool_open
from pooling.services.receipts import receipt_record
from tests.factories import SchoolFactory, own_academy
from tests.isolation.world import World


def extend(world: World) -> None:
    for body, user, secret, allocation_pence in (
        (world.body_a, world.user_a, "Alpha Contribution", 1_234_500),
        (world.body_b, world.user_b, "Bravo Secret Contribution", 7_654_321),
    ):
        pool = pool_open(actor=user, tenant=body, label="2026-27")
        school = own_academy(body, name=f"{secret} Academy")
        arrangement = arrangement_propose(
            actor=user,
            tenant=body,
            school_id=school.pk,
            basis="own_academy",
            counterparty=f"{secret} Trust",
            start_date=date(2026, 4, 1),
        )
        arrangement_activate(actor=user, tenant=body, arrangement_id=arrangement.pk)
        allocation_set(actor=user, tenant=body, period_label="2026-27", urn=school.urn, amount_pence=allocation_pence)
        outsider = SchoolFactory(name=f"{secret} Outsider Primary")
        table, _ = read_upload(
            SimpleUploadedFile(
                f"{secret.split()[0].lower()}-allocations.csv", f"URN,IMF\r\n{outsider.urn},100\r\n".encode()
            )
        )
        allocation_import_confirm(
            actor=user, tenant=body, period_label="2026-27", table=table, urn_column="URN", amount_column="IMF"
        )
        [contribution] = contributions_calculate(actor=user, tenant=body, pool=pool).contributions
        receipt_record(
            actor=user,
            tenant=body,
            contribution_id=contribution.pk,
            amount_pence=10_000,
            received_on=date(2026, 5, 1),
            method="transfer",
            reference=f"{secret} receipt",
        )
    world.b_markers += ["Bravo Secret Contribution", "£76,543.21", "bravo-allocations.csv"]
