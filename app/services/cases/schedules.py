"""Due reminders and automatic workflow actions (e.g. 容缺 materials not delivered in time).

Run by the same worker tick as the outbox; each schedule in its own transaction, so one bad
case never blocks the others, and a crash at worst runs a schedule again (actions are guarded
by the workflow and by the case version, reminders are deduplicated by the outbox key).
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime

from app.config import get_settings
from app.models import Case, CaseSchedule, Service
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import follow_ups as follow_ups_repo
from app.repositories.unit_of_work import AsyncSession, async_sessionmaker
from app.services import audit, notifications
from app.services.cases import act_as_system, message_payload
from app.workflow.errors import WorkflowError
from app.workflow.schedules import SCHEDULES, ScheduleEvent, ScheduleKind, ScheduleStatus
from app.workflow.states import CaseAction
from app.workflow.values import FollowUp

log = logging.getLogger(__name__)


async def run_due(sessionmaker: async_sessionmaker[AsyncSession], day: date, now: datetime) -> int:
    """Carries out the case schedules due on ``day`` (reminders, 容缺 expiry, commitment checks),
    one transaction each, so one failure does not hold back the rest."""
    async with sessionmaker() as session:
        due = await follow_ups_repo.due_schedule_ids(session, day)
    done = 0
    for schedule_id in due:
        try:
            async with sessionmaker() as session, session.begin():
                if await _run_one(session, schedule_id, now):
                    done += 1
        except Exception:
            log.exception("scheduled case work failed", extra={"schedule": str(schedule_id)})
    return done


async def _run_one(session: AsyncSession, schedule_id: uuid.UUID, now: datetime) -> bool:
    schedule = await follow_ups_repo.lock_schedule(session, schedule_id)
    if schedule is None or schedule.status != ScheduleStatus.PENDING:
        return False
    case = await cases_repo.get_case_fresh(session, schedule.case_id)
    if case is None:
        schedule.status = SCHEDULES.advance(schedule.status, ScheduleEvent.CANCEL)
        return False
    if schedule.kind == ScheduleKind.ACTION and schedule.action:
        # Both outcomes are moves from pending, taken before acting: an action that ends the
        # case (e.g. 容缺 expiry) cancels every pending schedule of it, this one included, yet
        # this one did run.
        ran = SCHEDULES.advance(schedule.status, ScheduleEvent.RUN)
        dropped = SCHEDULES.advance(schedule.status, ScheduleEvent.CANCEL)
        try:
            await act_as_system(session, case.id, CaseAction(schedule.action), now)
        except WorkflowError:
            schedule.status = dropped  # the case moved on; nothing left to do
        else:
            schedule.status = ran
    elif schedule.kind == ScheduleKind.REMINDER:
        await _remind(session, case.id, schedule)
        schedule.status = SCHEDULES.advance(schedule.status, ScheduleEvent.RUN)
    else:
        # Verification tasks (告知承诺) are worked by staff; the schedule only surfaces them.
        return False
    schedule.done_at = utcnow()
    await session.flush()
    return True


async def _remind(session: AsyncSession, case_id: uuid.UUID, schedule: CaseSchedule) -> None:
    """Reminds whoever owes the follow-up: the employer for its confirmation, else the applicant."""
    case = await cases_repo.get_case_fresh(session, case_id)
    assert case is not None
    service = await catalog_repo.get(session, case.service_id)
    if service is None:
        return
    if schedule.follow_up == FollowUp.EMPLOYER_CONFIRMATION.value:
        await _remind_employer(session, case, service, schedule)
        return
    applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
    if applicant is None:
        return
    await notifications.enqueue(
        session,
        recipient_user_id=applicant.user_id,
        template="case.reminder",
        payload={
            **message_payload(case, service, applicant.user.language),
            "items": await _owed_items(session, case, schedule),
            "deadline": await _due_date(session, case, schedule),
        },
        language=applicant.user.language,
        dedup_key=f"schedule:{schedule.id}",
        case_id=case.id,
        read_back=False,
    )
    await audit.record(session, "case.reminder_sent", object_type="case", object_id=case.id)


async def _owed_items(session: AsyncSession, case: Case, schedule: CaseSchedule) -> list[str]:
    """What the applicant still has to provide, as the staff listed it."""
    if schedule.follow_up == FollowUp.SUPPLEMENT.value:
        asked = await cases_repo.last_event_of(
            session, case.id, CaseAction.REQUEST_SUPPLEMENT.value
        )
        items = (asked.detail or {}).get("items") if asked else None
        if isinstance(items, list) and items:
            return [str(i) for i in items]
    return list(case.pending_materials)


# The action that asked for each follow-up; its event records the due date the party was given.
_ASKED_BY = {
    FollowUp.EMPLOYER_CONFIRMATION.value: CaseAction.REQUEST_EMPLOYER_CONFIRMATION,
    FollowUp.SUPPLEMENT.value: CaseAction.REQUEST_SUPPLEMENT,
    FollowUp.PENDING_MATERIALS.value: CaseAction.ACCEPT_WITH_PENDING_MATERIALS,
}


async def _due_date(session: AsyncSession, case: Case, schedule: CaseSchedule) -> date:
    """The day the party must answer by; an early reminder's own day is not that day."""
    if schedule.follow_up == FollowUp.PENDING_MATERIALS.value and case.pending_due_date:
        return case.pending_due_date
    action = _ASKED_BY.get(schedule.follow_up or "")
    asked = await cases_repo.last_event_of(session, case.id, action.value) if action else None
    raw = (asked.detail or {}).get("due_on") if asked else None
    return date.fromisoformat(raw) if isinstance(raw, str) else schedule.due_on


async def _remind_employer(
    session: AsyncSession, case: Case, service: Service, schedule: CaseSchedule
) -> None:
    if case.employer_id is None:
        return
    applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
    for user_id, lang in await cases_repo.employer_recipients(session, case.employer_id):
        await notifications.enqueue(
            session,
            recipient_user_id=user_id,
            template="case.employer_reminder",
            payload={
                **message_payload(case, service, lang),
                # Employers answer from their own list, not the applicant's case page.
                "url": f"{get_settings().base_url.rstrip('/')}/employer/cases",
                "applicant_name": applicant.full_name if applicant else "",
                "deadline": await _due_date(session, case, schedule),
            },
            language=lang,
            dedup_key=f"schedule:{schedule.id}:{user_id.hex[:12]}",
            case_id=case.id,
            read_back=False,
        )
    await audit.record(
        session,
        "case.reminder_sent",
        object_type="case",
        object_id=case.id,
        detail={"to": "employer"},
    )
