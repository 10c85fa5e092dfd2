"""The person's email settings: for each kind of email, straight away, in a daily summary,
or off."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.web import request_user
from core.errors import ApplicationError
from core.forms import show_service_error
from notifications import DELIVERY_CHOICES, registered_kinds
from notifications.services import notification_preferences_set, preferences_for


class PreferencesForm(forms.Form):
    def __init__(self, *args: Any, initial_choices: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for k in registered_kinds():
            self.fields[k.key] = forms.ChoiceField(
                label=k.label,
                help_text=k.description,
                choices=DELIVERY_CHOICES,
                initial=initial_choices.get(k.key, k.default),
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose how to get emails about: {k.label.lower()}."},
            )


class NotificationPreferencesView(LoginRequiredMixin, TemplateView):
    template_name = "notifications/notification_preferences.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", PreferencesForm(initial_choices=preferences_for(user=request_user(self.request))))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        form = PreferencesForm(request.POST, initial_choices=preferences_for(user=user))
        if form.is_valid():
            try:
                notification_preferences_set(user=user, choices=form.cleaned_data)
            except ApplicationError as exc:
                show_service_error(form, exc)
            else:
                messages.success(request, "Your email settings have been saved.")
                return HttpResponseRedirect(reverse("notification-preferences"))
        return self.render_to_response(self.get_context_data(form=form))
