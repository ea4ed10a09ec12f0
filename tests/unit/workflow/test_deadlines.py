"""Deadlines in working days, supplement pauses and the traffic light."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.workflow.calendar import WorkCalendar, from_chinese_calendar
from app.workflow.deadlines import Deadline, Light, Pause, reminder_days

CAL = WorkCalendar(from_chinese_calendar([2025, 2026]), known_years=[2025, 2026])
ACCEPTED = date(2026, 2, 2)  # Monday
# Without pauses: 3-9 Feb (5), 10-13 Feb (9), 14 Feb 调休 (10), 24-27 Feb (14),
# 28 Feb 调休 (15), 2-6 Mar (20).
PLAIN_DUE = date(2026, 3, 6)
# Requested Tue 10 Feb, received Tue 3 Mar: 10-13, 14, 24-27, 28 Feb and 2 Mar = 11 days paused.
PAUSE = Pause(date(2026, 2, 10), date(2026, 3, 3))


def test_deadline_across_the_spring_festival() -> None:
    assert Deadline(CAL, ACCEPTED, 20).due_on == PLAIN_DUE


def test_a_supplement_pause_across_the_spring_festival() -> None:
    deadline = Deadline(CAL, ACCEPTED, 20, (PAUSE,))
    assert deadline.paused_working_days() == 11
    # 6 Mar plus 11 working days: 9-13, 16-20 and 23 Mar.
    assert deadline.due_on == date(2026, 3, 23)
    assert deadline.base_due_on == PLAIN_DUE


def test_remaining_days_and_light_through_a_pause() -> None:
    deadline = Deadline(CAL, ACCEPTED, 20, (PAUSE,))
    assert deadline.remaining_working_days(ACCEPTED) == 20
    assert deadline.remaining_working_days(date(2026, 2, 9)) == 15  # 3-9 Feb counted
    assert deadline.remaining_working_days(date(2026, 2, 25)) == 15  # frozen while paused
    assert deadline.remaining_working_days(date(2026, 3, 3)) == 14  # the receipt day counts
    assert deadline.light(date(2026, 3, 18)) is Light.ON_TRACK  # 3 left
    assert deadline.light(date(2026, 3, 19)) is Light.AMBER  # 2 left
    status = deadline.status(date(2026, 3, 23))
    assert (status.remaining, status.light, status.paused) == (0, Light.AMBER, False)
    status = deadline.status(date(2026, 3, 24))
    assert (status.remaining, status.light) == (-1, Light.RED)
    # The weekend after a Friday deadline is overdue though no working day has passed.
    friday = Deadline(CAL, date(2026, 3, 2), 4)
    assert friday.due_on == date(2026, 3, 6)
    assert friday.status(date(2026, 3, 7)).light is Light.RED
    assert friday.met_by(date(2026, 3, 6)) and not friday.met_by(date(2026, 3, 9))


def test_an_open_pause_hides_the_deadline_and_freezes_the_count() -> None:
    deadline = Deadline(CAL, ACCEPTED, 20, (Pause(date(2026, 2, 10)),))
    assert deadline.due_on is None
    status = deadline.status(date(2026, 4, 1))
    assert (status.remaining, status.paused, status.light) == (15, True, Light.ON_TRACK)
    assert not deadline.is_paused(date(2026, 2, 9))


def test_a_pause_starting_after_the_deadline_does_not_rescue_it() -> None:
    late = Pause(date(2026, 3, 9), date(2026, 3, 20))
    deadline = Deadline(CAL, ACCEPTED, 20, (late,))
    assert deadline.due_on == PLAIN_DUE
    assert deadline.light(date(2026, 3, 10)) is Light.RED


def test_a_pause_before_acceptance_changes_nothing() -> None:
    intake = Pause(date(2026, 1, 20), date(2026, 1, 30))
    assert Deadline(CAL, ACCEPTED, 20, (intake,)).due_on == PLAIN_DUE


def test_pauses_must_be_ordered_closed_and_disjoint() -> None:
    with pytest.raises(ValueError, match="ends before"):
        Deadline(CAL, ACCEPTED, 20, (Pause(date(2026, 2, 10), date(2026, 2, 9)),))
    with pytest.raises(ValueError, match="open"):
        Deadline(CAL, ACCEPTED, 20, (Pause(date(2026, 2, 10)), Pause(date(2026, 3, 1))))
    overlapping = (PAUSE, Pause(date(2026, 3, 2), date(2026, 3, 4)))
    with pytest.raises(ValueError, match="before pause 0 ends"):
        Deadline(CAL, ACCEPTED, 20, overlapping)
    with pytest.raises(ValueError):
        Deadline(CAL, ACCEPTED, -1)


# --- Properties ----------------------------------------------------------------------------------

FIRST = date(2025, 1, 1)
dates = st.integers(min_value=0, max_value=600).map(lambda k: FIRST + timedelta(days=k))
promises = st.integers(min_value=1, max_value=45)


@given(
    accepted=dates,
    promised=promises,
    offset=st.integers(min_value=0, max_value=90),
    length=st.integers(min_value=0, max_value=60),
)
def test_a_supplement_pause_moves_the_deadline_by_exactly_the_paused_working_days(
    accepted: date, promised: int, offset: int, length: int
) -> None:
    before = Deadline(CAL, accepted, promised)
    assert before.due_on is not None
    start = accepted + timedelta(days=1 + offset)
    assume(start <= before.due_on)  # later pauses are deliberately ignored (tested above)
    end = start + timedelta(days=length)
    paused = CAL.working_days_in(start, end)
    after = Deadline(CAL, accepted, promised, (Pause(start, end),))
    assert after.due_on is not None
    assert after.due_on == CAL.add_working_days(before.due_on, paused)
    assert CAL.working_days_between(before.due_on, after.due_on) == paused
    assert after.paused_working_days() == paused


@given(accepted=dates, promised=promises, today_offset=st.integers(min_value=0, max_value=120))
def test_remaining_days_are_the_working_days_until_the_deadline(
    accepted: date, promised: int, today_offset: int
) -> None:
    deadline = Deadline(CAL, accepted, promised)
    assert deadline.due_on is not None
    today = accepted + timedelta(days=today_offset)
    remaining = deadline.remaining_working_days(today)
    assert remaining == CAL.working_days_between(today, deadline.due_on)
    light = deadline.light(today)
    if today > deadline.due_on:
        assert light is Light.RED
    else:
        assert light is (Light.AMBER if remaining <= 2 else Light.ON_TRACK)


@given(
    accepted=dates,
    promised=promises,
    gaps=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=4),
)
def test_counted_days_reach_the_promise_exactly_on_the_deadline(
    accepted: date, promised: int, gaps: list[tuple[int, int]]
) -> None:
    """With several pauses, the deadline is the day the n-th counted working day falls."""
    pauses: list[Pause] = []
    cursor = accepted
    for gap, length in gaps:
        start = cursor + timedelta(days=1 + gap)
        cursor = start + timedelta(days=length)
        pauses.append(Pause(start, cursor))
    deadline = Deadline(CAL, accepted, promised, tuple(pauses))
    due = deadline.due_on
    assert due is not None
    assert deadline.remaining_working_days(due) == 0
    assert CAL.is_workday(due)
    assert deadline.remaining_working_days(due - timedelta(days=1)) == 1


# --- Reminders ahead of a due date ------------------------------------------------------------


def test_reminders_come_two_working_days_ahead_and_on_the_day() -> None:
    # Due Monday 2026-03-16: two working days before is Thursday the 12th.
    assert CAL.working_days_before(date(2026, 3, 16), 2) == date(2026, 3, 12)
    assert reminder_days(CAL, date(2026, 3, 16), date(2026, 3, 2)) == [
        date(2026, 3, 12),
        date(2026, 3, 16),
    ]
    # Due the Monday after the 2026 National Day holiday (1–7 Oct): the working days before
    # are the make-up Saturday 10 Oct and Friday 9 Oct.
    assert CAL.working_days_before(date(2026, 10, 12), 2) == date(2026, 10, 9)
    # Too close for an early reminder: only the day itself.
    assert reminder_days(CAL, date(2026, 3, 16), date(2026, 3, 13)) == [date(2026, 3, 16)]
    assert reminder_days(CAL, date(2026, 3, 16), date(2026, 3, 12)) == [date(2026, 3, 16)]
    with pytest.raises(ValueError):
        CAL.working_days_before(date(2026, 3, 16), -1)
    assert CAL.working_days_before(date(2026, 3, 16), 0) == date(2026, 3, 16)
