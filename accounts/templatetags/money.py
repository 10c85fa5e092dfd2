from __future__ import annotations

from django import template

from accounts.money import format_pence

register = template.Library()


@register.filter
def pounds(pence: int | None) -> str:
    """Integer pence as pounds: 123456 → "£1,234.56"."""
    if pence is None:
        return ""
    return format_pence(int(pence))
