"""Fault tests: real processes on 127.0.0.1, slow (``make test-faults``; every module is
marked ``faults``, which ``make test`` leaves out)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.exceptional_resource.conftest import scene  # noqa: F401 - the case scene, shared
from tests.faults.stack import OwnRedis


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
