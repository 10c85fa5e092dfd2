from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Membership, ResponsibleBody, Role, User
from core.models import AuditEvent
from core.tenancy import platform_context
from groupings.models import School

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int, int, int]:
    with platform_context():
        return (
            User.objects.count(),
            ResponsibleBody.objects.count(),
            Membership.objects.count(),
            School.objects.count(),
            AuditEvent.objects.count(),
        )


def test_seed_demo_creates_a_trust_and_an_la_with_every_role_and_is_idempotent(capsys, tmp_path) -> None:
    call_command("seed_demo")
    first = _counts()
    out = capsys.readouterr().out
    assert "body.admin@step.example" in out
    call_command("seed_demo", json=str(tmp_path / "sign-ins.json"))
    assert _counts() == first
    sign_ins = json.loads((tmp_path / "sign-ins.json").read_text())
    kinds = {b.slug: b.kind for b in ResponsibleBody.objects.all()}
    assert kinds == {"step-academy-trust": "academy_trust", "kingston": "local_authority"}
    roles_by_body = {slug: {s["role"] for s in sign_ins if s["body"] == slug} for slug in kinds}
    assert roles_by_body["kingston"] == {r.value for r in Role}
    assert roles_by_body["step-academy-trust"] == {r.value for r in Role} - {"partnership_lead"}
    assert all(set(s) == {"email", "password", "role", "body", "school"} for s in sign_ins)
    assert School.objects.filter(name="Gonville Academy", trust_uid=4836).exists()


def test_seed_demo_refuses_without_demo_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_PASSWORDS_ENABLED = False
    with pytest.raises(CommandError, match="not for production"):
        call_command("seed_demo")
