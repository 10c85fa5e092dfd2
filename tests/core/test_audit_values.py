"""Audit ``before``/``after`` values round-trip through jsonb: whatever JSON a service
records, the hash taken when it is written is the hash ``audit_verify`` recomputes from
what was stored; what jsonb cannot store is refused clearly; and chains written before
values were canonicalised (hashed over Python's JSON text) still verify."""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership, Role
from core import audit
from core.audit import GENESIS_HASH, AuditValueError, audit_record, audit_verify
from core.audit_verbs import AuditVerb
from core.models import AuditEvent
from core.tenancy import platform_context, tenant_context
from tests.factories import member

pytestmark = pytest.mark.django_db

# Storable text: jsonb refuses NUL and lone surrogates (tested below as bad values).
_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)
_edge_floats = st.sampled_from(
    [0.0, -0.0, 1e16, -1e16, 1.5e16, 9007199254740994.0, 1e300, -1.7976931348623157e308, 5e-324, -1e-300]
) | st.sampled_from([1.5e-07, 123.0, 0.1, 9999999999999998.0, 1e15])
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _edge_floats
    | _text
)
_json = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4), max_leaves=16
)
_values = st.dictionaries(_text, _json, max_size=5)


@pytest.fixture
def trustee() -> Membership:
    return member(Role.TRUSTEE)


def _stored(body: Any, event: AuditEvent) -> tuple[str, str]:
    with tenant_context(body):
        stored = AuditEvent.objects.get(pk=event.pk)
    return audit._json_text(stored.before), audit._json_text(stored.after)


@settings(
    parent=settings.get_profile("ci"),
    max_examples=60,  # each example is one insert and one verify in a savepoint
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(before=_values, after=_values)
def test_property_any_json_value_written_then_verifies(
    trustee: Membership, before: dict[str, Any], after: dict[str, Any]
) -> None:
    body = trustee.responsible_body
    sid = transaction.savepoint()
    try:
        with tenant_context(body):
            event = audit_record(
                actor=trustee.user, tenant=body, verb=AuditVerb.CASE_VIEWED, object_type="x", before=before, after=after
            )
        # What the event holds is what comes back from the database, text for text.
        assert _stored(body, event) == (audit._json_text(event.before), audit._json_text(event.after))
        with platform_context():
            assert audit_verify(body_ids=[body.pk]) == []
    finally:
        transaction.savepoint_rollback(sid)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        (1e16, 10_000_000_000_000_000),
        (-1.5e16, -15_000_000_000_000_000),
        (1e300, 10**300),
        (-0.0, 0.0),
        (0.1, 0.1),
        (1.5e-07, 1.5e-07),
        (123.0, 123.0),
        (Decimal("12.50"), "12.50"),
        (date(2026, 9, 1), "2026-09-01"),
    ],
)
def test_values_are_kept_as_jsonb_gives_them_back(trustee: Membership, value: Any, kept: Any) -> None:
    body = trustee.responsible_body
    with tenant_context(body):
        event = audit_record(actor=trustee.user, tenant=body, verb=AuditVerb.CASE_VIEWED, after={"v": [value]})
        stored = AuditEvent.objects.get(pk=event.pk).after["v"][0]
    assert (stored, type(stored)) == (kept, type(kept))
    assert (event.after["v"][0], type(event.after["v"][0])) == (kept, type(kept))
    if kept == 0:
        assert math.copysign(1, stored) == 1
    with platform_context():
        assert audit_verify() == []


@pytest.mark.parametrize(
    ("after", "message"),
    [
        ({"v": math.nan}, "JSON that PostgreSQL can store"),
        ({"v": [math.inf]}, "JSON that PostgreSQL can store"),
        ({"v": {"w": -math.inf}}, "JSON that PostgreSQL can store"),
        ({"v": "a\x00b"}, "NUL characters or lone surrogates"),
        ({"a\x00": 1}, "NUL characters or lone surrogates"),
        ({"v": ["\ud800"]}, "NUL characters or lone surrogates"),
        ({"\udfff": 1}, "NUL characters or lone surrogates"),
    ],
    ids=["nan", "inf", "minus-inf", "nul-value", "nul-key", "surrogate-value", "surrogate-key"],
)
def test_values_jsonb_cannot_store_are_refused(trustee: Membership, after: dict[str, Any], message: str) -> None:
    body = trustee.responsible_body
    with tenant_context(body):
        with pytest.raises(AuditValueError, match=message):
            audit_record(actor=trustee.user, tenant=body, verb=AuditVerb.CASE_VIEWED, after=after)
        assert not AuditEvent.objects.filter(verb=AuditVerb.CASE_VIEWED).exists()


def test_a_value_that_would_come_back_different_is_refused_not_stored(
    trustee: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The insert's own check: with the old normalisation, -0.0 would be hashed as "-0.0"
    and stored as 0.0; the write now raises (rolling back the caller's transaction)."""
    monkeypatch.setattr(audit, "_normalise", _old_normalise)
    body = trustee.responsible_body
    with tenant_context(body):
        with pytest.raises(AuditValueError, match="would not keep"), transaction.atomic():
            audit_record(actor=trustee.user, tenant=body, verb=AuditVerb.CASE_VIEWED, after={"zero": -0.0})
        assert not AuditEvent.objects.filter(verb=AuditVerb.CASE_VIEWED).exists()


# --- chains written by the code before canonicalisation ---------------------------------


def _old_normalise(value: Any) -> Any:
    """``core.audit._normalise`` as it was: Python's JSON, floats as Python wrote them."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _old_hash(event: AuditEvent) -> str:
    """``content_hash`` as events were hashed before: Python's JSON text of the event."""
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
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _old_write(trustee: Membership, before: Any, after: Any) -> AuditEvent:
    body = trustee.responsible_body
    with tenant_context(body):
        last = AuditEvent.objects.filter(responsible_body=body).order_by("-id").first()
        event = AuditEvent(
            responsible_body_id=body.pk,
            actor_id=trustee.user.pk,
            actor_label=trustee.user.email,
            verb=AuditVerb.CASE_VIEWED,
            object_type="x",
            object_id="1",
            object_label="old",
            before=_old_normalise(before),
            after=_old_normalise(after),
            request_id="r-1",
            ip_address="192.0.2.1",
            created_at=timezone.now(),
            prev_hash=last.hash if last is not None else GENESIS_HASH,
        )
        event.hash = _old_hash(event)
        event.save()
    return event


_ORDINARY = {
    "pence": 125_000,
    "big": 10**30,
    "floats": [0.1, 1.5, -2.5, 123.0, 1e15, 9999999999999998.0, 1.5e-07, 5e-324, 0.0],
    "decimal": Decimal("2.5"),
    "when": datetime(2026, 9, 1, 8, 30, tzinfo=UTC),
    "on": date(2026, 9, 1),
    "id": uuid.UUID(int=7),
    "text": 'é ✓ 😀 "quoted" \\ \n\t\u2028',
    "nested": {"z": [1, None, True, False, {"b": "c", "a": []}], "a": {}},
}


def test_a_chain_written_by_the_old_code_still_verifies(trustee: Membership) -> None:
    _old_write(trustee, None, _ORDINARY)
    _old_write(trustee, _ORDINARY, {"status": "closed"})
    body = trustee.responsible_body
    with tenant_context(body):
        audit_record(actor=trustee.user, tenant=body, verb=AuditVerb.CASE_VIEWED, after=_ORDINARY)
        assert AuditEvent.objects.filter(responsible_body=body).count() == 3
    with platform_context():
        assert audit_verify() == []


def _is_negative_zero(x: float) -> bool:
    return x == 0 and math.copysign(1, x) < 0


# What the old code stored and verified: floats jsonb gives back unchanged.
_old_floats = st.floats(min_value=-9.999e15, max_value=9.999e15).filter(lambda x: not _is_negative_zero(x))
_old_scalars = st.none() | st.booleans() | st.integers(-(10**20), 10**20) | _old_floats | _text
_old_json = st.recursive(
    _old_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4), max_leaves=12
)


@settings(
    parent=settings.get_profile("ci"),
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(after=st.dictionaries(_text, _old_json, max_size=5))
def test_property_events_the_old_code_wrote_still_verify(trustee: Membership, after: dict[str, Any]) -> None:
    sid = transaction.savepoint()
    try:
        _old_write(trustee, None, after)
        with platform_context():
            assert audit_verify(body_ids=[trustee.responsible_body_id]) == []
        # The new normalisation leaves these values as they were: new events hash the same way.
        assert audit._json_text(audit._normalise(after)) == audit._json_text(_old_normalise(after))
    finally:
        transaction.savepoint_rollback(sid)
