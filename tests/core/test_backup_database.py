"""``manage.py backup`` dumps the app's database whichever database the backup role's URL
names. The default backup URL is the superuser's (``DATABASE_ADMIN_URL``), which names the
``postgres`` maintenance database: dumping that gave a 1 KB backup of nothing, reported as
a success (found timing the national data set, issue 19)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_default_superuser_url_backs_up_the_apps_database(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.DATABASE_BACKUP_URL = settings.DATABASE_ADMIN_URL
    # The admin URL names the maintenance database, over TCP or (the embedded PostgreSQL of a
    # bare machine) a Unix socket given as ``?host=``.
    assert urlsplit(settings.DATABASE_BACKUP_URL).path.rstrip("/") == "/postgres"
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("backup", str(tmp_path / "backup"))
    listing = subprocess.run(
        ["pg_restore", "--list", str(tmp_path / "backup" / "database.dump")], capture_output=True, text=True, check=True
    ).stdout
    for table in ("pooling_leg", "accounts_auditevent", "idempotency_idempotencykey"):
        assert f"TABLE public {table} " in listing, table
    assert (tmp_path / "backup" / "database.dump").stat().st_size > 50_000


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("postgres://postgres@127.0.0.1:5433/postgres", "127.0.0.1", "5433"),
        # The embedded PostgreSQL of a bare machine answers on a Unix socket given as ?host=:
        # pg_dump was sent to 127.0.0.1:5432 instead (the bare-machine `make test` failed here).
        ("postgres://postgres@/postgres?host=/srv/ip/.data/test-postgres", "/srv/ip/.data/test-postgres", "5432"),
        ("postgres://postgres@/postgres?host=/srv/pg&port=55432", "/srv/pg", "55432"),
    ],
)
def test_pg_dump_is_pointed_at_the_server_the_url_names(url: str, host: str, port: str) -> None:
    from core.backup.services import _libpq_env

    env = _libpq_env(url)
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == (host, port, "postgres", "postgres")
