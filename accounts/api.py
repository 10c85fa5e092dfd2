"""The tenant API base: ``TenantAPIView`` resolves the body from the URL and applies the
policy layer. The exception handler and schema naming are in ``core.api``."""

from __future__ import annotations

from typing import Any

from django.template.response import SimpleTemplateResponse
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import stepup
from accounts.models import ResponsibleBody, User
from accounts.policy import Action, BodyAccess
from core.api import MfaRequired
from core.tenancy import tenant_context


class TenantAPIView(APIView):
    """Base for every API under ``/api/v1/bodies/<body_slug>/``.

    Resolves the body from the URL, checks the user's current membership and role, and runs
    the handler inside the body's tenant context. Another body's objects, an unknown slug
    and a body the user does not belong to are all the same 404."""

    required_action: Action = Action.VIEW_BODY
    # Methods that are sensitive actions: they need a fresh authenticator code in the
    # ``X-MFA-Code`` header (``accounts.stepup``), checked after the role.
    step_up_methods: frozenset[str] = frozenset()
    body: ResponsibleBody | None
    access: BodyAccess

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self.body = ResponsibleBody.objects.filter(slug=kwargs.get("body_slug", "")).first()
        if self.body is None:
            return super().dispatch(request, *args, **kwargs)
        with tenant_context(self.body):
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()
            return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.body is None:
            raise exceptions.NotFound()
        self.access = BodyAccess.load(request.user, self.body)  # type: ignore[arg-type]
        if not self.access.can(self.required_action):
            raise exceptions.NotFound()

    def require_step_up(self) -> None:
        """Refuse (403 ``step_up_required``) unless the user proved their second factor
        in the last ``STEP_UP_MAX_AGE_MINUTES`` (the code in ``X-MFA-Code``)."""
        stepup.api_step_up(self.request)

    @property
    def tenant(self) -> ResponsibleBody:
        """The body from the URL; set and checked before any handler runs."""
        assert self.body is not None
        return self.body

    @property
    def actor(self) -> User:
        user = self.request.user
        assert isinstance(user, User)
        return user

    def paginated(self, rows: Any, serializer: type[serializers.BaseSerializer], **context: Any) -> Response:
        """One page of ``rows`` (``?page=``, the settings' page size) serialised with
        ``serializer``, with DRF's ``count``/``next``/``previous`` envelope."""
        paginator = PageNumberPagination()
        page: Any = paginator.paginate_queryset(rows, self.request, view=self)
        return paginator.get_paginated_response(serializer(page, many=True, context=context).data)

    def require(self, action: Action, obj: Any = None) -> None:
        """Refuse unless the user's role allows ``action`` (on ``obj``) and MFA is set up."""
        if not self.access.can(action, obj):
            raise exceptions.PermissionDenied("Your role does not allow this.")
        if self.access.needs_mfa_for(action):
            raise MfaRequired()
        if self.request.method in self.step_up_methods:
            self.require_step_up()
