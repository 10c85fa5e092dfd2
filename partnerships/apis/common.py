"""What every partnerships API view shares: the base view (partnership leads and body
administrators only; everyone else the same 404 as another body's URL) and two helpers."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework import serializers

from accounts.policy import Action
from accounts.web import TenantAPIView
from partnerships import selectors
from partnerships.models import (
    Partnership,
)


def valid_input(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """The request data parsed by ``serializer_class`` (400 with the fields otherwise)."""
    s = serializer_class(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


class Base(TenantAPIView):
    required_action = Action.VIEW_PARTNERSHIP

    def partnership(self, partnership_id: int) -> Partnership:
        return selectors.partnership_get(tenant=self.tenant, partnership_id=partnership_id)

    def require_row(self, model: type[Model], pk: int) -> None:
        """404 unless the body has this row: checked before the input, so another body's
        id never reveals a validation message."""
        selectors.row_get(tenant=self.tenant, model=model, pk=pk)
