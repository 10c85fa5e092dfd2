"""The trivial view ``make bench`` uses as its throughput ceiling."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def test_trivial_view_answers_ok_without_touching_the_database(db) -> None:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/healthz/trivial")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain"
    assert "no-cache" in response["Cache-Control"]
    assert len(queries) == 0


def test_trivial_view_refuses_a_post(db) -> None:  # type: ignore[no-untyped-def]
    response = Client().post("/healthz/trivial")

    assert response.status_code == 405
