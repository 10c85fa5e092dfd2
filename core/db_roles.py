"""Run a block as the schema owner (``DATABASE_OWNER_URL``) instead of the runtime role.

The runtime role may only read the shared school register (``core.signals``); the register
and census imports (``manage.py import_gias``, ``import_sen_census``) and the demo seed write
it, so their commands run inside ``owner_connection()``: the default connection is closed and
reopened with the owner's credentials for the block, then closed and restored.

Inside a transaction already open on the default connection (a test's) it changes nothing:
closing the connection would lose that transaction's work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


def owner_credentials() -> dict[str, object]:
    return {key: settings.DATABASE_OWNER[key] for key in _CREDENTIALS}


@contextmanager
def owner_connection(using: str = "default") -> Iterator[None]:
    connection = connections[using]
    owner = owner_credentials()
    if connection.in_atomic_block or connection.settings_dict.get("USER") == owner["USER"]:
        yield
        return
    saved = {key: connection.settings_dict.get(key) for key in _CREDENTIALS}
    connection.close()
    connection.settings_dict.update(owner)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)
