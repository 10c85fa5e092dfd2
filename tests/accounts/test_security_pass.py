"""#21 point 7, the security test pass outside the browser: production cookie and transport
settings, the session cookie's flags on a real response, and the
expiry of password-reset and invitation links (docs/security.md lists what each covers)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.account.forms import default_token_generator
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Role
from tests.factories import DEMO_PASSWORD, UserFactory, member
from tests.outbox_support import run_outbox

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
LONDON = ZoneInfo("Europe/London")
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "pool.example.org",
    "DATABASE_URL": "postgres://inclusion_pool_app:pw@db.example.org:5432/inclusion_pool",
    "PUPIL_DATA_KEY": "k" * 44,
    "PUPIL_UPN_HASH_KEY": "h" * 44,
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp://mail.example.org:587",
}
NAMES = [
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_AGE",
    "SESSION_IDLE_TIMEOUT_SECONDS",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "ACCOUNT_SESSION_REMEMBER",
    "DEBUG",
    "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN",
]


def test_production_settings_set_secure_httponly_samesite_cookies_and_hsts() -> None:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {NAMES!r}}}))"
    )
    env = {**os.environ, **PRODUCTION_ENV}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    values = json.loads(out.stdout.strip().splitlines()[-1])
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_AGE": 12 * 60 * 60,
        "SESSION_IDLE_TIMEOUT_SECONDS": 30 * 60,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "ACCOUNT_SESSION_REMEMBER": False,
        "DEBUG": False,
        "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN": None,  # never set outside tests and the local demo
    }


@override_settings(SESSION_COOKIE_SECURE=True)
def test_the_session_cookie_set_at_sign_in_carries_secure_httponly_and_samesite() -> None:
    user = UserFactory(email="cookie@example.org")
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] in ("", None) or int(cookie["max-age"]) <= 12 * 60 * 60  # never "remember me"


def _follow_reset(link_path: str) -> str:
    client = Client()
    response = client.get(link_path, follow=True)
    return response.content.decode()


def _reset_path(user) -> str:  # type: ignore[no-untyped-def]
    from allauth.account.utils import user_pk_to_url_str

    key = default_token_generator.make_token(user)
    return reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})


def _later(moment: datetime, elapsed: timedelta) -> datetime:
    """``elapsed`` of real time after ``moment``, in London time (adding to a zoned datetime
    adds wall-clock time, an hour out across a clock change)."""
    return (moment.astimezone(UTC) + elapsed).astimezone(LONDON)


def test_a_password_reset_link_works_until_it_expires_and_not_after() -> None:
    """The clock is frozen where the link is made: the token counts whole seconds, so a clock
    left running between making the link and moving the clock would eat into the margin."""
    timeout = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    assert timeout == timedelta(days=3)
    start = datetime(2027, 1, 12, 9, 30, 15, 600_000, tzinfo=LONDON)  # mid-second: the token rounds down
    with time_machine.travel(start, tick=False) as clock:
        user = UserFactory(email="reset@example.org")
        path = _reset_path(user)
        assert "Create a new password" in _follow_reset(path)
        clock.move_to(_later(start, timeout - timedelta(seconds=1)))
        assert "Create a new password" in _follow_reset(path)  # just before expiry: still works
        clock.move_to(_later(start, timeout + timedelta(seconds=1)))
        assert "This reset link is not valid" in _follow_reset(path)


@pytest.mark.parametrize(
    "made",
    [
        # Friday before the clocks go forward (Sunday 28 March 2027, 01:00 UTC).
        datetime(2027, 3, 26, 12, 0, tzinfo=LONDON),
        # Friday before the clocks go back (Sunday 31 October 2027, 01:00 UTC).
        datetime(2027, 10, 29, 12, 0, tzinfo=LONDON),
    ],
    ids=["into-summer-time", "out-of-summer-time"],
)
def test_a_password_reset_link_lasts_exactly_its_timeout_across_a_clock_change(made: datetime) -> None:
    """Three days are three days of real time, whatever the UK clocks do meanwhile: the link
    works a minute before the end and not a minute after. The clock is moved in London time
    (time_machine sets the process's zone from the destination's: a UTC destination would run
    the whole test in UTC, where no clock ever changes)."""
    timeout = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    with time_machine.travel(made, tick=False) as clock:
        user = UserFactory(email="reset-dst@example.org")
        path = _reset_path(user)
        clock.move_to(_later(made, timeout - timedelta(minutes=1)))
        assert "Create a new password" in _follow_reset(path)
        clock.move_to(_later(made, timeout + timedelta(minutes=1)))
        assert "This reset link is not valid" in _follow_reset(path)


def test_an_invitation_link_expires_like_a_reset_link_and_works_once() -> None:
    admin = member(Role.BODY_ADMIN, mfa=True)
    services.membership_invite(
        actor=admin.user, tenant=admin.responsible_body, email="invited@example.org", role=Role.TRUSTEE
    )
    run_outbox()
    [email] = mail.outbox
    match = re.search(r"https?://[^/\s]+(/\S+)", email.body)
    assert match, email.body
    path = match.group(1)
    timeout = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    with time_machine.travel(timezone.now() + timeout + timedelta(hours=1), tick=False):
        assert "This reset link is not valid" in _follow_reset(path)
    client = Client()
    form = client.get(path, follow=True)
    assert "Create a new password" in form.content.decode()
    chosen = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"password1": "A-long-new-passphrase-42", "password2": "A-long-new-passphrase-42"},
    )
    assert chosen.status_code == 302
    assert "This reset link is not valid" in _follow_reset(path)  # used once: it no longer works


def _sign_in(email: str, password: str) -> int:
    client = Client()
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    if response.status_code == 302:
        assert client.session["_auth_user_id"]
    else:
        assert "_auth_user_id" not in client.session
    return response.status_code


def test_a_locked_account_opens_again_after_the_cool_off_even_when_tried_during_it(settings) -> None:  # type: ignore[no-untyped-def]
    """The lock lasts ``AXES_COOLOFF_TIME`` from the failure that set it. A try during the lock
    (here with the right password, as the owner would) is refused but does not start the lock
    again: the lock still ends when the sign-in page says it will."""
    settings.ACCOUNT_RATE_LIMITS = False  # allauth's limiter away: axes alone decides
    user = UserFactory(email="cooling@example.org")
    cool_off = settings.AXES_COOLOFF_TIME
    assert (settings.AXES_FAILURE_LIMIT, cool_off) == (5, timedelta(minutes=30))
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            assert _sign_in(user.email, "wrong-password") in (200, 429)
        assert _sign_in(user.email, DEMO_PASSWORD) == 429  # locked, right password or not
        clock.move_to(start + cool_off - timedelta(minutes=1))
        assert _sign_in(user.email, DEMO_PASSWORD) == 429  # a minute before the end: still locked
        clock.move_to(start + cool_off - timedelta(seconds=1))
        assert _sign_in(user.email, "wrong-password") == 429  # refused, and not counted as a failure
        clock.move_to(start + cool_off + timedelta(seconds=1))
        assert _sign_in(user.email, DEMO_PASSWORD) == 302  # open again
