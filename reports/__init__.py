"""Report runs: a generic framework that higher apps plug report types into.

See ``registry.py`` for how to register a type, ``services.py`` for the run's life cycle
and ``tasks.py`` for the Celery tasks. Models live in ``models.py`` (tables keep their
original ``accounts_`` names)."""
