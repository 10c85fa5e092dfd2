"""Review of pages22: ``audit_verify`` recomputes ``content_hash`` from what was stored,
so an event's ``before``/``after`` must hash the same after a trip through jsonb, for
every value ``audit_record`` accepts (nested, unordered, None, unicode, floats)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role
from core.audit import audit_record, audit_verify
from core.audit_verbs import AuditVerb
from core.tenancy import platform_context, tenant_context
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "after",
    [
        {"z": {"b": [1, None, "é"], "a": {"y": 2, "x": 1}}, "a": None},
        {"ratio": 0.1, "half": 1.5, "small": 1.5e-07},
        {"large": 1e16},
        {"zero": -0.0},
    ],
    ids=["nested-unordered", "ordinary-floats", "float-1e16", "negative-zero"],
)
def test_the_chain_verifies_after_events_with_any_json_value(after: dict[str, Any]) -> None:
    trustee = member(Role.TRUSTEE)
    body = trustee.responsible_body
    with tenant_context(body):
        audit_record(actor=trustee.user, tenant=body, verb=AuditVerb.CASE_VIEWED, object_type="x", after=after)
    with platform_context():
        assert audit_verify() == []
