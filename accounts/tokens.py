"""The token in password-reset and invitation links (allauth's reset view checks it)."""

from __future__ import annotations

from datetime import UTC, datetime

from allauth.account.forms import EmailAwarePasswordResetTokenGenerator


class ResetTokenGenerator(EmailAwarePasswordResetTokenGenerator):
    """allauth's token (void once the password or the email changes), its age counted in UTC.

    Django counts the age in the server's local time (``datetime.now()``, Europe/London), so
    a link made in the three days before the clocks go forward died an hour early, and one
    made before they go back lived an hour longer than ``PASSWORD_RESET_TIMEOUT``. Links
    made before this change, in summer time, read an hour younger once: harmless."""

    def _now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)
