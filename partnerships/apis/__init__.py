"""API for partnerships, by sub-domain like the views and services: one view per
operation, nested input serializers, the services and selectors the pages use. Only
partnership leads and body administrators reach it; everyone else gets the same 404 as
another body's URL."""
