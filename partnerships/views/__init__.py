"""Partnership pages under ``/b/<body_slug>/partnership/``, split by sub-domain."""
