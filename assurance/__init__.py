"""Assurance: the financial-governance pack, the auditor export and audit samples, and the
inclusion strategy annex. They read across the ledger (``pooling``) and the cases
(``exceptional_resource``) and write files, so this app sits above both; no domain app
imports it (docs/architecture.md)."""
