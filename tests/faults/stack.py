"""Real processes for fault tests, each on its own free 127.0.0.1 port: a Redis this test
owns (so it may stop or freeze it), gunicorn as ``scripts/web`` starts it, a prefork Celery
worker and beat, all on the test database as the runtime role. Nothing here touches the
machine's shared PostgreSQL or Redis beyond the test database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.faults.http import Client
from tests.worker import ROOT, worker_env

REDIS_SERVER = "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition") -> float:  # type: ignore[no-untyped-def]
    """Poll until ``predicate()`` is true; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(interval)
    raise AssertionError(f"{what} not reached within {timeout}s")


class OwnRedis:
    """A redis-server process this test may stop, start again or freeze (SIGSTOP)."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.dir = tmp / f"redis-{self.port}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        cmd = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        cmd += ["--dir", str(self.dir)]
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        wait_for(lambda: _answers(client), timeout=10, what="redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.resume()
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def stack_env(redis_url: str, tmp: Path, **extra: str) -> dict[str, str]:
    env = worker_env()
    env.update(
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CELERY_TASK_DEFAULT_QUEUE="faults",
        PRIVATE_MEDIA_ROOT=str(tmp / "private"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **extra,
    )
    return env


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def web(
    env: dict[str, str], *, workers: int = 2, threads: int = 4, preexec: Callable[[], None] | None = None
) -> Iterator[str]:
    """gunicorn through ``scripts/web`` (2 workers x 4 threads, as in production)."""
    port = free_port()
    run_env = {**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers), "WEB_THREADS": str(threads)}
    process = subprocess.Popen(["scripts/web", "--log-level", "warning"], cwd=ROOT, env=run_env, preexec_fn=preexec)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _serves(f"{base}/healthz/trivial"), timeout=60, what="gunicorn")
        yield base
    finally:
        _stop(process)


def warm_up(base: str, path: str, headers: dict[str, str], *, rounds: int = 3, parallel: int = 8) -> None:
    """Send ``parallel`` requests at once, ``rounds`` times, so every gunicorn thread has
    imported and connected before a test times anything."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(parallel) as pool:
        for _ in range(rounds):
            replies = list(pool.map(lambda _i: Client(base).get(path, headers=headers), range(parallel)))
            assert all(r.status == 200 for r in replies), [r.status for r in replies]


def _serves(address: str) -> bool:
    try:
        return Client(address).get("", timeout=2).status == 200
    except OSError:
        return False


@contextmanager
def celery(env: dict[str, str], tmp: Path, *, beat: bool = True) -> Iterator[None]:
    """A prefork worker (2 processes) and, separately, beat with the settings' schedule."""
    base = [sys.executable, "-m", "celery", "-A", "config"]
    worker_cmd = [*base, "worker", "--pool", "prefork", "--concurrency", "2", "-Q", env["CELERY_TASK_DEFAULT_QUEUE"]]
    worker_cmd += ["--without-gossip", "--without-mingle", "--loglevel", "WARNING", "-n", f"faults-{free_port()}@%h"]
    processes = [subprocess.Popen(worker_cmd, cwd=ROOT, env=env)]
    if beat:
        beat_cmd = [*base, "beat", "--scheduler", "celery.beat:PersistentScheduler"]
        beat_cmd += ["-s", str(tmp / "beat-schedule"), "--loglevel", "WARNING"]
        processes.append(subprocess.Popen(beat_cmd, cwd=ROOT, env=env))
    try:
        yield
    finally:
        for process in processes:
            _stop(process)
