"""What every benchmark step shares: where the bench database and server are, the
targets, the 20-minute bound and how progress is printed."""

from __future__ import annotations

import base64
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PY = sys.executable
DB = os.environ.get("BENCH_DATABASE", "ip_bench")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
LIMIT_SECONDS = 20 * 60
KEEP_ALIVE_IDLE_S = 1.5  # a kept-alive connection idle this long may have been closed by gunicorn (2 s)
STARTED = time.monotonic()
WORK = Path(tempfile.mkdtemp(prefix="inclusion-pool-bench-"))
TARGETS = {
    "B1": "p95 ≤ 250 ms (users with 1–3 s think time), 0 errors; pages/s per core reported (saturated)",
    "B2": "≤ 1.5× raw SQL and < 50 ms",
    "B3": "exactly 50 successes, 0 overdrafts, ≥ 50 commitments/s",
    "B4": "≤ 3× COPY, peak RSS ≤ 300 MB",
    "B5": "first import ≤ 30 s, re-run ≤ 15 s (50,000 rows)",
    "B6": "each page ≤ 50 ms median and ≤ 15 queries; a deep page ≤ 1.5× its page 1",
    "B7": "the whole pack (gather, PDF and its appendix, XLSX) ≤ 20 s, peak memory ≤ 300 MB",
    "B8": "a 2,000-school payment run posted as one transaction ≤ 2 s (PostgreSQL's own insert beside it)",
}


def _url(user: str, password: str) -> str:
    return f"postgres://{user}:{password}@127.0.0.1:5432/{DB}"


def bench_environment() -> dict[str, str]:
    """Production settings against ``ip_bench`` with throwaway secrets (never reused)."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=_url("inclusion_pool_app", "app-dev-password"),
        DATABASE_OWNER_URL=_url("inclusion_pool_owner", "owner-dev-password"),
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        PUPIL_DATA_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        PUPIL_UPN_HASH_KEY=secrets.token_urlsafe(32),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        EMAIL_URL="smtp://127.0.0.1:1025",
        SECURE_SSL_REDIRECT="False",
        LOG_LEVEL="WARNING",
        CELERY_TASK_DEFAULT_QUEUE=f"inclusion-pool-bench-{os.getpid()}",
        ALLOW_SYNTHETIC_DATA="1",  # generate_synthetic refuses production settings otherwise
    )
    return env


MEASURING_SINCE = [STARTED]  # reset once the data set is there (generating it is its own step)


def remaining() -> float:
    return LIMIT_SECONDS - (time.monotonic() - MEASURING_SINCE[0])


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.0f} s] {message}", flush=True)
