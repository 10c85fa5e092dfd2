"""Stable error codes of ``assurance``: the ``code`` API clients see (values never change)."""

from __future__ import annotations

from core.errors import ErrorCode


class AssuranceError(ErrorCode):
    INVALID_POPULATION = "invalid_population"
    INVALID_SEED = "invalid_seed"
    NOT_AN_AUDITOR = "not_an_auditor"
    SAMPLE_LARGER_THAN_POPULATION = "sample_larger_than_population"
    SAMPLE_TOO_LARGE = "sample_too_large"
    SAMPLE_TOO_SMALL = "sample_too_small"
    UNKNOWN_PERIOD = "unknown_period"
