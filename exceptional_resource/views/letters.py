"""Decision letters: the page and the PDF for the school's head or SENDCO and the body's
decision officers (anyone else, another school's staff or another body's, gets a 404).
Each opening of the page and each PDF download is audited."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.views.generic import TemplateView

from accounts.policy import Action
from exceptional_resource import letters, selectors
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
            raise Http404("No such letter.")
        return case

    def decision(self) -> tuple[Decision, bool]:
        decisions = list(self.get_case().decisions.all())  # newest first
        if not decisions:
            raise Http404("This case has no decision yet.")
        wanted = self.request.GET.get("decision", "")
        if not wanted:
            return decisions[0], True
        if not wanted.isdigit():
            raise Http404("No such decision.")
        for index, decision in enumerate(decisions):
            if decision.pk == int(wanted):
                return decision, index == 0
        raise Http404("No such decision.")

    def letter(self) -> tuple[Decision, letters.Letter]:
        decision, latest = self.decision()
        award = next((a for a in self.get_case().awards.all() if a.decision_id == decision.pk), None)
        instalments = (
            selectors.award_instalments(tenant=self.body, award_ids=[award.pk])[award.pk] if award is not None else []
        )
        letter = letters.letter_for(
            body=self.body, case=self.get_case(), decision=decision, instalments=instalments, latest=latest
        )
        return decision, letter


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
