"""Calendar arithmetic shared by the scalar and the vectorised engines.

Both paths must count whole years and months identically, or the differential test between them
fails on month ends; the conventions live here once:

- a whole month has elapsed from ``a`` to ``b`` when ``b``'s day of month has reached ``a``'s, or
  when ``b`` is the last day of its month (so 31 Jan -> 28 Feb counts as one month);
- intervals running backwards are negative and symmetric:
  ``whole_months(b, a) == -whole_months(a, b)``;
- a person born on 29 February has their birthday on 1 March in common years;
- *exact* months add the part month as a fraction (days elapsed in it over its length), so that
  a window "within N months" is ``exact_months(start, day) <= N`` and is N exactly on the N-month
  anniversary and no later: whole months alone, compared with ``<=``, admit a person for almost a
  whole month after the window has closed;
- a period that *includes* its end date (a labour contract running to its last day) is measured
  to the day after that date, so a contract from 1 Jan 2025 to 31 Dec 2026 lasts 24 months.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta

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


def exact_months(start: date, end: date) -> float:
    """Months from ``start`` to ``end``, the part month as a fraction; negative when earlier."""
    if end < start:
        return -exact_months(end, start)
    months = whole_months(start, end)
    anchor = add_months(start, months)
    if anchor >= end:
        return float(months)
    following = add_months(start, months + 1)
    return months + (end - anchor).days / (following - anchor).days


def months_at_least(start: date, end: date, months: int) -> bool:
    """Whether ``end`` is at least ``months`` months after ``start`` (the anniversary counts)."""
    return add_months(start, months) <= end


def within_months(start: date, day: date, months: int, *, inclusive: bool = True) -> bool:
    """Whether ``day`` falls in the ``months`` after ``start``; ``inclusive`` admits the
    anniversary itself (民法典 art. 1259: 以内 includes the number, 不满 does not)."""
    limit = add_months(start, months)
    return start <= day and (day <= limit if inclusive else day < limit)


def term_months(start: date, last_day: date) -> int:
    """Whole months of a period that runs from ``start`` up to and including ``last_day``."""
    return whole_months(start, last_day + timedelta(days=1))


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


FloatArray = npt.NDArray[np.float64]


def to_days(ymd: Ymd) -> npt.NDArray[np.datetime64]:
    """``datetime64[D]`` of year, month and day arrays (the inverse of :func:`split_dates`)."""
    year, month, day = ymd
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    days: npt.NDArray[np.datetime64] = months.astype("datetime64[D]") + (day - 1).astype(
        "timedelta64[D]"
    )
    return days


def add_months_array(ymd: Ymd, months: IntArray) -> Ymd:
    """Vectorised :func:`add_months`."""
    year, month, day = ymd
    index = year * 12 + month - 1 + months
    new_year, new_month = index // 12, index % 12 + 1
    return new_year, new_month, np.minimum(day, _month_length(new_year, new_month))


def exact_months_array(start: Ymd, end: Ymd) -> FloatArray:
    """Vectorised :func:`exact_months`; the same float operations, so row by row identical."""
    whole = whole_months_array(start, end)
    backwards = _key(end) < _key(start)
    # Measure forwards from the earlier date, then restore the sign, as the scalar version does.
    early = tuple(np.where(backwards, e, s) for s, e in zip(start, end, strict=True))
    late = tuple(np.where(backwards, s, e) for s, e in zip(start, end, strict=True))
    months = np.abs(whole)
    anchor = to_days(add_months_array(early, months))  # type: ignore[arg-type]
    following = to_days(add_months_array(early, months + 1))  # type: ignore[arg-type]
    elapsed = (to_days(late) - anchor).astype(np.int64)  # type: ignore[arg-type]
    span = (following - anchor).astype(np.int64)
    part = np.where(elapsed > 0, elapsed / np.maximum(span, 1), 0.0)
    result: FloatArray = np.where(backwards, -(months + part), months + part)
    return result


def term_months_array(start: Ymd, last_day: Ymd) -> IntArray:
    """Vectorised :func:`term_months`."""
    after = split_dates(to_days(last_day) + np.timedelta64(1, "D"))
    return whole_months_array(start, after)
