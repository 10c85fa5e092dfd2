"""The one narrow interface through which a case's pseudonymous summary reaches the
collaboration app (peer advice), which may not import the cases app or the ledger.

``collaboration`` and ``exceptional_resource`` are independent siblings (import-linter),
so the interface lives in this lower layer: ``exceptional_resource`` registers a provider
from its ``AppConfig.ready``; ``collaboration`` calls ``case_summary_for`` and
``case_choices_for``. What crosses is :class:`CaseSummary`: the need (by label), year group
and SEN status, the provision map without costs, and the outcomes sought. Never a pupil's
name, UPN or reference, never the case reference, never an amount, never a decision.

``case_summary_for`` checks what a provider returns against the frozen schema again, so a
provider that adds a field (or hands over a model) fails loudly instead of disclosing it."""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from typing import Protocol

from accounts.models import ResponsibleBody, User


@dataclass(frozen=True)
class ProvisionLine:
    provision: str
    staff_role: str
    group_size: int
    sessions_per_week: int
    minutes_per_session: int
    weeks: int


@dataclass(frozen=True)
class OutcomeSought:
    description: str
    measure: str
    review_on: date


@dataclass(frozen=True)
class CaseSummary:
    case_id: int
    school_id: int
    year_group: str
    sen_status: str
    primary_need: str
    secondary_need: str
    provision: tuple[ProvisionLine, ...]
    outcomes: tuple[OutcomeSought, ...]


@dataclass(frozen=True)
class CaseChoice:
    """A case its own school may ask advice on: the id and the school's own label for it."""

    case_id: int
    label: str


SCHEMA = {
    "CaseSummary": tuple(f.name for f in fields(CaseSummary)),
    "ProvisionLine": tuple(f.name for f in fields(ProvisionLine)),
    "OutcomeSought": tuple(f.name for f in fields(OutcomeSought)),
}
# Words that must never name a field that crosses: money, identity, decisions.
FORBIDDEN_FIELD_WORDS = ("pence", "amount", "cost", "name", "upn", "reference", "decision", "award", "pool")


class CaseSummaryProvider(Protocol):
    def summary(self, *, tenant: ResponsibleBody, case_id: int, school_ids: set[int] | None) -> CaseSummary | None: ...

    def choices(self, *, tenant: ResponsibleBody, school_id: int) -> list[CaseChoice]: ...

    def attach_evidence(self, *, actor: User, tenant: ResponsibleBody, case_id: int, text: str) -> None: ...


_PROVIDER: list[CaseSummaryProvider] = []


class NoCaseSummaryProvider(RuntimeError):
    """No app registered a provider (the cases app is not installed or not ready)."""


def register_provider(provider: CaseSummaryProvider) -> None:
    """Called from the cases app's ``AppConfig.ready``; registering again replaces."""
    _PROVIDER[:] = [provider]


def _provider() -> CaseSummaryProvider:
    if not _PROVIDER:
        raise NoCaseSummaryProvider("No case summary provider is registered.")
    return _PROVIDER[0]


def _check(value: object, kind: type) -> None:
    if type(value) is not kind or not is_dataclass(value):
        raise TypeError(f"A case summary provider returned {type(value).__name__}, not {kind.__name__}.")


def check_summary(summary: CaseSummary) -> CaseSummary:
    """Raise unless ``summary`` is exactly the published schema with plain values."""
    _check(summary, CaseSummary)
    for line in summary.provision:
        _check(line, ProvisionLine)
    for outcome in summary.outcomes:
        _check(outcome, OutcomeSought)
    for schema in SCHEMA.values():
        for name in schema:
            if any(word in name for word in FORBIDDEN_FIELD_WORDS):
                raise TypeError(f"The case summary schema names {name!r}: money or identity may not cross.")
    return summary


def case_summary_for(*, tenant: ResponsibleBody, case_id: int, school_ids: set[int] | None) -> CaseSummary | None:
    """The pseudonymous summary of one case of ``tenant`` (limited to ``school_ids`` when
    given), or None when there is no such case in scope."""
    summary = _provider().summary(tenant=tenant, case_id=case_id, school_ids=school_ids)
    return None if summary is None else check_summary(summary)


def case_evidence_attach(*, actor: User, tenant: ResponsibleBody, case_id: int, text: str) -> None:
    """The one way anything from collaboration reaches a case: words the case's own school
    chooses to put on the case's record, in the school's name, where the decision officer
    reads them. The cases app checks that ``actor`` may write on the case."""
    _provider().attach_evidence(actor=actor, tenant=tenant, case_id=case_id, text=text)


def case_choices_for(*, tenant: ResponsibleBody, school_id: int) -> list[CaseChoice]:
    """The cases of one school its head or SENDCO may ask advice on."""
    choices = _provider().choices(tenant=tenant, school_id=school_id)
    for choice in choices:
        _check(choice, CaseChoice)
    return choices
