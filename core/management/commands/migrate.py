"""``migrate`` always runs as the schema owner (``DATABASE_OWNER_URL``), never as the
runtime role the app connects as. Same database name, owner's credentials."""

from __future__ import annotations

from typing import Any

import environ
from django.conf import settings
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections


class Command(MigrateCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        database = options.get("database") or "default"
        owner_url = getattr(settings, "DATABASE_OWNER_URL", "")
        connection = connections[database]
        if owner_url and not getattr(settings, "MIGRATE_AS_CONNECTED_USER", False):
            owner = environ.Env.db_url_config(owner_url)
            if owner["USER"] != connection.settings_dict.get("USER"):
                connection.close()
                for key in ("USER", "PASSWORD", "HOST", "PORT"):
                    connection.settings_dict[key] = owner[key]
        super().handle(*args, **options)
