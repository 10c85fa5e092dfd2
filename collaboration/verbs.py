"""The audit verbs the collaboration app records (``AuditEvent.verb``)."""

from __future__ import annotations

ADVICE_REQUESTED = "advice.requested"
ADVICE_SUMMARY_VIEWED = "advice.summary_viewed"
ADVICE_GIVEN = "advice.given"
ADVICE_REPLIED = "advice.replied"
ADVICE_ACCESS_REVOKED = "advice.access_revoked"
ADVICE_ACCESS_EXPIRED = "advice.access_expired"
EXPERTISE_SAVED = "expertise.saved"
