"""Migration 0016's backfill of ``CaseEvent.pool`` on refusals and on declines that ended an
award: entries written by the services with their pool, then stripped of it as the services
wrote them before (an entry is append-only for the runtime role: the schema owner strips
them), migrated back (0015) and forward (0016). The backfill agrees with the services but
where the migration says no row tells."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Role, User
from core.db_roles import owner_connection
from core.errors import ConflictError
from core.tenancy import platform_context
from exceptional_resource.models import CaseEvent
from exceptional_resource.services import awards
from exceptional_resource.services import cases as case_services
from exceptional_resource.services.reviews import review_decide
from pooling.services.payments import payment_run_confirm
from tests.exceptional_resource.api_support import CRITERIA
from tests.exceptional_resource.conftest import Scene
from tests.exceptional_resource.pages_support import approved_case, submitted_case
from tests.factories import member
from tests.pooling.renewal_support import FIRST, RENEWED, reviewed_world

APP = "exceptional_resource"
BEFORE = [(APP, "0015_case_autovacuum")]
AFTER = [(APP, "0016_refusal_event_pool")]
TAGGED = ("recused", "escalated", "segregation_refused", "decline")

pytestmark = pytest.mark.date_sensitive(today=date(2026, 12, 7))


def _migrate(targets: list[tuple[str, str]]) -> None:
    with owner_connection():
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)


@pytest.fixture
def back_to_latest() -> Iterator[None]:
    """Whatever the test leaves, the database ends at the latest migrations again."""
    yield
    with owner_connection():
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())


def _pools(case_id: int) -> list[tuple[str, int | None]]:
    with platform_context():
        rows = CaseEvent.objects.filter(case_id=case_id).order_by("created_at", "pk")
        return list(rows.values_list("verb", "pool"))


def _untag_as_written_before() -> None:
    with owner_connection(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.platform', 'on', true)")
        cursor.execute("UPDATE exceptional_resource_caseevent SET pool_id = NULL WHERE verb = ANY(%s)", [list(TAGGED)])


def _officer(scene: Scene, *, limit: int, school_role: bool = False) -> User:
    officer = member(Role.DECISION_OFFICER, scene.body, mfa=True, decision_limit_pence=limit)
    if school_role:
        member(Role.SENDCO, scene.body, user=officer.user, school=scene.school)
    return officer.user


def _approve(scene: Scene, actor: User, case_id: int, *, amount_pence: int, pool_id: int) -> None:
    case_services.case_decide(
        actor=actor, tenant=scene.body, case_id=case_id, outcome="approved", criteria_met=CRITERIA,
        reasons="Meets the criteria", amount_pence=amount_pence, pool_id=pool_id, frequency="monthly",
        starts_on=date(2026, 12, 1), ends_on=date(2027, 3, 31), review_on=date(2027, 3, 1),
    )  # fmt: skip


def _refused_through_the_life_of_a_case(scene: Scene) -> tuple[int, int]:
    """A case raised by ``scene.senior`` and decided from 2026-27: after its review the senior
    is refused a change and a renewal onto 2027-28 (segregation); renewed onto 2027-28 by the
    officer; the senior is refused a variation of the renewal; on a reconsideration a SENDCO
    of the school stands aside and an officer with a £1,000.00 limit is escalated.
    Returns (case, 2027-28)."""
    world = reviewed_world(scene, raised_by=scene.senior.user.email)
    review: dict[str, Any] = {"tenant": scene.body, "case_id": world.case.pk, "reasons": "Go on"}
    renewal: dict[str, Any] = dict(
        decision="renew", criteria_met=CRITERIA, amount_pence=RENEWED, pool_id=world.later.pk, frequency="monthly",
        starts_on=date(2027, 4, 1), ends_on=date(2027, 7, 31), review_on=date(2027, 7, 1), **review,
    )  # fmt: skip
    with pytest.raises(ConflictError):
        review_decide(actor=scene.senior.user, decision="change", amount_pence=8_000_00,
                      review_on=date(2027, 7, 1), **review)  # fmt: skip
    with pytest.raises(ConflictError):
        review_decide(actor=scene.senior.user, **renewal)
    renewed = review_decide(actor=scene.officer.user, **renewal).award
    assert renewed is not None
    with pytest.raises(ConflictError):
        awards.award_vary(actor=scene.senior.user, tenant=scene.body, award_id=renewed.pk,
                          new_amount_pence=RENEWED + 100_00, reason="More sessions")  # fmt: skip
    case_services.case_request_reconsideration(
        actor=scene.head.user, tenant=scene.body, case_id=world.case.pk, grounds="More sessions are needed"
    )
    for officer in (_officer(scene, limit=100_000_00, school_role=True), _officer(scene, limit=1_000_00)):
        with pytest.raises(ConflictError):
            _approve(scene, officer, world.case.pk, amount_pence=FIRST, pool_id=world.later.pk)
    return world.case.pk, world.later.pk


def _declined_after_its_award_ran(scene: Scene, later_pool_id: int) -> int:
    """A case approved from 2026-27 (December paid), declined on reconsideration from
    31 December (the award ends), then reconsidered again: an officer with a £1,000.00 limit
    approving it from 2027-28 is escalated, with no award running."""
    case = approved_case(scene, amount=9_000_00)
    payment_run_confirm(
        actor=scene.finance.user, tenant=scene.body, pool=scene.pool, due_up_to=date(2026, 12, 31),
        pay_on=date(2026, 12, 31),
    )  # fmt: skip
    again = {"actor": scene.head.user, "tenant": scene.body, "case_id": case.pk, "grounds": "Ask again"}
    case_services.case_request_reconsideration(**again)
    case_services.case_decide(
        actor=scene.senior.user, tenant=scene.body, case_id=case.pk, outcome="declined", criteria_met=CRITERIA,
        reasons="No longer needed", end_on=date(2026, 12, 31),
    )  # fmt: skip
    case_services.case_request_reconsideration(**again)
    with pytest.raises(ConflictError):
        _approve(scene, _officer(scene, limit=1_000_00), case.pk, amount_pence=9_000_00, pool_id=later_pool_id)
    return case.pk


def _first_decisions(scene: Scene) -> tuple[int, int]:
    """A first approval from 2026-27 escalated (no award yet), and a case declined outright."""
    escalated = submitted_case(scene, requested_pence=FIRST)
    with pytest.raises(ConflictError):
        _approve(scene, _officer(scene, limit=1_000_00), escalated.pk, amount_pence=FIRST, pool_id=scene.pool.pk)
    declined = submitted_case(scene, requested_pence=FIRST)
    case_services.case_decide(
        actor=scene.officer.user, tenant=scene.body, case_id=declined.pk, outcome="declined", criteria_met=CRITERIA,
        reasons="Does not meet the criteria",
    )  # fmt: skip
    return escalated.pk, declined.pk


def _tagged(rows: list[tuple[str, int | None]]) -> list[tuple[str, int | None]]:
    return [row for row in rows if row[0] in TAGGED]


def _others(rows: list[tuple[str, int | None]]) -> list[tuple[str, int | None]]:
    return [row for row in rows if row[0] not in TAGGED]


@pytest.mark.django_db(transaction=True)
def test_the_backfill_names_each_refusal_s_pool_as_the_services_do_but_where_no_row_tells(
    scene: Scene, back_to_latest: None
) -> None:
    running, later = _refused_through_the_life_of_a_case(scene)
    ended = _declined_after_its_award_ran(scene, later)
    escalated, declined = _first_decisions(scene)
    first = scene.pool.pk
    cases = (running, ended, escalated, declined)
    written = {case: _pools(case) for case in cases}
    assert _tagged(written[running]) == [
        ("segregation_refused", first), ("segregation_refused", later), ("segregation_refused", later),
        ("recused", later), ("escalated", later),
    ]  # fmt: skip
    assert _tagged(written[ended]) == [("decline", first), ("escalated", later)]
    assert _tagged(written[escalated]) == [("escalated", first)]
    assert _tagged(written[declined]) == [("decline", None)]

    _untag_as_written_before()
    assert all(pool is None for case in cases for _, pool in _tagged(_pools(case)))
    _migrate(BEFORE)
    assert all(pool is None for case in cases for _, pool in _tagged(_pools(case)))
    _migrate(AFTER)

    backfilled = {case: _pools(case) for case in cases}
    assert {case: _others(rows) for case, rows in backfilled.items()} == {
        case: _others(rows) for case, rows in written.items()
    }
    # As the services wrote them, but those whose pool no row names, as the migration says:
    # the refused renewal takes the running award's pool (2026-27, not 2027-28); a decision
    # refused with no award running (after the decline ended it, or a first one) none.
    assert _tagged(backfilled[running]) == [
        ("segregation_refused", first), ("segregation_refused", first), ("segregation_refused", later),
        ("recused", later), ("escalated", later),
    ]  # fmt: skip
    assert _tagged(backfilled[ended]) == [("decline", first), ("escalated", None)]
    assert _tagged(backfilled[escalated]) == [("escalated", None)]
    assert _tagged(backfilled[declined]) == [("decline", None)]
