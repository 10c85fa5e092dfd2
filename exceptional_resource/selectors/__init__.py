"""Reads for the cases app, by sub-domain: ``cases`` (pupils, cases, the clock, awards,
reviews) and ``evidence`` (case documents)."""
