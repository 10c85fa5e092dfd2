"""Digits from people: ``str.isdigit`` accepts characters ``int()`` refuses."""

from __future__ import annotations

import pytest

from core.text import ascii_digits


@pytest.mark.parametrize(
    ("text", "expected"),
    [("100123", True), ("0", True), ("", False), ("12a", False), ("-1", False), ("1.0", False), (" 1", False),
     ("²", False), ("1²", False), ("①", False), ("٣", False), ("１２", False)],
)  # fmt: skip
def test_ascii_digits_are_only_0_to_9(text: str, expected: bool) -> None:
    assert ascii_digits(text) is expected
    if expected:
        assert int(text) >= 0
