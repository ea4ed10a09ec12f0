"""The bundle's parts: which start, which are cancelled, when the bundle ends, and its deadline."""

from __future__ import annotations

from datetime import date

from app.workflow.bundle import (
    PARTS,
    SettlementRoute,
    critical_path_days,
    expected_due_dates,
    moves,
    outcome,
    plan,
)
from app.workflow.calendar import WorkCalendar, from_chinese_calendar
from app.workflow.states import CaseAction, CaseStatus

S = CaseStatus
A = CaseAction

FULL = {
    "settlement_approval": S.ACCEPTED,
    "hukou_move_in": S.WAITING,
    "residence_permit_cancellation": S.WAITING,
    "social_insurance_update": S.WAITING,
    "school_enrolment": S.WAITING,
    "housing_recommendation": S.WAITING,
}


def test_the_plan_follows_the_household_and_the_route() -> None:
    bare = plan({"settlement_route": "returnee"}, housing_recommended=False)
    assert [p.code for p in bare] == [
        "settlement_approval",
        "hukou_move_in",
        "social_insurance_update",
    ]
    full = plan(
        {"settlement_route": "returnee", "children_moving": 2, "residence_permit_years": 4},
        housing_recommended=True,
    )
    assert {p.code for p in full} == set(FULL)
    permit = plan({"settlement_route": SettlementRoute.RESIDENCE_PERMIT}, housing_recommended=False)
    assert "residence_permit_cancellation" in {p.code for p in permit}


def test_nothing_moves_while_the_first_step_is_open() -> None:
    assert moves(FULL) == []
    assert outcome(FULL) is None


AFTER_MOVE_IN = {
    "residence_permit_cancellation",
    "social_insurance_update",
    "school_enrolment",
    "housing_recommendation",
}


def test_an_approved_step_releases_exactly_its_dependants() -> None:
    after = {**FULL, "settlement_approval": S.APPROVED}
    released = {(m.part, m.action) for m in moves(after)}
    assert released == {("hukou_move_in", A.RELEASE)}
    # The order: after the move-in, the four steps in parallel (housing among them).
    after |= {"hukou_move_in": S.APPROVED}
    assert {(m.part, m.action) for m in moves(after)} == {(c, A.RELEASE) for c in AFTER_MOVE_IN}


def test_a_rejected_core_step_cancels_the_chain_and_fails_the_bundle() -> None:
    after = {**FULL, "settlement_approval": S.REJECTED}
    cancelled = {m.part for m in moves(after) if m.action is A.CANCEL}
    assert cancelled == {"hukou_move_in"}
    # The next round cancels what waited on the cancelled move-in.
    after |= dict.fromkeys(cancelled, S.CANCELLED)
    assert {m.part for m in moves(after)} == AFTER_MOVE_IN
    result = outcome(after)
    assert result is not None and result.action is A.FAIL_PART
    assert result.failed_part == "settlement_approval"


def test_a_rejected_move_in_stops_the_housing_recommendation_too() -> None:
    after = {**FULL, "settlement_approval": S.APPROVED, "hukou_move_in": S.REJECTED}
    assert {m.part for m in moves(after) if m.action is A.CANCEL} == AFTER_MOVE_IN
    result = outcome(after)
    assert result is not None and result.failed_part == "hukou_move_in"


def test_a_failed_side_step_does_not_fail_the_settlement() -> None:
    done = dict.fromkeys(FULL, S.APPROVED) | {"school_enrolment": S.REJECTED}
    result = outcome(done)
    assert result is not None and result.action is A.COMPLETE_PARTS


def test_deadlines_chain_in_working_days_and_fit_the_legal_limit() -> None:
    cal = WorkCalendar(from_chinese_calendar([2026]), known_years=[2026])
    start = date(2026, 9, 21)  # the National Day holidays fall inside
    due = expected_due_dates(PARTS, {}, start, cal)
    assert due["settlement_approval"] == cal.add_working_days(start, 10)
    assert due["hukou_move_in"] == cal.add_working_days(due["settlement_approval"], 5)
    assert due["school_enrolment"] == cal.add_working_days(due["hukou_move_in"], 5)
    # A part that has started keeps its own deadline; those after it follow from it.
    moved = expected_due_dates(PARTS, {"settlement_approval": date(2026, 9, 25)}, start, cal)
    assert moved["hukou_move_in"] == cal.add_working_days(date(2026, 9, 25), 5)
    assert critical_path_days(PARTS) <= 20
