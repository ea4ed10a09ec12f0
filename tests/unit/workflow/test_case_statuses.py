"""The case's stored statuses and the named groups of them, each defined once on CaseStatus."""

from __future__ import annotations

import pytest

from app.workflow import bundle, transitions
from app.workflow.states import CaseStatus
from app.workflow.transitions import TRANSITIONS, closes

S = CaseStatus


def test_the_stored_values_stay_the_same() -> None:
    """``service_case.status`` and ``case_event.from_status``/``to_status`` hold these."""
    assert [s.value for s in CaseStatus] == [
        "submitted",
        "awaiting_employer",
        "supplement_requested",
        "not_accepted",
        "accepted",
        "in_review",
        "review_supplement_requested",
        "approved",
        "rejected",
        "result_issued",
        "closed",
        "withdrawn",
        "terminated",
        "revoked",
        "awaiting_data",
        "in_progress",
        "waiting",
        "cancelled",
    ]


def test_the_groups_are_the_ones_the_code_has_used() -> None:
    assert {s.value for s in S.FINAL} == {
        "not_accepted",
        "rejected",
        "withdrawn",
        "terminated",
        "revoked",
        "closed",
        "cancelled",
    }
    assert {s.value for s in S.APPROVAL_STANDS} == {"approved", "result_issued", "closed"}
    assert {s.value for s in S.RESULT_HANDED_OVER} == {"result_issued", "closed"}
    assert S.FINAL | {S.APPROVED, S.RESULT_ISSUED} == S.SETTLED
    assert {s.value for s in S.PAUSED} == {"supplement_requested", "review_supplement_requested"}
    assert {s.value for s in S.RUNNING_CLOCK} == {"accepted", "in_review", "in_progress"}


def test_the_old_names_are_the_one_definition() -> None:
    assert transitions.FINAL_STATUSES is S.FINAL
    assert transitions.APPROVAL_STANDS is S.APPROVAL_STANDS
    assert transitions.PAUSED_STATUSES is S.PAUSED
    assert transitions.RUNNING_CLOCK_STATUSES is S.RUNNING_CLOCK
    assert bundle.DONE is S.APPROVAL_STANDS
    assert bundle.FAILED == S.FINAL - S.APPROVAL_STANDS
    # A bundle part is settled exactly when it is done or failed.
    assert bundle.DONE | bundle.FAILED == S.SETTLED


def test_a_final_status_leads_only_to_another_final_one() -> None:
    for (src, _action), dst in TRANSITIONS.items():
        if src in S.FINAL:
            assert dst in S.FINAL, (src, dst)


def test_settled_statuses_never_return_to_the_clock() -> None:
    for (src, _action), dst in TRANSITIONS.items():
        if src in S.SETTLED:
            assert dst in S.SETTLED, (src, dst)
            assert dst not in S.RUNNING_CLOCK | S.PAUSED


def test_the_clock_groups_do_not_overlap_the_settled_ones() -> None:
    assert not S.PAUSED & S.RUNNING_CLOCK
    assert not (S.PAUSED | S.RUNNING_CLOCK) & S.SETTLED


@pytest.mark.parametrize(("key", "dst"), list(TRANSITIONS.items()), ids=str)
def test_closing_is_entering_a_final_status(
    key: tuple[CaseStatus, object], dst: CaseStatus
) -> None:
    src = key[0]
    assert closes(src, dst) is (dst in S.FINAL and src not in S.FINAL)


def test_every_final_status_is_closed_on_entry_and_revocation_keeps_the_first_close() -> None:
    entered = {dst for (src, _a), dst in TRANSITIONS.items() if closes(src, dst)}
    assert entered == S.FINAL
    assert closes(S.APPROVED, S.REVOKED)
    assert closes(S.RESULT_ISSUED, S.REVOKED)
    assert closes(S.IN_REVIEW, S.REJECTED)
    assert not closes(S.CLOSED, S.REVOKED)
    assert not closes(S.IN_REVIEW, S.APPROVED)
