"""Backup and restore of everything an instance holds: the database (through row-level
security, as a role that may read every row) and every stored file, with a checksum
manifest. ``manage.py backup`` / ``manage.py restore`` (``make backup`` / ``make restore``);
the runbook is ``docs/operations.md``."""
