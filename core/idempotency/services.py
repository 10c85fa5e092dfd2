"""Claiming, completing and expiring idempotency keys.

A money-moving API request sent with an ``Idempotency-Key`` header claims the key before it
does anything (``idempotency_claim``), inside the request's tenant transaction:

* ``INSERT ... ON CONFLICT DO NOTHING`` on the unique (body, user, key). A second request
  with the same key while the first is still running blocks on that unique index until the
  first commits or rolls back, so the two never both execute.
* If the first committed, the key's row is there: the same request (method, path and body)
  is answered from it (a replay); a different one is refused (``KeyReused``, 422).
* If the first rolled back (refused, failed), its row went with it and the second runs.

``idempotency_complete`` stores the response in the same transaction as the change, so a
key is kept exactly when the change committed. Keys expire ``IDEMPOTENCY_KEY_TTL_HOURS``
after they were first used (24 h unless set); ``idempotency_purge_expired`` (Celery beat,
hourly) deletes them, and an expired key met before the purge is treated as new."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.error_codes import CoreError
from core.errors import ApplicationError
from core.idempotency.models import IdempotencyKey
from core.tenancy import current_tenant_id, platform_context

TABLE = IdempotencyKey._meta.db_table


class KeyReused(ApplicationError):
    """The key was used before with a different request: 422, nothing is done."""

    status_code = 422


def _tenant_id() -> int:
    tenant_id = current_tenant_id()
    if tenant_id is None or not transaction.get_connection().in_atomic_block:
        raise RuntimeError("idempotency keys are claimed inside the tenant's transaction (tenant_context)")
    return tenant_id


def idempotency_claim(
    *, user_id: int, key: str, method: str, path: str, request_sha256: str
) -> tuple[int | None, IdempotencyKey | None]:
    """Claim ``key`` for this request. Returns ``(claim_id, None)`` when the request is to
    run (complete or release the claim afterwards), ``(None, stored)`` when it ran before
    and ``stored`` holds its answer. Raises ``KeyReused`` for a different request."""
    tenant_id = _tenant_id()
    now = timezone.now()
    expires_at = now + timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE responsible_body_id = %s AND user_id = %s AND key = %s AND expires_at <= %s",
            [tenant_id, user_id, key, now],
        )
        cursor.execute(
            f"INSERT INTO {TABLE} (responsible_body_id, user_id, key, method, path, request_sha256,"
            " response_json, created_at, expires_at) VALUES (%s, %s, %s, %s, %s, %s, '', %s, %s)"
            " ON CONFLICT (responsible_body_id, user_id, key) DO NOTHING RETURNING id",
            [tenant_id, user_id, key, method, path[:500], request_sha256, now, expires_at],
        )
        row = cursor.fetchone()
    if row is not None:
        return int(row[0]), None
    stored = IdempotencyKey.objects.get(user_id=user_id, key=key)
    if stored.request_sha256 != request_sha256:
        raise KeyReused(
            "This Idempotency-Key was already used for a different request. Use a new key for a new request.",
            code=CoreError.IDEMPOTENCY_KEY_REUSED,
            field="Idempotency-Key",
            extra={"first_used_for": f"{stored.method} {stored.path}", "expires_at": stored.expires_at.isoformat()},
        )
    return None, stored


def idempotency_complete(*, claim_id: int, status: int, response_json: str) -> None:
    """Keep the answer: it commits or rolls back with the request's change."""
    IdempotencyKey.objects.filter(pk=claim_id).update(response_status=status, response_json=response_json)


def idempotency_release(*, claim_id: int) -> None:
    """The request was refused or failed but its transaction commits (a refusal that keeps
    its record): free the key so a retry runs again."""
    IdempotencyKey.objects.filter(pk=claim_id).delete()


def idempotency_purge_expired() -> int:
    """Delete every body's expired keys. Returns how many."""
    with platform_context():
        deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
