"""Migration 0013's backfill of ``CaseEvent.pool``: entries written by the services with
their pool, the column dropped (back to 0012) and backfilled (0013), the backfill agrees
with the services but where the migration says the rows cannot tell."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.db_roles import owner_connection
from core.tenancy import platform_context, tenant_context
from exceptional_resource.models import CaseEvent
from exceptional_resource.services import cases as case_services
from exceptional_resource.services.awards import awards_mark_reviews_due, review_record
from exceptional_resource.services.reviews import review_decide
from pooling.services.ledger import InsufficientHeadroom, pool_open
from tests.exceptional_resource.api_support import CRITERIA
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.pooling.conftest import fund

APP = "exceptional_resource"
BEFORE = [(APP, "0012_case_body_updated_index")]
AFTER = [(APP, "0013_case_event_pool")]

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


def _renewed_onto_another_pool(scene: Scene) -> tuple[int, int, int]:
    """A case approved on 2026-27, reviewed, refused a renewal onto 2027-28 for headroom,
    then renewed onto 2027-28: (case, old pool, new pool)."""
    later = pool_open(actor=scene.finance.user, tenant=scene.body, label="2027-28")
    fund(scene.finance, later, 5_000_00, key="later")
    case = draft_case(scene, requested_pence=9_000_00)
    case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    case_services.case_decide(
        actor=scene.officer.user, tenant=scene.body, case_id=case.pk, outcome="approved", criteria_met=CRITERIA,
        reasons="Meets the criteria", amount_pence=9_000_00, pool_id=scene.pool.pk, frequency="monthly",
        starts_on=date(2026, 12, 1), ends_on=date(2027, 3, 31), review_on=date(2027, 3, 1),
    )  # fmt: skip
    assert awards_mark_reviews_due(tenant=scene.body, today=date(2027, 3, 2)) == [case.pk]
    with tenant_context(scene.body):
        outcomes = list(case.outcomes.values_list("pk", flat=True))
    review_record(actor=scene.head.user, tenant=scene.body, case_id=case.pk,
                  results={pk: ("partly", "40 signs of 50") for pk in outcomes})  # fmt: skip
    renewal: dict[str, Any] = dict(
        actor=scene.senior.user, tenant=scene.body, case_id=case.pk, decision="renew", reasons="Continue",
        criteria_met=CRITERIA, pool_id=later.pk, frequency="monthly", starts_on=date(2027, 4, 1),
        ends_on=date(2027, 7, 31), review_on=date(2027, 7, 1),
    )  # fmt: skip
    with pytest.raises(InsufficientHeadroom):
        review_decide(**renewal, amount_pence=8_000_00)
    review_decide(**renewal, amount_pence=4_000_00)
    return case.pk, scene.pool.pk, later.pk


def _pools(case_id: int) -> list[tuple[str, int | None]]:
    with platform_context():
        return list(CaseEvent.objects.filter(case_id=case_id).order_by("created_at", "pk").values_list("verb", "pool"))


def _refused_first_decision(scene: Scene) -> int:
    """A case whose approval the pool could not fund (no award yet)."""
    case = draft_case(scene, requested_pence=50_000_00)
    case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    with pytest.raises(InsufficientHeadroom):
        case_services.case_decide(
            actor=scene.senior.user, tenant=scene.body, case_id=case.pk, outcome="approved", criteria_met=CRITERIA,
            reasons="Meets the criteria", amount_pence=50_000_00, pool_id=scene.pool.pk, frequency="monthly",
            starts_on=date(2026, 12, 1), ends_on=date(2027, 3, 31), review_on=date(2027, 3, 1),
        )  # fmt: skip
    return case.pk


def _has_pool_column() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'exceptional_resource_caseevent' AND column_name = 'pool_id'"
        )
        return cursor.fetchone() == (1,)


@pytest.mark.django_db(transaction=True)
def test_the_backfill_names_each_entry_s_pool_as_the_services_do_but_where_no_row_tells(
    scene: Scene, back_to_latest: None
) -> None:
    renewed, old, new = _renewed_onto_another_pool(scene)
    refused = _refused_first_decision(scene)
    assert _pools(renewed) == [
        ("submit", None), ("approve", old), ("award_committed", old), ("review_due", old), ("review_recorded", old),
        ("headroom_shortfall", new), ("award_ended", old), ("renew", new), ("award_committed", new),
    ]  # fmt: skip
    assert _pools(refused) == [("submit", None), ("headroom_shortfall", old)]

    _migrate(BEFORE)
    assert not _has_pool_column()
    _migrate(AFTER)

    # Every entry as the services wrote it, but two whose pool no row names (the decision
    # and award they were refused rolled back; the entry and its audit row hold amounts
    # only), as the migration says: a refused renewal's takes the running award's pool,
    # a refused first decision's none.
    assert _pools(renewed) == [
        ("submit", None), ("approve", old), ("award_committed", old), ("review_due", old), ("review_recorded", old),
        ("headroom_shortfall", old), ("award_ended", old), ("renew", new), ("award_committed", new),
    ]  # fmt: skip
    assert _pools(refused) == [("submit", None), ("headroom_shortfall", None)]
