from __future__ import annotations

import threading

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from accounts import services
from accounts.models import Role
from core.audit import GENESIS_HASH, audit_record, audit_verify, content_hash
from core.audit_verbs import AuditVerb
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


@pytest.mark.django_db
def test_the_hash_postgresql_computes_is_content_hash_of_the_stored_event_with_any_text() -> None:
    trustee = member(Role.TRUSTEE)
    body = trustee.responsible_body
    label = 'Zoë’s “case” — 🙂 \\ "quoted" \u2028 tab\t'
    with tenant_context(body):
        first = audit_record(
            actor=trustee.user,
            tenant=body,
            verb=AuditVerb.CASE_VIEWED,
            object_type="x",
            object_id="1",
            label=label,
            after={"note": label, "n": 3},
        )
        second = audit_record(actor=None, tenant=body, verb=AuditVerb.CASE_VIEWED, object_type="x", object_id="2")
        stored = list(AuditEvent.objects.order_by("id"))
    assert [e.pk for e in stored] == [first.pk, second.pk]
    assert (stored[0].prev_hash, stored[1].prev_hash) == (GENESIS_HASH, first.hash)
    assert [e.hash for e in stored] == [content_hash(e) for e in stored] == [first.hash, second.hash]
    assert stored[0].object_label == label
    with platform_context():
        assert audit_verify() == []


@pytest.mark.django_db
def test_a_platform_event_without_a_body_chains_on_its_own() -> None:
    with platform_context():
        first = audit_record(actor=None, tenant=None, verb=AuditVerb.CASE_VIEWED, object_type="x", object_id="1")
        second = audit_record(actor=None, tenant=None, verb=AuditVerb.CASE_VIEWED, object_type="x", object_id="2")
        assert (first.responsible_body_id, second.prev_hash) == (None, first.hash)
        assert audit_verify(body_ids=[None]) == []


@pytest.mark.django_db(transaction=True)
def test_events_written_at_once_from_many_connections_form_one_unbroken_chain() -> None:
    trustee = member(Role.TRUSTEE)
    body = trustee.responsible_body
    writers, each = 12, 5
    barrier = threading.Barrier(writers)
    errors: list[str] = []

    def write(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            for n in range(each):
                with tenant_context(body):
                    audit_record(
                        actor=trustee.user,
                        tenant=body,
                        verb=AuditVerb.CASE_VIEWED,
                        object_type="x",
                        object_id=f"{index}-{n}",
                    )
        except BaseException as exc:  # noqa: BLE001 - every writer's outcome is asserted below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert errors == []
    with tenant_context(body):
        events = list(AuditEvent.objects.order_by("id"))
    assert len(events) == writers * each
    assert len({e.prev_hash for e in events}) == writers * each  # no two events claim the same predecessor
    assert [e.prev_hash for e in events] == [GENESIS_HASH] + [e.hash for e in events[:-1]]
    with platform_context():
        assert audit_verify(body_ids=[body.pk]) == []
