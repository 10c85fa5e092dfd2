"""Pages for pooling, split by sub-domain: ``ledger`` (dashboard, ledger browser),
``contributions`` (allocations, contributions, receipts), ``payments`` (payment runs,
period close, journal export)."""
