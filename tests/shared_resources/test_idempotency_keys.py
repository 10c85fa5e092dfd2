"""``Idempotency-Key`` on the shared-resource operations that commit money or capacity:
allocating a request, committing a resource's funding. A replay answers 200 with the
first answer and changes nothing (issue 19)."""

from __future__ import annotations

import pytest

from tests.idempotency_support import assert_replayed, ledger_rows
from tests.shared_resources.conftest import Scene, spring, teacher
from tests.shared_resources.test_api import api, counts, url

pytestmark = pytest.mark.django_db


def test_allocating_a_request_twice_with_one_key_allocates_once(scene: Scene) -> None:
    period = spring(scene, teacher(scene), units=10)
    asked = api(scene.head.user).post(
        url(scene, "requests/create/"),
        {"capacityperiod_id": period.pk, "school_id": scene.school.pk, "units": 2},
        format="json",
    )
    assert asked.status_code == 201, asked.json()
    first = assert_replayed(
        api(scene.officer.user),
        url(scene, f"requests/{asked.json()['id']}/allocate/"),
        {"units": 2},
        status=200,
        state=lambda: (counts(scene), ledger_rows(scene.body)),
    )
    assert (first.json()["status"], first.json()["allocated_units"]) == ("allocated", 2)
    assert counts(scene)["Allocation"] == 1


def test_committing_funding_twice_with_one_key_commits_once(scene: Scene) -> None:
    resource = teacher(scene)
    first = assert_replayed(
        api(scene.finance.user),
        url(scene, f"{resource.pk}/fund/"),
        {"pool_id": scene.pool.pk, "amount_pence": 60_000_00, "starts_on": "2026-09-01", "ends_on": "2027-08-31"},
        status=201,
        state=lambda: (counts(scene), ledger_rows(scene.body)),
    )
    assert first.json()["amount_pence"] == 60_000_00
    assert counts(scene)["ResourceFunding"] == 1
