"""Calendar arithmetic shared by the scalar and the vectorised engines.

Both paths must count whole years and months identically, or the differential test between them
fails on month ends; the conventions live here once:

- a whole month has elapsed from ``a`` to ``b`` when ``b``'s day of month has reached ``a``'s, or
  when ``b`` is the last day of its month (so 31 Jan -> 28 Feb counts as one month);
- intervals running backwards are negative and symmetric:
  ``whole_months(b, a) == -whole_months(a, b)``;
- a person born on 29 February has their birthday on 1 March in common years.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
Ymd = tuple[IntArray, IntArray, IntArray]


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def whole_years(start: date, end: date) -> int:
    """Completed years from ``start`` to ``end`` (an age when ``start`` is a birth date)."""
    if end < start:
        return -whole_years(end, start)
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def whole_months(start: date, end: date) -> int:
    """Completed months from ``start`` to ``end``; negative when ``end`` is earlier."""
    if end < start:
        return -whole_months(end, start)
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day and end.day != days_in_month(end.year, end.month):
        months -= 1
    return months


def add_months(day: date, months: int) -> date:
    """Same day of month ``months`` later, clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, days_in_month(year, month)))


def split_dates(days: npt.NDArray[np.datetime64]) -> Ymd:
    """Year, month and day arrays of a ``datetime64[D]`` array; callers replace NaT first."""
    months = days.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def _month_length(year: IntArray, month: IntArray) -> IntArray:
    lengths = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    result: IntArray = lengths[month - 1] + ((month == 2) & leap)
    return result


def _key(ymd: Ymd) -> IntArray:
    year, month, day = ymd
    return year * 10000 + month * 100 + day


def _both_ways(forward: Callable[[Ymd, Ymd], IntArray], start: Ymd, end: Ymd) -> IntArray:
    """Apply a forward-only count, negating it for rows where ``end`` is before ``start``."""
    result: IntArray = np.where(_key(end) < _key(start), -forward(end, start), forward(start, end))
    return result


def whole_years_array(start: Ymd, end: Ymd) -> IntArray:
    """Vectorised :func:`whole_years`; row by row identical to the scalar version."""
    return _both_ways(_years_forward, start, end)


def whole_months_array(start: Ymd, end: Ymd) -> IntArray:
    """Vectorised :func:`whole_months`; row by row identical to the scalar version."""
    return _both_ways(_months_forward, start, end)


def _years_forward(start: Ymd, end: Ymd) -> IntArray:
    (sy, sm, sd), (ey, em, ed) = start, end
    not_yet = (em * 100 + ed) < (sm * 100 + sd)
    result: IntArray = ey - sy - not_yet
    return result


def _months_forward(start: Ymd, end: Ymd) -> IntArray:
    (sy, sm, sd), (ey, em, ed) = start, end
    months = (ey - sy) * 12 + em - sm
    short = (ed < sd) & (ed != _month_length(ey, em))
    result: IntArray = months - short
    return result
