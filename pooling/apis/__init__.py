"""API for pooling, split like the pages."""
