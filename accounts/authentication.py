"""API authentication (its own module: DRF imports the classes named in its settings while
``rest_framework.views`` is still loading, so they must not import views)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``: an API token (``accounts.models.ApiToken``), made in the
    browser or by ``manage.py create_api_token``, looked up by its SHA-256 (keys are never
    stored), refused once revoked or past its expiry date. Its scope (read-only, or chosen
    actions) is applied by ``TenantAPIView`` through the policy."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        from accounts.models import ApiToken
        from accounts.services import api_token_hash, api_token_mark_used

        token = ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(key)).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid token.", code="token_invalid")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API token was revoked.", code="token_revoked")
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(
                "This API token has expired. Make a new one on your account page, or with "
                "manage.py create_api_token --rotate.",
                code="token_expired",
            )
        api_token_mark_used(token=token)
        return token.user, token
