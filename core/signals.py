"""After every migration, grant the runtime role what it needs and nothing more.

The runtime role (``DATABASE_RUNTIME_ROLE``, the user of ``DATABASE_URL``) may read and
write rows; it owns nothing, so row-level security applies to it, and it cannot alter the
schema, disable triggers or bypass RLS. On the append-only tables (the audit trail and the
ledger) it may only read and insert: an UPDATE or DELETE is refused by privilege before any
trigger runs, and the tables' own triggers still refuse it for the owner.

``RUNTIME_TABLE_PRIVILEGES`` is the declared table the grants are checked against
(``tests/core/test_runtime_grants.py``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections

READ_WRITE = ("SELECT", "INSERT", "UPDATE", "DELETE")
APPEND_ONLY = ("SELECT", "INSERT")

# Tables whose rows are never changed or removed once written. Tables locked with SELECT ...
# FOR UPDATE (policy, plan and allocation-rule versions) keep UPDATE, which PostgreSQL needs
# for the lock; their triggers refuse the edit itself.
RUNTIME_TABLE_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "accounts_auditevent": APPEND_ONLY,
    "pooling_transaction": APPEND_ONLY,
    "pooling_leg": APPEND_ONLY,
}


def runtime_privileges(table: str) -> tuple[str, ...]:
    """What the runtime role holds on ``table``: its declared entry, else read and write."""
    return RUNTIME_TABLE_PRIVILEGES.get(table, READ_WRITE)


def grant_runtime_role(sender: Any, using: str = "default", **kwargs: Any) -> None:
    role = settings.DATABASE_RUNTIME_ROLE
    connection = connections[using]
    if not role or role == connection.settings_dict.get("USER"):
        return
    privileges = "SELECT, INSERT, UPDATE, DELETE"
    if getattr(settings, "DATABASE_RUNTIME_ROLE_MAY_TRUNCATE", False):
        privileges += ", TRUNCATE"  # test settings only: TransactionTestCase flushes tables
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            return
        quoted = connection.ops.quote_name(role)
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
        cursor.execute(f"GRANT {privileges} ON ALL TABLES IN SCHEMA public TO {quoted}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        for table, allowed in RUNTIME_TABLE_PRIVILEGES.items():
            withheld = [p for p in READ_WRITE if p not in allowed]
            cursor.execute("SELECT to_regclass(%s)", [f"public.{table}"])
            if withheld and cursor.fetchone()[0] is not None:
                cursor.execute(f"REVOKE {', '.join(withheld)} ON {connection.ops.quote_name(table)} FROM {quoted}")
