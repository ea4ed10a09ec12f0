"""Working-day arithmetic over an explicit holiday and 调休 calendar.

``WorkCalendar`` knows nothing but Monday-to-Friday plus the overrides it is given: holidays that
fall on weekdays (not working) and make-up Saturdays and Sundays (调休, working). The database
holds the overrides and admins edit them, because the ``chinese_calendar`` package only learns a
year's arrangement in a release after the State Council publishes it (usually in November or
December), so it lags every January; ``from_chinese_calendar`` merely seeds that table.

Conventions, used by the deadline code as well:

- ``add_working_days(start, n)`` is the n-th working day strictly after ``start``: the day of
  acceptance never counts, whether or not it is a working day;
- ``working_days_between(a, b)`` counts working days in ``(a, b]``, so
  ``working_days_between(a, add_working_days(a, n)) == n``; it is negative when ``b < a``;
- ``working_days_in(start, end)`` counts working days in the half-open ``[start, end)``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from types import MappingProxyType

import chinese_calendar

_ONE_DAY = timedelta(days=1)


def _default_workday(d: date) -> bool:
    return d.weekday() < 5


def _weekdays_in(start: date, end: date) -> int:
    """Monday-to-Friday days in ``[start, end)`` in constant time."""
    days = (end - start).days
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    first = start.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (first + i) % 7 < 5)


class WorkCalendar:
    """Monday to Friday, corrected by explicit per-day overrides (date -> is a working day)."""

    __slots__ = ("_days", "_known_years", "_overrides")

    def __init__(
        self, overrides: Mapping[date, bool] | None = None, *, known_years: Iterable[int] = ()
    ) -> None:
        # Only deviations from the default rule matter for counting; entries such as a holiday
        # that falls on a Sunday are kept out so the counting loop stays short.
        deviations = {d: w for d, w in (overrides or {}).items() if w != _default_workday(d)}
        self._overrides: Mapping[date, bool] = MappingProxyType(deviations)
        self._days = sorted(deviations)
        self._known_years = frozenset(known_years)

    @property
    def overrides(self) -> Mapping[date, bool]:
        """The overrides that differ from Monday to Friday (read-only)."""
        return self._overrides

    def is_workday(self, d: date) -> bool:
        return self._overrides.get(d, _default_workday(d))

    def working_days_in(self, start: date, end: date) -> int:
        """Working days in ``[start, end)``; zero when ``end <= start``."""
        if end <= start:
            return 0
        count = _weekdays_in(start, end)
        lo, hi = bisect_left(self._days, start), bisect_left(self._days, end)
        for d in self._days[lo:hi]:
            count += 1 if self._overrides[d] else -1
        return count

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in ``(a, b]``; negative (the days in ``(b, a]``) when ``b < a``."""
        if b < a:
            return -self.working_days_between(b, a)
        return self.working_days_in(a + _ONE_DAY, b + _ONE_DAY)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself never counts); ``start`` if 0."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        while n > 0:
            day += _ONE_DAY
            if self.is_workday(day):
                n -= 1
        return day

    def working_days_before(self, end: date, n: int) -> date:
        """The n-th working day before ``end`` (``end`` itself never counts); ``end`` if 0."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = end
        while n > 0:
            day -= _ONE_DAY
            if self.is_workday(day):
                n -= 1
        return day

    def next_workday(self, d: date) -> date:
        """``d`` itself when it is a working day, else the first working day after it."""
        return d if self.is_workday(d) else self.add_working_days(d, 1)

    def covers(self, d: date) -> bool:
        """Whether ``d``'s year has an entered arrangement (or no years were declared at all)."""
        return not self._known_years or d.year in self._known_years

    def missing_years(self, start: date, end: date) -> list[int]:
        """Years touched by ``[start, end]`` with no entered arrangement, to warn staff that a
        deadline there assumes plain Monday to Friday."""
        if not self._known_years:
            return []
        lo, hi = min(start, end).year, max(start, end).year
        return [y for y in range(lo, hi + 1) if y not in self._known_years]


# --- Seeding from the chinese_calendar package ---------------------------------------------


class CalendarYearUnavailable(ValueError):
    """The package has no arrangement for ``year``; an admin must enter it by hand."""

    def __init__(self, year: int, supported: range) -> None:
        super().__init__(
            f"chinese_calendar has no data for {year}; "
            f"it covers {supported.start}-{supported.stop - 1}"
        )
        self.year = year
        self.supported = supported


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One seeded row: a public holiday (not working) or a 调休 make-up day (working)."""

    day: date
    is_workday: bool
    name_en: str  # the holiday, or for a make-up day the holiday it pays back
    name_zh: str


@cache
def chinese_calendar_years() -> range:
    """The years the installed ``chinese_calendar`` release knows (2004-2026 in 1.11.0)."""
    years = {d.year for d in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


def chinese_calendar_days(years: Iterable[int]) -> list[CalendarDay]:
    """Every holiday and make-up working day of ``years`` in date order, with names."""
    wanted = set(years)
    supported = chinese_calendar_years()
    for year in sorted(wanted):
        if year not in supported:
            raise CalendarYearUnavailable(year, supported)
    rows: list[CalendarDay] = []
    for table, working in ((chinese_calendar.holidays, False), (chinese_calendar.workdays, True)):
        for day, name in table.items():
            if day.year in wanted:
                zh = str(chinese_calendar.Holiday(name).chinese)
                rows.append(CalendarDay(day, working, str(name), zh))
    return sorted(rows, key=lambda r: r.day)


def from_chinese_calendar(years: Iterable[int]) -> dict[date, bool]:
    """Seed data for the calendar table: date -> is a working day, holidays and 调休 alike.

    Holidays that fall on a weekend are included too (they are real holidays an admin expects
    to see); ``WorkCalendar`` ignores entries that agree with Monday to Friday.
    """
    return {row.day: row.is_workday for row in chinese_calendar_days(years)}
