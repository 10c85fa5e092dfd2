"""``migrate`` always runs as the schema owner (``DATABASE_OWNER_URL``), never as the
runtime role the app connects as. Same database name, owner's credentials."""

from __future__ import annotations

from typing import Any

import environ
from django.conf import settings
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections


def owner_connection(owner_url: str) -> dict[str, Any]:
    """The owner's USER, PASSWORD, HOST and PORT from ``DATABASE_OWNER_URL``. A Unix-socket
    URL (``postgres://owner:pw@/db?host=/dir&port=5432``, what the embedded PostgreSQL of
    ``make run`` gives) keeps its directory and port in the query string: they are the
    HOST and PORT here too. Without this, migrate connected to the default socket, another
    server, found its migrations applied and left the embedded database empty."""
    owner = environ.Env.db_url_config(owner_url)
    options = owner.get("OPTIONS") or {}
    host, port = owner.get("HOST") or "", owner.get("PORT") or ""
    if not host and str(options.get("host", "")).startswith("/"):
        host, port = str(options["host"]), str(options.get("port") or port)
    return {"USER": owner["USER"], "PASSWORD": owner["PASSWORD"], "HOST": host, "PORT": port}


class Command(MigrateCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        database = options.get("database") or "default"
        owner_url = getattr(settings, "DATABASE_OWNER_URL", "")
        connection = connections[database]
        if owner_url and not getattr(settings, "MIGRATE_AS_CONNECTED_USER", False):
            owner = owner_connection(owner_url)
            if owner["USER"] != connection.settings_dict.get("USER"):
                connection.close()
                connection.settings_dict.update(owner)
        super().handle(*args, **options)
