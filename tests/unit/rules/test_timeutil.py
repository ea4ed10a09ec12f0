"""Calendar arithmetic: the numpy versions agree with the scalar ones on every date pair."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.hints import month_steps
from app.rules.timeutil import (
    add_months,
    split_dates,
    whole_months,
    whole_months_array,
    whole_years,
    whole_years_array,
)

DATES = st.dates(date(1900, 1, 1), date(2100, 12, 31))


def _ymd(days: list[date]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    return split_dates(np.array(days, dtype="datetime64[D]"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(DATES, DATES), min_size=1, max_size=50))
def test_vector_calendar_matches_scalar(pairs: list[tuple[date, date]]) -> None:
    starts = _ymd([a for a, _ in pairs])
    ends = _ymd([b for _, b in pairs])
    assert whole_months_array(starts, ends).tolist() == [whole_months(a, b) for a, b in pairs]
    assert whole_years_array(starts, ends).tolist() == [whole_years(a, b) for a, b in pairs]


@given(DATES, DATES)
def test_intervals_are_antisymmetric(a: date, b: date) -> None:
    assert whole_months(a, b) == -whole_months(b, a)
    assert whole_years(a, b) == -whole_years(b, a)


@given(st.dates(date(1950, 1, 1), date(2090, 1, 1)), st.integers(0, 240))
def test_adding_months_counts_as_that_many_months(start: date, months: int) -> None:
    assert whole_months(start, add_months(start, months)) == months


def test_month_ends_and_month_steps() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert whole_months(date(2026, 1, 31), date(2026, 2, 28)) == 1
    assert whole_months(date(2026, 1, 31), date(2026, 2, 27)) == 0
    steps = month_steps(date(2024, 1, 31), 14).astype(object).tolist()
    assert steps == [add_months(date(2024, 1, 31), k) for k in range(1, 15)]
