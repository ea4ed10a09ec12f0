"""Working-day arithmetic, checked on the real 2026 arrangement and against brute force."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.workflow.calendar import (
    CalendarYearUnavailable,
    WorkCalendar,
    chinese_calendar_days,
    chinese_calendar_years,
    from_chinese_calendar,
)

CAL_2026 = WorkCalendar(from_chinese_calendar([2025, 2026]), known_years=[2025, 2026])


def test_the_package_range_is_exposed() -> None:
    years = chinese_calendar_years()
    assert years.start == 2004
    assert 2026 in years
    with pytest.raises(CalendarYearUnavailable) as caught:
        from_chinese_calendar([years.stop])
    assert caught.value.year == years.stop


# 2026 arrangement (国办发明电〔2025〕7号) as shipped in chinesecalendar 1.11.0:
# 春节 15-23 Feb off, Sat 14 Feb and Sat 28 Feb worked;
# 中秋 25-27 Sep off; 国庆 1-7 Oct off, Sun 20 Sep and Sat 10 Oct worked.
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before the break
        (date(2026, 2, 14), True),  # 调休 Saturday
        (date(2026, 2, 16), False),  # Monday, 春节
        (date(2026, 2, 20), False),  # Friday, 春节
        (date(2026, 2, 23), False),  # Monday, last day of 春节
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # 调休 Saturday
        (date(2026, 3, 1), False),  # ordinary Sunday
        (date(2026, 9, 20), True),  # 调休 Sunday
        (date(2026, 9, 25), False),  # Friday, 中秋
        (date(2026, 10, 1), False),  # Thursday, 国庆
        (date(2026, 10, 7), False),  # Wednesday, 国庆
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # 调休 Saturday
    ],
)
def test_2026_holidays_and_make_up_days(day: date, working: bool) -> None:
    assert CAL_2026.is_workday(day) is working


def test_2026_seed_rows_carry_names() -> None:
    rows = {r.day: r for r in chinese_calendar_days([2026])}
    assert rows[date(2026, 2, 14)].is_workday
    assert rows[date(2026, 2, 14)].name_zh == "春节"
    assert rows[date(2026, 10, 10)].name_en == "National Day"
    assert not rows[date(2026, 10, 1)].is_workday
    # Weekend holidays are seeded for the admin's view but change no count.
    assert rows[date(2026, 2, 15)].is_workday is False
    assert date(2026, 2, 15) not in CAL_2026.overrides


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 14 Feb (调休) counts, 15-23 Feb do not: plain Mon-Fri would give 20 Feb.
        (date(2026, 2, 13), 5, date(2026, 2, 27)),
        (date(2026, 2, 13), 10, date(2026, 3, 5)),  # 28 Feb (调休) counts too
        (date(2026, 2, 14), 1, date(2026, 2, 24)),  # acceptance on a 调休 Saturday
        (date(2026, 9, 18), 5, date(2026, 9, 24)),  # 20 Sep (调休 Sunday) counts
        (date(2026, 9, 18), 10, date(2026, 10, 9)),  # across 中秋 and 国庆
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 9, 30), 2, date(2026, 10, 9)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # a Saturday deadline
        (date(2026, 10, 3), 0, date(2026, 10, 3)),
    ],
)
def test_deadlines_across_the_2026_holidays(start: date, n: int, expected: date) -> None:
    assert CAL_2026.add_working_days(start, n) == expected
    assert CAL_2026.working_days_between(start, expected) == n


def test_counting_across_the_spring_festival() -> None:
    # 9 Feb (Mon) to 1 Mar: 10-13 Feb, 14 Feb, 24-27 Feb, 28 Feb = 10 working days.
    assert CAL_2026.working_days_between(date(2026, 2, 9), date(2026, 3, 1)) == 10
    assert CAL_2026.working_days_between(date(2026, 3, 1), date(2026, 2, 9)) == -10
    assert CAL_2026.working_days_in(date(2026, 2, 15), date(2026, 2, 24)) == 0
    assert CAL_2026.next_workday(date(2026, 2, 15)) == date(2026, 2, 24)


def test_missing_years_are_reported() -> None:
    assert CAL_2026.missing_years(date(2026, 12, 1), date(2027, 1, 20)) == [2027]
    assert not CAL_2026.covers(date(2027, 1, 4))
    assert WorkCalendar().missing_years(date(2026, 1, 1), date(2030, 1, 1)) == []


def test_negative_day_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        CAL_2026.add_working_days(date(2026, 1, 5), -1)


# --- Properties on arbitrary calendars ----------------------------------------------------------

BASE = date(2026, 1, 1)
days = st.integers(min_value=0, max_value=120).map(lambda k: BASE + timedelta(days=k))
calendars = st.dictionaries(days, st.booleans(), max_size=30).map(WorkCalendar)


def brute_force_between(cal: WorkCalendar, a: date, b: date) -> int:
    return sum(cal.is_workday(a + timedelta(days=k)) for k in range(1, (b - a).days + 1))


@given(cal=calendars, a=days, b=days)
def test_fast_count_matches_brute_force(cal: WorkCalendar, a: date, b: date) -> None:
    expected = brute_force_between(cal, a, b) if a <= b else -brute_force_between(cal, b, a)
    assert cal.working_days_between(a, b) == expected


@given(cal=calendars, start=days, n=st.integers(min_value=0, max_value=40))
def test_adding_then_counting_gives_n_back(cal: WorkCalendar, start: date, n: int) -> None:
    end = cal.add_working_days(start, n)
    assert cal.working_days_between(start, end) == n
    assert n == 0 or cal.is_workday(end)
