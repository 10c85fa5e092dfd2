"""Money is integer pence. This module parses, formats and splits it; nothing else may.

Rounding rules (docs/money.md): for splits, amounts are divided by the
largest-remainder method on integer pence, so the parts always sum exactly to the whole
and no part differs from its exact share by a penny or more.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

_POUNDS = re.compile(r"^(?P<sign>-)?(?P<whole>\d{1,12})(?:\.(?P<frac>\d{1,2}))?$")


def parse_pounds(text: str, *, allow_negative: bool = False) -> int:
    """Parse what a person typed ("1,250.5", "£30", "0.07") into pence.

    Rejects floats' artefacts, more than two decimal places, non-numbers and, unless
    ``allow_negative``, negative amounts, each with a message fit to show on the field."""
    if not isinstance(text, str):
        raise TypeError("parse_pounds takes text; amounts in code are already integer pence.")
    cleaned = text.strip().replace(",", "").replace("£", "").replace(" ", "")
    if not cleaned:
        raise ValueError("Enter an amount in pounds, like 1250.00.")
    match = _POUNDS.match(cleaned)
    if match is None:
        if re.match(r"^-?\d+\.\d{3,}$", cleaned):
            raise ValueError("Enter an amount with no more than 2 decimal places (pence).")
        raise ValueError("Enter an amount in pounds using numbers only, like 1250.00.")
    if match["sign"] and not allow_negative:
        raise ValueError("Enter an amount of 0 or more.")
    pence = int(match["whole"]) * 100 + int((match["frac"] or "0").ljust(2, "0"))
    return -pence if match["sign"] else pence


def format_pence(pence: int, *, symbol: bool = True) -> str:
    """12345 → "£123.45"; -5 → "-£0.05"."""
    if not isinstance(pence, int):
        raise TypeError("format_pence takes integer pence.")
    sign = "-" if pence < 0 else ""
    pounds, rem = divmod(abs(pence), 100)
    return f"{sign}{'£' if symbol else ''}{pounds:,}.{rem:02d}"


def pence_to_decimal(pence: int) -> Decimal:
    return Decimal(pence) / 100


def split_pence(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` pence in proportion to integer ``weights`` (e.g. days), exactly.

    Largest-remainder apportionment: each part gets the floor of its exact share, and the
    pennies left over go to the parts with the largest remainders (earliest first on ties)."""
    if not weights:
        raise ValueError("Nothing to split between.")
    if any(w < 0 for w in weights):
        raise ValueError("Weights must not be negative.")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("Weights must not all be zero.")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    floors = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    leftover = magnitude - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        floors[i] += 1
    return [sign * part for part in floors]


def apply_rate(pence: int, *, basis_points: int) -> int:
    """``pence`` × ``basis_points``/10,000 to the penny, halves rounded away from zero
    (10.00% = 1000 bp), so a negative amount gives exactly the negative of the positive one."""
    sign = -1 if pence < 0 else 1
    quotient, remainder = divmod(abs(pence) * basis_points, 10_000)
    return sign * (quotient + (1 if remainder * 2 >= 10_000 else 0))
