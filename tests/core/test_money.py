"""The money helpers: parsing what people type, formatting, rates and exact splits."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import apply_rate, format_pence, parse_pounds, split_pence
from pooling.periods import grant_year

# --- split_pence ------------------------------------------------------------------------


def test_one_penny_over_three_parts_goes_to_the_first() -> None:
    assert split_pence(1, [1, 1, 1]) == [1, 0, 0]
    assert split_pence(2, [1, 1, 1]) == [1, 1, 0]


def test_seven_pence_over_twelve_months() -> None:
    parts = split_pence(7, [1] * 12)
    assert parts == [1] * 7 + [0] * 5
    assert sum(parts) == 7


def test_a_million_pounds_and_a_penny_over_thirteen_periods() -> None:
    parts = split_pence(100_000_001, [1] * 13)
    assert parts == [7_692_308] * 10 + [7_692_307] * 3
    assert sum(parts) == 100_000_001


def _month_days(label: str) -> list[int]:
    period = grant_year(label)
    days = []
    for i in range(12):
        year, month = divmod(period.starts_on.month - 1 + i, 12)
        first = date(period.starts_on.year + year, month + 1, 1)
        y2, m2 = divmod(first.month, 12)
        days.append((date(first.year + y2, m2 + 1, 1) - first).days)
    return days


def test_day_weighted_split_over_a_leap_grant_year() -> None:
    weights = _month_days("2027-28")
    assert weights == [30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 29, 31]
    assert sum(weights) == 366
    parts = split_pence(1_400_000, weights)
    assert sum(parts) == 1_400_000
    # February 2028: 1,400,000 x 29 / 366 = 110,928.96… → 110,929 (it has a large remainder).
    assert parts[10] == 110_929
    # Each 31-day month: 1,400,000 x 31 / 366 = 118,579.23…; the floors leave 3p over, which
    # go to the largest remainders: February (.96), then the earliest 31-day months (May, July).
    assert parts == [
        114_754,
        118_580,
        114_754,
        118_580,
        118_579,
        114_754,
        118_579,
        114_754,
        118_579,
        118_579,
        110_929,
        118_579,
    ]


def test_day_weighted_split_over_an_ordinary_grant_year() -> None:
    weights = _month_days("2026-27")
    assert sum(weights) == 365
    parts = split_pence(1_400_000, weights)
    assert sum(parts) == 1_400_000
    assert parts[10] == 107_397  # 28 days: 1,400,000 x 28 / 365 = 107,397.26…


def test_split_of_a_negative_total_mirrors_the_positive_one() -> None:
    assert split_pence(-100, [1, 1, 1]) == [-34, -33, -33]
    assert split_pence(-7, [1] * 12) == [-p for p in split_pence(7, [1] * 12)]


def test_zero_weights_get_nothing() -> None:
    assert split_pence(10, [0, 1, 0, 1]) == [0, 5, 0, 5]
    assert split_pence(0, [3, 4]) == [0, 0]


@pytest.mark.parametrize(
    ("weights", "message"), [([], "Nothing to split"), ([1, -1], "not be negative"), ([0, 0], "all be zero")]
)
def test_split_refuses_impossible_weights(weights: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        split_pence(100, weights)


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40).filter(any),
)
def test_split_parts_sum_exactly_and_each_is_within_a_penny_of_its_share(total: int, weights: list[int]) -> None:
    parts = split_pence(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        # |part - total x weight / weight_sum| < 1 penny, in integers.
        assert abs(part * weight_sum - total * weight) < weight_sum
        if weight == 0:
            assert part == 0


@given(total=st.integers(min_value=0, max_value=10**10), n=st.integers(min_value=1, max_value=60))
def test_equal_split_parts_differ_by_at_most_a_penny_and_larger_parts_come_first(total: int, n: int) -> None:
    parts = split_pence(total, [1] * n)
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)


# --- apply_rate -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pence", "bp", "expected"),
    [
        (1_400_000, 1000, 140_000),  # 10% of £14,000
        (5, 1000, 1),  # 0.5p rounds up
        (4, 1000, 0),  # 0.4p rounds down
        (1, 5000, 1),  # 0.5p
        (3, 5000, 2),  # 1.5p
        (15, 3333, 5),  # 4.9995p
        (14_000_33, 500, 70_002),  # 70,001.65p
        (0, 1000, 0),
        (12_345, 0, 0),
        (12_345, 10_000, 12_345),
        (100_000_001, 1, 10_000),  # 10,000.0001p
    ],
)
def test_apply_rate_rounds_half_up_to_the_penny(pence: int, bp: int, expected: int) -> None:
    assert apply_rate(pence, basis_points=bp) == expected


@given(pence=st.integers(min_value=0, max_value=10**13), bp=st.integers(min_value=0, max_value=10_000))
def test_apply_rate_is_within_half_a_penny_of_the_exact_amount(pence: int, bp: int) -> None:
    result = apply_rate(pence, basis_points=bp)
    exact_times_10000 = pence * bp
    assert -5000 < result * 10_000 - exact_times_10000 <= 5000
    assert 0 <= result <= pence


def test_apply_rate_on_a_negative_amount_mirrors_the_positive_one() -> None:
    assert apply_rate(-15, basis_points=1000) == -apply_rate(15, basis_points=1000)


# --- parse_pounds -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("£14,000", 1_400_000),
        ("14000.5", 1_400_050),
        ("14000.50", 1_400_050),
        ("14,000.05", 1_400_005),
        (" 0.07 ", 7),
        ("0", 0),
        ("£1,000,000.01", 100_000_001),
        ("12 345", 1_234_500),
        ("999999999999.99", 99_999_999_999_999),
    ],
)
def test_parse_pounds_reads_what_people_type(text: str, pence: int) -> None:
    assert parse_pounds(text) == pence


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an amount in pounds"),
        ("   ", "Enter an amount in pounds"),
        ("£", "Enter an amount in pounds"),
        ("14000.505", "no more than 2 decimal places"),
        ("0.001", "no more than 2 decimal places"),
        ("-5", "0 or more"),
        ("-£5.00", "0 or more"),
        ("abc", "numbers only"),
        ("1e3", "numbers only"),
        ("14.000,50", "no more than 2 decimal places"),
        (".5", "numbers only"),
        ("5.", "numbers only"),
        ("NaN", "numbers only"),
        ("1234567890123", "numbers only"),
        ("(500)", "numbers only"),
    ],
)
def test_parse_pounds_refuses_what_is_not_an_amount(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_pounds(text)


def test_parse_pounds_allows_negatives_only_when_asked() -> None:
    assert parse_pounds("-£5.07", allow_negative=True) == -507
    assert parse_pounds("-0.5", allow_negative=True) == -50


def test_parse_pounds_takes_only_text() -> None:
    with pytest.raises(TypeError):
        parse_pounds(14.5)  # type: ignore[arg-type]


# --- format_pence -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pence", "text"),
    [
        (0, "£0.00"),
        (5, "£0.05"),
        (-5, "-£0.05"),
        (100, "£1.00"),
        (100_000_001, "£1,000,000.01"),
        (-123_456, "-£1,234.56"),
    ],
)
def test_format_pence(pence: int, text: str) -> None:
    assert format_pence(pence) == text


def test_format_pence_without_symbol_and_refuses_floats() -> None:
    assert format_pence(123_456, symbol=False) == "1,234.56"
    with pytest.raises(TypeError):
        format_pence(1.5)  # type: ignore[arg-type]


@given(st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1))  # parse_pounds takes up to 12 digits of pounds
def test_formatted_amounts_parse_back_to_the_same_pence(pence: int) -> None:
    assert parse_pounds(format_pence(pence), allow_negative=True) == pence
    assert parse_pounds(format_pence(pence, symbol=False), allow_negative=True) == pence
