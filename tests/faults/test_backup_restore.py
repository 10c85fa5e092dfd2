"""Issue 19, fault 5: pg_dump as the owner or the runtime role fails on row-level
security; ``manage.py backup`` as the backup role (BYPASSRLS, pg_read_all_data) saves the
database and every stored file with a checksum manifest, and ``manage.py restore`` brings
them back into a fresh database whose ledger, audit chain (``audit_verify``) and files
match the original exactly."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from exceptional_resource.services.evidence import evidence_upload
from pooling.services.payments import payment_run_confirm, remittances_build
from reports.services import report_run_execute, report_run_request
from tests.exceptional_resource.conftest import Scene, draft_case
from tests.exceptional_resource.evidence_files import PDF
from tests.pooling.payments_support import award
from tests.worker import ROOT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]
BACKUP_ROLE, BACKUP_PASSWORD = "inclusion_pool_backup_test", "backup-test-password"
TABLES = [
    "pooling_transaction",
    "pooling_leg",
    "pooling_paymentrun",
    "pooling_remittance",
    "accounts_auditevent",
    "exceptional_resource_case",
    "exceptional_resource_casedocument",
    "accounts_reportfile",
]


def _admin(dbname: str = "postgres") -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=dbname, autocommit=True)


def _url(user: str, password: str, dbname: str) -> str:
    return f"postgres://{user}:{password}@127.0.0.1:5432/{dbname}"


def _fingerprint(dbname: str) -> dict[str, tuple[int, str]]:
    """Row count and an MD5 of every row, per table, read as the superuser."""
    with _admin(dbname) as conn:
        return {
            table: conn.execute(  # type: ignore[misc]
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {table} t"
            ).fetchone()
            for table in TABLES
        }


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def backup_role() -> str:
    """What ``scripts/db_setup.py`` creates from DATABASE_BACKUP_URL."""
    with _admin() as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [BACKUP_ROLE]).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(f"{verb} ROLE {BACKUP_ROLE} LOGIN NOSUPERUSER BYPASSRLS PASSWORD '{BACKUP_PASSWORD}'")
        conn.execute(f"GRANT pg_read_all_data TO {BACKUP_ROLE}")
    return BACKUP_ROLE


def test_backup_and_restore_bring_back_the_ledger_the_audit_chain_and_every_file(
    scene: Scene, backup_role: str, tmp_path: Path, settings: Any
) -> None:
    media = tmp_path / "private"
    settings.MEDIA_ROOT = media
    body = scene.body
    award(scene.finance, scene.pool, 1_200_00, school=scene.school, source_id="B-1")
    run = payment_run_confirm(
        actor=scene.finance.user, tenant=body, pool=scene.pool, due_up_to=date(2026, 9, 30), pay_on=date(2026, 10, 2)
    )
    remittances_build(tenant=body, payment_run_id=run.pk)
    case = draft_case(scene)
    evidence_upload(actor=scene.head.user, tenant=body, case_id=case.pk, upload=ContentFile(PDF, name="plan.pdf"))
    report = report_run_request(
        actor=scene.finance.user, tenant=body, report_type="selftest", data={"title": "Backup", "steps": 2}
    )
    assert report_run_execute(report_run_id=report.pk, task_id="") == "succeeded"
    original = _fingerprint(connection.settings_dict["NAME"])
    files = _tree(media)
    assert len(files) == 5  # remittance CSV and PDF, the evidence, the report's two files
    dbname = connection.settings_dict["NAME"]
    runtime = settings.TEST_RUNTIME_CREDENTIALS
    owner = settings.TEST_OWNER_CREDENTIALS

    # The fault: neither the owner nor the runtime role can dump through FORCE'd RLS, and a
    # failed backup leaves nothing behind.
    for who in (owner, runtime):
        settings.DATABASE_BACKUP_URL = _url(who["USER"], who["PASSWORD"], dbname)
        with pytest.raises(CommandError, match=r"row-level security|permission denied"):
            call_command("backup", str(tmp_path / "refused"))
        assert not list(tmp_path.glob("refused*"))

    settings.DATABASE_BACKUP_URL = _url(backup_role, BACKUP_PASSWORD, dbname)
    started = time.monotonic()
    call_command("backup", str(tmp_path / "backup"))
    backup_s = time.monotonic() - started
    restored_db, restored_media = f"{dbname}_restored", tmp_path / "restored"
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restored_db}"')
    try:
        started = time.monotonic()
        call_command(
            "restore",
            str(tmp_path / "backup"),
            database=restored_db,
            owner=owner["USER"],
            media_root=str(restored_media),
        )
        restore_s = time.monotonic() - started
        assert _fingerprint(restored_db) == original
        assert _tree(restored_media) == files
        verify = subprocess.run(
            [sys.executable, "manage.py", "audit_verify"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "TEST_AS_RUNTIME_ROLE": "1",
                "DATABASE_URL": _url(runtime["USER"], runtime["PASSWORD"], restored_db),
            },
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "Audit chain intact" in verify.stdout
    finally:
        with _admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restored_db}" WITH (FORCE)')
    print(
        f"backup {backup_s:.1f}s, restore {restore_s:.1f}s, {len(files)} files; audit_verify: {verify.stdout.strip()}"
    )

    # A backup whose file was altered is refused before anything is restored.
    tampered = next((tmp_path / "backup" / "files").rglob("*.pdf"))
    tampered.write_bytes(tampered.read_bytes() + b"x")
    with pytest.raises(CommandError, match="does not match its manifest"):
        call_command("restore", str(tmp_path / "backup"), database=restored_db, media_root=str(tmp_path / "again"))
    with _admin() as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [restored_db]).fetchone() is None
