"""Logging: one stdlib configuration (``LOGGING``) that structlog's events go through too.

structlog is configured to hand each event to the standard library's logger of the same
name (``structlog.stdlib.LoggerFactory``), so ``LOG_LEVEL`` and ``LOG_FORMAT`` apply to
django-structlog's request events and the app's own structlog loggers as they do to
Django's. Without ``structlog.configure`` structlog's defaults print every event to
stdout with its console renderer, whatever the level and format asked for: two rendered
lines a request (``request_started``, ``request_finished``) even at ``LOG_LEVEL=WARNING``,
and not JSON in production. ``filter_by_level`` comes first, so an event below the level
costs a level check and nothing more.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

import structlog

_timestamp = structlog.processors.TimeStamper(fmt="iso", utc=True)

# Paths that carry a secret a request log must not keep: allauth's password-reset and
# email-confirmation keys (whoever reads the log could reset the password or confirm the
# address while the key is valid).
_SECRET_IN_PATH = re.compile(r"(/password/reset/key/|/confirm-email/)[^/?#\s'\"]+")


def redact_secrets(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Replace the key in a password-reset or email-confirmation path with ``[redacted]``,
    in django-structlog's ``request`` field and in a record's message (Django's own
    "Not Found: <path>" warnings)."""
    for field in ("request", "event"):
        value = event_dict.get(field)
        if isinstance(value, str) and ("/password/reset/key/" in value or "/confirm-email/" in value):
            event_dict[field] = _SECRET_IN_PATH.sub(r"\1[redacted]", value)
    return event_dict


def logging_config(*, level: str, log_format: str) -> dict[str, Any]:
    """``LOGGING`` for Django: one console handler, ``plain`` (console) or ``json`` lines."""
    formatted = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    # Records from the standard library's own loggers (Django's) get the same keys.
    foreign = [structlog.stdlib.add_logger_name, structlog.stdlib.add_log_level, _timestamp, redact_secrets]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": foreign,
                # Plain tracebacks: a rich one with local variables costs seconds per error.
                "processors": [
                    *formatted,
                    structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback),
                ],
            },
            "json": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": foreign,
                "processors": [*formatted, structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django_structlog": {"level": level}, "axes": {"level": "WARNING"}},
    }


def configure_structlog() -> None:
    """Route structlog's events through the standard library (see the module's docstring)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.add_log_level,
            structlog.stdlib.PositionalArgumentsFormatter(),
            redact_secrets,
            _timestamp,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
