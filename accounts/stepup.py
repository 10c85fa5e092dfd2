"""Step-up authentication: a fresh proof of the second factor at the moment of a sensitive
action, not only once per session.

Approving, varying or ending an award, confirming a payment run, closing or reopening a
period, and starting an auditor export or a governance pack ask for a fresh code from the
user's authenticator app (TOTP, allauth MFA) when their last proof is older than
``STEP_UP_MAX_AGE_MINUTES`` (15 by default; README, configuration table). Passkeys are not
enabled in this deployment, so TOTP is the proof.

- Pages: the last proof is the newest ``mfa`` record allauth keeps in the session (signing
  in with the code, or a step-up). A stale one turns the POST into a page asking for the
  code, which re-posts the form as it was with the code (``step_up_code``); a right code is
  recorded in the session and the action goes ahead.
- API: the code comes in the ``X-MFA-Code`` header; a right code is remembered for the user
  for the same number of minutes (a token client has no session). A call made with the
  site's session counts the session's proof too. Without a fresh proof the answer
  is 403 ``step_up_required``.

A code is accepted once (allauth marks it used), so a replayed code is refused."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.template.response import TemplateResponse
from rest_framework import exceptions

HEADER = "HTTP_X_MFA_CODE"
FIELD = "step_up_code"


class StepUpRequired(exceptions.PermissionDenied):
    default_detail = "Confirm this with a fresh code from your authenticator app: send it in the X-MFA-Code header."
    default_code = "step_up_required"


def max_age_seconds() -> int:
    return int(settings.STEP_UP_MAX_AGE_MINUTES) * 60


def _api_key(user_id: int) -> str:
    return f"step-up:api:{user_id}"


def code_is_right(user: Any, code: str) -> bool:
    """A current TOTP code of the user's authenticator, not used before."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    code = (code or "").strip()
    if not code.isdigit():
        return False
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return authenticator is not None and TOTP(authenticator).validate_code(code)


def session_proof_at(request: HttpRequest) -> float:
    from allauth.account.internal.flows.login import get_authentication_records

    records = get_authentication_records(request, request.user)
    return max((float(r.get("at", 0)) for r in records if r.get("method") == "mfa"), default=0.0)


def record_session_proof(request: HttpRequest) -> None:
    from allauth.account.internal.flows.login import record_authentication

    record_authentication(request, request.user, "mfa", type="totp", reauthenticated=True)


def page_proof_is_fresh(request: HttpRequest) -> bool:
    return time.time() - session_proof_at(request) <= max_age_seconds()


def page_step_up(request: HttpRequest, *, template_context: dict[str, Any]) -> TemplateResponse | None:
    """For a page's POST: None when the proof is fresh (or the posted code is right, which
    is then recorded); otherwise the page asking for the code, re-posting the form."""
    if page_proof_is_fresh(request):
        return None
    code = request.POST.get(FIELD, "")
    if code and code_is_right(request.user, code):
        record_session_proof(request)
        return None
    from allauth.mfa.models import Authenticator

    has_authenticator = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
    fields = [(k, v) for k, values in request.POST.lists() if k not in (FIELD, "csrfmiddlewaretoken") for v in values]
    context = {
        **template_context,
        "fields": fields,
        "error": "Enter the current 6-digit code from your authenticator app" if code else "",
        "minutes": settings.STEP_UP_MAX_AGE_MINUTES,
        "has_authenticator": has_authenticator,
    }
    return TemplateResponse(request, "accounts/step_up.html", context, status=403 if code else 200)


def api_step_up(request: Any) -> None:
    """For an API operation: refuse (403 ``step_up_required``) without a fresh proof."""
    user = request.user
    key = _api_key(user.pk)
    proved = cache.get(key)
    if proved is not None and time.time() - float(proved) <= max_age_seconds():
        return
    django_request = getattr(request, "_request", request)
    if hasattr(django_request, "session") and page_proof_is_fresh(django_request):
        return  # signed in on the site (session authentication) with a fresh proof
    code = request.META.get(HEADER, "")
    if code and code_is_right(user, code):
        prove_for_api(user)
        return
    raise StepUpRequired()


def prove_for_api(user: Any, *, at: float | None = None) -> None:
    """Remember a right code for the user's API calls for ``STEP_UP_MAX_AGE_MINUTES``."""
    cache.set(_api_key(user.pk), at if at is not None else time.time(), timeout=max_age_seconds())
