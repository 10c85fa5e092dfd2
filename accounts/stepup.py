"""Step-up authentication: a fresh proof of the second factor at the moment of a sensitive
action, not only once per session.

Approving, varying or ending an award, confirming a payment run, closing or reopening a
period, and starting an auditor export or a governance pack ask for a fresh code from the
user's authenticator app (TOTP, allauth MFA), or on a page a passkey assertion (WebAuthn,
for someone who has registered one), when their last proof is older than
``STEP_UP_MAX_AGE_MINUTES`` (15 by default; README, configuration table). The API takes the
authenticator code only (a program has no passkey).

- Pages: the last proof is the newest ``mfa`` record allauth keeps in the session (signing
  in with the code, or a step-up). A stale one turns the POST into a page asking for the
  code, which re-posts the form as it was with the code (``step_up_code``); a right code is
  recorded in the session and the action goes ahead.
- API: the code comes in the ``X-MFA-Code`` header. A right code is remembered for the
  credential it came with, for the same number of minutes: with an API token, for that
  token only (a proof given with one token serves no other token and no session); with the
  site's session, in the session (as a page's step-up). Without a fresh proof the answer
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
PASSKEY_FIELD = "step_up_credential"


class StepUpRequired(exceptions.PermissionDenied):
    default_detail = "Confirm this with a fresh code from your authenticator app: send it in the X-MFA-Code header."
    default_code = "step_up_required"


def max_age_seconds() -> int:
    return int(settings.STEP_UP_MAX_AGE_MINUTES) * 60


def api_proof_key(user_id: int, token_id: int | None) -> str:
    """The cache key of an API proof: per user and per API token (``direct``: a client
    authenticated without a token or a session, which only tests make)."""
    return f"step-up:api:{user_id}:{token_id if token_id is not None else 'direct'}"


def _request_token_id(request: Any) -> int | None:
    from accounts.models import ApiToken

    auth = getattr(request, "auth", None)
    return int(auth.pk) if isinstance(auth, ApiToken) else None


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


def record_session_proof(request: HttpRequest, *, kind: str = "totp") -> None:
    from allauth.account.internal.flows.login import record_authentication

    record_authentication(request, request.user, "mfa", type=kind, reauthenticated=True)


def has_passkey(user: Any) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).exists()


def passkey_is_right(user: Any, credential: str) -> bool:
    """A passkey assertion of one of the user's passkeys, answering the challenge this
    session was given (allauth keeps it in the session and clears it once used)."""
    from allauth.mfa.webauthn.forms import AuthenticateWebAuthnForm

    form = AuthenticateWebAuthnForm(data={"credential": credential}, user=user)
    if not form.is_valid():
        return False
    form.cleaned_data["credential"].record_usage()
    return True


def passkey_request_options(user: Any) -> dict[str, Any]:
    """A fresh WebAuthn challenge for the user's passkeys (kept in the session)."""
    from allauth.mfa.webauthn.internal import auth

    return {"request_options": auth.begin_authentication(user)}


def page_proof_is_fresh(request: HttpRequest) -> bool:
    return time.time() - session_proof_at(request) <= max_age_seconds()


def page_step_up(request: HttpRequest, *, template_context: dict[str, Any]) -> TemplateResponse | None:
    """For a page's POST: None when the proof is fresh (or the posted code or passkey
    assertion is right, which is then recorded); otherwise the page asking for it,
    re-posting the form."""
    if page_proof_is_fresh(request):
        return None
    code = request.POST.get(FIELD, "")
    if code and code_is_right(request.user, code):
        record_session_proof(request)
        return None
    credential = request.POST.get(PASSKEY_FIELD, "")
    passkey = has_passkey(request.user)
    if credential and passkey and passkey_is_right(request.user, credential):
        record_session_proof(request, kind="webauthn")
        return None
    from allauth.mfa.models import Authenticator

    has_authenticator = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
    skip = (FIELD, PASSKEY_FIELD, "csrfmiddlewaretoken")
    fields = [(k, v) for k, values in request.POST.lists() if k not in skip for v in values]
    error = ""
    if code:
        error = "Enter the current 6-digit code from your authenticator app"
    elif credential:
        error = "Your passkey was not accepted: try it again" + (" or enter a code" if has_authenticator else "")
    context = {
        **template_context,
        "fields": fields,
        "error": error,
        "error_field": "id_step_up_code" if code or not passkey else "step_up_passkey",
        "minutes": settings.STEP_UP_MAX_AGE_MINUTES,
        "has_authenticator": has_authenticator,
        "has_passkey": passkey,
        "passkey_data": passkey_request_options(request.user) if passkey else None,
    }
    return TemplateResponse(request, "accounts/step_up.html", context, status=403 if error else 200)


def _signed_in_with_session(request: Any) -> bool:
    from rest_framework.authentication import SessionAuthentication

    return isinstance(getattr(request, "successful_authenticator", None), SessionAuthentication)


def api_step_up(request: Any) -> None:
    """For an API operation: refuse (403 ``step_up_required``) without a fresh proof given
    with the same credential (the API token, or the session)."""
    user = request.user
    token_id = _request_token_id(request)
    django_request = getattr(request, "_request", request)
    uses_session = token_id is None and _signed_in_with_session(request)
    if uses_session and page_proof_is_fresh(django_request):
        return  # signed in on the site (session authentication) with a fresh proof
    if not uses_session:
        proved = cache.get(api_proof_key(user.pk, token_id))
        if proved is not None and time.time() - float(proved) <= max_age_seconds():
            return
    code = request.META.get(HEADER, "")
    if code and code_is_right(user, code):
        if uses_session:
            record_session_proof(django_request)
        else:
            prove_for_api(user, token_id=token_id)
        return
    raise StepUpRequired()


def prove_for_api(user: Any, *, token_id: int | None = None, at: float | None = None) -> None:
    """Remember a right code for the API calls made with one token (``token_id``) for
    ``STEP_UP_MAX_AGE_MINUTES``."""
    cache.set(api_proof_key(user.pk, token_id), at if at is not None else time.time(), timeout=max_age_seconds())
