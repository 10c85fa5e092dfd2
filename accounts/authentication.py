"""API authentication (its own module: DRF imports the classes named in its settings while
``rest_framework.views`` is still loading, so they must not import views)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``. Two kinds of key:

    - ``ipt_…``: a person's own token made in the browser (``accounts.models.ApiToken``),
      looked up by its SHA-256, refused once revoked or past its expiry date. Its scope
      (read-only, or chosen actions) is applied by ``TenantAPIView`` through the policy.
    - anything else: the automation token of ``manage.py create_api_token``, refused once
      older than ``API_TOKEN_MAX_AGE_DAYS`` (90 by default)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from accounts.models import ApiToken
        from accounts.services import API_TOKEN_PREFIX, api_token_hash, api_token_mark_used

        if key.startswith(API_TOKEN_PREFIX):
            token = ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(key)).first()
            if token is None or not token.user.is_active:
                raise exceptions.AuthenticationFailed("Invalid token.", code="token_invalid")
            if token.revoked_at is not None:
                raise exceptions.AuthenticationFailed("This API token was revoked.", code="token_revoked")
            if token.expires_at <= timezone.now():
                raise exceptions.AuthenticationFailed(
                    "This API token has expired. Make a new one on your account page.", code="token_expired"
                )
            api_token_mark_used(token=token)
            return token.user, token
        user, token = super().authenticate_credentials(key)
        if token.created < timezone.now() - timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS):
            raise exceptions.AuthenticationFailed(
                "This API token has expired. Ask for a new one (manage.py create_api_token --rotate).",
                code="token_expired",
            )
        return user, token
