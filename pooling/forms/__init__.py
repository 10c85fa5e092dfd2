"""Forms for pooling pages, by sub-domain like the services: they parse; services decide."""
