"""What the year-end close page lists for the finance officer to consider before closing,
from the apps that own it. The ledger knows nothing of cases, so the cases app registers
the awards that paid money while an outcome was not met (to consider recovering)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import ResponsibleBody
    from pooling.models import Pool


@dataclass(frozen=True)
class CloseListing:
    """A table on the close page: a heading, what it is for, its rows (already in words),
    a total line, and a link to the page where the finance officer acts on them."""

    key: str
    heading: str
    intro: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    numeric_from: int  # columns from this index on are amounts (right-aligned)
    link_url: str
    link_text: str
    empty: str


Lister = Callable[["ResponsibleBody", "Pool"], CloseListing]
_LISTERS: dict[str, Lister] = {}


def register_close_listing(key: str, lister: Lister) -> None:
    _LISTERS[key] = lister


def close_listings(*, tenant: ResponsibleBody, pool: Pool) -> list[CloseListing]:
    return [lister(tenant, pool) for _, lister in sorted(_LISTERS.items())]
