"""The case state machine as data, and the one pure function that applies it.

``TRANSITIONS`` says where an action leads from a status; ``ACTION_RULES`` says who may take the
action, what the person must enter and which service option it needs. ``apply`` checks all of that
against a ``CaseSnapshot`` and returns the next snapshot, the event row and the side effects as
data; it reads no clock and touches no database, so the caller stores the result in one
transaction (``UPDATE ... WHERE version = expected``) and a concurrent loser gets ``StaleVersion``.

Checks run in a fixed order so that the answer is predictable: version, role and party,
transition, service option, the case's own state (employer answer, pending materials), then the
payload.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import Enum

from app.workflow.errors import (
    ActionNotOffered,
    DueDateNotInFuture,
    EmployerConfirmationRequired,
    EmploymentAlreadyConfirmed,
    InvalidTransition,
    MaterialsStillPending,
    MissingClause,
    MissingDelivery,
    MissingDueDate,
    MissingItems,
    MissingReason,
    MissingTrackingNumber,
    NoEmployerOnCase,
    NoPendingMaterials,
    NotAllowed,
    NotCaseParty,
    PendingMaterialsNotDue,
    ReviewerCannotDecide,
    StaleVersion,
    UnknownPendingItems,
    WorkflowError,
    WorkflowInvalid,
)
from app.workflow.states import (
    OPINIONS,
    ActorRole,
    CaseAction,
    CaseStatus,
    ResultDelivery,
    ServiceCapability,
)
from app.workflow.values import (
    ActionPayload,
    Actor,
    CancelScheduled,
    CaseEvent,
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
    SideEffect,
    StartClock,
    StopClock,
    TransitionResult,
    local_date,
)

S = CaseStatus
A = CaseAction
R = ActorRole

TRANSITIONS: dict[tuple[CaseStatus, CaseAction], CaseStatus] = {
    # Intake (受理环节)
    (S.SUBMITTED, A.REQUEST_EMPLOYER_CONFIRMATION): S.AWAITING_EMPLOYER,
    (S.SUBMITTED, A.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, A.ACCEPT_WITH_PENDING_MATERIALS): S.ACCEPTED,
    (S.SUBMITTED, A.REQUEST_SUPPLEMENT): S.SUPPLEMENT_REQUESTED,
    (S.SUBMITTED, A.NOT_ACCEPT): S.NOT_ACCEPTED,
    (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
    # Either answer returns the case to intake: the employer states facts, the office decides.
    (S.AWAITING_EMPLOYER, A.CONFIRM_EMPLOYMENT): S.SUBMITTED,
    (S.AWAITING_EMPLOYER, A.DENY_EMPLOYMENT): S.SUBMITTED,
    # The paper route: staff record the employer's letter, whether or not it was asked online.
    (S.SUBMITTED, A.RECORD_PAPER_CONFIRMATION): S.SUBMITTED,
    (S.AWAITING_EMPLOYER, A.RECORD_PAPER_CONFIRMATION): S.SUBMITTED,
    (S.AWAITING_EMPLOYER, A.NOT_ACCEPT): S.NOT_ACCEPTED,
    (S.AWAITING_EMPLOYER, A.WITHDRAW): S.WITHDRAWN,
    (S.SUPPLEMENT_REQUESTED, A.RECEIVE_SUPPLEMENT): S.SUBMITTED,
    (S.SUPPLEMENT_REQUESTED, A.NOT_ACCEPT): S.NOT_ACCEPTED,
    (S.SUPPLEMENT_REQUESTED, A.WITHDRAW): S.WITHDRAWN,
    # Review
    (S.ACCEPTED, A.START_REVIEW): S.IN_REVIEW,
    (S.ACCEPTED, A.APPROVE_ON_COMMITMENT): S.APPROVED,  # 告知承诺 may be decided on the spot
    (S.ACCEPTED, A.WITHDRAW): S.WITHDRAWN,
    (S.IN_REVIEW, A.REQUEST_SUPPLEMENT): S.REVIEW_SUPPLEMENT_REQUESTED,
    (S.IN_REVIEW, A.RECOMMEND_APPROVAL): S.IN_REVIEW,
    (S.IN_REVIEW, A.RECOMMEND_REJECTION): S.IN_REVIEW,
    (S.IN_REVIEW, A.APPROVE): S.APPROVED,
    (S.IN_REVIEW, A.APPROVE_ON_COMMITMENT): S.APPROVED,
    (S.IN_REVIEW, A.REJECT): S.REJECTED,
    (S.IN_REVIEW, A.WITHDRAW): S.WITHDRAWN,
    (S.REVIEW_SUPPLEMENT_REQUESTED, A.RECEIVE_SUPPLEMENT): S.IN_REVIEW,
    (S.REVIEW_SUPPLEMENT_REQUESTED, A.WITHDRAW): S.WITHDRAWN,
    # 容缺: the materials may follow at any point until the result is handed over.
    (S.ACCEPTED, A.RECEIVE_PENDING_MATERIALS): S.ACCEPTED,
    (S.IN_REVIEW, A.RECEIVE_PENDING_MATERIALS): S.IN_REVIEW,
    (S.REVIEW_SUPPLEMENT_REQUESTED, A.RECEIVE_PENDING_MATERIALS): S.REVIEW_SUPPLEMENT_REQUESTED,
    (S.APPROVED, A.RECEIVE_PENDING_MATERIALS): S.APPROVED,
    (S.ACCEPTED, A.EXPIRE_PENDING_MATERIALS): S.TERMINATED,
    (S.IN_REVIEW, A.EXPIRE_PENDING_MATERIALS): S.TERMINATED,
    (S.REVIEW_SUPPLEMENT_REQUESTED, A.EXPIRE_PENDING_MATERIALS): S.TERMINATED,
    (S.APPROVED, A.EXPIRE_PENDING_MATERIALS): S.TERMINATED,
    # Result (出件) and after
    (S.APPROVED, A.ISSUE_RESULT): S.RESULT_ISSUED,
    (S.RESULT_ISSUED, A.CLOSE): S.CLOSED,
    (S.APPROVED, A.REVOKE): S.REVOKED,
    (S.RESULT_ISSUED, A.REVOKE): S.REVOKED,
    (S.CLOSED, A.REVOKE): S.REVOKED,
    # 人才落户一件事. The parent waits at intake while an outside system is down, and once
    # accepted at the one window is dispatched to the departments; its outcome follows the parts.
    (S.SUBMITTED, A.WAIT_FOR_DATA): S.AWAITING_DATA,
    (S.AWAITING_DATA, A.RECEIVE_DATA): S.SUBMITTED,
    # A system answered "no record" meanwhile: what it was to give is asked of the applicant.
    (S.AWAITING_DATA, A.REQUEST_SUPPLEMENT): S.SUPPLEMENT_REQUESTED,
    (S.AWAITING_DATA, A.WITHDRAW): S.WITHDRAWN,
    (S.ACCEPTED, A.DISPATCH): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.COMPLETE_PARTS): S.APPROVED,
    (S.IN_PROGRESS, A.FAIL_PART): S.REJECTED,
    (S.IN_PROGRESS, A.WITHDRAW): S.WITHDRAWN,
    # A part starts accepted (the window accepted the bundle once) or waiting for its
    # dependency; a failed dependency or an ended bundle cancels whatever is still open.
    (S.WAITING, A.RELEASE): S.ACCEPTED,
    (S.WAITING, A.CANCEL): S.CANCELLED,
    (S.ACCEPTED, A.CANCEL): S.CANCELLED,
    (S.IN_REVIEW, A.CANCEL): S.CANCELLED,
    (S.REVIEW_SUPPLEMENT_REQUESTED, A.CANCEL): S.CANCELLED,
}

# Where a case row begins: an application, or a bundle part waiting for an earlier step (parts
# whose step can start at once begin accepted, which the table reaches anyway).
START_STATUSES: frozenset[CaseStatus] = frozenset({S.SUBMITTED, S.WAITING})

# The groups of statuses are defined once, on ``CaseStatus``; these names stay for their callers.
FINAL_STATUSES: frozenset[CaseStatus] = S.FINAL
APPROVAL_STANDS: frozenset[CaseStatus] = S.APPROVAL_STANDS
PAUSED_STATUSES: frozenset[CaseStatus] = S.PAUSED
RUNNING_CLOCK_STATUSES: frozenset[CaseStatus] = S.RUNNING_CLOCK

# Statuses in which a clock or a pause interval is open; leaving them for anything but intake
# stops it. A pause before acceptance is recorded too; deadlines ignore days before acceptance.
_CLOCK_OPEN: frozenset[CaseStatus] = S.PAUSED | S.RUNNING_CLOCK


class Need(Enum):
    UNUSED = "unused"  # dropped from the event even if sent
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True, slots=True)
class ActionRule:
    roles: frozenset[ActorRole]
    reason: Need = Need.UNUSED
    clause: Need = Need.UNUSED
    items: Need = Need.UNUSED
    due_on: Need = Need.UNUSED
    delivery: Need = Need.UNUSED  # with POST the tracking number becomes required
    capability: ServiceCapability | None = None


def _roles(*roles: ActorRole) -> frozenset[ActorRole]:
    return frozenset(roles)


_REQ, _OPT = Need.REQUIRED, Need.OPTIONAL

ACTION_RULES: dict[CaseAction, ActionRule] = {
    A.REQUEST_EMPLOYER_CONFIRMATION: ActionRule(
        _roles(R.WINDOW_CLERK, R.SYSTEM),
        due_on=_REQ,
        capability=ServiceCapability.EMPLOYER_CONFIRMATION,
    ),
    A.CONFIRM_EMPLOYMENT: ActionRule(_roles(R.EMPLOYER), reason=_OPT),
    A.DENY_EMPLOYMENT: ActionRule(_roles(R.EMPLOYER), reason=_REQ),
    A.RECORD_PAPER_CONFIRMATION: ActionRule(
        _roles(R.WINDOW_CLERK, R.REVIEWER),
        reason=_REQ,
        capability=ServiceCapability.EMPLOYER_CONFIRMATION,
    ),
    A.ACCEPT: ActionRule(_roles(R.WINDOW_CLERK)),
    A.ACCEPT_WITH_PENDING_MATERIALS: ActionRule(
        _roles(R.WINDOW_CLERK),
        items=_REQ,
        due_on=_REQ,
        reason=_OPT,
        capability=ServiceCapability.MISSING_MATERIALS,
    ),
    # 一次性告知: one notice lists every missing item; the due date is optional. The system
    # asks too, when an outside system's late "no record" leaves facts for the applicant.
    A.REQUEST_SUPPLEMENT: ActionRule(
        _roles(R.WINDOW_CLERK, R.REVIEWER, R.SYSTEM), items=_REQ, due_on=_OPT, reason=_OPT
    ),
    A.RECEIVE_SUPPLEMENT: ActionRule(_roles(R.APPLICANT, R.WINDOW_CLERK), items=_OPT),
    A.NOT_ACCEPT: ActionRule(_roles(R.WINDOW_CLERK), reason=_REQ, clause=_OPT),
    A.RECEIVE_PENDING_MATERIALS: ActionRule(_roles(R.APPLICANT, R.WINDOW_CLERK), items=_OPT),
    A.EXPIRE_PENDING_MATERIALS: ActionRule(_roles(R.SYSTEM, R.SUPERVISOR), reason=_OPT),
    A.START_REVIEW: ActionRule(_roles(R.REVIEWER)),
    # 审核意见: reasons always; a recommended rejection names the clause it rests on.
    A.RECOMMEND_APPROVAL: ActionRule(_roles(R.REVIEWER), reason=_REQ, clause=_OPT),
    A.RECOMMEND_REJECTION: ActionRule(_roles(R.REVIEWER), reason=_REQ, clause=_REQ),
    A.APPROVE: ActionRule(_roles(R.APPROVER), reason=_OPT, clause=_OPT),
    # The due date is the verification deadline of the commitment.
    A.APPROVE_ON_COMMITMENT: ActionRule(
        _roles(R.APPROVER),
        due_on=_REQ,
        reason=_OPT,
        clause=_OPT,
        capability=ServiceCapability.COMMITMENT,
    ),
    A.REJECT: ActionRule(_roles(R.APPROVER), reason=_REQ, clause=_REQ),
    A.ISSUE_RESULT: ActionRule(_roles(R.WINDOW_CLERK), delivery=_REQ),
    A.CLOSE: ActionRule(_roles(R.WINDOW_CLERK, R.SYSTEM)),
    A.WITHDRAW: ActionRule(_roles(R.APPLICANT), reason=_OPT),
    A.REVOKE: ActionRule(_roles(R.APPROVER, R.SUPERVISOR), reason=_REQ, clause=_REQ),
    A.WAIT_FOR_DATA: ActionRule(_roles(R.SYSTEM), reason=_OPT),
    A.RECEIVE_DATA: ActionRule(_roles(R.SYSTEM), reason=_OPT),
    A.DISPATCH: ActionRule(_roles(R.SYSTEM)),
    A.RELEASE: ActionRule(_roles(R.SYSTEM)),
    A.CANCEL: ActionRule(_roles(R.SYSTEM), reason=_REQ),
    A.COMPLETE_PARTS: ActionRule(_roles(R.SYSTEM), reason=_OPT),
    # The reason names the step that failed and what the applicant can do next.
    A.FAIL_PART: ActionRule(_roles(R.SYSTEM), reason=_REQ, clause=_OPT),
}

_ACCEPTING = frozenset({A.ACCEPT, A.ACCEPT_WITH_PENDING_MATERIALS})
# Actions that start a case's clock: acceptance, and a bundle part released by its dependency.
_CLOCK_STARTING = _ACCEPTING | {A.RELEASE}
_NEEDS_PENDING = frozenset({A.RECEIVE_PENDING_MATERIALS, A.EXPIRE_PENDING_MATERIALS})
# 四眼原则: the decisions the case's reviewer may not take themselves.
DECISIONS = frozenset({A.APPROVE, A.APPROVE_ON_COMMITMENT, A.REJECT})


def message_key(action: CaseAction) -> str:
    """The notification template key sent to the applicant after ``action``."""
    return f"case.{action}"


def _check(
    case: CaseSnapshot, action: CaseAction, actor: Actor, service: ServiceCapabilities
) -> CaseStatus:
    """Everything that does not depend on the payload or the day; returns the target status."""
    rule = ACTION_RULES[action]
    if actor.role not in rule.roles:
        raise NotAllowed(actor.role, action)
    # Roles alone would let any applicant act on any case; parties must be this case's own.
    if (actor.role is R.APPLICANT and actor.id != case.applicant_id) or (
        actor.role is R.EMPLOYER and actor.id != case.employer_id
    ):
        raise NotCaseParty(actor.role, action)
    if (
        action in DECISIONS
        and case.reviewed_by is not None
        and actor.id == case.reviewed_by
        and not service.reviewer_may_decide
    ):
        raise ReviewerCannotDecide(actor.role, action)
    target = TRANSITIONS.get((case.status, action))
    if target is None:
        raise InvalidTransition(case.status, action)
    if rule.capability is not None and not service.offers(rule.capability):
        raise ActionNotOffered(action, rule.capability)
    if (
        action in _ACCEPTING
        and service.needs_employer_confirmation
        and case.employer_confirmed is not True
    ):
        raise EmployerConfirmationRequired(action)
    if action is A.REQUEST_EMPLOYER_CONFIRMATION:
        # A named code not registered yet may be asked too: the case waits for the
        # organisation to register (and attaches to it), or for the paper route.
        if case.employer_id is None and not case.employer_uscc:
            raise NoEmployerOnCase(action)
        if case.employer_confirmed is True:
            raise EmploymentAlreadyConfirmed(action)
    if action is A.RECORD_PAPER_CONFIRMATION and case.employer_confirmed is True:
        raise EmploymentAlreadyConfirmed(action)
    if action in _NEEDS_PENDING and not case.pending_materials:
        raise NoPendingMaterials(action)
    if action is A.ISSUE_RESULT and case.pending_materials:
        raise MaterialsStillPending(action, case.pending_materials)
    return target


def _text(value: str | None, need: Need, missing: WorkflowInvalid) -> str | None:
    cleaned = value.strip() if value is not None else ""
    if need is Need.UNUSED:
        return None
    if not cleaned and need is Need.REQUIRED:
        raise missing
    return cleaned or None


def _clean_payload(
    case: CaseSnapshot, action: CaseAction, payload: ActionPayload, today: date
) -> ActionPayload:
    rule = ACTION_RULES[action]
    reason = _text(payload.reason, rule.reason, MissingReason(action))
    clause = _text(payload.clause, rule.clause, MissingClause(action))

    # Blank lines from a textarea and repeats are dropped; the notice lists each item once.
    items = tuple(dict.fromkeys(i.strip() for i in payload.items if i.strip()))
    if rule.items is Need.UNUSED:
        items = ()
    elif rule.items is Need.REQUIRED and not items:
        raise MissingItems(action)
    if action is A.RECEIVE_PENDING_MATERIALS:
        unknown = tuple(i for i in items if i not in case.pending_materials)
        if unknown:
            raise UnknownPendingItems(action, unknown)
        # Nothing listed means everything arrived; the event then says what that was.
        items = items or case.pending_materials

    due_on = payload.due_on if rule.due_on is not Need.UNUSED else None
    if due_on is None and rule.due_on is Need.REQUIRED:
        raise MissingDueDate(action)
    if due_on is not None and due_on <= today:
        raise DueDateNotInFuture(action, due_on, today)

    delivery = payload.delivery if rule.delivery is not Need.UNUSED else None
    if delivery is None and rule.delivery is Need.REQUIRED:
        raise MissingDelivery(action)
    tracking = _text(
        payload.tracking_number,
        Need.REQUIRED if delivery is ResultDelivery.POST else Need.UNUSED,
        MissingTrackingNumber(action),
    )
    return ActionPayload(reason, clause, items, due_on, delivery, tracking)


def _next_case(
    case: CaseSnapshot, action: CaseAction, target: CaseStatus, p: ActionPayload
) -> CaseSnapshot:
    changed = replace(case, status=target, version=case.version + 1)
    match action:
        case A.REQUEST_EMPLOYER_CONFIRMATION:
            return replace(changed, employer_confirmed=None)
        case A.CONFIRM_EMPLOYMENT | A.RECORD_PAPER_CONFIRMATION:
            return replace(changed, employer_confirmed=True)
        case A.DENY_EMPLOYMENT:
            return replace(changed, employer_confirmed=False)
        case A.ACCEPT_WITH_PENDING_MATERIALS:
            return replace(changed, pending_materials=p.items, pending_due_on=p.due_on)
        case A.RECEIVE_PENDING_MATERIALS:
            left = tuple(i for i in case.pending_materials if i not in p.items)
            return replace(
                changed,
                pending_materials=left,
                pending_due_on=case.pending_due_on if left else None,
            )
        case A.APPROVE_ON_COMMITMENT:
            return replace(changed, approved_on_commitment=True)
        case _:
            return changed


def _clock_effects(
    action: CaseAction, src: CaseStatus, dst: CaseStatus, today: date
) -> list[SideEffect]:
    out: list[SideEffect] = []
    if action in _CLOCK_STARTING:
        out.append(StartClock(today))
    if dst in S.PAUSED and src not in S.PAUSED:
        out.append(PauseClock(today))
    elif src in S.PAUSED and dst in (S.SUBMITTED, S.IN_REVIEW):
        out.append(ResumeClock(today))
    elif src in _CLOCK_OPEN and dst not in _CLOCK_OPEN:
        out.append(StopClock(today))
    return out


def _follow_up_effects(
    action: CaseAction, before: CaseSnapshot, after: CaseSnapshot, p: ActionPayload
) -> list[SideEffect]:
    out: list[SideEffect] = []
    match action:
        case A.REQUEST_EMPLOYER_CONFIRMATION if p.due_on is not None:
            out.append(NotifyEmployer(message_key(action)))
            out.append(ScheduleReminder(FollowUp.EMPLOYER_CONFIRMATION, p.due_on))
        case A.CONFIRM_EMPLOYMENT | A.DENY_EMPLOYMENT | A.RECORD_PAPER_CONFIRMATION:
            out.append(CancelScheduled(FollowUp.EMPLOYER_CONFIRMATION))
        case A.ACCEPT_WITH_PENDING_MATERIALS if p.due_on is not None:
            out.append(ScheduleReminder(FollowUp.PENDING_MATERIALS, p.due_on))
            # The due date is the last day allowed, so termination waits for the day after.
            expiry = p.due_on + timedelta(days=1)
            out.append(
                ScheduleAction(A.EXPIRE_PENDING_MATERIALS, expiry, FollowUp.PENDING_MATERIALS)
            )
        case A.REQUEST_SUPPLEMENT if p.due_on is not None:
            out.append(ScheduleReminder(FollowUp.SUPPLEMENT, p.due_on))
        case A.RECEIVE_SUPPLEMENT:
            out.append(CancelScheduled(FollowUp.SUPPLEMENT))
        case A.RECEIVE_PENDING_MATERIALS if not after.pending_materials:
            out.append(CancelScheduled(FollowUp.PENDING_MATERIALS))
        case A.APPROVE_ON_COMMITMENT if p.due_on is not None:
            out.append(CreateVerificationTask(p.due_on))
    if closes(before.status, after.status):
        out.append(CancelScheduled(None))
    if (
        before.approved_on_commitment
        and before.status in S.APPROVAL_STANDS
        and after.status not in S.APPROVAL_STANDS
    ):
        out.append(CancelScheduled(FollowUp.COMMITMENT_VERIFICATION))
    return out


def apply(
    case: CaseSnapshot,
    action: CaseAction,
    actor: Actor,
    payload: ActionPayload | None = None,
    *,
    expected_version: int,
    now: datetime,
    service: ServiceCapabilities,
) -> TransitionResult:
    """Apply ``action`` to ``case`` or raise a ``WorkflowError`` saying why not.

    ``expected_version`` is the version the actor saw; ``now`` must be timezone-aware (due dates
    are compared with the Shanghai calendar day).
    """
    if expected_version != case.version:
        raise StaleVersion(case.version, case.status, action)
    target = _check(case, action, actor, service)
    today = local_date(now)
    due = case.pending_due_on
    if action is A.EXPIRE_PENDING_MATERIALS and due is not None and today <= due:
        raise PendingMaterialsNotDue(action, due)
    clean = _clean_payload(case, action, payload or ActionPayload(), today)
    after = _next_case(case, action, target, clean)
    event = CaseEvent(
        case_id=case.id,
        version=after.version,
        action=action,
        from_status=case.status,
        to_status=after.status,
        actor_id=actor.id,
        actor_role=actor.role,
        at=now,
        reason=clean.reason,
        clause=clean.clause,
        items=clean.items,
        due_on=clean.due_on,
        delivery=clean.delivery,
        tracking_number=clean.tracking_number,
    )
    effects = [
        *_clock_effects(action, case.status, after.status, today),
        # An opinion is the department's internal step: the applicant hears of the decision.
        *([] if action in OPINIONS else [NotifyApplicant(message_key(action))]),
        *_follow_up_effects(action, case, after, clean),
    ]
    return TransitionResult(case=after, event=event, effects=tuple(effects))


def allowed_actions(
    case: CaseSnapshot, actor: Actor, service: ServiceCapabilities
) -> list[CaseAction]:
    """The actions to offer as buttons, in a stable order.

    Payload checks and the due-date check of ``EXPIRE_PENDING_MATERIALS`` are left to ``apply``:
    they depend on what is typed in and on the day.
    """
    allowed: list[CaseAction] = []
    for action in CaseAction:
        try:
            _check(case, action, actor, service)
        except WorkflowError:
            continue
        allowed.append(action)
    return allowed


def closes(before: CaseStatus, after: CaseStatus) -> bool:
    """Whether a move from ``before`` to ``after`` closes the case (sets ``closed_at``).

    Entering any final status closes it; moving between final ones (CLOSED to REVOKED) does
    not, so the case keeps the moment its handling ended.
    """
    return after in S.FINAL and before not in S.FINAL


def actions_from(status: CaseStatus) -> list[CaseAction]:
    """Every action the table allows from ``status``, whoever acts."""
    return [action for (src, action) in TRANSITIONS if src is status]
