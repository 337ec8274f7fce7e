"""Rule 11's arithmetic and the local months, exhaustively (pure functions)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from qa.rules import local_month, month_add, month_bounds, month_parse, month_range, percentage


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (2, 3, "66.7"),  # 66.666... rounds up
        (1, 3, "33.3"),  # 33.333... rounds down
        (1, 8, "12.5"),  # exact
        (1, 16, "6.3"),  # 6.25: half up, not half to even (6.2)
        (3, 16, "18.8"),  # 18.75: half up
        (1, 80, "1.3"),  # 1.25: half up
        (1, 2000, "0.1"),  # 0.05 exactly: up
        (1, 2001, "0.0"),  # 0.04997...: down
        (107, 4000, "2.7"),  # 2.675: the classic float trap stays exact
        (169, 344, "49.1"),
        (0, 5, "0.0"),
        (5, 5, "100.0"),
    ],
)
def test_percentage_rounds_half_up_to_one_decimal(numerator: int, denominator: int, expected: str) -> None:
    assert percentage(numerator, denominator) == Decimal(expected)
    assert str(percentage(numerator, denominator)) == expected


def test_percentage_is_none_when_nothing_counts() -> None:
    assert percentage(0, 0) is None


def test_month_parse_accepts_yyyy_mm_only() -> None:
    assert month_parse("2022-06") == date(2022, 6, 1)
    for bad in ["", "2022-6", "2022-13", "2022-00", "June 2022", "2022-06-01", "0999-01"]:
        with pytest.raises(ValueError, match="YYYY-MM"):
            month_parse(bad)


def test_a_summer_month_starts_at_local_midnight() -> None:
    start, end = month_bounds(date(2022, 6, 1))
    assert start == datetime(2022, 5, 31, 23, tzinfo=UTC)
    assert end == datetime(2022, 6, 30, 23, tzinfo=UTC)
    winter_start, _ = month_bounds(date(2022, 12, 1))
    assert winter_start == datetime(2022, 12, 1, tzinfo=UTC)


def test_local_month_follows_europe_london() -> None:
    assert local_month(datetime(2022, 6, 30, 23, 30, tzinfo=UTC)) == date(2022, 7, 1)
    assert local_month(datetime(2022, 5, 31, 22, 59, tzinfo=UTC)) == date(2022, 5, 1)


def test_month_arithmetic_crosses_years() -> None:
    assert month_add(date(2022, 12, 1), 1) == date(2023, 1, 1)
    assert month_add(date(2023, 1, 1), -1) == date(2022, 12, 1)
    assert month_range(date(2022, 11, 1), date(2023, 2, 1)) == [
        date(2022, 11, 1),
        date(2022, 12, 1),
        date(2023, 1, 1),
        date(2023, 2, 1),
    ]
