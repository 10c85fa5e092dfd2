"""Run a real Celery worker process against Redis and the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def worker_env() -> dict[str, str]:
    creds = settings.TEST_RUNTIME_CREDENTIALS
    password = f":{creds['PASSWORD']}" if creds["PASSWORD"] else ""
    host, port, name = creds["HOST"] or "127.0.0.1", creds["PORT"] or 5432, connection.settings_dict["NAME"]
    if str(host).startswith("/"):  # a Unix socket directory (the embedded PostgreSQL of make test)
        db_url = f"postgres://{creds['USER']}{password}@/{name}?host={quote(str(host), safe='/')}&port={port}"
    else:
        db_url = f"postgres://{creds['USER']}{password}@{host}:{port}/{name}"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        TEST_AS_RUNTIME_ROLE="1",
        DATABASE_URL=db_url,
        REDIS_URL=settings.REDIS_URL,
        CELERY_TASK_DEFAULT_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
    )
    return env


def _wait_until_ready(app: Any, node: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    """Until the worker answers a ping on its control channel: on a loaded machine starting
    Django and Celery can take longer than a task's or a health check's own timeout, which
    would then measure the start-up, not the behaviour under test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the test worker exited with {process.returncode} before it was ready")
        if app.control.ping(destination=[node], timeout=0.5):
            return
    raise RuntimeError(f"the test worker {node} did not answer a ping within {timeout:.0f}s")


@contextmanager
def running_worker(*, concurrency: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``celery worker`` on this test process's own queue; stop it afterwards."""
    from config.celery import app

    app.control.purge()
    node = f"test-{os.getpid()}-{time.monotonic_ns()}@{socket.gethostname()}"
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        "prefork" if concurrency > 1 else "solo",
        "--concurrency",
        str(concurrency),
        "-Q",
        settings.CELERY_TASK_DEFAULT_QUEUE,
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "WARNING",
        "-n",
        node,
    ]
    process = subprocess.Popen(cmd, cwd=ROOT, env=worker_env())
    try:
        _wait_until_ready(app, node, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
