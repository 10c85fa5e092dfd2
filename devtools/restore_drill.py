"""A timed backup-and-restore drill (docs/operations.md, RPO and RTO): ``manage.py backup``
of a database and its stored files, ``manage.py restore`` into a fresh database, the
comparison the fault test makes (row count and an MD5 of every row of the ledger, payment
runs, remittances, audit events, cases and files) and ``manage.py audit_verify`` on the
copy as the runtime role, then ``scripts/web`` started on the copy until ``/healthz`` finds
its database (restore to serving). Prints one JSON object with the sizes and seconds.

    DATABASE_URL=... DATABASE_OWNER_URL=... DATABASE_ADMIN_URL=... \\
    nice -n 10 .venv/bin/python -m devtools.restore_drill --database ip_bench_national \\
        --target /tmp/drill [--keep]

Without ``--keep`` the restored database is dropped at the end (the backup folder stays).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
TABLES = [
    "pooling_transaction",
    "pooling_leg",
    "pooling_paymentrun",
    "pooling_remittance",
    "accounts_auditevent",
    "exceptional_resource_case",
    "exceptional_resource_casedocument",
    "accounts_reportfile",
    "shared_resources_sharedresource",
    "shared_resources_allocation",
]


def _admin(dbname: str) -> psycopg.Connection[Any]:
    return psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=dbname, autocommit=True)


def fingerprint(dbname: str) -> dict[str, list[Any]]:
    """Row count and an MD5 of every row, per table, read as the superuser."""
    with _admin(dbname) as conn:
        found = {}
        for table in TABLES:
            row = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {table} t"
            ).fetchone()
            assert row is not None
            found[table] = [row[0], row[1]]
        return found


def _manage(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    seconds = round(time.monotonic() - started, 1)
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds, done.stdout.strip()


def serve_seconds(env: dict[str, str], port: int) -> float:
    """Start ``scripts/web`` on the restored database and time it until ``/healthz`` says
    the database is up (503 for a missing worker is still serving)."""
    started = time.monotonic()
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [str(ROOT / "scripts" / "web"), "--log-level", "warning", "--access-logfile", "/dev/null"],
        cwd=ROOT,
        env=dict(env, BIND=f"127.0.0.1:{port}", PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.monotonic() - started < 180:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as reply:
                    body = json.loads(reply.read())
            except urllib.error.HTTPError as error:
                body = json.loads(error.read())
            except (OSError, ValueError):
                time.sleep(0.5)
                continue
            if "database" not in body.get("failing", []):
                return round(time.monotonic() - started, 1)
            time.sleep(0.5)
        raise SystemExit("the restored database was not served within 180 s")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _url_with(url: str, dbname: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + dbname


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--target", required=True, help="a new folder for the backup")
    parser.add_argument("--keep", action="store_true", help="keep the restored database")
    args = parser.parse_args()
    target = Path(args.target)
    restored = f"{args.database}_restored"
    media, restored_media = target.parent / f"{target.name}-media", target.parent / f"{target.name}-restored-media"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_url_with(env["DATABASE_URL"], args.database),
        DATABASE_OWNER_URL=_url_with(env["DATABASE_OWNER_URL"], args.database),
        PRIVATE_MEDIA_ROOT=env.get("PRIVATE_MEDIA_ROOT", str(media)),
        DATABASE_STATEMENT_TIMEOUT_MS="0",
    )
    with _admin("postgres") as conn:
        size = conn.execute("SELECT pg_database_size(%s)", [args.database]).fetchone()
        conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
    result: dict[str, Any] = {"database": args.database, "database_bytes": size[0] if size else None}
    started = time.monotonic()
    original = fingerprint(args.database)
    result["fingerprint_seconds"] = round(time.monotonic() - started, 1)
    result["backup_seconds"], result["backup_output"] = _manage(["backup", str(target)], env)
    manifest = json.loads((target / "manifest.json").read_text())
    result["dump_bytes"] = manifest["database"]["bytes"]
    result["files"] = len(manifest["files"])
    result["files_bytes"] = sum(f["bytes"] for f in manifest["files"].values())
    try:
        result["restore_seconds"], result["restore_output"] = _manage(
            ["restore", str(target), "--database", restored, "--media-root", str(restored_media)], env
        )
        with _admin("postgres") as conn:
            size = conn.execute("SELECT pg_database_size(%s)", [restored]).fetchone()
        result["restored_bytes"] = size[0] if size else None
        started = time.monotonic()
        copy = fingerprint(restored)
        result["compare_seconds"] = round(time.monotonic() - started, 1)
        result["rows"] = {table: count for table, (count, _) in original.items()}
        result["identical"] = copy == original
        verify_env = dict(env, DATABASE_URL=_url_with(env["DATABASE_URL"], restored))
        result["audit_verify_seconds"], result["audit_verify"] = _manage(["audit_verify"], verify_env)
        result["serve_seconds"] = serve_seconds(verify_env, _free_port())
        result["restore_to_serving_seconds"] = round(
            result["restore_seconds"] + result["audit_verify_seconds"] + result["serve_seconds"], 1
        )
    finally:
        if not args.keep:
            with _admin("postgres") as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
    print(json.dumps(result, indent=2))
    return 0 if result["identical"] and "intact" in result["audit_verify"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
