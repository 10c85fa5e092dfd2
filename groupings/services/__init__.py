"""Writes for groupings, by sub-domain: ``policy`` (grouping policy versions),
``arrangements`` (the arrangement workflow and a trust's own academies), ``register`` (the
GIAS school register import), ``census`` (the SEN census import) and ``upsert`` (the bulk
upsert both imports share)."""
