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
    """``Authorization: Token <key>``, refused once the token is older than
    ``API_TOKEN_MAX_AGE_DAYS`` (90 by default): a leaked key stops working on its own, and a
    new one is issued with ``create_api_token --rotate``."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if token.created < timezone.now() - timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS):
            raise exceptions.AuthenticationFailed(
                "This API token has expired. Ask for a new one (manage.py create_api_token --rotate).",
                code="token_expired",
            )
        return user, token
