from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """People join by invitation from a body administrator; there is no open sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


def axes_username(request: HttpRequest, credentials: dict[str, str] | None) -> str | None:
    """The account django-axes counts failures against. allauth authenticates with
    ``email=`` credentials; the sign-in form posts ``login``."""
    value = (credentials or {}).get("email") or (credentials or {}).get("username")
    if not value and request is not None and hasattr(request, "POST"):
        value = request.POST.get("login")
    return value.strip().lower() if value else None
