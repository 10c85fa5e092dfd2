"""Stable error codes of ``core``: the ``code`` API clients see (values never change)."""

from __future__ import annotations

from core.errors import ErrorCode


class CoreError(ErrorCode):
    FILE_CONTENT_MISMATCH = "file_content_mismatch"
    FILE_EMPTY = "file_empty"
    FILE_INFECTED = "file_infected"
    FILE_SCAN_FAILED = "file_scan_failed"
    FILE_TOO_LARGE = "file_too_large"
    FILE_TYPE_NOT_ALLOWED = "file_type_not_allowed"
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    STORAGE_FULL = "storage_full"
    STORAGE_UNAVAILABLE = "storage_unavailable"
