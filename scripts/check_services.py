#!/usr/bin/env python
"""One clear line per unreachable service, and a non-zero exit. Never a silent skip.

    python scripts/check_services.py                 # PostgreSQL and Redis, one line each that fails
    python scripts/check_services.py --probe redis   # exit 0 when it answers, 1 when not; prints nothing

A service "answers" when a connection to its address opens (TCP, or the Unix socket of a
``?host=/dir`` PostgreSQL URL); credentials are checked later by whoever connects.
"""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import parse_qs, urlparse

DEFAULT_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def urls() -> dict[str, tuple[str, str, int]]:
    return {
        "postgres": ("PostgreSQL", os.environ.get("DATABASE_ADMIN_URL") or DEFAULT_ADMIN, 5432),
        "redis": ("Redis", os.environ.get("REDIS_URL") or DEFAULT_REDIS, 6379),
    }


def where(url: str, default_port: int) -> str:
    parsed = urlparse(url)
    socket_dir = parse_qs(parsed.query).get("host", [""])[0]
    if parsed.hostname is None and socket_dir.startswith("/"):
        return f"{socket_dir}/.s.PGSQL.{parsed.port or parse_qs(parsed.query).get('port', ['5432'])[0]}"
    return f"{parsed.hostname or '127.0.0.1'}:{parsed.port or default_port}"


def unreachable(url: str, default_port: int) -> str | None:
    """Why nothing answers at ``url``, or None when something does."""
    address = where(url, default_port)
    try:
        if address.startswith("/"):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
                unix.settimeout(3)
                unix.connect(address)
        else:
            host, port = address.rsplit(":", 1)
            socket.create_connection((host, int(port)), timeout=3).close()
    except OSError as exc:
        return f"{address} ({exc.strerror or exc})"
    return None


def main(argv: list[str]) -> int:
    services = urls()
    if len(argv) == 3 and argv[1] == "--probe" and argv[2] in services:
        _label, url, port = services[argv[2]]
        return 0 if unreachable(url, port) is None else 1
    failures = []
    for label, url, port in services.values():
        problem = unreachable(url, port)
        if problem:
            failures.append(f"{label} is unreachable at {problem}: start it (README, 'Services') or set its URL.")
    for line in failures:
        print(line, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
