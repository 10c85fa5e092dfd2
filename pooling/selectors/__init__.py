"""Reads for pooling, split by sub-domain like the services."""

from pooling.selectors.ledger import (
    Headroom,
    headroom_from_balances,
    pool_balances,
    pool_get,
    pool_headroom,
    pool_list,
    pools_headroom,
    transaction_get,
    transaction_list,
)

__all__ = [
    "Headroom",
    "headroom_from_balances",
    "pool_balances",
    "pool_get",
    "pool_headroom",
    "pool_list",
    "pools_headroom",
    "transaction_get",
    "transaction_list",
]
