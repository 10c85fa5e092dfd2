"""Generic notifications (notifications): preferences, the idempotent send task
with retries on SMTP errors, digests, and the email settings page."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import notifications
from accounts.models import Role, User
from core.errors import ApplicationError
from core.tenancy import tenant_context
from notifications.models import Notification, NotificationDigest
from notifications.services import (
    notification_preferences_set,
    notification_queue,
    notification_send,
    preferences_for,
)
from notifications.tasks import send_notification, send_notification_digests, send_unsent_notifications
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


class FlakyBackend(EmailBackend):
    """locmem, but the first ``failures`` sends raise an SMTP error."""

    failures = 0

    def send_messages(self, messages: Any) -> int:
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def test_kinds() -> Iterator[None]:
    notifications.register_kind("test_thing", "Things", "When a thing happens.", order=1)
    notifications.register_kind("test_quiet", "Quiet things", "Rarely wanted.", default="off", order=2)
    yield
    for key in ("test_thing", "test_quiet"):
        notifications._KINDS.pop(key, None)


def _queue(body: Any, users: list[User], key: str = "thing:1", kind: str = "test_thing") -> list[Notification]:
    return notification_queue(
        tenant=body,
        kind_key=kind,
        user_ids=[u.pk for u in users],
        subject="A thing happened",
        text="A thing happened in a body.",
        link="http://127.0.0.1:8000/b/x/things/1/",
        dedupe_key=key,
    )


def test_defaults_then_choices_per_person() -> None:
    user = UserFactory()
    assert {k: v for k, v in preferences_for(user=user).items() if k.startswith("test_")} == {
        "test_thing": "immediate",
        "test_quiet": "off",
    }
    notification_preferences_set(user=user, choices={"test_thing": "digest", "test_quiet": "immediate"})
    assert preferences_for(user=user)["test_thing"] == "digest"
    assert preferences_for(user=user)["test_quiet"] == "immediate"
    assert preferences_for(user=UserFactory())["test_thing"] == "immediate"


@pytest.mark.parametrize(
    ("choices", "code"), [({"nope": "off"}, "unknown_kind"), ({"test_thing": "hourly"}, "invalid_delivery")]
)
def test_bad_preferences_are_refused(choices: dict[str, str], code: str) -> None:
    user = UserFactory()
    with pytest.raises(ApplicationError) as refused:
        notification_preferences_set(user=user, choices=choices)
    assert refused.value.code == code
    assert preferences_for(user=user)["test_thing"] == "immediate"


def test_queue_follows_preferences_and_skips_inactive_people() -> None:
    m = member(Role.TRUSTEE)
    body = m.responsible_body
    digest_user, off_user = member(Role.TRUSTEE, body).user, member(Role.TRUSTEE, body).user
    gone = member(Role.TRUSTEE, body).user
    User.objects.filter(pk=gone.pk).update(is_active=False)
    notification_preferences_set(user=digest_user, choices={"test_thing": "digest"})
    notification_preferences_set(user=off_user, choices={"test_thing": "off"})
    queued = _queue(body, [m.user, digest_user, off_user, gone])
    assert sorted((n.user_id, n.delivery) for n in queued) == sorted(
        [(m.user.pk, "immediate"), (digest_user.pk, "digest")]
    )
    assert _queue(body, [m.user, digest_user]) == []  # same occurrence: nothing new


def test_a_retried_or_repeated_send_sends_once() -> None:
    m = member(Role.TRUSTEE)
    [notification] = _queue(m.responsible_body, [m.user])
    args = {"tenant_id": m.responsible_body_id, "notification_id": notification.pk}
    assert send_notification.apply(kwargs=args).get() is True
    assert send_notification.apply(kwargs=args).get() is False
    assert notification_send(**args) is False
    assert len(mail.outbox) == 1
    [message] = mail.outbox
    assert message.to == [m.user.email]
    assert message.subject == "A thing happened"
    assert "A thing happened in a body.\n\nhttp://127.0.0.1:8000/b/x/things/1/" in message.body
    with tenant_context(m.responsible_body):
        assert Notification.objects.get(pk=notification.pk).sent_at is not None


def test_smtp_errors_are_retried_and_the_email_goes_once(settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.test_notifications.FlakyBackend"
    FlakyBackend.failures = 2
    m = member(Role.TRUSTEE)
    [notification] = _queue(m.responsible_body, [m.user])
    result = send_notification.apply(kwargs={"tenant_id": m.responsible_body_id, "notification_id": notification.pk})
    assert result.get() is True
    assert FlakyBackend.failures == 0
    assert len(mail.outbox) == 1


def test_smtp_errors_past_the_retries_leave_it_unsent(settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.test_notifications.FlakyBackend"
    FlakyBackend.failures = 100
    m = member(Role.TRUSTEE)
    [notification] = _queue(m.responsible_body, [m.user])
    result = send_notification.apply(kwargs={"tenant_id": m.responsible_body_id, "notification_id": notification.pk})
    assert isinstance(result.result, smtplib.SMTPException)
    FlakyBackend.failures = 0
    assert mail.outbox == []
    with tenant_context(m.responsible_body):
        assert Notification.objects.get(pk=notification.pk).sent_at is None


def test_digest_is_one_email_per_person_across_bodies_once_a_day() -> None:
    user = UserFactory()
    notification_preferences_set(user=user, choices={"test_thing": "digest"})
    first = member(Role.TRUSTEE, user=user).responsible_body
    second = member(Role.AUDITOR, user=user).responsible_body
    _queue(first, [user], key="a")
    _queue(first, [user], key="b")
    _queue(second, [user], key="c")
    assert send_notification_digests.apply(kwargs={"day": "2026-12-01"}).get() == 1
    [message] = mail.outbox
    assert message.body.count("A thing happened in a body.") == 3
    assert message.body.index(first.legal_name) != message.body.index(second.legal_name)
    assert NotificationDigest.objects.get(user=user).entries == 3
    _queue(second, [user], key="d")
    assert send_notification_digests.apply(kwargs={"day": "2026-12-01"}).get() == 0
    assert send_notification_digests.apply(kwargs={"day": "2026-12-02"}).get() == 1
    assert len(mail.outbox) == 2
    assert mail.outbox[1].body.count("A thing happened in a body.") == 1


def test_a_digest_that_fails_to_send_is_kept_for_the_retry(settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.test_notifications.FlakyBackend"
    FlakyBackend.failures = 1
    user = UserFactory()
    notification_preferences_set(user=user, choices={"test_thing": "digest"})
    _queue(member(Role.TRUSTEE, user=user).responsible_body, [user])
    assert send_notification_digests.apply(kwargs={"day": "2026-12-01"}).get() == 1
    assert len(mail.outbox) == 1
    assert NotificationDigest.objects.filter(user=user).count() == 1


def test_email_settings_page(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    url = reverse("notification-preferences")
    page = client.get(url).content.decode()
    assert "Things" in page
    assert "When a thing happens." in page
    assert re.search(r'name="test_thing" value="immediate"[^>]*checked', page)
    assert re.search(r'name="test_quiet" value="off"[^>]*checked', page)
    response = client.post(url, {"test_thing": "digest", "test_quiet": "off", **_others("immediate")})
    assert response.status_code == 302
    assert preferences_for(user=user)["test_thing"] == "digest"
    bad = client.post(url, {"test_thing": "hourly", "test_quiet": "off", **_others("immediate")})
    assert bad.status_code == 200
    assert bad.context["form"].errors["test_thing"]
    assert 'class="govuk-error-summary"' in bad.content.decode()
    assert preferences_for(user=user)["test_thing"] == "digest"
    assert "email-settings" in client.get(reverse("my-account")).content.decode()


def test_email_settings_need_sign_in(client: Client) -> None:
    response = client.get(reverse("notification-preferences"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def _others(value: str) -> dict[str, str]:
    return {k.key: value for k in notifications.registered_kinds() if not k.key.startswith("test_")}


def test_messages_left_unsent_are_queued_again_and_go_once(settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    m = member(Role.TRUSTEE)
    body = m.responsible_body
    [old] = _queue(body, [m.user], key="old")
    [recent] = _queue(body, [m.user], key="recent")
    with tenant_context(body):
        Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=15))
    assert send_unsent_notifications.apply().get() == 1
    assert len(mail.outbox) == 1
    assert send_unsent_notifications.apply().get() == 0
    assert len(mail.outbox) == 1
    with tenant_context(body):
        assert Notification.objects.get(pk=recent.pk).sent_at is None
