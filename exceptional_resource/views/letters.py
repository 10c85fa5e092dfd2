"""Decision letters: the page and the PDF for the school's head or SENDCO and the body's
decision officers (anyone else, another school's staff or another body's, gets a 404).
Each opening of the page and each PDF download is audited."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.generic import TemplateView

from accounts.policy import Action
from core.errors import NotFound
from exceptional_resource import letters
from exceptional_resource.models import Case, Decision
from exceptional_resource.services.access_log import decision_letter_record_view
from exceptional_resource.views.common import CaseMixin, case_url


class _LetterMixin(CaseMixin):
    """Finds the decision (the latest, or ``?decision=<id>`` of this case) and builds its
    letter. Only the school's head or SENDCO and decision officers may read it."""

    request: HttpRequest

    def get_case(self) -> Case:
        case = super().get_case()
        if not (self.access.can(Action.RAISE_CASE, case) or self.access.can(Action.DECIDE_CASE, case)):
            raise NotFound("No such letter.")
        return case

    def letter(self) -> tuple[Decision, letters.Letter]:
        try:
            return letters.letter_for_case(
                body=self.body, case=self.get_case(), decision_id=self.request.GET.get("decision", "")
            )
        except letters.NoSuchLetter as exc:
            raise NotFound("No such decision letter.") from exc


class DecisionLetterView(_LetterMixin, TemplateView):
    template_name = "exceptional_resource/letter.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        decision, letter = self.letter()
        decision_letter_record_view(actor=self.actor, tenant=self.body, decision=decision, kind="page")
        query = "" if self.request.GET.get("decision") is None else f"?decision={decision.pk}"
        context.update(
            letter=letter,
            pdf_url=case_url("letter-pdf", self.body, case_id=self.get_case().pk) + query,
            reconsider_url=case_url("reconsideration", self.body, case_id=self.get_case().pk),
            may_reconsider=self.access.can(Action.RAISE_CASE, self.get_case()),
        )
        return context


class DecisionLetterPdfView(_LetterMixin, TemplateView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        decision, letter = self.letter()
        content = letters.letter_pdf(letter)
        decision_letter_record_view(actor=self.actor, tenant=self.body, decision=decision, kind="pdf")
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{letter.pdf_filename}"'
        return response


class _ChangeLetterMixin(_LetterMixin):
    kwargs: dict[str, Any]

    def change_letter(self) -> letters.ChangeLetter:
        try:
            return letters.change_letter_for_case(
                body=self.body, case=self.get_case(), event_id=int(self.kwargs["caseevent_id"])
            )
        except letters.NoSuchLetter as exc:
            raise NotFound("No such letter.") from exc


class ChangeLetterView(_ChangeLetterMixin, TemplateView):
    """The letter for one later change to the case's award (varied, ended, recovered)."""

    template_name = "exceptional_resource/change_letter.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        letter = self.change_letter()
        context.update(
            letter=letter,
            pdf_url=case_url("change-letter-pdf", self.body, case_id=self.get_case().pk, caseevent_id=letter.event_id),
        )
        return context


class ChangeLetterPdfView(_ChangeLetterMixin, TemplateView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        letter = self.change_letter()
        response = HttpResponse(letters.change_letter_pdf(letter), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{letter.pdf_filename}"'
        return response
