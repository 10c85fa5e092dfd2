#!/usr/bin/env python
"""Idempotently create the database and its two roles from the operations contract, then
migrate as the owner.

- DATABASE_ADMIN_URL: a superuser connection used only here (default postgres@127.0.0.1).
- DATABASE_OWNER_URL: owns the schema, runs migrations; may create test databases.
- DATABASE_URL: the runtime role: no ownership, no BYPASSRLS, no superuser.
- DATABASE_BACKUP_URL (optional): the backup role ``manage.py backup`` dumps as: LOGIN,
  BYPASSRLS (pg_dump must read every row through row-level security) and pg_read_all_data,
  no ownership and no write.

Usage: python scripts/db_setup.py [--no-migrate]
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import environ
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.settings.base import (  # noqa: E402
    DEFAULT_ADMIN_DATABASE_URL,
    DEFAULT_OWNER_DATABASE_URL,
    DEFAULT_RUNTIME_DATABASE_URL,
)


def _conninfo(cfg: dict[str, Any], dbname: str | None = None) -> str:
    parts = {
        "host": cfg.get("HOST") or (cfg.get("OPTIONS") or {}).get("host", ""),
        "port": cfg.get("PORT") or "",
        "user": cfg.get("USER") or "",
        "password": cfg.get("PASSWORD") or "",
        "dbname": dbname or cfg.get("NAME") or "postgres",
    }
    return " ".join(f"{k}='{v}'" for k, v in parts.items() if v != "")


def main() -> int:
    admin = environ.Env.db_url_config(os.environ.get("DATABASE_ADMIN_URL") or DEFAULT_ADMIN_DATABASE_URL)
    owner = environ.Env.db_url_config(os.environ.get("DATABASE_OWNER_URL") or DEFAULT_OWNER_DATABASE_URL)
    runtime = environ.Env.db_url_config(os.environ.get("DATABASE_URL") or DEFAULT_RUNTIME_DATABASE_URL)
    backup_url = os.environ.get("DATABASE_BACKUP_URL", "")
    backup = environ.Env.db_url_config(backup_url) if backup_url else None
    if backup is not None and backup["USER"] in {admin["USER"], owner["USER"], runtime["USER"]}:
        backup = None  # the superuser (or a misconfiguration): nothing to create
    if owner["NAME"] != runtime["NAME"]:
        print("DATABASE_URL and DATABASE_OWNER_URL must name the same database.", file=sys.stderr)
        return 2
    if owner["USER"] == runtime["USER"]:
        print("DATABASE_URL must use a different role from DATABASE_OWNER_URL (row-level security).", file=sys.stderr)
        return 2
    try:
        conn = psycopg.connect(_conninfo(admin), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        print(
            f"Cannot reach PostgreSQL as admin ({admin.get('HOST')}:{admin.get('PORT')}): {exc}".strip(),
            file=sys.stderr,
        )
        return 1
    with conn:
        roles = [
            (owner, "LOGIN NOSUPERUSER CREATEDB NOBYPASSRLS NOCREATEROLE"),
            (runtime, "LOGIN NOSUPERUSER NOCREATEDB NOBYPASSRLS NOCREATEROLE"),
        ]
        if backup is not None:
            roles.append((backup, "LOGIN NOSUPERUSER NOCREATEDB BYPASSRLS NOCREATEROLE"))
        for cfg, attrs in roles:
            role = str(cfg["USER"])
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
            verb = "ALTER" if exists else "CREATE"
            statement = sql.SQL(f"{verb} ROLE {{}} WITH {attrs} PASSWORD {{}}").format(
                sql.Identifier(role), sql.Literal(str(cfg.get("PASSWORD") or ""))
            )
            conn.execute(statement)
            print(f"role {role}: {'updated' if exists else 'created'}")
        if backup is not None:
            conn.execute(sql.SQL("GRANT pg_read_all_data TO {}").format(sql.Identifier(str(backup["USER"]))))
        dbname = str(owner["NAME"])
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone() is None:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(dbname), sql.Identifier(str(owner["USER"]))
                )
            )
            print(f"database {dbname}: created")
        else:
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(dbname), sql.Identifier(str(owner["USER"]))
                )
            )
            print(f"database {dbname}: exists")
    with psycopg.connect(_conninfo(admin, dbname), autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(str(owner["USER"]))))
    if "--no-migrate" not in sys.argv:
        return subprocess.call([sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input"], cwd=ROOT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
