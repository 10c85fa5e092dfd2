"""Checks shared by the ``Idempotency-Key`` tests of each money-moving API operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.models import ResponsibleBody
from core.tenancy import tenant_context
from pooling.models import Leg, Transaction


def ledger_rows(body: ResponsibleBody) -> tuple[int, int]:
    """The body's ledger transactions and legs."""
    with tenant_context(body):
        return Transaction.objects.count(), Leg.objects.count()


def assert_replayed(
    client: Any, url: str, payload: dict[str, Any], *, status: int, state: Callable[[], Any], key: str = "key-1"
) -> Any:
    """Send ``payload`` twice with one key: the first runs (``status``) and changes
    ``state()``; the second is answered 200 with the same bytes, says it is a replay and
    changes nothing. Returns the first response."""
    before = state()
    first = client.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == status, first.content
    assert "Idempotent-Replayed" not in first
    after = state()
    assert after != before, "the first request changed nothing"
    again = client.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 200, again.content
    assert (again["Idempotent-Replayed"], again["Idempotent-Original-Status"]) == ("true", str(status))
    assert again.content == first.content
    assert state() == after
    different = client.post(url, {**payload, "reason": "another request"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (different.status_code, different.json()["code"]) == (422, "idempotency_key_reused")
    assert state() == after
    return first
