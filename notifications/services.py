"""Writes for notifications: preferences, queueing a message for people, sending one,
and sending a person's daily digest. Sending is safe to repeat: a message already sent is
not sent again, and a person gets at most one digest a day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import ResponsibleBody, User
from core.constraints import violates
from core.errors import ApplicationError
from core.locking import lock_rows
from core.tenancy import platform_context, tenant_context
from notifications import DIGEST, IMMEDIATE, OFF, kind, registered_kinds
from notifications.error_codes import NotificationError
from notifications.models import Notification, NotificationDigest, NotificationPreference


def preferences_for(*, user: User) -> dict[str, str]:
    """Every registered kind with the person's choice, or the kind's default."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {k.key: chosen.get(k.key, k.default) for k in registered_kinds()}


def notification_preferences_set(*, user: User, choices: dict[str, str]) -> dict[str, str]:
    """Save the person's choice for each kind named in ``choices``."""
    known = {k.key for k in registered_kinds()}
    for key, delivery in choices.items():
        if key not in known:
            raise ApplicationError("There is no such kind of email.", code=NotificationError.UNKNOWN_KIND, field=key)
        if delivery not in {IMMEDIATE, DIGEST, OFF}:
            raise ApplicationError(
                "Choose straight away, a daily summary or off.", code=NotificationError.INVALID_DELIVERY, field=key
            )
    now = timezone.now()
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, kind=key, delivery=delivery, updated_at=now)
            for key, delivery in choices.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["delivery", "updated_at"],
    )
    return preferences_for(user=user)


def notification_queue(
    *,
    tenant: ResponsibleBody,
    kind_key: str,
    user_ids: Iterable[int],
    subject: str,
    text: str,
    link: str,
    dedupe_key: str,
) -> list[Notification]:
    """Queue one message for each person (as their preference says) and send the immediate
    ones after commit. Queueing the same ``dedupe_key`` again adds nothing."""
    registered = kind(kind_key)
    ids = sorted(set(user_ids))
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids, kind=kind_key).values_list("user_id", "delivery")
    )
    active = set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    queued: list[Notification] = []
    with tenant_context(tenant), transaction.atomic():
        for user_id in ids:
            delivery = chosen.get(user_id, registered.default)
            if delivery == OFF or user_id not in active:
                continue
            try:
                with transaction.atomic():
                    notification = Notification.objects.create(
                        responsible_body=tenant,
                        user_id=user_id,
                        kind=kind_key,
                        delivery=delivery,
                        subject=subject[:200],
                        text=text,
                        link=link[:500],
                        dedupe_key=dedupe_key[:150],
                    )
            except IntegrityError as exc:  # already queued for this occurrence
                if not violates(exc, "one_notification_per_occurrence"):
                    raise
                continue
            queued.append(notification)
        immediate = [(tenant.pk, n.pk) for n in queued if n.delivery == IMMEDIATE]
        if immediate:
            transaction.on_commit(lambda: _enqueue_sends(immediate), robust=True)
    return queued


def _enqueue_sends(pairs: list[tuple[int, int]]) -> None:
    from notifications.tasks import send_notification

    for tenant_id, notification_id in pairs:
        send_notification.delay(tenant_id=tenant_id, notification_id=notification_id)


def notifications_unsent(*, older_than_seconds: int) -> list[tuple[int, int]]:
    """Immediate messages still unsent after ``older_than_seconds`` (the broker was away,
    or every retry failed): (body id, notification id), oldest first."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    with platform_context():
        return list(
            Notification.objects.filter(delivery=IMMEDIATE, sent_at__isnull=True, created_at__lt=cutoff)
            .order_by("created_at", "id")
            .values_list("responsible_body_id", "pk")[:1000]
        )


def _preferences_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("notification-preferences")


def notification_send(*, tenant_id: int, notification_id: int) -> bool:
    """Send one immediate message unless it has been sent. The row stays locked while the
    email goes, so two runs at once send it once; an SMTP error rolls back and propagates
    for the task to retry. Returns whether an email was sent."""
    with tenant_context(tenant_id), transaction.atomic():
        notification = lock_rows(Notification.objects).select_related("user").filter(pk=notification_id).first()
        if notification is None or notification.sent_at is not None or notification.delivery != IMMEDIATE:
            return False
        message = render_to_string(
            "accounts/email/notification.txt",
            {"notification": notification, "preferences_url": _preferences_url()},
        )
        send_mail(
            subject=notification.subject,
            message=message,
            from_email=None,
            recipient_list=[notification.user.email],
        )
        notification.sent_at = timezone.now()
        notification.save(update_fields=["sent_at"])
    return True


def notification_digest_send(*, user_id: int, day: date) -> int:
    """Send the person's waiting digest entries as one email, at most once for ``day``.
    Returns how many entries it carried (0 when none were waiting or today's was sent)."""
    with platform_context(), transaction.atomic():
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None or NotificationDigest.objects.filter(user_id=user_id, day=day).exists():
            return 0
        entries = list(
            lock_rows(Notification.objects)
            .select_related("responsible_body")
            .filter(user_id=user_id, delivery=DIGEST, sent_at__isnull=True)
            .order_by("responsible_body__legal_name", "created_at", "id")
        )
        if not entries:
            return 0
        try:
            with transaction.atomic():
                digest = NotificationDigest.objects.create(user=user, day=day, entries=len(entries))
        except IntegrityError as exc:  # another run sent today's
            if not violates(exc, "one_notification_digest_per_day"):
                raise
            return 0
        by_body: dict[str, list[Notification]] = defaultdict(list)
        for entry in entries:
            by_body[entry.responsible_body.legal_name].append(entry)
        message = render_to_string(
            "accounts/email/digest.txt",
            {"groups": sorted(by_body.items()), "day": day, "preferences_url": _preferences_url()},
        )
        send_mail(
            subject=f"Inclusion Pool: your summary for {day:%-d %B %Y}",
            message=message,
            from_email=None,
            recipient_list=[user.email],
        )
        now = timezone.now()
        Notification.objects.filter(pk__in=[e.pk for e in entries]).update(sent_at=now, digest=digest)
    return len(entries)


def notification_digests_due() -> list[int]:
    """People with digest entries waiting."""
    with platform_context():
        return sorted(
            set(Notification.objects.filter(delivery=DIGEST, sent_at__isnull=True).values_list("user_id", flat=True))
        )
