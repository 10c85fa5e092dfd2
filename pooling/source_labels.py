"""Words for what a schedule or posting pays, from the app that owns it. The ledger knows
nothing of cases, so the cases app registers how an award is named (by its case
reference, which the school knows); anything unregistered keeps its type and id."""

from __future__ import annotations

from collections.abc import Callable, Iterable

Labeller = Callable[[list[str]], dict[str, str]]
_LABELLERS: dict[str, Labeller] = {}


def register_source_labels(source_type: str, labeller: Labeller) -> None:
    """``labeller`` takes source ids and returns a label for each it knows (one query)."""
    _LABELLERS[source_type] = labeller


# What caused a posting, in words, by its ``source_type`` (every type the services post).
SOURCE_TYPE_LABELS = {
    "award": "Award",
    "contribution": "Contribution",
    "contribution_reserve": "Urgent-case reserve from contribution",
    "payment_run": "Payment run",
    "pool": "Period close of pool",
    "receipt": "Receipt",
    "shared_resource_funding": "Shared resource funding",
    "transaction": "Reversal of transaction",
}


def source_type_label(source_type: str) -> str:
    return SOURCE_TYPE_LABELS.get(source_type) or source_type.replace("_", " ").capitalize()


def fallback_label(source_type: str, source_id: str) -> str:
    return f"{source_type_label(source_type)} {source_id}".strip()


def source_labels(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """A label for each (source_type, source_id): one call per source type."""
    by_type: dict[str, set[str]] = {}
    for source_type, source_id in pairs:
        by_type.setdefault(source_type, set()).add(source_id)
    labels: dict[tuple[str, str], str] = {}
    for source_type, ids in by_type.items():
        labeller = _LABELLERS.get(source_type)
        known = labeller(sorted(ids)) if labeller is not None else {}
        for source_id in ids:
            labels[(source_type, source_id)] = known.get(source_id) or fallback_label(source_type, source_id)
    return labels
