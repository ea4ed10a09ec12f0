"""Promised deadlines (承诺时限) in working days, paused while the applicant owes a supplement.

The rule, precisely:

- The clock counts working days strictly after the acceptance day (``WorkCalendar`` convention).
  Without pauses the deadline is ``add_working_days(accepted_on, promised_days)``.
- A pause covers the half-open interval ``[start, end)``: the day the supplement is requested
  does not count, the day it is received counts again. Only working days after acceptance in it
  matter; days before acceptance (补正 at intake) never counted anyway.
- A pause that starts on or before the current deadline moves the deadline by exactly the
  working days it covers: ``deadline' = add_working_days(deadline, working_days_in(start, end))``.
- A pause that starts after the deadline has passed does not move it: asking for documents
  late must not turn an overdue case back to green.
- While a pause is open the deadline is unknown (``due_on`` is None) and the remaining working
  days stay frozen at their value on the request day.

Remaining working days are those in ``(today, deadline]``; the light turns amber at
``AMBER_DAYS`` or fewer and red once today is past the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.i18n import N_
from app.workflow.calendar import WorkCalendar

AMBER_DAYS = 2
# Whoever owes something (容缺 materials, a supplement, an employer's answer) hears of it this
# many working days ahead of the due date, and again on the day.
REMINDER_LEAD_WORKING_DAYS = 2
_ONE_DAY = timedelta(days=1)


def reminder_days(calendar: WorkCalendar, due_on: date, today: date) -> list[date]:
    """The days to remind on: ``REMINDER_LEAD_WORKING_DAYS`` working days before ``due_on``
    when that is still ahead of ``today``, and ``due_on`` itself."""
    early = calendar.working_days_before(due_on, REMINDER_LEAD_WORKING_DAYS)
    return [early, due_on] if today < early < due_on else [due_on]


class Light(StrEnum):
    ON_TRACK = "on_track"
    AMBER = "amber"
    RED = "red"


LIGHT_LABELS: dict[Light, str] = {
    Light.ON_TRACK: N_("On track"),
    Light.AMBER: N_("Due soon"),
    Light.RED: N_("Overdue"),
}


@dataclass(frozen=True, slots=True)
class Pause:
    start: date  # the supplement request day: not counted
    end: date | None = None  # the day the supplement arrived: counted; None while still paused


@dataclass(frozen=True, slots=True)
class DeadlineStatus:
    due_on: date | None  # None while paused
    remaining: int  # working days left after today; negative: overdue by that many
    light: Light
    paused: bool


class Deadline:
    """A case's deadline on one calendar; pauses must be in order and must not overlap."""

    __slots__ = ("_calendar", "_due_on", "_effective", "accepted_on", "pauses", "promised_days")

    def __init__(
        self,
        calendar: WorkCalendar,
        accepted_on: date,
        promised_days: int,
        pauses: tuple[Pause, ...] = (),
    ) -> None:
        if promised_days < 0:
            raise ValueError("promised_days must not be negative")
        _validate_pauses(pauses)
        self._calendar = calendar
        self.accepted_on = accepted_on
        self.promised_days = promised_days
        self.pauses = pauses
        self._effective, self._due_on = self._compute()

    def _paused_span(self, pause: Pause, until: date | None) -> int:
        """Working days of ``pause`` after acceptance and before ``until`` (exclusive)."""
        start = max(pause.start, self.accepted_on + _ONE_DAY)
        ends = [d for d in (pause.end, until) if d is not None]
        if not ends:
            raise ValueError("an open pause needs an end of the count")
        return self._calendar.working_days_in(start, min(ends))

    def _compute(self) -> tuple[tuple[Pause, ...], date | None]:
        due: date = self._calendar.add_working_days(self.accepted_on, self.promised_days)
        effective: list[Pause] = []
        for pause in self.pauses:
            if pause.start > due:
                break  # pauses are ordered, so every later one starts after the deadline too
            effective.append(pause)
            if pause.end is None:
                return tuple(effective), None
            due = self._calendar.add_working_days(due, self._paused_span(pause, None))
        return tuple(effective), due

    @property
    def due_on(self) -> date | None:
        """The deadline, or None while a pause that counts is still open."""
        return self._due_on

    @property
    def base_due_on(self) -> date:
        """The deadline as if nothing had been paused."""
        return self._calendar.add_working_days(self.accepted_on, self.promised_days)

    def paused_working_days(self) -> int:
        """Working days the counted, closed pauses added to the deadline."""
        return sum(self._paused_span(p, None) for p in self._effective if p.end is not None)

    def is_paused(self, today: date) -> bool:
        return any(p.end is None and p.start <= today for p in self._effective)

    def remaining_working_days(self, today: date) -> int:
        """Working days left after ``today``; frozen during a pause, negative when overdue."""
        if today <= self.accepted_on:
            return self.promised_days
        counted = self._calendar.working_days_between(self.accepted_on, today)
        limit = today + _ONE_DAY
        counted -= sum(self._paused_span(p, limit) for p in self._effective)
        return self.promised_days - counted

    def light(self, today: date) -> Light:
        if self._due_on is not None and today > self._due_on:
            return Light.RED
        if self.remaining_working_days(today) <= AMBER_DAYS:
            return Light.AMBER
        return Light.ON_TRACK

    def status(self, today: date) -> DeadlineStatus:
        return DeadlineStatus(
            due_on=self._due_on,
            remaining=self.remaining_working_days(today),
            light=self.light(today),
            paused=self.is_paused(today),
        )

    def met_by(self, finished_on: date) -> bool:
        """Whether a decision on ``finished_on`` kept the promise (for SLA reports)."""
        return self._due_on is None or finished_on <= self._due_on


def _validate_pauses(pauses: tuple[Pause, ...]) -> None:
    for i, pause in enumerate(pauses):
        if pause.end is not None and pause.end < pause.start:
            raise ValueError(f"pause {i} ends before it starts")
        if i + 1 < len(pauses):
            following = pauses[i + 1]
            if pause.end is None:
                raise ValueError("only the last pause may be open")
            if following.start < pause.end:
                raise ValueError(f"pause {i + 1} starts before pause {i} ends")
