#!/usr/bin/env python
"""One clear line per unreachable service, and a non-zero exit. Never a silent skip."""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import urlparse

DEFAULT_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def reachable(url: str, default_port: int) -> str | None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        return f"{host}:{port} ({exc.strerror or exc})"
    return None


def main() -> int:
    failures = []
    for name, url, port in (
        ("PostgreSQL", os.environ.get("DATABASE_ADMIN_URL") or DEFAULT_ADMIN, 5432),
        ("Redis", os.environ.get("REDIS_URL") or DEFAULT_REDIS, 6379),
    ):
        if "host=/" in url or url.startswith("postgres://@/") or (urlparse(url).hostname is None and "host=" in url):
            continue  # a Unix socket: db_setup.py reports a failure to connect
        problem = reachable(url, port)
        if problem:
            failures.append(f"{name} is unreachable at {problem}: start it (README, 'Services') or set its URL.")
    for line in failures:
        print(line, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
