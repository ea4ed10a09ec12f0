"""The service card's validity, term and renewal as pure rules."""

from __future__ import annotations

from datetime import date

from app.workflow.service_cards import (
    REQUESTS,
    CardStatus,
    RequestKind,
    first_term_end,
    is_valid,
    renewal_due,
    renewed_end,
)


class TestValidity:
    def test_an_active_card_is_valid_through_its_last_day(self) -> None:
        end = date(2029, 12, 6)
        assert is_valid(CardStatus.ACTIVE, end, end)
        assert not is_valid(CardStatus.ACTIVE, end, date(2029, 12, 7))

    def test_a_revoked_card_is_never_valid(self) -> None:
        assert not is_valid(CardStatus.REVOKED, date(2030, 1, 1), date(2026, 12, 7))


class TestTerm:
    def test_a_new_card_runs_three_years_to_the_day_before(self) -> None:
        assert first_term_end(date(2026, 12, 7)) == date(2029, 12, 6)
        assert first_term_end(date(2028, 2, 29)) == date(2031, 2, 27)

    def test_a_renewal_adds_a_term_to_the_current_end(self) -> None:
        assert renewed_end(date(2029, 12, 6), date(2029, 11, 20)) == date(2032, 12, 6)

    def test_a_renewal_after_a_lapse_starts_today(self) -> None:
        assert renewed_end(date(2029, 12, 6), date(2030, 3, 1)) == date(2033, 2, 28)

    def test_the_renewal_notice_falls_in_the_last_thirty_days(self) -> None:
        end = date(2029, 12, 6)
        assert not renewal_due(CardStatus.ACTIVE, end, date(2029, 11, 5))
        assert renewal_due(CardStatus.ACTIVE, end, date(2029, 11, 6))
        assert not renewal_due(CardStatus.REVOKED, end, date(2029, 11, 20))


def test_both_medical_kinds_go_to_the_medical_service() -> None:
    assert REQUESTS[RequestKind.FAMILY_DOCTOR].service_code == "card_medical_request"
    assert REQUESTS[RequestKind.SPECIALIST_REFERRAL].service_code == "card_medical_request"
