"""Form rendering: every Django form renders with GOV.UK Design System markup.

Settings: ``FORM_RENDERER = "config.forms.GovukFormRenderer"``.

``TemplatesSetting`` loads templates through the project's TEMPLATES setting
(``templates/`` first, then each app's ``templates/`` folder), so our
``templates/forms/*.html`` are found, and Django's own widget templates
(``django/forms/widgets/*.html``) are still found through the ``django.forms``
app or, failing that, Django's bundled form templates. The GOV.UK field template
writes its inputs by hand, so Django's widget templates are used only for
widgets it does not know (for example multi-widgets).
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    """``{{ form }}`` and ``{{ form.field.as_field_group }}`` render as GOV.UK markup."""

    form_template_name = "forms/govuk_form.html"
    field_template_name = "forms/govuk_field.html"
