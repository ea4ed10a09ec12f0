"""Workflow actions on a case: the pure transition (``app.workflow``) applied with optimistic
locking, then its effects (clock, notices, schedules), the service type's follow-up and the
audit entry, all in the request's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from app.domain.principal import Principal
from app.errors import (
    AppError,
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from app.i18n import N_
from app.models import (
    Case,
    CaseEvent,
    CasePause,
    CaseSchedule,
    Service,
)
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import follow_ups as follow_ups_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import (
    CaseActionRequest,
    CaseRead,
)
from app.services import audit, notifications, service_types
from app.services.calendar import work_calendar
from app.services.cases.context import (
    actors_for,
    applicant_name,
    capabilities,
    handling_departments,
    load_case,
    message_payload,
    snapshot,
)
from app.services.cases.deadlines import pauses_of
from app.services.cases.opinions import check_clause
from app.services.cases.views import case_view
from app.workflow.bundle import check_part_action
from app.workflow.calendar import WorkCalendar
from app.workflow.deadlines import (
    Deadline,
    reminder_days,
)
from app.workflow.errors import (
    WorkflowConflict,
    WorkflowError,
    WorkflowForbidden,
)
from app.workflow.grants import PaymentKind, decided_amount, payment_ceiling
from app.workflow.schedules import SCHEDULES, ScheduleEvent, ScheduleKind
from app.workflow.states import ActorRole, CaseAction
from app.workflow.transitions import (
    ACTION_RULES,
    apply,
    closes,
)
from app.workflow.values import (
    ActionPayload,
    Actor,
    CancelScheduled,
    CreateVerificationTask,
    FollowUp,
    NotifyApplicant,
    NotifyEmployer,
    PauseClock,
    ResumeClock,
    ScheduleAction,
    ScheduleReminder,
    StartClock,
    StopClock,
    TransitionResult,
    local_date,
)

# Actions taken with a document: the paper confirmation's page and API send the letter.
_NEEDS_LETTER = frozenset({CaseAction.RECORD_PAPER_CONFIRMATION})
ERR_LETTER = N_("Upload the employer's signed letter (PDF, JPG or PNG).")


class CaseConflict(Conflict):
    """Lost a race or acted on a stale view: the answer carries the case's current state."""


# The action field each "missing" refusal of the workflow is about.
_FIELD_OF: dict[str, str] = {
    "missing_reason": "reason",
    "missing_clause": "clause",
    "missing_items": "items",
    "missing_due_date": "due_on",
    "due_date_not_in_future": "due_on",
    "missing_delivery": "delivery",
    "missing_tracking_number": "tracking_number",
}


def _workflow_error(exc: WorkflowError) -> AppError:
    details = {k: v for k, v in exc.details().items() if v is not None}
    err: AppError
    if isinstance(exc, WorkflowConflict):
        err = CaseConflict(exc.message, extra={"workflow": details})
    elif isinstance(exc, WorkflowForbidden):
        err = PermissionDenied(exc.message, extra={"workflow": details})
    else:
        # A missing part of the action names its field, so a page links the error to it.
        field = _FIELD_OF.get(exc.code)
        problems = [FieldError(field, exc.code, exc.message)] if field else None
        err = ValidationFailed(exc.message, field_errors=problems, extra={"workflow": details})
    err.code = exc.code
    return err


def _pick_actor(
    principal: Principal, case: Case, action: CaseAction, departments: set[str]
) -> Actor:
    actors = actors_for(principal, case, departments)
    allowed = ACTION_RULES[action].roles
    for actor in actors:
        if actor.role in allowed:
            return actor
    if actors:
        return actors[0]  # apply() explains why this role may not act
    raise PermissionDenied()


async def act_as_system(
    session: AsyncSession,
    case_id: uuid.UUID,
    action: CaseAction,
    now: datetime | None = None,
    *,
    payload: ActionPayload | None = None,
) -> None:
    """A scheduled or bundle action (the system is the actor). Raises WorkflowError when the
    case has moved on and the action no longer applies."""
    case = await cases_repo.get_case_fresh(session, case_id)
    if case is None:
        raise NotFound()
    service = await catalog_repo.get(session, case.service_id)
    assert service is not None
    now = now or utcnow()
    result = apply(
        snapshot(case),
        action,
        Actor("system", ActorRole.SYSTEM),
        payload or ActionPayload(),
        expected_version=case.version,
        now=now,
        service=capabilities(service),
    )
    await _persist(session, case, service, result, None, now, action)


async def act(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    request: CaseActionRequest,
    lang: str,
    *,
    letter_id: uuid.UUID | None = None,
) -> CaseRead:
    """Applies one workflow action. Of two people acting at once exactly one wins; the other
    gets 409 with the case's current status and version. ``letter_id``: the document an action
    rests on (the employer's letter of a paper confirmation), stored on the case already."""
    if request.action in _NEEDS_LETTER and letter_id is None:
        raise ValidationFailed(field_errors=[FieldError("file", "required", ERR_LETTER)])
    case, service = await load_case(session, principal, case_id)
    if case.parent_id is not None:
        # Checked before the actor is picked: on a part these actions are nobody's to take.
        try:
            check_part_action(request.action)
        except WorkflowError as exc:
            raise _workflow_error(exc) from exc
    actor = _pick_actor(principal, case, request.action, await handling_departments(session, case))
    check_clause(request.action, request.clause, case.eligibility_result)
    now = utcnow()
    try:
        result = apply(
            snapshot(case),
            request.action,
            actor,
            ActionPayload(
                reason=request.reason,
                clause=request.clause,
                items=tuple(request.items),
                due_on=request.due_on,
                delivery=request.delivery,
                tracking_number=request.tracking_number,
            ),
            expected_version=request.expected_version,
            now=now,
            service=capabilities(service),
        )
    except WorkflowError as exc:
        raise _workflow_error(exc) from exc
    service_type = service_types.for_service(service)
    await service_type.before_action(session, case, request.action, lang)
    decided = _decided_amount(case, service, request)
    detail = service_type.decision_detail(case, service, request)
    await _persist(session, case, service, result, principal, now, request.action, decided, detail)
    return await case_view(session, principal, case.id, lang)


# The actions that approve a case, and so decide a money decision's amount.
_MONEY_DECISIONS = frozenset({CaseAction.APPROVE, CaseAction.APPROVE_ON_COMMITMENT})


def _decided_amount(case: Case, service: Service, request: CaseActionRequest) -> int | None:
    """A money decision's amount, decided with the approval (``app.workflow.grants``): the
    rules' amount unless the approver enters another, never above it. An organisation's
    claim carries the amount its checked lines add up to from filing; that is its ceiling."""
    if request.action not in _MONEY_DECISIONS or service.payment != PaymentKind.ONE_OFF:
        return None
    from_rules = payment_ceiling(
        case.eligibility_result,
        case.decided_amount_cny,
        organisation_filed=case.organisation_id is not None,
    )
    try:
        return decided_amount(request.amount_cny, from_rules)
    except WorkflowError as exc:
        raise ValidationFailed(
            exc.message,
            params=exc.details(),
            field_errors=[FieldError("amount_cny", exc.code, exc.message, exc.details())],
        ) from exc


async def _persist(
    session: AsyncSession,
    case: Case,
    service: Service,
    result: TransitionResult,
    principal: Principal | None,
    now: datetime,
    action: CaseAction,
    decided_amount_cny: int | None = None,
    decision_detail: dict[str, object] | None = None,
) -> None:
    """Writes one transition: the case (version-checked), its event, side effects, audit.
    ``decision_detail``: what the service's type adds to the event (a classification's level)."""
    after, event = result.case, result.event
    expected_version = event.version - 1
    values: dict[str, Any] = {
        "status": after.status.value,
        "version": after.version,
        "employer_confirmed": after.employer_confirmed,
        "pending_materials": list(after.pending_materials),
        "pending_due_date": after.pending_due_on,
        "approved_on_commitment": after.approved_on_commitment,
        "updated_at": now,
    }
    if action in (CaseAction.APPROVE, CaseAction.REJECT, CaseAction.NOT_ACCEPT):
        values["decision_reason"] = event.reason
    if decided_amount_cny is not None:
        values["decided_amount_cny"] = decided_amount_cny
    if action is CaseAction.ISSUE_RESULT and event.delivery:
        values["result_channel"] = event.delivery.value
    # The status before the move is the event's: ``case`` is refreshed only further down.
    if closes(event.from_status, after.status):
        values["closed_at"] = now
    if (
        principal is not None
        and principal.staff_id
        and case.first_responsible_staff_id is None
        and event.actor_role is ActorRole.WINDOW_CLERK
    ):
        values["first_responsible_staff_id"] = principal.staff_id
    if principal is not None and principal.staff_id and event.actor_role is ActorRole.REVIEWER:
        values["reviewer_staff_id"] = principal.staff_id
    if not await cases_repo.update_if_version(session, case.id, expected_version, values):
        current = await cases_repo.get_case_fresh(session, case.id)
        raise CaseConflict(
            N_("Someone else changed this case a moment ago. Reload it to see its status."),
            extra={
                "workflow": {
                    "current_status": current.status if current else None,
                    "current_version": current.version if current else None,
                }
            },
        )
    session.add(
        CaseEvent(
            case_id=case.id,
            occurred_at=now,
            action=action.value,
            from_status=event.from_status.value,
            to_status=event.to_status.value,
            actor_user_id=principal.user_id if principal else None,
            actor_role=event.actor_role.value,
            reason=event.reason,
            detail={
                "items": list(event.items),
                "clause": event.clause,
                "due_on": event.due_on.isoformat() if event.due_on else None,
                "delivery": event.delivery.value if event.delivery else None,
                "tracking_number": event.tracking_number,
                "version": event.version,
                **({"amount_cny": decided_amount_cny} if decided_amount_cny is not None else {}),
                **(decision_detail or {}),
            },
        )
    )
    await session.refresh(case)
    # A refusal's message names the clause it rests on after its reason ("basis").
    event_params: dict[str, Any] = {
        "reason": event.reason or "",
        "basis": f" ({event.clause})" if event.clause else "",
        "items": list(event.items),
    }
    # Requests with a due date ("provide the following by ...") name that date; an expiry names
    # the day the materials were due.
    if event.due_on:
        event_params["deadline"] = event.due_on
    elif action is CaseAction.EXPIRE_PENDING_MATERIALS and case.pending_due_date:
        event_params["deadline"] = case.pending_due_date
    await _carry_out(session, case, service, result.effects, event_params)
    await service_types.for_service(service).after_transition(session, case, service, action, now)
    await audit.record(
        session,
        "case.transition",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={
            "action": action.value,
            "from": event.from_status.value,
            "to": event.to_status.value,
        },
    )
    await session.flush()


async def _carry_out(
    session: AsyncSession,
    case: Case,
    service: Service,
    effects: tuple[Any, ...],
    event_params: dict[str, Any],
) -> None:
    calendar: WorkCalendar | None = None
    kind = service_types.for_service(service)

    async def recompute() -> None:
        nonlocal calendar
        calendar = calendar or await work_calendar(session)
        if case.accepted_on is None:
            return
        deadline = Deadline(
            calendar, case.accepted_on, case.time_limit_days, await pauses_of(session, case)
        )
        if deadline.due_on is not None:
            case.deadline_date = deadline.due_on

    for effect in effects:
        if isinstance(effect, StartClock):
            case.accepted_on = effect.on
            await recompute()
        elif isinstance(effect, PauseClock):
            session.add(CasePause(case_id=case.id, started_on=effect.on))
            case.paused_since = effect.on
            await session.flush()
        elif isinstance(effect, ResumeClock | StopClock):
            pause = await cases_repo.open_pause(session, case.id)
            if pause is not None:
                pause.ended_on = effect.on
                case.paused_since = None
                await session.flush()
            await recompute()
        elif isinstance(effect, NotifyApplicant) and case.organisation_id is not None:
            # An organisation's own application: its users hear what an applicant would.
            for user_id, lang in await cases_repo.employer_recipients(
                session, case.organisation_id
            ):
                await notifications.enqueue(
                    session,
                    recipient_user_id=user_id,
                    template=kind.applicant_message(effect.message_key),
                    payload={**message_payload(case, service, lang), **event_params},
                    language=lang,
                    dedup_key=f"case:{case.id.hex}:v{case.version}:{effect.message_key}:{user_id.hex[:12]}",
                    case_id=case.id,
                    read_back=False,
                )
        elif isinstance(effect, NotifyApplicant):
            applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
            if applicant is not None:
                await notifications.enqueue(
                    session,
                    recipient_user_id=applicant.user_id,
                    template=kind.applicant_message(effect.message_key),
                    payload={
                        **message_payload(case, service, applicant.user.language),
                        **event_params,
                    },
                    language=applicant.user.language,
                    dedup_key=f"case:{case.id}:v{case.version}:{effect.message_key}",
                    case_id=case.id,
                    read_back=False,
                )
        elif isinstance(effect, NotifyEmployer) and case.employer_id:
            for user_id in await cases_repo.employer_user_ids(session, case.employer_id):
                await notifications.enqueue(
                    session,
                    recipient_user_id=user_id,
                    template=effect.message_key,
                    payload={
                        **message_payload(case, service, "zh"),
                        "applicant_name": await applicant_name(session, case),
                        **event_params,
                    },
                    language="zh",
                    dedup_key=f"case:{case.id.hex}:v{case.version}:{effect.message_key}:{user_id.hex[:12]}",
                    case_id=case.id,
                    read_back=False,
                )
        elif isinstance(effect, ScheduleReminder):
            calendar = calendar or await work_calendar(session)
            for day in reminder_days(calendar, effect.due_on, local_date(utcnow())):
                session.add(
                    CaseSchedule(
                        case_id=case.id,
                        kind=ScheduleKind.REMINDER,
                        follow_up=effect.follow_up.value,
                        due_on=day,
                    )
                )
        elif isinstance(effect, ScheduleAction):
            session.add(
                CaseSchedule(
                    case_id=case.id,
                    kind=ScheduleKind.ACTION,
                    action=effect.action.value,
                    follow_up=effect.follow_up.value,
                    due_on=effect.on,
                )
            )
        elif isinstance(effect, CancelScheduled):
            follow_up = effect.follow_up.value if effect.follow_up else None
            for row in await follow_ups_repo.pending_schedules(session, case.id, follow_up):
                row.status = SCHEDULES.advance(row.status, ScheduleEvent.CANCEL)
                row.done_at = utcnow()
        elif isinstance(effect, CreateVerificationTask):
            session.add(
                CaseSchedule(
                    case_id=case.id,
                    kind=ScheduleKind.VERIFICATION,
                    follow_up=FollowUp.COMMITMENT_VERIFICATION.value,
                    due_on=effect.due_on,
                )
            )
    await session.flush()
