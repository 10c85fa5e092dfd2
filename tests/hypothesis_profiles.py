"""Hypothesis profiles.

- ``ci``: what ``make test`` runs: enough sequences to catch most mistakes in under a minute.
- ``deep``: what ``make test-deep`` runs (``HYPOTHESIS_PROFILE=deep``): at least 10,000
  sequences of the ledger state machine, as ``DEEP_SHARDS`` shards of ``max_examples``
  sequences each (independent random seeds; xdist runs the shards in parallel).

Tests that need a profile's figures ask for them by name (``settings.get_profile("ci")``).
``HYPOTHESIS_PROFILE`` also makes that profile the default for every other Hypothesis test
in the run; without it Hypothesis's own defaults apply."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
DEEP_SHARDS = 4
settings.register_profile(
    "deep",
    parent=settings.get_profile("ci"),
    max_examples=2_500,  # per shard: 4 x 2,500 = 10,000 sequences
    stateful_step_count=10,
    database=None,  # every shard draws fresh sequences rather than replaying saved ones
)

# The case-workflow state machine (tests/exceptional_resource/test_workflow_properties.py):
# each step is a whole service call (a decision, a payment run), so fewer, longer sequences.
settings.register_profile(
    "cases_ci",
    parent=settings.get_profile("ci"),
    max_examples=int(os.environ.get("CASES_CI_EXAMPLES", "40")),
    stateful_step_count=20,
)
settings.register_profile(
    "cases_deep",
    parent=settings.get_profile("ci"),
    max_examples=int(os.environ.get("CASES_DEEP_EXAMPLES", "2500")),  # per shard: 4 x 2,500 = 10,000
    stateful_step_count=20,
    database=None,
)

if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
