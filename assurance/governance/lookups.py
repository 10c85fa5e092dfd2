"""Reading the ledger by key, whatever the planner believes of the tables' sizes.

The pack's ledger reads start from a handful of rows found by an index (a pool's accounts,
an award's transactions) and reach every other row from each by its key, in correlated
subqueries: a leg's transaction by its primary key, a transaction's reversal by its unique
``reverses`` key. PostgreSQL runs such a subquery once per outer row as a lookup by that
key; joined instead, with statistics that count the ledger as empty (pages of rolled-back
rows analysed while a test's rows were uncommitted; a bulk load not yet analysed), the
planner thought every table one row and walked one table in full for each row of another
(issue 17: 88-96 s per query; tests/assurance/test_governance_plans.py reproduces it)."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Model, OuterRef, Subquery
from django.db.models.expressions import RawSQL

from core.tenancy import TenantQuerySet
from pooling.models import Account, Leg, Pool, Transaction


def by_key(model: type[Model]) -> TenantQuerySet[Any]:
    """Rows of ``model`` for a subquery that reaches them by key from a row of this
    tenant's outer query. Row-level security still applies; the manager's tenant equality
    is left out because, with such statistics, it offers the planner the index on
    ``responsible_body`` to walk once per outer row instead of the key's."""
    return TenantQuerySet(model=model)


def transaction_field(field: str, transaction_id: Any = None) -> Subquery:
    """A field of the transaction whose id is ``transaction_id`` (the outer leg's by default)."""
    ref = OuterRef("transaction_id") if transaction_id is None else transaction_id
    return Subquery(by_key(Transaction).filter(pk=ref).order_by().values(field))


def reversed_field(field: str) -> Subquery:
    """A field of the transaction the outer leg's transaction reverses (NULL for none)."""
    reverses = Subquery(
        by_key(Transaction).filter(pk=OuterRef(OuterRef("transaction_id"))).order_by().values("reverses_id")
    )
    return Subquery(by_key(Transaction).filter(pk=reverses).order_by().values(field))


def account_kind() -> Subquery:
    """The kind of the outer leg's account."""
    return Subquery(by_key(Account).filter(pk=OuterRef("account_id")).order_by().values("kind"))


def on_accounts_of(pool: Pool, kind: str | None = None) -> RawSQL:
    """The outer leg (the query's base table) is on one of the pool's accounts (of ``kind``):
    the accounts are read once, then the legs by their account index."""
    accounts = f"SELECT a.id FROM {Account._meta.db_table} a WHERE a.pool_id = %s"
    params: list[Any] = [pool.pk]
    if kind is not None:
        accounts += " AND a.kind = %s"
        params.append(kind)
    # Table names from the models, values as parameters.
    return RawSQL(  # noqa: S611
        f'"{Leg._meta.db_table}"."account_id" = ANY(ARRAY({accounts}))', params, output_field=BooleanField()
    )
