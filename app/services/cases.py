"""Case handling: views, workflow actions with optimistic locking, queues, status, ratings."""

from __future__ import annotations

import base64
import hmac
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.domain.enums import Permission, Role
from app.domain.principal import Principal
from app.errors import (
    AppError,
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from app.i18n import N_, gettext
from app.models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseNote,
    CasePause,
    CaseSchedule,
    Document,
    FollowUpTask,
    Rating,
    Service,
    StaffMember,
)
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import documents as documents_repo
from app.schemas.cases import (
    CaseActionRequest,
    CaseRead,
    DeadlineView,
    NoteCreate,
    NoteRead,
    PublicStatus,
    QueueItem,
    QueuePage,
    RatingCreate,
    TimelineEntry,
)
from app.services import audit, housing, notifications, protection
from app.services.calendar import work_calendar
from app.workflow.calendar import WorkCalendar
from app.workflow.deadlines import (
    AMBER_DAYS,
    LIGHT_LABELS,
    Deadline,
    Light,
    Pause,
    reminder_days,
)
from app.workflow.errors import (
    WorkflowConflict,
    WorkflowError,
    WorkflowForbidden,
)
from app.workflow.states import ACTION_LABELS, ActorRole, CaseAction, CaseStatus, status_label
from app.workflow.transitions import (
    ACTION_RULES,
    FINAL_STATUSES,
    RUNNING_CLOCK_STATUSES,
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

# Staff roles as the workflow knows them; admins act as supervisors (escalations, revocations).
_STAFF_ACTOR_ROLES: dict[str, ActorRole] = {
    Role.WINDOW_CLERK: ActorRole.WINDOW_CLERK,
    Role.REVIEWER: ActorRole.REVIEWER,
    Role.APPROVER: ActorRole.APPROVER,
    Role.DISTRICT_ADMIN: ActorRole.SUPERVISOR,
}
RATING_FOLLOW_UP_DAYS = 15


class CaseConflict(Conflict):
    """Lost a race or acted on a stale view: the answer carries the case's current state."""


def _workflow_error(exc: WorkflowError) -> AppError:
    details = {k: v for k, v in exc.details().items() if v is not None}
    err: AppError
    if isinstance(exc, WorkflowConflict):
        err = CaseConflict(exc.message, extra={"workflow": details})
    elif isinstance(exc, WorkflowForbidden):
        err = PermissionDenied(exc.message, extra={"workflow": details})
    else:
        err = ValidationFailed(exc.message, extra={"workflow": details})
    err.code = exc.code
    return err


def capabilities(service: Service) -> ServiceCapabilities:
    return ServiceCapabilities(
        allows_missing_materials=service.allows_missing_materials,
        allows_commitment=service.allows_commitment,
        needs_employer_confirmation=service.needs_employer_confirmation,
    )


def snapshot(case: Case) -> CaseSnapshot:
    return CaseSnapshot(
        id=str(case.id),
        status=CaseStatus(case.status),
        version=case.version,
        applicant_id=str(case.applicant_id),
        employer_id=str(case.employer_id) if case.employer_id else None,
        employer_confirmed=case.employer_confirmed,
        pending_materials=tuple(case.pending_materials),
        pending_due_on=case.pending_due_date,
        approved_on_commitment=case.approved_on_commitment,
    )


def actors_for(principal: Principal, case: Case) -> list[Actor]:
    """Every workflow identity the caller can act as on this case."""
    if principal.applicant_id is not None:
        return [Actor(str(principal.applicant_id), ActorRole.APPLICANT)]
    if principal.employer_id is not None:
        return [Actor(str(principal.employer_id), ActorRole.EMPLOYER)]
    if principal.staff_id is not None:
        return [
            Actor(str(principal.staff_id), _STAFF_ACTOR_ROLES[r])
            for r in principal.roles
            if r in _STAFF_ACTOR_ROLES
        ]
    return []


async def employer_for(
    session: AsyncSession, answers: dict[str, Any], service: Service
) -> uuid.UUID | None:
    """The employer named in the answers (by unified social credit code), if it is registered."""
    code = answers.get("employer_uscc")
    if not code:
        return None
    employer = await accounts_repo.get_employer_by_uscc(session, str(code))
    return employer.id if employer else None


def message_payload(case: Case, service: Service, lang: str) -> dict[str, Any]:
    """Values the message templates fill in, in the recipient's language."""
    return {
        "url": f"{get_settings().base_url.rstrip('/')}/cases/{case.id}",
        "case_number": case.number,
        "service_name": service.name_zh if lang == "zh" else service.name_en,
        "deadline": case.deadline_date,
        "case_id": str(case.id),
    }


async def _pauses(session: AsyncSession, case: Case) -> tuple[Pause, ...]:
    return tuple(Pause(p.started_on, p.ended_on) for p in await cases_repo.pauses(session, case.id))


# Decided or ended cases have no deadline to show.
_NO_DEADLINE = frozenset(
    {
        CaseStatus.APPROVED,
        CaseStatus.REJECTED,
        CaseStatus.RESULT_ISSUED,
        CaseStatus.CLOSED,
        CaseStatus.WITHDRAWN,
        CaseStatus.NOT_ACCEPTED,
        CaseStatus.TERMINATED,
        CaseStatus.REVOKED,
    }
)


def _stored_deadline(
    case: Case, calendar: WorkCalendar, today: date, *, provisional: bool
) -> DeadlineView | None:
    """From the stored deadline date: what queues show (pauses count once they end)."""
    if CaseStatus(case.status) in _NO_DEADLINE:
        return None
    remaining = calendar.working_days_between(today, case.deadline_date)
    light = (
        Light.RED if remaining < 0 else Light.AMBER if remaining <= AMBER_DAYS else Light.ON_TRACK
    )
    return DeadlineView(
        due_on=case.deadline_date,
        provisional=provisional,
        remaining_working_days=remaining,
        light=light.value,
        light_label=LIGHT_LABELS[light],
        paused=case.paused_since is not None,
    )


def _deadline(
    case: Case, calendar: WorkCalendar, pauses: tuple[Pause, ...], today: date
) -> DeadlineView | None:
    """The exact deadline, pauses included (case pages)."""
    if CaseStatus(case.status) in _NO_DEADLINE:
        return None
    if case.accepted_on is None:
        return _stored_deadline(case, calendar, today, provisional=True)
    status = Deadline(calendar, case.accepted_on, case.time_limit_days, pauses).status(today)
    return DeadlineView(
        due_on=status.due_on or case.deadline_date,
        provisional=False,
        remaining_working_days=status.remaining,
        light=status.light.value,
        light_label=LIGHT_LABELS[status.light],
        paused=status.paused,
    )


def _translate_deadline(view: DeadlineView | None, lang: str) -> DeadlineView | None:
    if view is None:
        return None
    return view.model_copy(update={"light_label": gettext(lang, view.light_label)})


def _items(detail: dict[str, object] | None) -> list[str]:
    items = (detail or {}).get("items")
    return [str(i) for i in items] if isinstance(items, list) else []


def _timeline(events: list[CaseEvent], lang: str) -> list[TimelineEntry]:
    out = []
    for e in events:
        label = status_label(CaseStatus(e.to_status))
        out.append(
            TimelineEntry(
                at=e.occurred_at,
                status=e.to_status,
                label=gettext(lang, label),
                action=e.action,
                reason=e.reason,
                items=_items(e.detail),
            )
        )
    return out


async def _load(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> tuple[Case, Service]:
    case = await cases_repo.get_case(session, principal, case_id)
    if case is None:
        raise NotFound()
    service = await catalog_repo.get(session, case.service_id)
    assert service is not None
    return case, service


async def case_view(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, lang: str
) -> CaseRead:
    case, service = await _load(session, principal, case_id)
    calendar = await work_calendar(session)
    today = local_date(utcnow())
    pauses = await _pauses(session, case)
    events = await cases_repo.events(session, case.id)
    caps = capabilities(service)
    actions: list[str] = []
    for actor in actors_for(principal, case):
        for a in allowed_actions(snapshot(case), actor, caps):
            if a.value not in actions:
                actions.append(a.value)
    if case.parent_id is not None:
        actions = [a for a in actions if CaseAction(a) not in _NOT_ON_PARTS]
    staff_view = principal.staff_id is not None
    docs = []
    material_names = {
        str(m["code"]): str(m["name_zh"] if lang == "zh" else m["name_en"])
        for m in service.materials
    }
    for cd in await cases_repo.case_documents(session, case.id):
        docs.append(
            {
                "id": str(cd.document_id),
                "requirement": cd.requirement,
                "name": material_names.get(cd.requirement, cd.requirement),
                "original_seen": cd.original_seen_at is not None,
            }
        )
    view = CaseRead(
        id=case.id,
        number=case.number,
        status=case.status,
        status_label=gettext(lang, status_label(CaseStatus(case.status))),
        version=case.version,
        service_id=service.id,
        service_code=service.code,
        service_name=service.name_zh if lang == "zh" else service.name_en,
        district=case.district,
        department=case.department,
        channel=case.channel,
        submitted_at=case.submitted_at,
        accepted_on=case.accepted_on,
        deadline=_translate_deadline(_deadline(case, calendar, pauses, today), lang),
        eligibility_status=case.eligibility_status,
        eligibility=case.eligibility_result if staff_view or principal.applicant_id else None,
        pending_materials=list(case.pending_materials),
        pending_due_on=case.pending_due_date,
        timeline=_timeline(events, lang),
        allowed_actions=actions,
        documents=docs,
    )
    rating = await cases_repo.rating_for(session, case.id)
    view.rating = rating.score if rating else None
    # Internal notes stay among staff; applicants see only messages addressed to them.
    if principal.employer_id is None:
        view.notes = [
            NoteRead(at=n.created_at, body=n.body, to_applicant=n.to_applicant)
            for n in await cases_repo.notes(session, case.id, applicant_only=not staff_view)
        ]
    else:
        # Employers confirm employment; the department's reasoning is not theirs to read.
        view.timeline = [t.model_copy(update={"reason": None, "items": []}) for t in view.timeline]
        view.eligibility = None
    await _bundle_view(session, view, case, lang)
    if staff_view:
        applicant = await accounts_repo.get_applicant_readable(
            session, principal, case.applicant_id
        )
        # A bundle's parts are decided on the bundle's one application.
        application_id = case.application_id
        if application_id is None and case.parent_id is not None:
            parent = await cases_repo.get_case_fresh(session, case.parent_id)
            application_id = parent.application_id if parent else None
        application = (
            await cases_repo.get_application_by_id(session, application_id)
            if application_id
            else None
        )
        view.applicant_name = applicant.full_name if applicant else None
        view.applicant_id_masked = applicant.id_number_masked if applicant else None
        view.facts = dict(application.answers) if application else None
        if application:
            from app.services.applications import display_answers

            answer_service = await catalog_repo.get(session, application.service_id)
            view.answers_display = display_answers(
                answer_service or service, application.answers, lang
            )
        view.first_responsible = await _staff_name(session, case.first_responsible_staff_id)
        view.assignee = await _staff_name(session, case.assignee_staff_id)
        if service.code == "talent_apartment":
            view.household_conflicts = await housing.household_flags(session, case)
    return view


# A bundle's result is handed out once, on the bundle; its parts are not withdrawn one by one.
_NOT_ON_PARTS = frozenset(
    {
        CaseAction.ISSUE_RESULT,
        CaseAction.CLOSE,
        CaseAction.WITHDRAW,
        CaseAction.REQUEST_EMPLOYER_CONFIRMATION,
    }
)


async def _bundle_view(session: AsyncSession, view: CaseRead, case: Case, lang: str) -> None:
    from app.services import bundles

    if case.parent_id is not None:
        view.bundle = await bundles.bundle_ref(session, case, lang)
        return
    if not bundles.is_bundle_code(view.service_code) or case.application_id is None:
        return
    view.parts = await bundles.parts_view(session, case, lang)
    view.verifications = await bundles.verifications_view(session, case.application_id, lang)
    application = await cases_repo.get_application_by_id(session, case.application_id)
    if application is not None:
        view.route = str(application.answers.get("settlement_route") or "") or None
        view.route_label = bundles.route_label(view.route, lang)


async def new_case_view(
    session: AsyncSession, principal: Principal, case: Case, service: Service, lang: str
) -> CaseRead:
    """The applicant's view of a case created in this very transaction."""
    calendar = await work_calendar(session)
    today = local_date(utcnow())
    caps = capabilities(service)
    actions: list[str] = []
    for actor in actors_for(principal, case):
        actions += [a.value for a in allowed_actions(snapshot(case), actor, caps)]
    label = gettext(lang, status_label(CaseStatus(case.status)))
    return CaseRead(
        id=case.id,
        number=case.number,
        status=case.status,
        status_label=label,
        version=case.version,
        service_id=service.id,
        service_code=service.code,
        service_name=service.name_zh if lang == "zh" else service.name_en,
        district=case.district,
        department=case.department,
        channel=case.channel,
        submitted_at=case.submitted_at,
        accepted_on=None,
        deadline=_translate_deadline(_deadline(case, calendar, (), today), lang),
        eligibility_status=case.eligibility_status,
        eligibility=case.eligibility_result,
        pending_materials=[],
        pending_due_on=None,
        timeline=[
            TimelineEntry(at=case.submitted_at, status=case.status, label=label, action="submit")
        ],
        allowed_actions=actions,
        documents=[],
    )


async def _staff_name(session: AsyncSession, staff_id: uuid.UUID | None) -> str | None:
    if staff_id is None:
        return None
    staff = await accounts_repo.get_staff(session, staff_id)
    return staff.full_name if staff else None


def _pick_actor(principal: Principal, case: Case, action: CaseAction) -> Actor:
    actors = actors_for(principal, case)
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
) -> CaseRead:
    """Applies one workflow action. Of two people acting at once exactly one wins; the other
    gets 409 with the case's current status and version."""
    case, service = await _load(session, principal, case_id)
    if case.parent_id is not None and request.action in _NOT_ON_PARTS:
        raise ValidationFailed(
            N_("This is one step of a bundle: its result is handed out once, on the bundle.")
        )
    actor = _pick_actor(principal, case, request.action)
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
    if request.action is CaseAction.RECEIVE_SUPPLEMENT:
        from app.services import bundles

        await bundles.refuse_unanswered_late_needs(session, case, lang)
    await _persist(session, case, service, result, principal, now, request.action)
    return await case_view(session, principal, case.id, lang)


async def _persist(
    session: AsyncSession,
    case: Case,
    service: Service,
    result: TransitionResult,
    principal: Principal | None,
    now: datetime,
    action: CaseAction,
) -> None:
    """Writes one transition: the case (version-checked), its event, side effects, audit."""
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
    if action is CaseAction.ISSUE_RESULT and event.delivery:
        values["result_channel"] = event.delivery.value
    if after.status in _ENDED:
        values["closed_at"] = now
    if (
        principal is not None
        and principal.staff_id
        and case.first_responsible_staff_id is None
        and event.actor_role is ActorRole.WINDOW_CLERK
    ):
        values["first_responsible_staff_id"] = principal.staff_id
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
            },
        )
    )
    await session.refresh(case)
    event_params: dict[str, Any] = {"reason": event.reason or "", "items": list(event.items)}
    # Requests with a due date ("provide the following by ...") name that date; an expiry names
    # the day the materials were due.
    if event.due_on:
        event_params["deadline"] = event.due_on
    elif action is CaseAction.EXPIRE_PENDING_MATERIALS and case.pending_due_date:
        event_params["deadline"] = case.pending_due_date
    await _carry_out(session, case, service, result.effects, event_params)
    if after.status is CaseStatus.APPROVED and service.code == "talent_apartment":
        await housing.join_waitlist(session, case)
    elif after.status is CaseStatus.REVOKED and service.code == "talent_apartment":
        await housing.leave_waitlist(session, case)
    await _bundle_follow_up(session, case, service, action, now)
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


_ENDED = (
    CaseStatus.CLOSED,
    CaseStatus.WITHDRAWN,
    CaseStatus.NOT_ACCEPTED,
    CaseStatus.TERMINATED,
    CaseStatus.CANCELLED,
)

# Moves the bundle logic makes itself; it carries their consequences through on its own.
_BUNDLE_MOVES = frozenset({CaseAction.RELEASE, CaseAction.CANCEL, CaseAction.DISPATCH})


async def _bundle_follow_up(
    session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
) -> None:
    from app.services import bundles

    status = CaseStatus(case.status)
    if bundles.is_bundle(service):
        if action in (CaseAction.ACCEPT, CaseAction.ACCEPT_WITH_PENDING_MATERIALS):
            await bundles.dispatch(session, case, now)
        elif status is CaseStatus.WITHDRAWN:
            await bundles.cancel_open_parts(session, case, now)
    elif case.parent_id is not None and action not in _BUNDLE_MOVES:
        await bundles.on_part_changed(session, case, now)


async def _carry_out(
    session: AsyncSession,
    case: Case,
    service: Service,
    effects: tuple[Any, ...],
    event_params: dict[str, Any],
) -> None:
    calendar: WorkCalendar | None = None

    async def recompute() -> None:
        nonlocal calendar
        calendar = calendar or await work_calendar(session)
        if case.accepted_on is None:
            return
        deadline = Deadline(
            calendar, case.accepted_on, case.time_limit_days, await _pauses(session, case)
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
        elif isinstance(effect, NotifyApplicant):
            applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
            if applicant is not None:
                await notifications.enqueue(
                    session,
                    recipient_user_id=applicant.user_id,
                    template=effect.message_key,
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
                        "applicant_name": await _applicant_name(session, case),
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
                        kind="reminder",
                        follow_up=effect.follow_up.value,
                        due_on=day,
                    )
                )
        elif isinstance(effect, ScheduleAction):
            session.add(
                CaseSchedule(
                    case_id=case.id,
                    kind="action",
                    action=effect.action.value,
                    follow_up=effect.follow_up.value,
                    due_on=effect.on,
                )
            )
        elif isinstance(effect, CancelScheduled):
            follow_up = effect.follow_up.value if effect.follow_up else None
            for row in await cases_repo.pending_schedules(session, case.id, follow_up):
                row.status = "cancelled"
                row.done_at = utcnow()
        elif isinstance(effect, CreateVerificationTask):
            session.add(
                CaseSchedule(
                    case_id=case.id,
                    kind="verification",
                    follow_up=FollowUp.COMMITMENT_VERIFICATION.value,
                    due_on=effect.due_on,
                )
            )
    await session.flush()


async def _applicant_name(session: AsyncSession, case: Case) -> str:
    applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
    return applicant.full_name if applicant else ""


# Queues -------------------------------------------------------------------------------------


def _encode_cursor(case: Case) -> str:
    raw = f"{case.deadline_date.isoformat()}|{case.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str | None) -> tuple[date, uuid.UUID] | None:
    if not cursor:
        return None
    try:
        day, ident = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return date.fromisoformat(day), uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            N_("The page link is not valid. Start from the first page.")
        ) from exc


async def queue(
    session: AsyncSession,
    principal: Principal,
    lang: str,
    *,
    department: str | None = None,
    statuses: list[str] | None = None,
    service_id: uuid.UUID | None = None,
    light: str | None = None,
    mine: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> QueuePage:
    """The district's cases by deadline. ``mine``: the caller's open cases, those they are
    first responsible for (首问负责) or assigned to; ``light`` (amber, red): the escalation list,
    cases whose running clock is near or past its deadline."""
    if principal.staff_id is None or not principal.can(Permission.HANDLE_CASES):
        raise PermissionDenied()
    calendar = await work_calendar(session)
    today = local_date(utcnow())
    due_before = None
    wanted: set[str] | None = set(statuses) if statuses else None
    if light in ("amber", "red"):
        due_before = (
            today - timedelta(days=1) if light == "red" else calendar.add_working_days(today, 2)
        )
        # A decided, ended, paused or not yet accepted case has no running clock to be late on.
        running = {s.value for s in RUNNING_CLOCK_STATUSES}
        wanted = running if wanted is None else wanted & running
    rows = await cases_repo.queue(
        session,
        principal,
        department=department,
        statuses=wanted,
        service_id=service_id,
        due_before=due_before,
        after=_decode_cursor(cursor),
        limit=limit + 1,
        exclude_statuses={s.value for s in FINAL_STATUSES} if mine else (),
        handled_by=principal.staff_id if mine else None,
        unpaused=light in ("amber", "red"),
    )
    services = {s.id: s for s in await catalog_repo.list_active(session, principal.district)}
    names = await cases_repo.staff_names(
        session, {r.assignee_staff_id for r in rows if r.assignee_staff_id}
    )
    items = []
    for case in rows[:limit]:
        service = services.get(case.service_id)
        deadline = _stored_deadline(case, calendar, today, provisional=case.accepted_on is None)
        items.append(
            QueueItem(
                id=case.id,
                number=case.number,
                service_name=(service.name_zh if lang == "zh" else service.name_en)
                if service
                else "",
                status=case.status,
                status_label=gettext(lang, status_label(CaseStatus(case.status))),
                deadline=_translate_deadline(deadline, lang),
                assignee=names.get(case.assignee_staff_id) if case.assignee_staff_id else None,
                submitted_at=case.submitted_at,
            )
        )
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return QueuePage(items=items, next_cursor=next_cursor)


async def queue_services(
    session: AsyncSession, principal: Principal, lang: str
) -> list[tuple[str, str]]:
    """(id, name) of the district's services, for the queue's service filter."""
    if principal.district is None:
        return []
    return [
        (str(s.id), s.name_zh if lang == "zh" else s.name_en)
        for s in await catalog_repo.list_active(session, principal.district)
    ]


# Roles that work cases; a case is handed only to a colleague holding one of them.
_HANDLING_ROLES = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER})


def can_reassign(principal: Principal) -> bool:
    """Handing a case to someone else is for the department's approvers and district admins."""
    return principal.can(Permission.HANDLE_CASES) and bool(
        {Role.APPROVER, Role.DISTRICT_ADMIN} & set(principal.roles)
    )


async def assignees(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> list[tuple[str, str]]:
    """(staff id, name) of the colleagues this caller may hand the case to: active staff of the
    case's district and department with a case-handling role. Empty if they may not reassign."""
    case, _service = await _load(session, principal, case_id)
    if not can_reassign(principal):
        return []
    return [
        (str(m.id), m.full_name)
        for m in await accounts_repo.list_staff(session, principal)
        if _assignable(m, case)
    ]


def _assignable(member: StaffMember, case: Case) -> bool:
    return bool(
        member.district == case.district
        and member.department == case.department
        and _HANDLING_ROLES & set(member.roles)
        and member.user.is_active
    )


async def assign(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    staff_id: uuid.UUID | None,
    lang: str,
) -> CaseRead:
    """Claim (staff_id None or yourself) or reassign to a colleague of the case's department."""
    case, _service = await _load(session, principal, case_id)
    if principal.staff_id is None:
        raise PermissionDenied()
    claiming = staff_id is None or staff_id == principal.staff_id
    target = principal.staff_id if staff_id is None else staff_id
    if not claiming and not can_reassign(principal):
        raise PermissionDenied()
    staff = await accounts_repo.get_staff(session, target)
    if staff is None or staff.district != principal.district:
        raise NotFound(N_("No such colleague in your district."))
    if not claiming:
        member = next(
            (m for m in await accounts_repo.list_staff(session, principal) if m.id == staff.id),
            None,
        )
        if member is None or not _assignable(member, case):
            raise ValidationFailed(
                field_errors=[
                    FieldError(
                        "staff_id",
                        "invalid",
                        N_("Choose a colleague of the case's department who handles cases."),
                    )
                ]
            )
    previous = case.assignee_staff_id
    case.assignee_staff_id = staff.id
    await audit.record(
        session,
        "case.claimed" if claiming else "case.assigned",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"assignee": str(staff.id), "previous": str(previous) if previous else None},
    )
    await session.flush()
    return await case_view(session, principal, case.id, lang)


# Public status ------------------------------------------------------------------------------


async def public_status(session: AsyncSession, number: str, code: str, lang: str) -> PublicStatus:
    """The same NotFound for a wrong number and a wrong code, so neither can be probed alone."""
    case = await cases_repo.get_case_by_number(session, number.strip().upper())
    expected = (
        protection.cipher().decrypt(case.lookup_code_enc, "case.lookup_code") if case else "-"
    )
    given = code.strip().upper().encode("utf-8")
    if case is None or not hmac.compare_digest(expected.encode(), given):
        raise NotFound(N_("No case matches this number and code. Check both and try again."))
    service = await catalog_repo.get(session, case.service_id)
    assert service is not None
    calendar = await work_calendar(session)
    deadline = _deadline(case, calendar, await _pauses(session, case), local_date(utcnow()))
    return PublicStatus(
        number=case.number,
        service_name=service.name_zh if lang == "zh" else service.name_en,
        status=case.status,
        status_label=gettext(lang, status_label(CaseStatus(case.status))),
        deadline=_translate_deadline(deadline, lang),
        timeline=[
            t.model_copy(update={"reason": None})
            for t in _timeline(await cases_repo.events(session, case.id), lang)
        ],
    )


# Ratings ------------------------------------------------------------------------------------


async def rate(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, data: RatingCreate, lang: str
) -> CaseRead:
    case, service = await _load(session, principal, case_id)
    if principal.applicant_id != case.applicant_id:
        raise NotFound()
    if case.status not in (CaseStatus.RESULT_ISSUED.value, CaseStatus.CLOSED.value):
        raise Conflict(N_("You can rate the service once the result has been issued."))
    if await cases_repo.rating_for(session, case.id) is not None:
        raise Conflict(N_("You have already rated this case. Thank you."))
    rating = Rating(
        case_id=case.id,
        applicant_id=case.applicant_id,
        service_id=service.id,
        district=case.district,
        department=case.department,
        window_staff_id=case.first_responsible_staff_id,
        score=data.score,
        comment=data.comment,
    )
    session.add(rating)
    try:
        await session.flush()
    except IntegrityError as exc:  # a second, simultaneous rating of the same case
        raise Conflict(N_("You have already rated this case. Thank you.")) from exc
    if data.score <= 2:
        calendar = await work_calendar(session)
        session.add(
            FollowUpTask(
                rating_id=rating.id,
                case_id=case.id,
                district=case.district,
                department=case.department,
                due_date=calendar.add_working_days(local_date(utcnow()), RATING_FOLLOW_UP_DAYS),
            )
        )
    await audit.record(
        session,
        "case.rated",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"score": data.score},
    )
    await session.flush()
    return await case_view(session, principal, case.id, lang)


def action_label(action: str, lang: str) -> str:
    return gettext(lang, ACTION_LABELS[CaseAction(action)])


async def my_cases(session: AsyncSession, principal: Principal, lang: str) -> list[CaseRead]:
    """The caller's own cases (applicants) or the cases naming their organisation (employers)."""
    rows = await cases_repo.list_cases_for_applicant(session, principal)
    return [await case_view(session, principal, c.id, lang) for c in rows]


async def add_note(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, data: NoteCreate, lang: str
) -> CaseRead:
    if principal.staff_id is None:
        raise PermissionDenied()
    case, service = await _load(session, principal, case_id)
    note = CaseNote(
        case_id=case.id,
        author_user_id=principal.user_id,
        body=data.body,
        to_applicant=data.to_applicant,
    )
    session.add(note)
    await session.flush()
    if data.to_applicant:
        applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
        if applicant is not None:
            await notifications.enqueue(
                session,
                recipient_user_id=applicant.user_id,
                template="case.message",
                payload={
                    **message_payload(case, service, applicant.user.language),
                    "reason": data.body,
                },
                language=applicant.user.language,
                dedup_key=f"note:{note.id}",
                case_id=case.id,
                read_back=False,
            )
    await audit.record(
        session,
        "case.note_added",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"to_applicant": data.to_applicant},
    )
    return await case_view(session, principal, case.id, lang)


async def attach_document(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    document_id: uuid.UUID,
    requirement: str,
) -> None:
    """The applicant adds a wallet document to their case (answering a supplement request)."""
    case, _service = await _load(session, principal, case_id)
    if principal.applicant_id != case.applicant_id:
        raise NotFound()
    session.add(
        CaseDocument(case_id=case.id, document_id=document_id, requirement=requirement[:60])
    )
    await session.flush()


async def case_document_for_staff(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, document_id: uuid.UUID
) -> Document:
    """A document of a case in the caller's district; every staff view is audited."""
    case, _service = await _load(session, principal, case_id)
    linked = {cd.document_id for cd in await cases_repo.case_documents(session, case.id)}
    if document_id not in linked:
        raise NotFound()
    doc = await documents_repo.get(session, document_id)
    if doc is None:
        raise NotFound()
    await audit.record(
        session,
        "document.viewed",
        actor=principal,
        object_type="document",
        object_id=doc.id,
        detail={"case": str(case.id)},
    )
    return doc
