from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup.services import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the app's database (DATABASE_URL's database, read as DATABASE_BACKUP_URL's role) "
        "and every stored file into a new folder."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", help="a new folder, e.g. backups/2026-12-07T0300")

    def handle(self, *args: Any, **options: Any) -> None:
        url = settings.DATABASE_BACKUP_URL
        started = time.monotonic()
        try:
            manifest = backup_create(
                database_url=url,
                media_root=Path(settings.MEDIA_ROOT),
                target=Path(options["target"]),
                app_version=settings.APP_VERSION,
                database_name=str(settings.DATABASES["default"]["NAME"]),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backed up to {manifest.path}: database {manifest.data['database']['bytes']:,} bytes, "
            f"{len(manifest.files)} files, in {time.monotonic() - started:.1f} s"
        )
