"""Ledger codes in words for templates: ``{{ txn|caused_by }}`` ("Urgent-case reserve
from contribution 12", not ``contribution_reserve 12``). A page that can name its sources
better (an award by its case reference) passes ``source_labels`` results instead."""

from __future__ import annotations

from typing import Any

from django import template

from pooling.source_labels import fallback_label

register = template.Library()


@register.filter
def caused_by(txn: Any) -> str:
    if not getattr(txn, "source_type", ""):
        return "–"
    return fallback_label(txn.source_type, txn.source_id)
