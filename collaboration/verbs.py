"""The audit verbs the collaboration app records: members of the one ``core.audit_verbs.AuditVerb``."""

from __future__ import annotations

from core.audit_verbs import AuditVerb

ADVICE_REQUESTED = AuditVerb.ADVICE_REQUESTED
ADVICE_SUMMARY_VIEWED = AuditVerb.ADVICE_SUMMARY_VIEWED
ADVICE_GIVEN = AuditVerb.ADVICE_GIVEN
ADVICE_REPLIED = AuditVerb.ADVICE_REPLIED
ADVICE_ACCESS_REVOKED = AuditVerb.ADVICE_ACCESS_REVOKED
ADVICE_ACCESS_EXPIRED = AuditVerb.ADVICE_ACCESS_EXPIRED
EXPERTISE_SAVED = AuditVerb.EXPERTISE_SAVED
ADVICE_ATTACHED = AuditVerb.ADVICE_ATTACHED
