"""Stable error codes of ``reports``: the ``code`` API clients see (values never change)."""

from __future__ import annotations

from core.errors import ErrorCode


class ReportError(ErrorCode):
    INVALID_PARAMETERS = "invalid_parameters"
    UNKNOWN_REPORT_TYPE = "unknown_report_type"
