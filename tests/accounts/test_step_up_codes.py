"""Which authenticator codes a fresh proof (step-up) accepts.

A code typed as the phone's 30-second window turns over must still work (the browser
journeys failed in CI when the window turned between reading the code and the server
checking it); a code from two windows ago, or one already used, must not.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from accounts.stepup import code_is_right
from tests.factories import UserFactory, enable_mfa

pytestmark = pytest.mark.django_db

# 10:00:01 UTC: one second into a 30-second window, so the window in force is unambiguous.
NOW = datetime(2026, 12, 7, 10, 0, 1, tzinfo=UTC)


def _code(secret: str, windows_ago: int) -> str:
    return format_hotp_value(hotp_value(secret, int(NOW.timestamp()) // 30 - windows_ago))


def test_a_code_from_the_window_that_has_just_ended_is_accepted() -> None:
    user = UserFactory()
    secret = enable_mfa(user)
    with time_machine.travel(NOW, tick=False):
        assert code_is_right(user, _code(secret, 1)) is True


def test_the_current_code_is_accepted_once_only() -> None:
    user = UserFactory()
    secret = enable_mfa(user)
    with time_machine.travel(NOW, tick=False):
        assert code_is_right(user, _code(secret, 0)) is True
        assert code_is_right(user, _code(secret, 0)) is False


def test_a_code_two_windows_old_is_refused() -> None:
    user = UserFactory()
    secret = enable_mfa(user)
    with time_machine.travel(NOW, tick=False):
        assert code_is_right(user, _code(secret, 2)) is False


@pytest.mark.parametrize("bad", ["", "12345", "abcdef", "1234567", " 12 34 "])
def test_malformed_codes_are_refused(bad: str) -> None:
    user = UserFactory()
    enable_mfa(user)
    assert code_is_right(user, bad) is False
