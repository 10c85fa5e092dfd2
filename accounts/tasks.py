from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from accounts.models import Membership
from core.tenancy import platform_context


@shared_task(name="accounts.ping")
def ping() -> str:
    """Round trip used by /healthz and the worker integration test."""
    return "pong"


@shared_task(name="accounts.send_invitation_email", bind=True, max_retries=5, default_retry_delay=30)
def send_invitation_email(self, *, membership_id: int) -> None:  # type: ignore[no-untyped-def]
    """Email a newly invited person a link to choose their password. Safe to run twice:
    a second email carries a fresh link and the old one stops working once used."""
    with platform_context():
        membership = Membership.objects.select_related("user", "responsible_body").filter(pk=membership_id).first()
        if membership is None or not membership.is_current():
            return
        user = membership.user
        token = default_token_generator.make_token(user)
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": token})
    link = settings.SITE_URL.rstrip("/") + path
    try:
        send_mail(
            subject=f"You have been added to {membership.responsible_body.legal_name} on Inclusion Pool",
            message=(
                f"You have been given the role {membership.get_role_display()} for "
                f"{membership.responsible_body.legal_name}.\n\nChoose your password to sign in:\n{link}\n"
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    except OSError as exc:
        raise self.retry(exc=exc) from exc
