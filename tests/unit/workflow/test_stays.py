"""Youth-station stays: the lifecycle's moves, and how a stay's days are counted (a day is a
night; each night in the year of its own date; an early leaver counted to the night before)."""

from __future__ import annotations

from datetime import date

import pytest

from app.workflow.errors import InvalidStayChange
from app.workflow.stays import (
    STAYS,
    StayEvent,
    StayStatus,
    bed_fits,
    days_in_year,
    nights,
    nights_used,
)


class TestLifecycle:
    def test_a_booked_stay_is_checked_in_then_out(self) -> None:
        status = STAYS.advance(StayStatus.BOOKED, StayEvent.CHECK_IN)
        assert status is StayStatus.CHECKED_IN
        assert STAYS.advance(status, StayEvent.CHECK_OUT) is StayStatus.CHECKED_OUT

    @pytest.mark.parametrize("event", [StayEvent.CANCEL, StayEvent.MARK_NO_SHOW])
    def test_a_guest_who_arrived_cannot_be_cancelled_or_released(self, event: StayEvent) -> None:
        with pytest.raises(InvalidStayChange):
            STAYS.advance(StayStatus.CHECKED_IN, event)

    def test_released_and_cancelled_stays_are_final(self) -> None:
        for status in (StayStatus.NO_SHOW, StayStatus.CANCELLED, StayStatus.CHECKED_OUT):
            assert STAYS.events_from(status) == []

    def test_only_stays_the_guest_was_at_are_counted(self) -> None:
        assert {StayStatus.CHECKED_IN, StayStatus.CHECKED_OUT} == StayStatus.COUNTED
        assert StayStatus.NO_SHOW not in StayStatus.HOLDS_BED


class TestDays:
    def test_a_three_day_stay_is_three_nights(self) -> None:
        assert nights(date(2026, 3, 1), 3) == [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)]

    def test_nights_count_in_their_own_year(self) -> None:
        over_new_year = [(date(2026, 12, 30), 3)]
        assert days_in_year(over_new_year, 2026) == 2
        assert days_in_year(over_new_year, 2027) == 1

    def test_an_early_leaver_is_counted_to_the_night_before_and_at_least_one(self) -> None:
        first = date(2026, 3, 1)
        assert nights_used(first, 3, date(2026, 3, 4)) == 3
        assert nights_used(first, 3, date(2026, 3, 3)) == 2
        assert nights_used(first, 3, first) == 1
        assert nights_used(first, 3, date(2026, 3, 9)) == 3

    def test_a_shared_room_takes_anyone_a_gendered_one_its_own(self) -> None:
        assert bed_fits("any", None) and bed_fits("any", "male")
        assert bed_fits("female", "female") and not bed_fits("female", "male")
        assert not bed_fits("male", None)
