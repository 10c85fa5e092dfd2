from __future__ import annotations

from datetime import date

import pytest

from core.errors import ApplicationError, ConflictError
from core.tenancy import tenant_context
from exceptional_resource.models import Award, Case, Outcome
from exceptional_resource.services import awards, cases
from pooling.models import Instalment
from pooling.selectors import pool_headroom
from tests.exceptional_resource.conftest import draft_case
from tests.exceptional_resource.test_workflow import _approve

pytestmark = pytest.mark.django_db


def _active_award(scene):  # type: ignore[no-untyped-def]
    case = draft_case(scene, requested_pence=12_000_00)
    cases.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    return case, _approve(scene, case, amount=12_000_00).award


def test_ending_an_award_early_releases_exactly_the_unpaid_instalments(scene) -> None:
    case, award = _active_award(scene)
    with tenant_context(scene.body):
        unpaid_after = sum(
            i.amount_pence
            for i in Instalment.objects.filter(schedule__source_id=str(award.pk), due_on__gt=date(2027, 1, 15))
        )
    awards.award_end_early(
        actor=scene.officer.user,
        tenant=scene.body,
        award_id=award.pk,
        end_on=date(2027, 1, 15),
        reason="Pupil left the school",
    )
    headroom = pool_headroom(tenant=scene.body, pool=scene.pool)
    assert headroom.committed_outstanding_pence == 12_000_00 - unpaid_after
    with tenant_context(scene.body):
        assert Award.objects.get(pk=award.pk).status == "ended"
        assert Case.objects.get(pk=case.pk).status == "ended"
    again = awards.award_end_early(
        actor=scene.officer.user, tenant=scene.body, award_id=award.pk, end_on=date(2027, 1, 15), reason="twice"
    )
    assert again.status == "ended"
    assert pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence == 12_000_00 - unpaid_after


def test_varying_an_award_moves_the_commitment_by_the_difference(scene) -> None:
    _, award = _active_award(scene)
    awards.award_vary(
        actor=scene.officer.user,
        tenant=scene.body,
        award_id=award.pk,
        new_amount_pence=15_000_00,
        reason="More therapy sessions",
    )
    assert pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence == 15_000_00
    with pytest.raises(ConflictError):
        awards.award_vary(
            actor=scene.officer.user,
            tenant=scene.body,
            award_id=award.pk,
            new_amount_pence=30_000_00,
            reason="Above the limit",
        )
    with pytest.raises(ApplicationError):
        awards.award_vary(
            actor=scene.head.user, tenant=scene.body, award_id=award.pk, new_amount_pence=1, reason="Head cannot"
        )


def test_reviews_fall_due_and_the_school_records_every_outcome(scene) -> None:
    case, _ = _active_award(scene)
    assert awards.awards_mark_reviews_due(tenant=scene.body, today=date(2027, 2, 28)) == []
    assert awards.awards_mark_reviews_due(tenant=scene.body, today=date(2027, 3, 1)) == [case.pk]
    assert awards.awards_mark_reviews_due(tenant=scene.body, today=date(2027, 3, 2)) == []
    with tenant_context(scene.body):
        outcome = Outcome.objects.get(case=case)
    with pytest.raises(ApplicationError) as exc:
        awards.review_record(actor=scene.head.user, tenant=scene.body, case_id=case.pk, results={})
    assert exc.value.code == "results_incomplete"
    awards.review_record(
        actor=scene.head.user, tenant=scene.body, case_id=case.pk, results={outcome.pk: ("partly", "Uses 35 signs")}
    )
    with tenant_context(scene.body):
        assert Outcome.objects.get(pk=outcome.pk).result == "partly"


def test_an_ended_arrangement_ends_the_schools_awards(scene) -> None:
    from exceptional_resource.tasks import end_awards_for_arrangement

    _, award = _active_award(scene)
    assert (
        end_awards_for_arrangement.run(tenant_id=scene.body.pk, school_id=scene.school.pk, end_date="2027-01-31") == 1
    )
    assert (
        end_awards_for_arrangement.run(tenant_id=scene.body.pk, school_id=scene.school.pk, end_date="2027-01-31") == 0
    )
    with tenant_context(scene.body):
        assert Award.objects.get(pk=award.pk).ended_on == date(2027, 1, 31)
