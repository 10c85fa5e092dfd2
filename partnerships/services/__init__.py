"""Writes for partnerships, split by sub-domain. Every service takes keyword-only
arguments, runs inside the tenant's context, checks its rules, writes and audits."""
