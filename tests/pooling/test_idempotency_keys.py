"""``Idempotency-Key`` on money-moving API operations (issue 19), shown on recording a
receipt: a replay answers 200 with the first body and posts nothing; a different body with
the same key is refused; two requests with one key at the same moment run once; keys are
per body and per user; bad header values are refused clearly and write nothing."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.idempotency.models import IdempotencyKey
from core.idempotency.services import idempotency_purge_expired
from core.tenancy import platform_context, tenant_context
from pooling.models import Leg, PaymentRun, Receipt, Transaction
from pooling.services.ledger import pool_open
from tests.factories import member, own_academy
from tests.idempotency_support import assert_replayed, ledger_rows
from tests.pooling.conftest import fund
from tests.pooling.contributions_support import allocate, join
from tests.pooling.payments_support import award

RECEIPT = {"amount_pence": 50_000, "received_on": "2026-10-01", "method": "transfer", "reference": "BACS 1"}


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _contribution(officer: Any, pool: Any) -> str:
    """A contribution of 140,000p due from one member school; its receipts URL."""
    body, user = officer.responsible_body, officer.user
    arrangement = join(user, body)
    allocate(user, body, arrangement.school, 1_400_000)
    api = _api(user)
    [cid] = api.post(f"/api/v1/bodies/{body.slug}/pools/{pool.pk}/contributions/recalculate/").json()[
        "contribution_ids"
    ]
    return f"/api/v1/bodies/{body.slug}/pools/contributions/{cid}/receipts/new/"


def _ledger(body: Any) -> tuple[int, int, int]:
    with tenant_context(body):
        return Transaction.objects.count(), Leg.objects.count(), Receipt.objects.count()


@pytest.mark.django_db
def test_a_replay_answers_200_with_the_first_body_and_posts_nothing(officer, pool) -> None:
    body = officer.responsible_body
    url = _contribution(officer, pool)
    api = _api(officer.user)
    before = _ledger(body)
    first = api.post(url, RECEIPT, format="json", HTTP_IDEMPOTENCY_KEY="receipt-7f3a")
    assert first.status_code == 201, first.json()
    assert "Idempotent-Replayed" not in first
    after_first = _ledger(body)
    assert after_first == (before[0] + 1, before[1] + 2, 1)

    again = api.post(url, RECEIPT, format="json", HTTP_IDEMPOTENCY_KEY="receipt-7f3a")
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again["Idempotent-Original-Status"] == "201"
    assert again.content == first.content
    assert again.json()["amount_pence"] == 50_000
    assert _ledger(body) == after_first

    # The same body in another key order and spacing is the same request.
    reordered = api.post(url, dict(reversed(list(RECEIPT.items()))), format="json", HTTP_IDEMPOTENCY_KEY="receipt-7f3a")
    assert (reordered.status_code, reordered.content) == (200, first.content)
    assert _ledger(body) == after_first

    # A new key is a new receipt.
    other = api.post(url, RECEIPT, format="json", HTTP_IDEMPOTENCY_KEY="receipt-7f3b")
    assert other.status_code == 201
    assert _ledger(body)[2] == 2


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused_and_posts_nothing(officer, pool) -> None:
    body = officer.responsible_body
    url = _contribution(officer, pool)
    api = _api(officer.user)
    assert api.post(url, RECEIPT, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201
    after_first = _ledger(body)
    changed = api.post(url, RECEIPT | {"amount_pence": 40_000}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert changed.status_code == 422
    data = changed.json()
    assert (data["code"], data["field"]) == ("idempotency_key_reused", "Idempotency-Key")
    assert "different request" in data["message"]
    assert data["detail"]["first_used_for"] == f"POST {url}"
    assert data["request_id"]
    assert _ledger(body) == after_first


@pytest.mark.django_db
def test_a_refused_request_keeps_no_key_so_the_corrected_retry_runs(officer, pool) -> None:
    body = officer.responsible_body
    url = _contribution(officer, pool)
    api = _api(officer.user)
    refused = api.post(url, RECEIPT | {"amount_pence": 140_001}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert (refused.status_code, refused.json()["code"]) == (400, "more_than_outstanding")
    with tenant_context(body):
        assert not IdempotencyKey.objects.exists()
    # The same key with the same refused body runs again (and is refused again).
    again = api.post(url, RECEIPT | {"amount_pence": 140_001}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert again.status_code == 400
    # ...and the corrected request with the same key runs: a refusal kept nothing.
    corrected = api.post(url, RECEIPT, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert corrected.status_code == 201
    assert _ledger(body)[2] == 1


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "is empty"),
        ("x" * 256, "is 256 characters long; the most is 255"),
        ("two words", "no spaces"),
        ("caf\u00e9", "printable ASCII"),
    ],
)
@pytest.mark.django_db
def test_bad_header_values_are_refused_clearly_and_write_nothing(officer, pool, value, problem) -> None:
    body = officer.responsible_body
    url = _contribution(officer, pool)
    before = _ledger(body)
    client = Client()
    client.force_login(officer.user)
    response = client.post(url, RECEIPT, content_type="application/json", headers={"Idempotency-Key": value})
    assert response.status_code == 400
    data = response.json()
    assert (data["code"], data["field"]) == ("idempotency_key_invalid", "Idempotency-Key")
    assert problem in data["message"]
    assert _ledger(body) == before
    with tenant_context(body):
        assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_the_longest_key_is_accepted(officer, pool) -> None:
    url = _contribution(officer, pool)
    response = _api(officer.user).post(url, RECEIPT, format="json", HTTP_IDEMPOTENCY_KEY="k" * 255)
    assert response.status_code == 201


@pytest.mark.django_db
def test_keys_belong_to_one_body_and_one_user(officer, pool) -> None:
    """Another body's key, or a colleague's, with the same value is independent."""
    from accounts.models import Role

    body = officer.responsible_body
    url = _contribution(officer, pool)
    assert _api(officer.user).post(url, RECEIPT, format="json", HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    colleague = member(Role.FINANCE_OFFICER, body=body, mfa=True)
    second = _api(colleague.user).post(url, RECEIPT, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert _ledger(body)[2] == 2

    other = member(Role.FINANCE_OFFICER, mfa=True)
    other_pool = pool_open(actor=other.user, tenant=other.responsible_body, label="2026-27")
    other_url = _contribution(other, other_pool)
    third = _api(other.user).post(other_url, RECEIPT, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert third.status_code == 201
    assert _ledger(other.responsible_body)[2] == 1
    with tenant_context(other.responsible_body):
        assert list(IdempotencyKey.objects.values_list("key", "user_id")) == [("shared", other.user.pk)]
    # Row-level security: the other body's row is invisible from this body, in SQL too.
    with tenant_context(body), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM idempotency_idempotencykey")
        assert cursor.fetchone()[0] == 2


@pytest.mark.django_db
def test_an_expired_key_is_new_again_and_the_purge_deletes_expired_keys(officer, pool) -> None:
    body = officer.responsible_body
    url = _contribution(officer, pool)
    api = _api(officer.user)
    assert api.post(url, RECEIPT, format="json", HTTP_IDEMPOTENCY_KEY="old").status_code == 201
    with tenant_context(body):
        row = IdempotencyKey.objects.get()
        assert timedelta(hours=23, minutes=59) < row.expires_at - row.created_at <= timedelta(hours=24)
        IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    fresh = api.post(url, RECEIPT | {"amount_pence": 1_000}, format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert fresh.status_code == 201
    assert _ledger(body)[2] == 2
    with tenant_context(body):
        IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert idempotency_purge_expired() == 1
    with platform_context():
        assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_the_same_moment_run_once(officer, pool, monkeypatch) -> None:
    """Real threads, real connections: the second request waits on the key's unique index
    while the first (slowed inside its transaction) runs, then is answered with its result."""
    import pooling.apis.contributions as receipts_api

    body = officer.responsible_body
    url = _contribution(officer, pool)
    real = receipts_api.receipt_record

    def slow_receipt_record(**kwargs: Any) -> Any:
        done = real(**kwargs)
        time.sleep(0.5)  # still inside the request's transaction
        return done

    monkeypatch.setattr(receipts_api, "receipt_record", slow_receipt_record)
    before = _ledger(body)
    start = threading.Barrier(2)
    answers: list[Any] = []

    def send() -> None:
        try:
            api = _api(officer.user)
            start.wait()
            answers.append(api.post(url, RECEIPT, format="json", HTTP_IDEMPOTENCY_KEY="race"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(a.status_code for a in answers) == [200, 201]
    replay = next(a for a in answers if a.status_code == 200)
    original = next(a for a in answers if a.status_code == 201)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.content == original.content
    assert _ledger(body) == (before[0] + 1, before[1] + 2, 1)


@pytest.mark.django_db
@pytest.mark.date_sensitive(today=date(2026, 12, 7))
def test_confirming_a_payment_run_twice_with_one_key_pays_once(officer, pool, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"
    fund(officer, pool, 50_000_00)
    award(officer, pool, 1_200_00, school=own_academy(officer.responsible_body, name="Ash Academy"), source_id="A-1")
    body = officer.responsible_body

    def state() -> Any:
        with tenant_context(body):
            return ledger_rows(body), PaymentRun.objects.count()

    first = assert_replayed(
        _api(officer.user),
        f"/api/v1/bodies/{body.slug}/pools/{pool.pk}/payment-runs/confirm/",
        {"due_up_to": "2026-05-31", "pay_on": "2026-06-01"},
        status=201,
        state=state,
    )
    may = 1_200_00 * 30 // 365 + 1_200_00 * 31 // 365
    assert (first.json()["status"], first.json()["total_pence"]) == ("confirmed", may)
