"""Events groupings publishes for the apps above it (pooling pro-rates contributions,
cases settle awards). Sent after commit, carrying ids and dates only."""

from django.dispatch import Signal

# kwargs: tenant_id, arrangement_id, school_id, end_date
arrangement_ended = Signal()
