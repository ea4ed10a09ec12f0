"""The transition table, the checks ``apply`` makes and the side effects it returns."""

from __future__ import annotations

import dataclasses
from collections import deque
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.workflow import errors
from app.workflow.states import (
    ACTION_LABELS,
    STATUS_LABELS,
    ActorRole,
    CaseAction,
    CaseStatus,
    ResultDelivery,
    status_label,
)
from app.workflow.transitions import (
    ACTION_RULES,
    FINAL_STATUSES,
    START_STATUSES,
    TRANSITIONS,
    actions_from,
    allowed_actions,
    apply,
)
from app.workflow.values import (
    ActionPayload,
    Actor,
    CancelScheduled,
    CaseSnapshot,
    CreateVerificationTask,
    FollowUp,
    NotifyApplicant,
    NotifyEmployer,
    PauseClock,
    ResumeClock,
    ScheduleAction,
    ScheduleReminder,
    ServiceCapabilities,
    StartClock,
    StopClock,
    TransitionResult,
    local_date,
)
from tests.unit.workflow.conftest import (
    APPLICANT_ID,
    FULL_SERVICE,
    NOW,
    PENDING_DUE,
    TODAY,
    actor_for,
    good_payload,
    make_case,
    now_for,
    permitted_actor,
)

S, A, R = CaseStatus, CaseAction, ActorRole


def run(
    case: CaseSnapshot,
    action: CaseAction,
    payload: ActionPayload | None = None,
    *,
    actor: Actor | None = None,
    service: ServiceCapabilities = FULL_SERVICE,
    now: datetime | None = None,
) -> TransitionResult:
    return apply(
        case,
        action,
        actor or permitted_actor(action),
        good_payload(action) if payload is None else payload,
        expected_version=case.version,
        now=now or now_for(action),
        service=service,
    )


# Actions whose guard wants the employment not confirmed yet.
_ASKS_EMPLOYER = (A.REQUEST_EMPLOYER_CONFIRMATION, A.RECORD_PAPER_CONFIRMATION)


def _ready(case: CaseSnapshot, status: CaseStatus, action: CaseAction) -> CaseSnapshot:
    """A case in ``status`` that passes the state guards of ``action``."""
    pending = action in (A.RECEIVE_PENDING_MATERIALS, A.EXPIRE_PENDING_MATERIALS)
    return dataclasses.replace(
        case,
        status=status,
        employer_confirmed=None if action in _ASKS_EMPLOYER else True,
        pending_materials=("tax record",) if pending else (),
        pending_due_on=PENDING_DUE if pending else None,
    )


# --- The table -------------------------------------------------------------------------------


def test_every_action_has_a_rule_and_a_label_and_every_status_a_timeline_label() -> None:
    assert set(ACTION_RULES) == set(CaseAction)
    assert set(ACTION_LABELS) == set(CaseAction)
    assert set(STATUS_LABELS) == set(CaseStatus)
    assert status_label(S.ACCEPTED) == "Application accepted"


def test_every_status_is_a_target_or_a_start() -> None:
    targets = set(TRANSITIONS.values())
    assert set(CaseStatus) - targets == START_STATUSES - targets


def test_final_statuses_lead_nowhere_but_to_revocation() -> None:
    for status in FINAL_STATUSES:
        assert set(actions_from(status)) <= {A.REVOKE}


def test_every_transition_is_reachable_from_a_start() -> None:
    """Breadth-first search through ``apply`` itself, not through the table."""
    seen_states: set[CaseSnapshot] = set()
    used: set[tuple[CaseStatus, CaseAction]] = set()
    queue = deque(make_case(s, employer_confirmed=None) for s in START_STATUSES)
    while queue:
        case = queue.popleft()
        key = dataclasses.replace(case, version=0)
        if key in seen_states:
            continue
        seen_states.add(key)
        for action in CaseAction:
            try:
                result = run(case, action)
            except errors.WorkflowError:
                continue
            assert result.status is TRANSITIONS[(case.status, action)]
            used.add((case.status, action))
            queue.append(result.case)
    assert used == set(TRANSITIONS)


def test_every_pair_outside_the_table_is_rejected() -> None:
    illegal = [(s, a) for s in CaseStatus for a in CaseAction if (s, a) not in TRANSITIONS]
    assert illegal
    for status, action in illegal:
        case = _ready(make_case(), status, action)
        with pytest.raises(errors.InvalidTransition) as caught:
            run(case, action)
        assert caught.value.current_status is status
        assert caught.value.code == "invalid_transition"


# --- Who may act -------------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(CaseAction))
def test_roles_outside_the_rule_are_refused(action: CaseAction) -> None:
    status = next(s for (s, a) in TRANSITIONS if a is action)
    case = _ready(make_case(), status, action)
    for role in ActorRole:
        if role in ACTION_RULES[action].roles:
            run(case, action, actor=actor_for(role))
        else:
            with pytest.raises(errors.NotAllowed) as caught:
                run(case, action, actor=actor_for(role))
            assert caught.value.role is role
            assert caught.value.code == "not_allowed"


def test_an_applicant_cannot_withdraw_someone_elses_case() -> None:
    with pytest.raises(errors.NotCaseParty):
        run(make_case(), A.WITHDRAW, actor=Actor("applicant-2", R.APPLICANT))


def test_an_employer_cannot_answer_for_another_employers_staff() -> None:
    case = make_case(S.AWAITING_EMPLOYER, employer_confirmed=None)
    with pytest.raises(errors.NotCaseParty):
        run(case, A.CONFIRM_EMPLOYMENT, actor=Actor("employer-2", R.EMPLOYER))


# --- Optimistic locking ----------------------------------------------------------------------


def test_a_stale_version_is_refused_with_the_current_state() -> None:
    case = make_case(S.IN_REVIEW, version=7)
    with pytest.raises(errors.StaleVersion) as caught:
        apply(
            case,
            A.APPROVE,
            actor_for(R.APPROVER),
            expected_version=6,
            now=NOW,
            service=FULL_SERVICE,
        )
    assert (caught.value.current_version, caught.value.current_status) == (7, S.IN_REVIEW)
    assert caught.value.to_dict()["current_status"] == "in_review"
    assert isinstance(caught.value, errors.WorkflowConflict)


def test_of_two_concurrent_actions_only_the_first_wins() -> None:
    case = make_case(S.IN_REVIEW, version=7)
    winner = run(case, A.APPROVE)
    assert (winner.version, winner.event.version) == (8, 8)
    # The loser acted on version 7 too; the stored case is now the winner's.
    with pytest.raises(errors.StaleVersion) as caught:
        apply(
            winner.case,
            A.REJECT,
            actor_for(R.APPROVER),
            good_payload(A.REJECT),
            expected_version=7,
            now=NOW,
            service=FULL_SERVICE,
        )
    assert caught.value.current_status is S.APPROVED


# --- Payload rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "blank", "error"),
    [
        (A.NOT_ACCEPT, S.SUBMITTED, {"reason": "   "}, errors.MissingReason),
        (A.REJECT, S.IN_REVIEW, {"reason": None}, errors.MissingReason),
        (A.REJECT, S.IN_REVIEW, {"clause": ""}, errors.MissingClause),
        (A.REVOKE, S.CLOSED, {"clause": None}, errors.MissingClause),
        (A.REQUEST_SUPPLEMENT, S.SUBMITTED, {"items": ("", "  ")}, errors.MissingItems),
        (A.ACCEPT_WITH_PENDING_MATERIALS, S.SUBMITTED, {"due_on": None}, errors.MissingDueDate),
        (A.APPROVE_ON_COMMITMENT, S.IN_REVIEW, {"due_on": None}, errors.MissingDueDate),
        (
            A.REQUEST_EMPLOYER_CONFIRMATION,
            S.SUBMITTED,
            {"due_on": TODAY},
            errors.DueDateNotInFuture,
        ),
        (A.ISSUE_RESULT, S.APPROVED, {"delivery": None}, errors.MissingDelivery),
        (A.ISSUE_RESULT, S.APPROVED, {"tracking_number": " "}, errors.MissingTrackingNumber),
    ],
)
def test_required_fields_are_enforced(
    action: CaseAction, status: CaseStatus, blank: dict[str, object], error: type[Exception]
) -> None:
    case = _ready(make_case(), status, action)
    payload = dataclasses.replace(good_payload(action), **blank)  # type: ignore[arg-type]
    with pytest.raises(error) as caught:
        run(case, action, payload)
    assert isinstance(caught.value, errors.WorkflowInvalid)


def test_result_collected_at_a_window_needs_no_tracking_number() -> None:
    payload = ActionPayload(delivery=ResultDelivery.WINDOW, tracking_number="ignored")
    result = run(make_case(S.APPROVED), A.ISSUE_RESULT, payload)
    assert result.event.delivery is ResultDelivery.WINDOW
    assert result.event.tracking_number is None


def test_the_supplement_notice_lists_each_item_once_and_drops_unused_fields() -> None:
    payload = ActionPayload(
        items=(" degree certificate ", "", "labour contract", "degree certificate"),
        clause="not used by this action",
    )
    result = run(make_case(), A.REQUEST_SUPPLEMENT, payload)
    assert result.event.items == ("degree certificate", "labour contract")
    assert result.event.clause is None


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        run(make_case(), A.ACCEPT, now=datetime(2026, 3, 2, 10, 0))


def test_due_dates_are_compared_with_the_shanghai_day() -> None:
    # 17:00 UTC on 1 March is already 2 March in Shanghai, so 2 March is not in the future.
    late_evening_utc = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    assert local_date(late_evening_utc) == date(2026, 3, 2)
    payload = ActionPayload(items=("x",), due_on=date(2026, 3, 2))
    with pytest.raises(errors.DueDateNotInFuture):
        run(make_case(), A.REQUEST_SUPPLEMENT, payload, now=late_evening_utc)


# --- Service options -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "service"),
    [
        (A.ACCEPT_WITH_PENDING_MATERIALS, S.SUBMITTED, ServiceCapabilities()),
        (A.APPROVE_ON_COMMITMENT, S.IN_REVIEW, ServiceCapabilities()),
        (A.REQUEST_EMPLOYER_CONFIRMATION, S.SUBMITTED, ServiceCapabilities()),
    ],
)
def test_options_the_service_does_not_offer_are_refused(
    action: CaseAction, status: CaseStatus, service: ServiceCapabilities
) -> None:
    case = _ready(make_case(), status, action)
    with pytest.raises(errors.ActionNotOffered):
        run(case, action, service=service)
    assert action not in allowed_actions(case, permitted_actor(action), service)


def test_a_plain_service_accepts_without_asking_the_employer() -> None:
    case = make_case(employer_confirmed=None)
    result = run(case, A.ACCEPT, service=ServiceCapabilities())
    assert result.status is S.ACCEPTED


# --- Employer confirmation -------------------------------------------------------------------


def test_employer_confirmation_flow_with_reminders() -> None:
    case = make_case(employer_confirmed=None)
    with pytest.raises(errors.EmployerConfirmationRequired):
        run(case, A.ACCEPT)
    asked = run(case, A.REQUEST_EMPLOYER_CONFIRMATION)
    due = good_payload(A.REQUEST_EMPLOYER_CONFIRMATION).due_on
    assert due is not None
    assert asked.status is S.AWAITING_EMPLOYER
    assert NotifyEmployer("case.request_employer_confirmation") in asked.effects
    assert ScheduleReminder(FollowUp.EMPLOYER_CONFIRMATION, due) in asked.effects

    denied = run(asked.case, A.DENY_EMPLOYMENT, ActionPayload(reason="left in 2024"))
    assert (denied.status, denied.case.employer_confirmed) == (S.SUBMITTED, False)
    assert CancelScheduled(FollowUp.EMPLOYER_CONFIRMATION) in denied.effects
    assert A.ACCEPT not in allowed_actions(denied.case, actor_for(R.WINDOW_CLERK), FULL_SERVICE)

    asked_again = run(denied.case, A.REQUEST_EMPLOYER_CONFIRMATION)
    confirmed = run(asked_again.case, A.CONFIRM_EMPLOYMENT)
    assert confirmed.case.employer_confirmed is True
    assert run(confirmed.case, A.ACCEPT).status is S.ACCEPTED
    with pytest.raises(errors.EmploymentAlreadyConfirmed):
        run(confirmed.case, A.REQUEST_EMPLOYER_CONFIRMATION)


def test_a_case_without_employer_cannot_ask_one() -> None:
    with pytest.raises(errors.NoEmployerOnCase):
        run(make_case(employer_id=None, employer_confirmed=None), A.REQUEST_EMPLOYER_CONFIRMATION)


# --- Clock, notices and follow-ups -----------------------------------------------------------


def test_acceptance_starts_the_clock_and_tells_the_applicant() -> None:
    result = run(make_case(), A.ACCEPT)
    assert result.effects == (StartClock(TODAY), NotifyApplicant("case.accept"))
    assert result.event.from_status is S.SUBMITTED
    assert result.event.to_status is S.ACCEPTED
    assert result.event.actor_role is R.WINDOW_CLERK
    assert result.event.at == NOW


def test_supplement_during_review_pauses_and_resumes_the_clock() -> None:
    asked = run(make_case(S.IN_REVIEW), A.REQUEST_SUPPLEMENT)
    assert asked.status is S.REVIEW_SUPPLEMENT_REQUESTED
    assert PauseClock(TODAY) in asked.effects
    later = NOW + timedelta(days=3)
    received = run(asked.case, A.RECEIVE_SUPPLEMENT, now=later)
    assert received.status is S.IN_REVIEW
    assert ResumeClock(local_date(later)) in received.effects
    assert CancelScheduled(FollowUp.SUPPLEMENT) in received.effects


def test_supplement_at_intake_returns_to_intake() -> None:
    payload = ActionPayload(items=("passport copy",), due_on=TODAY + timedelta(days=5))
    asked = run(make_case(), A.REQUEST_SUPPLEMENT, payload)
    assert asked.status is S.SUPPLEMENT_REQUESTED
    assert ScheduleReminder(FollowUp.SUPPLEMENT, TODAY + timedelta(days=5)) in asked.effects
    assert run(asked.case, A.RECEIVE_SUPPLEMENT).status is S.SUBMITTED


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.IN_REVIEW, A.APPROVE),
        (S.IN_REVIEW, A.REJECT),
        (S.REVIEW_SUPPLEMENT_REQUESTED, A.WITHDRAW),
        (S.SUPPLEMENT_REQUESTED, A.NOT_ACCEPT),
    ],
)
def test_leaving_the_clock_stops_it(status: CaseStatus, action: CaseAction) -> None:
    assert StopClock(TODAY) in run(make_case(status), action).effects


def test_final_statuses_cancel_every_follow_up() -> None:
    assert CancelScheduled(None) in run(make_case(S.ACCEPTED), A.WITHDRAW).effects
    assert CancelScheduled(None) not in run(make_case(S.IN_REVIEW), A.APPROVE).effects


# --- 容缺受理 and 告知承诺 ----------------------------------------------------------------------


def test_accept_with_pending_materials_schedules_reminders_and_termination() -> None:
    due = TODAY + timedelta(days=10)
    payload = ActionPayload(items=("tax record", "social insurance record"), due_on=due)
    accepted = run(make_case(), A.ACCEPT_WITH_PENDING_MATERIALS, payload)
    assert accepted.status is S.ACCEPTED
    assert accepted.case.pending_materials == ("tax record", "social insurance record")
    assert accepted.case.pending_due_on == due
    assert StartClock(TODAY) in accepted.effects
    assert ScheduleReminder(FollowUp.PENDING_MATERIALS, due) in accepted.effects
    expiry = ScheduleAction(
        A.EXPIRE_PENDING_MATERIALS, due + timedelta(days=1), FollowUp.PENDING_MATERIALS
    )
    assert expiry in accepted.effects

    # Approval may go ahead; handing over the result waits for the materials.
    approved = run(run(accepted.case, A.START_REVIEW).case, A.APPROVE)
    with pytest.raises(errors.MaterialsStillPending) as caught:
        run(approved.case, A.ISSUE_RESULT)
    assert caught.value.to_dict()["pending"] == ["tax record", "social insurance record"]

    with pytest.raises(errors.UnknownPendingItems):
        run(approved.case, A.RECEIVE_PENDING_MATERIALS, ActionPayload(items=("diploma",)))
    part = run(approved.case, A.RECEIVE_PENDING_MATERIALS, ActionPayload(items=("tax record",)))
    assert (part.status, part.case.pending_materials) == (S.APPROVED, ("social insurance record",))
    assert part.case.pending_due_on == due
    assert CancelScheduled(FollowUp.PENDING_MATERIALS) not in part.effects
    rest = run(part.case, A.RECEIVE_PENDING_MATERIALS, ActionPayload())
    assert rest.event.items == ("social insurance record",)
    assert (rest.case.pending_materials, rest.case.pending_due_on) == ((), None)
    assert CancelScheduled(FollowUp.PENDING_MATERIALS) in rest.effects
    assert run(rest.case, A.ISSUE_RESULT).status is S.RESULT_ISSUED


def test_pending_materials_expire_only_after_their_due_date() -> None:
    case = make_case(S.IN_REVIEW, pending_materials=("tax record",), pending_due_on=PENDING_DUE)
    on_due_day = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    with pytest.raises(errors.PendingMaterialsNotDue):
        run(case, A.EXPIRE_PENDING_MATERIALS, now=on_due_day)
    system = actor_for(R.SYSTEM)
    ended = run(case, A.EXPIRE_PENDING_MATERIALS, actor=system, now=on_due_day + timedelta(days=1))
    assert ended.status is S.TERMINATED
    assert StopClock(date(2026, 3, 11)) in ended.effects
    assert CancelScheduled(None) in ended.effects


def test_nothing_pending_means_nothing_to_receive_or_expire() -> None:
    for action in (A.RECEIVE_PENDING_MATERIALS, A.EXPIRE_PENDING_MATERIALS):
        with pytest.raises(errors.NoPendingMaterials):
            run(make_case(S.IN_REVIEW), action)


def test_approval_on_commitment_creates_a_verification_task() -> None:
    due = TODAY + timedelta(days=60)
    result = run(make_case(S.ACCEPTED), A.APPROVE_ON_COMMITMENT, ActionPayload(due_on=due))
    assert result.status is S.APPROVED
    assert result.case.approved_on_commitment is True
    assert CreateVerificationTask(due) in result.effects
    assert StopClock(TODAY) in result.effects


def test_the_commitment_check_outlives_issue_and_close_and_ends_with_revocation() -> None:
    verification = CancelScheduled(FollowUp.COMMITMENT_VERIFICATION)
    due = TODAY + timedelta(days=60)
    approved = run(make_case(S.ACCEPTED), A.APPROVE_ON_COMMITMENT, ActionPayload(due_on=due))
    issued = run(approved.case, A.ISSUE_RESULT)
    closed = run(issued.case, A.CLOSE)
    for step in (approved, issued, closed):
        assert verification not in step.effects
    # Closing drops reminders and scheduled actions; the verification task is not among them.
    assert CancelScheduled(None) in closed.effects
    for before in (approved, issued, closed):
        revoked = run(before.case, A.REVOKE)
        assert revoked.status is S.REVOKED
        assert verification in revoked.effects
    # A plain approval has no commitment to check, so nothing to cancel.
    plain = run(run(make_case(S.IN_REVIEW), A.APPROVE).case, A.REVOKE)
    assert verification not in plain.effects


# --- Buttons agree with apply ------------------------------------------------------------------

snapshots = st.builds(
    make_case,
    status=st.sampled_from(CaseStatus),
    employer_id=st.sampled_from([None, "employer-1"]),
    employer_confirmed=st.sampled_from([None, True, False]),
    pending_materials=st.sampled_from([(), ("tax record",)]),
    pending_due_on=st.just(PENDING_DUE),
)
services = st.builds(ServiceCapabilities, st.booleans(), st.booleans(), st.booleans())
actors = st.builds(
    Actor, st.sampled_from([APPLICANT_ID, "employer-1", "someone"]), st.sampled_from(ActorRole)
)


@given(case=snapshots, actor=actors, service=services)
def test_allowed_actions_are_exactly_those_apply_accepts(
    case: CaseSnapshot, actor: Actor, service: ServiceCapabilities
) -> None:
    offered = allowed_actions(case, actor, service)
    for action in CaseAction:
        try:
            apply(
                case,
                action,
                actor,
                good_payload(action),
                expected_version=case.version,
                now=now_for(action),
                service=service,
            )
        except errors.WorkflowError:
            assert action not in offered
        else:
            assert action in offered


def test_error_codes_are_unique_and_messages_are_marked() -> None:
    classes = [
        c
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.WorkflowError)
    ]
    concrete = [c for c in classes if c.code != "workflow_error"]
    assert len({c.code for c in concrete}) == len(concrete)
    assert all(c.message and c.message[0].isupper() for c in classes)
    err = errors.InvalidTransition(S.CLOSED, A.APPROVE)
    assert err.to_dict() == {
        "code": "invalid_transition",
        "message": err.message,
        "action": "approve",
        "current_status": "closed",
    }


# --- An employer that has not registered (issue 15) -----------------------------------------


def test_a_named_code_without_a_registered_employer_may_be_asked() -> None:
    case = make_case(employer_id=None, employer_uscc="91310105MA1FL2AB3X", employer_confirmed=None)
    asked = run(case, A.REQUEST_EMPLOYER_CONFIRMATION)
    assert asked.status is S.AWAITING_EMPLOYER


def test_staff_record_the_employers_letter_from_intake_or_while_waiting() -> None:
    for status in (S.SUBMITTED, S.AWAITING_EMPLOYER):
        case = make_case(status, employer_id=None, employer_confirmed=None)
        done = run(case, A.RECORD_PAPER_CONFIRMATION)
        assert done.status is S.SUBMITTED
        assert done.case.employer_confirmed is True
        assert CancelScheduled(FollowUp.EMPLOYER_CONFIRMATION) in done.effects
        with pytest.raises(errors.EmploymentAlreadyConfirmed):
            run(done.case, A.RECORD_PAPER_CONFIRMATION)
    with pytest.raises(errors.MissingReason):
        run(
            make_case(employer_confirmed=None),
            A.RECORD_PAPER_CONFIRMATION,
            ActionPayload(reason=" "),
        )
