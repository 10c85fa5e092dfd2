"""structlog's events (django-structlog's request events, the app's own loggers) go
through the standard library's logging, so ``LOG_LEVEL`` and ``LOG_FORMAT`` apply to them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from config.logging import logging_config


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger of its own whose records are written as ``LOG_FORMAT=json`` writes them."""
    spec = dict(logging_config(level="INFO", log_format="json")["formatters"]["json"])
    formatter = spec.pop("()")(**spec)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("tests.logging_probe")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


def test_structlog_event_is_written_by_the_configured_handler_as_json(
    captured: tuple[logging.Logger, io.StringIO], capsys: pytest.CaptureFixture[str]
) -> None:
    logger, stream = captured
    logger.setLevel(logging.INFO)
    structlog.get_logger("tests.logging_probe").info("request_finished", code=200)
    line = json.loads(stream.getvalue())
    assert line["event"] == "request_finished"
    assert line["code"] == 200
    assert line["level"] == "info"
    assert line["logger"] == "tests.logging_probe"
    assert line["timestamp"].endswith("Z")
    assert capsys.readouterr().out == ""  # not printed by structlog's own default logger


def test_structlog_event_below_the_level_is_dropped(
    captured: tuple[logging.Logger, io.StringIO], capsys: pytest.CaptureFixture[str]
) -> None:
    logger, stream = captured
    logger.setLevel(logging.WARNING)
    structlog.get_logger("tests.logging_probe").info("request_started", request="GET /")
    assert stream.getvalue() == ""
    assert capsys.readouterr().out == ""


def test_standard_library_record_gets_level_and_logger_in_json(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.setLevel(logging.INFO)
    logger.warning("Not Found: %s", "/b/x/")
    line = json.loads(stream.getvalue())
    assert line == {
        "event": "Not Found: /b/x/",
        "level": "warning",
        "logger": "tests.logging_probe",
        "timestamp": line["timestamp"],
    }


def test_a_password_reset_key_in_a_request_path_is_not_logged(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.setLevel(logging.INFO)
    structlog.get_logger("tests.logging_probe").info(
        "request_started", request="GET /accounts/password/reset/key/3-ciw2kv-8c1f6e0d9a7b/"
    )
    structlog.get_logger("tests.logging_probe").info("request_started", request="GET /accounts/confirm-email/MQ:1tK9x/")
    structlog.get_logger("tests.logging_probe").info("request_started", request="GET /b/la-850/cases/?page=2")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request"] for line in lines] == [
        "GET /accounts/password/reset/key/[redacted]/",
        "GET /accounts/confirm-email/[redacted]/",
        "GET /b/la-850/cases/?page=2",
    ]
    assert "8c1f6e0d9a7b" not in stream.getvalue()
    assert "1tK9x" not in stream.getvalue()


def test_a_key_in_a_standard_library_record_is_not_logged(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.setLevel(logging.INFO)
    logger.warning("Not Found: %s", "/accounts/password/reset/key/3-ciw2kv-8c1f6e0d9a7b/")
    assert json.loads(stream.getvalue())["event"] == "Not Found: /accounts/password/reset/key/[redacted]/"
