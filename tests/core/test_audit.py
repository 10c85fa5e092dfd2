from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from accounts import services
from accounts.models import Role
from core.audit import audit_verify
from core.models import AuditEvent
from core.tenancy import platform_context, tenant_context
from tests.factories import member


def _admin_conn() -> psycopg.Connection:
    """A superuser connection: what a tamperer with database access would have."""
    import environ

    from config.settings.base import socket_host

    admin = socket_host(environ.Env.db_url_config(settings.DATABASE_ADMIN_URL))
    return psycopg.connect(
        host=admin["HOST"],
        port=admin["PORT"] or 5432,
        user=admin["USER"],
        password=admin["PASSWORD"] or None,
        dbname=connection.settings_dict["NAME"],
        autocommit=True,
    )


def _two_events():  # type: ignore[no-untyped-def]
    trustee = member(Role.TRUSTEE)
    admin = member(Role.BODY_ADMIN, trustee.responsible_body)
    services.membership_invite(
        actor=admin.user, tenant=admin.responsible_body, email="x@example.org", role=Role.TRUSTEE
    )
    services.membership_end(actor=admin.user, tenant=admin.responsible_body, membership_id=trustee.pk)
    return admin.responsible_body


@pytest.mark.django_db
def test_events_chain_to_each_other() -> None:
    body = _two_events()
    with tenant_context(body):
        first, second = AuditEvent.objects.order_by("id")
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    with platform_context():
        assert audit_verify() == []


@pytest.mark.django_db
@pytest.mark.parametrize("statement", ["UPDATE accounts_auditevent SET verb = 'x'", "DELETE FROM accounts_auditevent"])
def test_database_refuses_update_and_delete_of_audit_events(statement: str) -> None:
    body = _two_events()
    # Refused by privilege for the runtime role; the owner is refused by the trigger
    # (tests/core/test_runtime_grants.py).
    with tenant_context(body), pytest.raises(DatabaseError, match="permission denied for table"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    with tenant_context(body):
        assert AuditEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_audit_verify_detects_an_altered_event() -> None:
    body = _two_events()
    call_command("audit_verify")
    with tenant_context(body):
        first = AuditEvent.objects.order_by("id").first()
    with _admin_conn() as conn:
        conn.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER audit_event_append_only")
        conn.execute("UPDATE accounts_auditevent SET object_label = 'someone else' WHERE id = %s", [first.pk])
        conn.execute("ALTER TABLE accounts_auditevent ENABLE TRIGGER audit_event_append_only")
    with pytest.raises(CommandError, match="Audit chain broken: 1 problem"):
        call_command("audit_verify")


@pytest.mark.django_db(transaction=True)
def test_audit_verify_detects_a_removed_event() -> None:
    body = _two_events()
    with tenant_context(body):
        first = AuditEvent.objects.order_by("id").first()
    with _admin_conn() as conn:
        conn.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER audit_event_append_only")
        conn.execute("DELETE FROM accounts_auditevent WHERE id = %s", [first.pk])
        conn.execute("ALTER TABLE accounts_auditevent ENABLE TRIGGER audit_event_append_only")
    with platform_context():
        problems = audit_verify()
    assert [p.reason for p in problems] == ["previous-hash link broken (event removed or reordered)"]
