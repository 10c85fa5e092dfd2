"""``migrate`` runs as the schema owner. With the embedded PostgreSQL of ``make run`` the
owner's URL is a Unix-socket URL; measured on a fresh clone, migrate lost the socket
directory, connected to the default socket (another server whose database was already
migrated), said "No migrations to apply" and seed_demo then failed on a missing table."""

from __future__ import annotations

from core.management.commands.migrate import owner_connection


def test_a_socket_url_keeps_its_directory_and_port() -> None:
    url = "postgres://inclusion_pool_owner:owner-pw@/inclusion_pool?host=/srv/clone/.data/postgres&port=5433"
    assert owner_connection(url) == {
        "USER": "inclusion_pool_owner",
        "PASSWORD": "owner-pw",
        "HOST": "/srv/clone/.data/postgres",
        "PORT": "5433",
    }


def test_a_tcp_url_is_unchanged() -> None:
    url = "postgres://inclusion_pool_owner:owner-pw@127.0.0.1:5432/inclusion_pool"
    assert owner_connection(url) == {
        "USER": "inclusion_pool_owner",
        "PASSWORD": "owner-pw",
        "HOST": "127.0.0.1",
        "PORT": 5432,
    }
