"""Writing and verifying the append-only audit trail.

Every service calls ``audit_record`` inside its own transaction. Events of one body form a
hash chain: each stores the previous event's hash and a SHA-256 of its own content. A
transaction-scoped advisory lock per body keeps the chain linear under concurrency.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import structlog
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from core.audit_verbs import AuditVerb
from core.models import AuditEvent
from core.tenancy import TenantContextMissing, current_tenant_id, in_platform_context

if TYPE_CHECKING:
    from accounts.models import ResponsibleBody, User

GENESIS_HASH = "0" * 64

# How the actor is acting when it is not their own signed-in session (an API token): named
# in every event's actor label, so each change made with a token is attributable to it.
_acting_via: ContextVar[str] = ContextVar("audit_acting_via", default="")


@contextmanager
def audit_acting_via_scope() -> Iterator[None]:
    """A request's scope for ``audit_acting_via``: whatever is set inside ends with it."""
    token = _acting_via.set("")
    try:
        yield
    finally:
        _acting_via.reset(token)


def audit_acting_via(label: str) -> None:
    """Inside ``audit_acting_via_scope``: label every event from here on ("API token #3 …")."""
    _acting_via.set(label)


def _actor_label(actor: User | None) -> str:
    if actor is None:
        return "system"
    via = _acting_via.get()
    return f"{actor.email} via {via}"[:254] if via else actor.email


_LOCK_NAMESPACE = 7_411_001


class AuditValueError(ValueError):
    """A ``before``/``after`` value the trail cannot keep exactly (NaN, an infinity, a NUL
    character or a lone surrogate): PostgreSQL's jsonb refuses them."""


# Floats at or above this magnitude are written by Python with an exponent ("1e+16"); jsonb
# keeps the number as an exact decimal and gives back "10000000000000000", which reads as int.
_EXPONENT_FLOATS_FROM = 1e16
_UNSTORABLE_TEXT = re.compile(r"[\x00\ud800-\udfff]")


def _jsonb_number(text: str) -> float | int:
    """A JSON float as jsonb gives it back (``parse_float`` for ``_normalise``).

    jsonb stores a number as an exact decimal (``numeric``) and writes it out without an
    exponent and with no sign on zero, so Python reads back -0.0 as 0.0 and 1e16 as the int
    10000000000000000. Every other float Python writes (0.1, 1.5e-07, 123.0) reads back as
    the same float, so it is kept: events hashed before this rule still hash the same."""
    value = float(text)
    if value == 0:
        return 0.0
    if abs(value) >= _EXPONENT_FLOATS_FROM:
        return int(Decimal(text))
    return value


def _check_text(value: Any) -> None:
    if isinstance(value, str):
        if _UNSTORABLE_TEXT.search(value):
            raise AuditValueError(f"audit values cannot hold NUL characters or lone surrogates: {value[:40]!r}")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


def _normalise(value: Any) -> Any:
    """``value`` as the audit trail keeps it: JSON (dates, decimals and UUIDs as text, keys
    as strings) in exactly the form PostgreSQL's jsonb gives back, so the hash taken over it
    when written is the hash ``audit_verify`` recomputes from what was stored. What jsonb
    cannot store raises ``AuditValueError``."""
    if value is None:
        return None
    try:
        text = json.dumps(value, cls=DjangoJSONEncoder, allow_nan=False)
    except ValueError as exc:  # NaN or an infinity (or a circular or vast value)
        raise AuditValueError(f"audit values must be JSON that PostgreSQL can store: {exc}") from exc
    normalised = json.loads(text, parse_float=_jsonb_number)
    _check_text(normalised)
    return normalised


def content_hash(event: AuditEvent) -> str:
    """The SHA-256 of an event's content and its predecessor's hash: what ``audit_record``
    stores and ``audit_verify`` recomputes. Public for tools that write chained events in
    bulk (``devtools.synthetic``), so they chain them exactly as the trail does."""
    return hashlib.sha256(_canonical(event).encode()).hexdigest()


def _canonical(event: AuditEvent) -> str:
    """The text ``content_hash`` hashes (UTF-8 encoded)."""
    payload = {
        "body": event.responsible_body_id,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "verb": event.verb,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_label": event.object_label,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
        "ip": event.ip_address,
        "created_at": event.created_at.astimezone(UTC).isoformat(),
        "prev": event.prev_hash,
    }
    return _json_text(payload)


def _json_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def text_fingerprint(value: Any) -> Any:
    """What the audit trail keeps of free text that may describe a child (a case's need,
    a comment, a reason): whether there was any, its length and a SHA-256 to show that it
    changed and to match it against the record, never the words. Audit rows are kept for
    good and read by administrators and auditors, who may not read cases."""
    if not isinstance(value, str):
        return value
    if not value:
        return {"text": "empty"}
    return {"text": "redacted", "length": len(value), "sha256": hashlib.sha256(value.encode()).hexdigest()}


def redact_text(values: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """``values`` with the named free-text fields replaced by ``text_fingerprint``."""
    names = set(fields)
    return {k: (text_fingerprint(v) if k in names else v) for k, v in values.items()}


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The before/after values of ``fields`` of ``instance`` (foreign keys as ids)."""
    result: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        result[name] = getattr(instance, getattr(field, "attname", name))
    normalised: dict[str, Any] = _normalise(result)
    return normalised


def audit_record(
    *,
    actor: User | None,
    tenant: ResponsibleBody | None,
    verb: AuditVerb,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to ``tenant``'s chain, in the caller's transaction."""
    body_id = tenant.pk if tenant is not None else None
    if not in_platform_context() and (body_id is None or current_tenant_id() != body_id):
        raise TenantContextMissing("audit_record needs the tenant's context (or platform context).")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        label = label or str(obj)
    context = structlog.contextvars.get_contextvars()
    event = AuditEvent(
        responsible_body_id=body_id,
        actor_id=actor.pk if actor is not None else None,
        actor_label=_actor_label(actor),
        verb=verb,
        object_type=object_type,
        object_id=object_id,
        object_label=label[:300],
        before=_normalise(before),
        after=_normalise(after),
        request_id=str(context.get("request_id", ""))[:64],
        ip_address=context.get("ip") or None,
        created_at=timezone.now(),
    )
    _insert_chained(event)
    return event


def _insert_chained(event: AuditEvent) -> None:
    """Insert ``event`` at the head of its body's chain in one statement.

    ``core_audit_chain_head`` (migration core.0003) takes the body's transaction-scoped
    advisory lock, then reads the latest hash with a snapshot taken after the lock was
    granted (an event committed by another transaction meanwhile is seen) and draws the
    event's id (after every id drawn under the lock before): the chain stays linear in id
    order. The hash is ``content_hash``'s, computed by PostgreSQL: the event's
    canonical JSON is made here with a marker where the previous hash goes, and the
    statement puts the previous hash in its place before taking the SHA-256 (the hex hash
    needs no JSON escaping), so ``audit_verify`` recomputes exactly what was stored.
    ``before``/``after`` were made by ``_normalise`` in the form jsonb gives back; the
    statement returns them as stored, and a value that came back different raises (the
    caller's transaction then rolls back) rather than leave an event that fails verification."""
    marker = uuid.uuid4().hex
    event.prev_hash = marker
    text = _canonical(event)
    if text.count(marker) != 1:  # a marker is random: this would be a 2**-122 coincidence
        raise RuntimeError("audit_record could not place the previous hash in the event's content")
    before_prev, after_prev = text.split(marker)
    fields = [f for f in AuditEvent._meta.concrete_fields if f.attname not in ("id", "prev_hash", "hash")]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH head AS (SELECT coalesce(prev, %s) AS prev, next_id FROM core_audit_chain_head(%s, %s)) "
            f"INSERT INTO {quote(AuditEvent._meta.db_table)} (id, {columns}, prev_hash, hash) "
            f"VALUES ((SELECT next_id FROM head), {', '.join(['%s'] * len(fields))}, (SELECT prev FROM head), "
            "encode(sha256(convert_to(%s || (SELECT prev FROM head) || %s, 'UTF8')), 'hex')) "
            "RETURNING id, prev_hash, hash, before::text, after::text",
            [GENESIS_HASH, _LOCK_NAMESPACE, event.responsible_body_id, *values, before_prev, after_prev],
        )
        event.pk, event.prev_hash, event.hash, *stored = cursor.fetchone()
    for written, text in zip((event.before, event.after), stored, strict=True):
        # What audit_verify will read back: a difference would be reported as tampering.
        if _json_text(written) != _json_text(None if text is None else json.loads(text)):
            raise AuditValueError(f"the audit trail would not keep {written!r} exactly (stored as {text})")
    event._state.adding = False
    event._state.db = connection.alias


@dataclass(frozen=True)
class ChainProblem:
    body_id: int | None
    event_id: int
    reason: str


def audit_verify(*, body_ids: Iterable[int | None] | None = None) -> list[ChainProblem]:
    """Recompute every chain (platform context required) and list the breaks found."""
    if not in_platform_context():
        raise TenantContextMissing("audit_verify runs in platform_context().")
    if body_ids is None:
        with_events = AuditEvent.objects.filter(responsible_body__isnull=False).order_by("responsible_body_id")
        body_ids = [None, *with_events.values_list("responsible_body_id", flat=True).distinct()]
    problems: list[ChainProblem] = []
    for body_id in body_ids:
        expected_prev = GENESIS_HASH
        events = AuditEvent.objects.filter(responsible_body_id=body_id).order_by("id")
        for event in events.iterator(chunk_size=2000):
            if event.prev_hash != expected_prev:
                problems.append(
                    ChainProblem(body_id, event.pk, "previous-hash link broken (event removed or reordered)")
                )
            if content_hash(event) != event.hash:
                problems.append(ChainProblem(body_id, event.pk, "content does not match its hash (event altered)"))
            expected_prev = event.hash
    return problems
