"""Stable error codes of ``notifications``: the ``code`` API clients see (values never change)."""

from __future__ import annotations

from core.errors import ErrorCode


class NotificationError(ErrorCode):
    INVALID_DELIVERY = "invalid_delivery"
    UNKNOWN_KIND = "unknown_kind"
