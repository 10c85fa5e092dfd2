from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup.services import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup into a new database (created as DATABASE_ADMIN_URL, owned by the owner role) "
        "and the files into an empty PRIVATE_MEDIA_ROOT. Checks every checksum first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="a folder written by manage.py backup")
        parser.add_argument("--database", required=True, help="name of the new database to create")
        parser.add_argument("--owner", default="", help="owner role (default: the user of DATABASE_OWNER_URL)")
        parser.add_argument("--media-root", default="", help="where the files go (default: PRIVATE_MEDIA_ROOT)")

    def handle(self, *args: Any, **options: Any) -> None:
        import environ

        owner = options["owner"] or environ.Env.db_url_config(settings.DATABASE_OWNER_URL)["USER"]
        started = time.monotonic()
        try:
            manifest = backup_restore(
                source=Path(options["source"]),
                admin_url=settings.DATABASE_ADMIN_URL,
                database=options["database"],
                owner=owner,
                media_root=Path(options["media_root"] or settings.MEDIA_ROOT),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {manifest.path} into database {options['database']} with {len(manifest.files)} files "
            f"in {time.monotonic() - started:.1f} s. Run manage.py audit_verify against it before switching over."
        )
