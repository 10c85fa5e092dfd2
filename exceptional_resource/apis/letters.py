"""The decision letter as a PDF through the API: the same document as the page's download,
for the school's head or SENDCO and the body's decision officers only (404 for anyone
else), each download audited."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from accounts.policy import Action
from exceptional_resource import letters
from exceptional_resource.apis.cases import CaseApi
from exceptional_resource.services.access_log import decision_letter_record_view


class DecisionLetterPdfApi(CaseApi):
    """The latest decision's letter, or an earlier one's with ``decision_id``."""

    @extend_schema(
        parameters=[
            OpenApiParameter("decision_id", int, required=False, description="An earlier decision of the case.")
        ],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request, body_slug: str, case_id: int) -> HttpResponse:
        case = self.get_case(case_id)
        if not (self.access.can(Action.RAISE_CASE, case) or self.access.can(Action.DECIDE_CASE, case)):
            raise NotFound()
        try:
            decision, letter = letters.letter_for_case(
                body=self.tenant, case=case, decision_id=request.query_params.get("decision_id", "")
            )
        except letters.NoSuchLetter as exc:
            raise NotFound("No such decision letter.") from exc
        content = letters.letter_pdf(letter)
        decision_letter_record_view(actor=self.actor, tenant=self.tenant, decision=decision, kind="pdf")
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{letter.pdf_filename}"'
        return response
