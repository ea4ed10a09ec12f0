"""Reminders and automatic actions, 告知承诺 commitment checks and 好差评 call-backs."""

from __future__ import annotations

import pytest

from app.workflow.errors import InvalidCommitmentCheckChange
from app.workflow.schedules import (
    SCHEDULES,
    ScheduleEvent,
    ScheduleKind,
    ScheduleStatus,
)
from app.workflow.tasks import (
    COMMITMENT_CHECKS,
    FOLLOW_UPS,
    OUTCOMES,
    CommitmentEvent,
    CommitmentOutcome,
    FollowUpEvent,
    FollowUpStatus,
)
from app.workflow.values import FollowUp

P, D, C = ScheduleStatus.PENDING, ScheduleStatus.DONE, ScheduleStatus.CANCELLED


def test_the_stored_values_stay_the_same() -> None:
    assert [k.value for k in ScheduleKind] == ["reminder", "action", "verification"]
    assert [s.value for s in ScheduleStatus] == ["pending", "done", "cancelled"]
    assert [o.value for o in CommitmentOutcome] == ["verified", "revoked"]
    assert [s.value for s in FollowUpStatus] == ["open", "resolved"]
    # The follow-up group verification tasks are filed under.
    assert FollowUp.COMMITMENT_VERIFICATION.value == "commitment_verification"


def test_the_named_groups() -> None:
    assert {ScheduleKind.REMINDER, ScheduleKind.ACTION} == ScheduleKind.RUN_BY_WORKER
    assert {D, C} == ScheduleStatus.FINAL
    assert {FollowUpStatus.RESOLVED} == FollowUpStatus.FINAL


def test_a_reminder_or_action_runs_or_is_cancelled_once() -> None:
    assert SCHEDULES.advance(P, ScheduleEvent.RUN) is D
    assert SCHEDULES.advance(P, ScheduleEvent.CANCEL) is C
    for status in (D, C):
        assert SCHEDULES.events_from(status) == []


def test_a_commitment_check_records_what_was_found() -> None:
    assert COMMITMENT_CHECKS.advance(P, CommitmentEvent.CONFIRM) is D
    assert OUTCOMES[CommitmentEvent.CONFIRM] is CommitmentOutcome.VERIFIED
    assert COMMITMENT_CHECKS.advance(P, CommitmentEvent.REVOKE) is D
    assert OUTCOMES[CommitmentEvent.REVOKE] is CommitmentOutcome.REVOKED
    assert CommitmentEvent.CANCEL not in OUTCOMES


def test_the_revocation_closes_the_check_its_own_workflow_step_cancelled() -> None:
    cancelled = COMMITMENT_CHECKS.advance(P, CommitmentEvent.CANCEL)
    assert COMMITMENT_CHECKS.advance(cancelled, CommitmentEvent.REVOKE) is D
    # Nothing else revives a cancelled check, and a closed one is closed for good.
    with pytest.raises(InvalidCommitmentCheckChange):
        COMMITMENT_CHECKS.advance(cancelled, CommitmentEvent.CONFIRM)
    assert COMMITMENT_CHECKS.final == {D}
    assert COMMITMENT_CHECKS.events_from(D) == []


def test_a_follow_up_is_resolved_once() -> None:
    assert FOLLOW_UPS.advance("open", FollowUpEvent.RESOLVE) is FollowUpStatus.RESOLVED
    assert not FOLLOW_UPS.allows("resolved", FollowUpEvent.RESOLVE)
