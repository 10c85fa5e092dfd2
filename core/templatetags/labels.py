"""Codes in words for templates: ``{{ event.verb|verb_label }}`` ("Case viewed", not
``case.viewed``)."""

from __future__ import annotations

from django import template

from core.audit_labels import verb_label as _verb_label

register = template.Library()


@register.filter
def verb_label(verb: str) -> str:
    return _verb_label(str(verb))
