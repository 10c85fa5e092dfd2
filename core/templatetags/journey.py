"""Where a person was going before the app sent them to set up MFA, so the recovery codes
page can send them back to the job (``BodyMixin`` records it)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

register = template.Library()

AFTER_MFA_SETUP = "after_mfa_setup"


@register.simple_tag(takes_context=True)
def after_mfa_setup_url(context: dict[str, Any]) -> str:
    """The page the person was on their way to, or their home page."""
    request = context.get("request")
    if request is not None:
        target = request.session.get(AFTER_MFA_SETUP, "")
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return str(target)
    return reverse("home")
