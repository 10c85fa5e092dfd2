from __future__ import annotations

from datetime import date

import pytest

from core.errors import ApplicationError, ConflictError
from core.tenancy import tenant_context
from pooling.models import AccountKind, Instalment, InstalmentSchedule, Leg, Pool
from pooling.selectors import pool_headroom
from pooling.services.ledger import InsufficientHeadroom, LegSpec, post
from pooling.services.payments import pool_close
from shared_resources.models import ResourceFunding
from shared_resources.services.funding import funding_commit, funding_end, funding_vary
from tests.pooling.payments_support import confirm_and_pay
from tests.shared_resources.conftest import Scene, teacher

pytestmark = pytest.mark.django_db

SOURCE = ResourceFunding.SOURCE_TYPE


def _fund(scene: Scene, amount: int = 60_000_00, **kw: object) -> ResourceFunding:
    resource = kw.pop("resource", None) or teacher(scene)
    fields: dict[str, object] = dict(starts_on=date(2026, 9, 1), ends_on=date(2027, 8, 31), frequency="monthly")
    fields.update(kw)
    return funding_commit(
        actor=scene.finance.user,
        tenant=scene.body,
        resource_id=resource.pk,  # type: ignore[attr-defined]
        pool_id=scene.pool.pk,
        amount_pence=amount,
        **fields,  # type: ignore[arg-type]
    )


def _net_committed(scene: Scene, funding: ResourceFunding) -> int:
    with tenant_context(scene.body):
        legs = Leg.objects.filter(
            account__kind=AccountKind.AWARDS, transaction__source_type=SOURCE, transaction__source_id=str(funding.pk)
        )
        return sum(legs.values_list("amount_pence", flat=True))


def _schedule(scene: Scene, funding: ResourceFunding) -> tuple[InstalmentSchedule, list[Instalment]]:
    with tenant_context(scene.body):
        schedule = InstalmentSchedule.objects.get(source_type=SOURCE, source_id=str(funding.pk))
        return schedule, list(schedule.instalments.order_by("due_on"))


def test_funding_commits_the_cost_from_headroom_with_a_schedule_to_the_host_school(scene: Scene) -> None:
    before = pool_headroom(tenant=scene.body, pool=scene.pool)
    funding = _fund(scene)
    after = pool_headroom(tenant=scene.body, pool=scene.pool)
    assert before.available_on_expected_pence - after.available_on_expected_pence == 60_000_00
    assert after.committed_outstanding_pence == 60_000_00
    assert _net_committed(scene, funding) == 60_000_00
    schedule, instalments = _schedule(scene, funding)
    assert (schedule.school_id, schedule.total_pence, schedule.pool_id) == (scene.school.pk, 60_000_00, scene.pool.pk)
    assert len(instalments) == 12
    assert sum(i.amount_pence for i in instalments) == 60_000_00
    assert instalments[0].due_on == date(2026, 9, 1)
    assert instalments[0].amount_pence == 60_000_00 * 30 // 365  # September's 30 of 365 days


def test_funding_beyond_headroom_writes_nothing_and_never_touches_the_reserve(scene: Scene) -> None:
    post(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        kind="reserve_set_aside",
        posted_on=date(2026, 4, 1),
        description="Reserve",
        idempotency_key=f"{scene.body.pk}:test-reserve",
        source_type="test",
        source_id="reserve",
        legs=[LegSpec(AccountKind.CONTRIBUTIONS, 5_000_00), LegSpec(AccountKind.RESERVE, -5_000_00)],
    )
    available = pool_headroom(tenant=scene.body, pool=scene.pool).available_on_expected_pence
    assert available == 95_000_00
    with pytest.raises(InsufficientHeadroom) as exc:
        _fund(scene, amount=95_000_01)
    assert exc.value.shortfall_pence == 1
    with tenant_context(scene.body):
        assert ResourceFunding.objects.count() == 0
        assert InstalmentSchedule.objects.count() == 0
    headroom = pool_headroom(tenant=scene.body, pool=scene.pool)
    assert (headroom.reserve_pence, headroom.committed_outstanding_pence) == (5_000_00, 0)


@pytest.mark.parametrize(
    ("amount", "starts_on", "ends_on", "code", "field"),
    [
        (-1, date(2026, 9, 1), date(2027, 8, 31), "invalid_amount", "amount_pence"),
        (0, date(2026, 9, 1), date(2027, 8, 31), "invalid_amount", "amount_pence"),
        (100.5, date(2026, 9, 1), date(2027, 8, 31), "invalid_amount", "amount_pence"),
        (1_000_00, date(2027, 8, 31), date(2026, 9, 1), "dates_out_of_order", "ends_on"),
        (1_000_00, date(2027, 4, 1), date(2027, 8, 31), "outside_contract", "starts_on"),
        (1_000_00, date(2026, 9, 1), date(2027, 9, 30), "outside_contract", "ends_on"),
    ],
)
def test_bad_funding_input_is_refused_and_nothing_is_written(
    scene: Scene, amount: object, starts_on: date, ends_on: date, code: str, field: str
) -> None:
    resource = teacher(scene)
    with pytest.raises(ApplicationError) as exc:
        funding_commit(
            actor=scene.finance.user,
            tenant=scene.body,
            resource_id=resource.pk,
            pool_id=scene.pool.pk,
            amount_pence=amount,  # type: ignore[arg-type]
            starts_on=starts_on,
            ends_on=ends_on,
        )
    assert (exc.value.code, exc.value.field) == (code, field)
    with tenant_context(scene.body):
        assert ResourceFunding.objects.count() == 0
    assert pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence == 0


@pytest.mark.parametrize("role", ["admin", "officer", "head"])
def test_only_a_finance_officer_commits_pool_money(scene: Scene, role: str) -> None:
    resource = teacher(scene)
    with pytest.raises(ApplicationError) as exc:
        funding_commit(
            actor=getattr(scene, role).user,
            tenant=scene.body,
            resource_id=resource.pk,
            pool_id=scene.pool.pk,
            amount_pence=1_000_00,
            starts_on=date(2026, 9, 1),
            ends_on=date(2027, 8, 31),
        )
    assert exc.value.code == "not_allowed"


def test_a_resource_is_funded_once_per_pool(scene: Scene) -> None:
    funding = _fund(scene)
    with pytest.raises(ConflictError) as exc:
        _fund(scene, resource=funding.resource)
    assert exc.value.code == "already_funded"
    assert pool_headroom(tenant=scene.body, pool=scene.pool).committed_outstanding_pence == 60_000_00


def test_varying_down_after_a_payment_releases_exactly_the_difference(scene: Scene) -> None:
    funding = _fund(scene)
    run = confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2026, 10, 31),
        pay_on=date(2026, 10, 5),
    )
    _, instalments = _schedule(scene, funding)
    paid = instalments[0].amount_pence + instalments[1].amount_pence
    assert run.total_pence == paid
    funding = funding_vary(
        actor=scene.finance.user, tenant=scene.body, funding_id=funding.pk, new_amount_pence=40_000_00, reason="0.6 FTE"
    )
    assert funding.amount_pence == 40_000_00
    assert _net_committed(scene, funding) == 40_000_00
    schedule, instalments = _schedule(scene, funding)
    assert schedule.total_pence == 40_000_00
    assert sum(i.amount_pence for i in instalments if i.status != "released") == 40_000_00
    headroom = pool_headroom(tenant=scene.body, pool=scene.pool)
    assert headroom.committed_outstanding_pence == 40_000_00 - paid
    with pytest.raises(ConflictError) as exc:
        funding_vary(
            actor=scene.finance.user, tenant=scene.body, funding_id=funding.pk, new_amount_pence=paid - 1, reason="x"
        )
    assert exc.value.code == "below_paid"
    with pytest.raises(ApplicationError) as exc2:
        funding_vary(actor=scene.finance.user, tenant=scene.body, funding_id=funding.pk, new_amount_pence=1, reason=" ")
    assert exc2.value.code == "missing_field"


def test_a_period_close_carries_the_funding_and_an_early_end_releases_exactly_what_is_unpaid(scene: Scene) -> None:
    funding = _fund(scene)
    confirm_and_pay(
        actor=scene.finance.user,
        tenant=scene.body,
        pool=scene.pool,
        due_up_to=date(2027, 3, 31),
        pay_on=date(2027, 3, 1),
    )
    _, instalments = _schedule(scene, funding)
    paid = sum(i.amount_pence for i in instalments if i.due_on <= date(2027, 3, 31))
    pool_close(actor=scene.finance.user, tenant=scene.body, pool=scene.pool, next_label="2027-28")
    with tenant_context(scene.body):
        next_pool = Pool.objects.get(label="2027-28")
    schedule, instalments = _schedule(scene, funding)
    assert schedule.pool_id == next_pool.pk
    carried = pool_headroom(tenant=scene.body, pool=next_pool)
    assert carried.committed_outstanding_pence == 60_000_00 - paid
    unpaid_after_may = sum(i.amount_pence for i in instalments if i.due_on > date(2027, 5, 31))
    funding = funding_end(
        actor=scene.finance.user, tenant=scene.body, funding_id=funding.pk, end_on=date(2027, 5, 31), reason="Left post"
    )
    assert (funding.status, funding.ended_on) == ("ended", date(2027, 5, 31))
    assert funding.amount_pence == 60_000_00 - unpaid_after_may
    assert _net_committed(scene, funding) == funding.amount_pence
    after = pool_headroom(tenant=scene.body, pool=next_pool)
    assert after.committed_outstanding_pence == 60_000_00 - paid - unpaid_after_may
    with pytest.raises(ConflictError) as exc:
        funding_end(
            actor=scene.finance.user, tenant=scene.body, funding_id=funding.pk, end_on=date(2027, 5, 31), reason="x"
        )
    assert exc.value.code == "funding_ended"
