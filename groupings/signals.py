"""Events groupings publishes for the apps above it (pooling pro-rates contributions,
cases settle awards). Sent inside the change's transaction, carrying ids and dates only;
receivers only record work in the outbox (``core.outbox``), which runs it after commit."""

from django.dispatch import Signal

# kwargs: tenant_id, arrangement_id, school_id, end_date
arrangement_ended = Signal()
