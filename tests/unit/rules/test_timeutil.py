"""Calendar arithmetic: the numpy versions agree with the scalar ones on every date pair."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules.hints import month_steps
from app.rules.timeutil import (
    add_months,
    exact_months,
    exact_months_array,
    months_at_least,
    split_dates,
    term_months,
    term_months_array,
    whole_months,
    whole_months_array,
    whole_years,
    whole_years_array,
    within_months,
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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(DATES, DATES), min_size=1, max_size=50))
def test_exact_and_term_months_match_their_vector_twins(pairs: list[tuple[date, date]]) -> None:
    starts, ends = _ymd([a for a, _ in pairs]), _ymd([b for _, b in pairs])
    assert exact_months_array(starts, ends).tolist() == [exact_months(a, b) for a, b in pairs]
    assert term_months_array(starts, ends).tolist() == [term_months(a, b) for a, b in pairs]


@settings(max_examples=300, deadline=None)
@given(DATES, st.integers(0, 240))
def test_an_exact_month_count_reaches_n_on_the_anniversary_and_not_before(
    start: date, months: int
) -> None:
    anniversary = add_months(start, months)
    assert exact_months(start, anniversary) == months
    assert exact_months(start, anniversary - timedelta(days=1)) < months
    assert exact_months(start, anniversary + timedelta(days=1)) > months
    # the whole-month count it refines
    assert int(exact_months(start, anniversary + timedelta(days=1))) == whole_months(
        start, anniversary + timedelta(days=1)
    )


def test_windows_and_durations_at_their_edges() -> None:
    graduated = date(2024, 6, 30)
    # "within 2 years" includes the anniversary (民法典 art. 1259) and nothing after it.
    assert within_months(graduated, date(2026, 6, 30), 24)
    assert not within_months(graduated, date(2026, 7, 1), 24)
    assert not within_months(graduated, date(2026, 6, 30), 24, inclusive=False)
    assert not within_months(graduated, date(2024, 6, 29), 24)
    assert exact_months(graduated, date(2026, 6, 30)) == 24
    assert 24 < exact_months(graduated, date(2026, 7, 1)) < 24.04
    # A contract from 1 Jan 2025 to its last day, 31 Dec 2026, lasts exactly two years.
    assert term_months(date(2025, 1, 1), date(2026, 12, 31)) == 24
    assert term_months(date(2025, 1, 1), date(2026, 12, 30)) == 23
    assert term_months(date(2025, 3, 15), date(2027, 3, 14)) == 24
    assert months_at_least(date(2025, 1, 1), date(2027, 1, 1), 24)
    assert not months_at_least(date(2025, 1, 1), date(2026, 12, 31), 24)
    # Before the event, negative and symmetric. Counted back from a month end, the month-end
    # rule makes 30 and 31 December both exactly six months before 30 June.
    assert exact_months(graduated, date(2023, 12, 30)) == -6
    assert exact_months(graduated, date(2023, 12, 31)) == -6
    assert exact_months(graduated, date(2023, 12, 29)) < -6
    assert -6 < exact_months(graduated, date(2024, 1, 1)) < -5.9
