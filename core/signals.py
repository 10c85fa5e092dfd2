"""After every migration, grant the runtime role what it needs and nothing more.

The runtime role (``DATABASE_RUNTIME_ROLE``, the user of ``DATABASE_URL``) may read and
write rows; it owns nothing, so row-level security applies to it, and it cannot alter the
schema, disable triggers or bypass RLS."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections


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
