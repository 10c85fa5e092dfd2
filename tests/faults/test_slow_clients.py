"""Issue 19, fault 4: clients that send a header line every 5 s hold a gunicorn thread
each, so as many of them as the server has threads starve everyone else; behind nginx
(``scripts/proxy``, ``deploy/nginx/app.conf.template``), 50 of them cost nothing and a
normal client is answered within a second."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.faults.http import Client
from tests.faults.stack import ROOT, OwnRedis, free_port, stack_env, wait_for, web

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]


@contextmanager
def slow_clients(port: int, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections that start a request and then send one header line every 5 s."""
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET /healthz/trivial HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sockets.append(sock)
    stop = threading.Event()

    def drip() -> None:
        while not stop.wait(5):
            for sock in sockets:
                with contextlib.suppress(OSError):  # the server (nginx) gave up on it: the point
                    sock.sendall(b"X-Slow: 1\r\n")

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        yield sockets
    finally:
        stop.set()
        for sock in sockets:
            sock.close()


@contextmanager
def proxy(upstream: str, tmp: Path) -> Iterator[str]:
    port = free_port()
    env = {"PROXY_LISTEN": f"127.0.0.1:{port}", "APP_UPSTREAM": upstream, "PROXY_RUN_DIR": str(tmp / "proxy")}
    process = subprocess.Popen(["scripts/proxy"], cwd=ROOT, env={**stack_env("redis://unused", tmp), **env})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base), timeout=20, what="nginx")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(base: str) -> bool:
    try:
        return Client(base).get("/healthz/trivial", timeout=2).status == 200
    except OSError:
        return False


def _timed_gets(base: str, count: int, timeout: float) -> list[float]:
    times = []
    for _ in range(count):
        started = time.monotonic()
        try:
            reply = Client(base).get("/healthz/trivial", timeout=timeout)
            ok = reply.status == 200
        except OSError:
            ok = False
        times.append(time.monotonic() - started if ok else float("inf"))
        time.sleep(0.5)
    return times


def test_slow_clients_starve_gunicorn_alone(own_redis: OwnRedis, tmp_path: Path) -> None:
    """The fault as it was: no proxy, every thread held by a slow client. One worker of 4
    threads and 8 slow clients: with two workers the kernel decides which worker accepts
    each connection (a gthread worker takes up to 1,000), and a worker that booted after the
    slow clients connected, or was handed fewer than 4 of them, still answered, so whether
    2 x 4 starved depended on the split, not on the fault."""
    with web(stack_env(own_redis.url, tmp_path), workers=1, threads=4) as base:
        port = int(base.rsplit(":", 1)[1])
        with slow_clients(port, 8):
            time.sleep(1)
            times = _timed_gets(base, 2, timeout=3)
    assert times == [float("inf")] * 2


def test_fifty_slow_clients_behind_nginx_leave_normal_clients_answered_within_a_second(
    own_redis: OwnRedis, tmp_path: Path
) -> None:
    with web(stack_env(own_redis.url, tmp_path)) as app, proxy(app.removeprefix("http://"), tmp_path) as base:
        port = int(base.rsplit(":", 1)[1])
        with slow_clients(port, 50):
            time.sleep(1)
            times = _timed_gets(base, 16, timeout=5)  # about 12 s: past two header lines each
    print(f"50 slow clients behind nginx: normal requests max {max(times):.3f}s, median {sorted(times)[8]:.3f}s")
    assert max(times) < 1.0, times
