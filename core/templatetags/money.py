from __future__ import annotations

from django import template

from core.money import format_pence

register = template.Library()


@register.filter
def pounds(pence: int | None) -> str:
    """Integer pence as pounds: 123456 → "£1,234.56"."""
    if pence is None:
        return ""
    return format_pence(int(pence))


@register.filter
def percent_bp(basis_points: int | None) -> str:
    """Basis points as a percentage: 1250 → "12.50%"."""
    if basis_points is None:
        return ""
    whole, rem = divmod(int(basis_points), 100)
    return f"{whole}.{rem:02d}%"
