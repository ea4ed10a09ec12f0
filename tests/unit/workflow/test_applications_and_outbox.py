"""Applications, the outside systems' answers for them (免提交), and the outbox."""

from __future__ import annotations

import pytest

from app.workflow.applications import (
    APPLICATIONS,
    FACT_CHECKS,
    ApplicationEvent,
    ApplicationStatus,
    FactCheckEvent,
    FactCheckStatus,
)
from app.workflow.errors import InvalidApplicationChange, InvalidFactCheckChange
from app.workflow.outbox import OUTBOX, OutboxEvent, OutboxStatus

F = FactCheckStatus


def test_the_stored_values_stay_the_same() -> None:
    assert [s.value for s in ApplicationStatus] == ["draft", "submitted"]
    assert [s.value for s in FactCheckStatus] == [
        "pending",
        "unavailable",
        "verified",
        "manual",
        "no_record",
        "rejected",
    ]
    assert [s.value for s in OutboxStatus] == ["pending", "sent", "failed"]


def test_the_named_groups() -> None:
    assert {ApplicationStatus.SUBMITTED} == ApplicationStatus.FINAL
    assert {F.VERIFIED, F.MANUAL} == F.CONFIRMED
    assert {F.PENDING, F.UNAVAILABLE} == F.OUTSTANDING
    assert {F.NO_RECORD, F.REJECTED} == F.REFUSED
    assert F.FINAL == F.CONFIRMED | F.REFUSED
    assert set(FactCheckStatus) == F.FINAL | F.OUTSTANDING
    assert {OutboxStatus.SENT, OutboxStatus.FAILED} == OutboxStatus.FINAL


def test_an_application_is_submitted_once() -> None:
    assert APPLICATIONS.advance("draft", ApplicationEvent.SUBMIT) is ApplicationStatus.SUBMITTED
    with pytest.raises(InvalidApplicationChange):
        APPLICATIONS.advance("submitted", ApplicationEvent.SUBMIT)


@pytest.mark.parametrize("status", sorted(F.OUTSTANDING))
def test_an_outstanding_check_takes_any_answer(status: FactCheckStatus) -> None:
    assert FACT_CHECKS.advance(status, FactCheckEvent.SYSTEM_VERIFIED) is F.VERIFIED
    assert FACT_CHECKS.advance(status, FactCheckEvent.SYSTEM_UNAVAILABLE) is F.UNAVAILABLE
    assert FACT_CHECKS.advance(status, FactCheckEvent.SYSTEM_NO_RECORD) is F.NO_RECORD
    assert FACT_CHECKS.advance(status, FactCheckEvent.SYSTEM_REJECTED) is F.REJECTED
    assert FACT_CHECKS.advance(status, FactCheckEvent.ENTERED_MANUALLY) is F.MANUAL


def test_the_first_answer_stands() -> None:
    """Staff entering data after the system answered, or a late worker, change nothing."""
    with pytest.raises(InvalidFactCheckChange):
        FACT_CHECKS.advance(F.VERIFIED, FactCheckEvent.ENTERED_MANUALLY)
    with pytest.raises(InvalidFactCheckChange):
        FACT_CHECKS.advance(F.MANUAL, FactCheckEvent.SYSTEM_VERIFIED)


def test_an_outbox_message_is_delivered_or_given_up_once() -> None:
    assert OUTBOX.advance("pending", OutboxEvent.DELIVER) is OutboxStatus.SENT
    assert OUTBOX.advance("pending", OutboxEvent.GIVE_UP) is OutboxStatus.FAILED
    assert not OUTBOX.allows("sent", OutboxEvent.GIVE_UP)
