"""After every migration, grant the runtime role what it needs and nothing more.

The runtime role (``DATABASE_RUNTIME_ROLE``, the user of ``DATABASE_URL``) owns nothing, so
row-level security applies to it, and it cannot alter the schema, disable triggers or bypass
RLS. Each table's privileges are declared in ``RUNTIME_TABLE_PRIVILEGES`` from what the
application does with it (issue 21, point 4); ``tests/core/test_runtime_grants.py`` checks
every table's grants against this table and fails on a table that is not declared:

- append-only (the audit trail, the ledger, the policy and allocation-rule versions, the
  history tables): SELECT and INSERT. An UPDATE or DELETE is refused by privilege before any
  trigger runs; the tables' own triggers still refuse it for the owner. New versions are
  serialised with an advisory lock (``core.locking.advisory_lock``), not ``FOR UPDATE``,
  which would need UPDATE.
- the shared school register (GIAS schools, links, trusts, the SEN census) and Django's
  reference tables: SELECT only. The imports run as the owner (``core.db_roles``).
- rows the application changes but never removes: SELECT, INSERT, UPDATE.
- rows it removes (drafts' lines, revoked grants, sessions, expired keys and files,
  third-party housekeeping): all four.

Some append-only tables let the runtime role change one column: ``RUNTIME_COLUMN_PRIVILEGES``
declares those column grants (``GRANT UPDATE (note) ON ...``), checked by the same test. The
timeline of a case (``exceptional_resource_caseevent``) is append-only except its ``note``,
which the retention job empties when it erases the case file; every other column (who, when,
which status) stays as written.

A table that is not declared still gets read and write at run time (so a deployment with a
new table works), but the test fails until it is declared."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections, transaction

READ_WRITE = ("SELECT", "INSERT", "UPDATE", "DELETE")
NO_DELETE = ("SELECT", "INSERT", "UPDATE")
APPEND_ONLY = ("SELECT", "INSERT")
READ_ONLY = ("SELECT",)
NONE: tuple[str, ...] = ()
ALL_TABLE_PRIVILEGES = (*READ_WRITE, "TRUNCATE", "REFERENCES", "TRIGGER")

# The shared register, written only by the imports (as the owner) and the demo seed.
REGISTER_TABLES = ("groupings_school", "groupings_schoollink", "groupings_trust", "groupings_schoolcensus")

# Refilled by Django after a test flush (test settings only, see ``settings_extra_privileges``).
FLUSH_REFILLED = ("django_content_type", "auth_permission")

RUNTIME_TABLE_PRIVILEGES: dict[str, tuple[str, ...]] = {
    # Append-only: the audit trail, the ledger, versions and history.
    "accounts_auditevent": APPEND_ONLY,
    "pooling_transaction": APPEND_ONLY,
    "pooling_leg": APPEND_ONLY,
    "groupings_groupingpolicy": APPEND_ONLY,
    "shared_resources_allocationrules": APPEND_ONLY,
    "groupings_arrangementevent": APPEND_ONLY,  # pghistory's rows, written by a trigger
    "exceptional_resource_caseevent": APPEND_ONLY,
    "django_admin_log": APPEND_ONLY,
    # Read only: the register and Django's reference tables (migrations write them as the owner).
    **dict.fromkeys(REGISTER_TABLES, READ_ONLY),
    "django_migrations": READ_ONLY,
    "django_content_type": READ_ONLY,
    "auth_permission": READ_ONLY,
    "auth_group": READ_ONLY,
    "auth_group_permissions": READ_ONLY,
    # DRF's plain-text tokens: emptied by accounts 0008 (keys are hashed in accounts_apitoken).
    "authtoken_token": NONE,
    # Changed, never removed.
    "accounts_responsiblebody": NO_DELETE,
    "accounts_user": NO_DELETE,
    "accounts_membership": NO_DELETE,  # ended by a date, never deleted
    "accounts_apitoken": NO_DELETE,  # revoked, never deleted
    "accounts_notificationdigest": NO_DELETE,
    "accounts_notificationpreference": NO_DELETE,
    "accounts_reportrun": NO_DELETE,
    "pghistory_context": NO_DELETE,  # upserted within a transaction
    "pooling_account": NO_DELETE,
    "pooling_pool": NO_DELETE,
    "pooling_contribution": NO_DELETE,
    "pooling_imfallocation": NO_DELETE,
    "pooling_imfallocationimport": NO_DELETE,
    "pooling_instalment": NO_DELETE,
    "pooling_instalmentschedule": NO_DELETE,
    "pooling_payee": NO_DELETE,
    "pooling_paymentrun": NO_DELETE,
    "pooling_paymentrunline": NO_DELETE,
    "pooling_receipt": NO_DELETE,
    "pooling_remittance": NO_DELETE,
    "exceptional_resource_case": NO_DELETE,
    "exceptional_resource_award": NO_DELETE,
    "exceptional_resource_decision": NO_DELETE,
    "exceptional_resource_pupil": NO_DELETE,
    "exceptional_resource_auditsample": NO_DELETE,
    "exceptional_resource_casecomment": NO_DELETE,
    "exceptional_resource_legalhold": NO_DELETE,  # lifted, never deleted
    "groupings_arrangement": NO_DELETE,
    "collaboration_advicemessage": NO_DELETE,
    "collaboration_advicerequest": NO_DELETE,
    "collaboration_agreedaction": NO_DELETE,
    "collaboration_expertiseprofile": NO_DELETE,
    "collaboration_forumsession": NO_DELETE,
    "collaboration_peerreview": NO_DELETE,
    "collaboration_sessioninvitation": NO_DELETE,
    "collaboration_sessionmaterial": NO_DELETE,
    "partnerships_partnership": NO_DELETE,
    "partnerships_partnershipmember": NO_DELETE,
    "partnerships_participation": NO_DELETE,
    "partnerships_planversion": NO_DELETE,  # a draft is edited; its trigger refuses a published one
    "partnerships_planpriority": NO_DELETE,
    "partnerships_planaction": NO_DELETE,
    "partnerships_needsignalconsent": NO_DELETE,
    "partnerships_needsignalcount": NO_DELETE,
    "partnerships_needsignalsnapshot": NO_DELETE,
    "partnerships_demandforecast": NO_DELETE,
    "partnerships_expertallocation": NO_DELETE,
    "partnerships_expertcapacity": NO_DELETE,
    "shared_resources_sharedresource": NO_DELETE,
    "shared_resources_resourcefunding": NO_DELETE,
    "shared_resources_resourcerequest": NO_DELETE,
    "shared_resources_allocation": NO_DELETE,  # cancelled, never deleted
    "shared_resources_capacityperiod": NO_DELETE,
    "shared_resources_delivery": NO_DELETE,
    # Removed as well: draft lines and documents, revoked grants, housekeeping.
    "accounts_reportfile": READ_WRITE,  # expired files, a re-run's files
    "accounts_notification": READ_WRITE,  # emails about an erased case (retention job)
    "accounts_user_groups": READ_WRITE,  # Django admin edits a user's groups
    "accounts_user_user_permissions": READ_WRITE,
    "exceptional_resource_casedocument": READ_WRITE,  # evidence removed from a draft
    "exceptional_resource_provisionrow": READ_WRITE,
    "exceptional_resource_resourceline": READ_WRITE,
    "exceptional_resource_outcome": READ_WRITE,
    "collaboration_peerreviewfinding": READ_WRITE,  # a review's findings are replaced
    "collaboration_advicerequestuserobjectpermission": READ_WRITE,  # an adviser's grant ends
    "partnerships_partnershipcontact": READ_WRITE,
    "partnerships_provisionsetting": READ_WRITE,
    "partnerships_plannedplaces": READ_WRITE,
    "partnerships_commissionedplaces": READ_WRITE,  # both numbers set to zero removes the line
    "pooling_poolauditgrant": READ_WRITE,  # a revoked auditor grant
    "guardian_userobjectpermission": READ_WRITE,
    "guardian_groupobjectpermission": READ_WRITE,
    "idempotency_idempotencykey": READ_WRITE,  # expired keys, failed claims
    "outbox_outboxmessage": READ_WRITE,
    "django_session": READ_WRITE,
    "account_emailaddress": READ_WRITE,
    "account_emailconfirmation": READ_WRITE,
    "mfa_authenticator": READ_WRITE,  # an authenticator or passkey removed
    "usersessions_usersession": READ_WRITE,
    "axes_accessattempt": READ_WRITE,  # reset on a successful sign-in
    "axes_accessattemptexpiration": READ_WRITE,
    "axes_accessfailurelog": READ_WRITE,
    "axes_accesslog": READ_WRITE,
    "django_celery_beat_clockedschedule": READ_WRITE,
    "django_celery_beat_crontabschedule": READ_WRITE,
    "django_celery_beat_intervalschedule": READ_WRITE,
    "django_celery_beat_periodictask": READ_WRITE,
    "django_celery_beat_periodictasks": READ_WRITE,
    "django_celery_beat_solarschedule": READ_WRITE,
    "django_celery_results_chordcounter": READ_WRITE,
    "django_celery_results_groupresult": READ_WRITE,
    "django_celery_results_taskresult": READ_WRITE,
}


# Column grants on top of a table's declared privileges: {table: {privilege: (column, ...)}}.
RUNTIME_COLUMN_PRIVILEGES: dict[str, dict[str, tuple[str, ...]]] = {
    # The retention job empties a timeline note when it erases the case file (issue 21).
    "exceptional_resource_caseevent": {"UPDATE": ("note",)},
}


def runtime_column_privileges(table: str) -> dict[str, tuple[str, ...]]:
    """The column grants the runtime role holds on ``table`` beyond its table privileges."""
    return RUNTIME_COLUMN_PRIVILEGES.get(table, {})


def runtime_privileges(table: str) -> tuple[str, ...]:
    """What the runtime role holds on ``table``: its declared entry, else read and write."""
    return RUNTIME_TABLE_PRIVILEGES.get(table, READ_WRITE)


def settings_extra_privileges(table: str) -> tuple[str, ...]:
    """Test settings only, never production:

    - ``DATABASE_RUNTIME_ROLE_MAY_WRITE_REGISTER``: the factories build schools as the runtime
      role inside each test's transaction, so there it may write the register too;
    - ``DATABASE_RUNTIME_ROLE_MAY_TRUNCATE``: a TransactionTestCase flushes every table and
      Django refills the content types and permissions as the connected (runtime) role."""
    if table in REGISTER_TABLES and getattr(settings, "DATABASE_RUNTIME_ROLE_MAY_WRITE_REGISTER", False):
        return ("INSERT", "UPDATE", "DELETE")
    if table in FLUSH_REFILLED and getattr(settings, "DATABASE_RUNTIME_ROLE_MAY_TRUNCATE", False):
        return ("INSERT",)
    return ()


def grant_runtime_role(sender: Any, using: str = "default", **kwargs: Any) -> None:
    role = settings.DATABASE_RUNTIME_ROLE
    connection = connections[using]
    if not role or role == connection.settings_dict.get("USER"):
        return
    may_truncate = getattr(settings, "DATABASE_RUNTIME_ROLE_MAY_TRUNCATE", False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            return
        quoted = connection.ops.quote_name(role)
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
        )
        for (table,) in cursor.fetchall():
            name = connection.ops.quote_name(table)
            allowed = [p for p in READ_WRITE if p in runtime_privileges(table) or p in settings_extra_privileges(table)]
            if may_truncate:
                allowed.append("TRUNCATE")  # test settings only: TransactionTestCase flushes tables
            withheld = [p for p in ALL_TABLE_PRIVILEGES if p not in allowed]
            # Grant before revoking, so a running app never loses what it keeps. A table-level
            # REVOKE also revokes that privilege on every column, so the declared column grants
            # are given again in the same transaction: none is left over from an old declaration.
            with transaction.atomic(using=using):
                if allowed:
                    cursor.execute(f"GRANT {', '.join(allowed)} ON {name} TO {quoted}")
                cursor.execute(f"REVOKE {', '.join(withheld)} ON {name} FROM {quoted}")
                for privilege, columns in runtime_column_privileges(table).items():
                    if privilege in allowed:
                        continue
                    listed = ", ".join(connection.ops.quote_name(column) for column in columns)
                    cursor.execute(f"GRANT {privilege} ({listed}) ON {name} TO {quoted}")
