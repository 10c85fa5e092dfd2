"""Writes for pooling, split by sub-domain: ``ledger`` (pools, postings, reversals,
committing money), ``contributions`` (allocations, expected contributions, receipts),
``payments`` (instalments, payment runs, period close, journal export)."""
