"""``Idempotency-Key`` on the case and award operations that move money: deciding a case,
varying and ending an award, recording a recovery. A replay answers 200 with the first
answer, byte for byte, and posts nothing to the ledger (issue 19)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.exceptional_resource.api_support import api, approve_terms, counts, url
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.test_api_awards import _award
from tests.exceptional_resource.test_recoveries import _paid_award
from tests.idempotency_support import assert_replayed, ledger_rows

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive(today=date(2026, 12, 7))]


def _state(scene: Scene):  # type: ignore[no-untyped-def]
    return lambda: (ledger_rows(scene.body), counts(scene.body))


def test_deciding_a_case_twice_with_one_key_decides_once(scene: Scene) -> None:
    from exceptional_resource.services import cases as case_services

    case = draft_case(scene)
    case_services.case_submit(actor=scene.head.user, tenant=scene.body, case_id=case.pk)
    payload = approve_terms(scene.pool.pk)
    first = assert_replayed(
        api(scene.officer.user), url(scene.body, f"cases/{case.pk}/decide/"), payload, status=201, state=_state(scene)
    )
    assert (first.json()["case"]["status"], first.json()["decision"]["outcome"]) == ("active", "approved")


def test_varying_an_award_twice_with_one_key_varies_once(scene: Scene) -> None:
    _, award = _award(scene)
    first = assert_replayed(
        api(scene.officer.user),
        url(scene.body, f"awards/{award.pk}/vary/"),
        {"new_amount_pence": 12_000_00, "reason": "Therapy twice a week"},
        status=200,
        state=_state(scene),
    )
    assert first.json()["amount_pence"] == 12_000_00


def test_ending_an_award_twice_with_one_key_ends_it_once(scene: Scene) -> None:
    _, award = _award(scene)
    first = assert_replayed(
        api(scene.officer.user),
        url(scene.body, f"awards/{award.pk}/end/"),
        {"end_on": "2027-01-15", "reason": "Pupil left"},
        status=200,
        state=_state(scene),
    )
    assert (first.json()["status"], first.json()["ended_on"]) == ("ended", "2027-01-15")


def test_recording_a_recovery_twice_with_one_key_records_it_once(scene: Scene) -> None:
    award = _paid_award(scene)
    first = assert_replayed(
        api(scene.finance.user),
        url(scene.body, f"awards/{award.pk}/recoveries/"),
        {"amount_pence": 1_000_00, "reason": "Unspent"},
        status=201,
        state=_state(scene),
    )
    assert (first.json()["amount_pence"], first.json()["recoverable_left_pence"]) == (1_000_00, 130_578)
