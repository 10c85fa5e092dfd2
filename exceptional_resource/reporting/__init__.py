"""Report builders that read the ledger (``pooling``) and the cases together.

They live here because ``exceptional_resource`` is the lowest layer that may import both:
``pooling`` must never import the cases app (docs/architecture.md)."""
