"""A decided case with its award for each body: ``pupil_id``, ``case_id``,
``provisionrow_id``, ``resourceline_id``, ``outcome_id``, ``award_id`` (and a decision and
a comment), so every case page, API operation and decision letter has a body-B row."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from core.tenancy import tenant_context
from exceptional_resource.models import Case, CaseComment, Outcome, ProvisionRow, Pupil, ResourceLine
from exceptional_resource.services.cases import case_decide
from groupings.models import GroupingPolicy
from pooling.models import AccountKind
from pooling.services.ledger import LegSpec, pool_open, post
from tests.factories import own_academy
from tests.isolation.world import World


def extend(world: World) -> None:
    for body, user, secret in (
        (world.body_a, world.user_a, "Alpha Case"),
        (world.body_b, world.user_b, "Bravo Secret Case"),
    ):
        school = own_academy(body, name=f"{secret} Academy")
        pool = pool_open(actor=user, tenant=body, label="2026-27")
        post(
            actor=user,
            tenant=body,
            pool=pool,
            kind="contribution_expected",
            posted_on=date(2026, 4, 1),
            description=f"{secret} contribution",
            idempotency_key=f"{body.pk}:world-cases:expected",
            source_type="world",
            source_id="cases",
            legs=[
                LegSpec(AccountKind.CONTRIBUTIONS_RECEIVABLE, 30_000_00, school.pk),
                LegSpec(AccountKind.CONTRIBUTIONS, -30_000_00, school.pk),
            ],
        )
        with tenant_context(body):
            policy = GroupingPolicy.objects.order_by("-effective_from").first()
            assert policy is not None
            pupil = Pupil.objects.create(
                responsible_body=body, school=school, year_group="Y6", sen_status="ehc_plan", primary_need="ASD"
            )
            # Built directly as a submitted case: the world's members hold every role, so
            # the head's school differs from this one and the officer is not recused.
            case = Case.objects.create(
                responsible_body=body,
                reference=f"WC-{body.pk}-{pupil.pk}",
                school=school,
                pupil=pupil,
                status="submitted",
                submitted_on=timezone.localdate(),
                policy=policy,
                need_description=f"{secret} need description",
                parents_involved=True,
                pupil_involved=True,
                # Raised by the school's SENDCO: the world's user decides it, and under
                # segregation of duties nobody decides a case they raised.
                created_by_label=f"sendco-{secret.lower()}@example.org",
            )
            ProvisionRow.objects.create(
                responsible_body=body,
                case=case,
                provision=f"{secret} provision",
                staff_role="TA",
                group_size=2,
                sessions_per_week=2,
                minutes_per_session=30,
                weeks=30,
                hourly_cost_pence=18_00,
            )
            ResourceLine.objects.create(
                responsible_body=body,
                case=case,
                kind="therapy",
                description=f"{secret} therapy",
                quantity=10,
                unit_cost_pence=250_00,
                starts_on=date(2026, 12, 1),
                ends_on=date(2027, 3, 31),
            )
            Outcome.objects.create(
                responsible_body=body,
                case=case,
                description=f"{secret} outcome",
                measure="Observed",
                review_on=date(2027, 3, 1),
            )
        case_decide(
            actor=user,
            tenant=body,
            case_id=case.pk,
            outcome="approved",
            criteria_met=[],
            reasons=f"{secret} reasons",
            amount_pence=2_500_00,
            pool_id=pool.pk,
            frequency="monthly",
            starts_on=date(2026, 12, 1),
            ends_on=date(2027, 3, 31),
            review_on=date(2027, 3, 1),
        )
        with tenant_context(body):
            CaseComment.objects.create(
                responsible_body=body, case=case, author=user, author_label=user.email, text=f"{secret} comment"
            )
    world.b_markers += [
        "Bravo Secret Case need description",
        "Bravo Secret Case reasons",
        "Bravo Secret Case therapy",
        "Bravo Secret Case comment",
        "Bravo Secret Case Academy",
    ]
