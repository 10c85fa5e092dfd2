"""Small checks on text from people and files."""

from __future__ import annotations


def ascii_digits(text: str) -> bool:
    """Only the digits 0-9, at least one. ``str.isdigit`` also accepts ``"²"`` and
    ``"①"``, which ``int()`` refuses, so a check with it lets bad input through to a
    ``ValueError`` (a 500 on a page)."""
    return text.isascii() and text.isdigit()
