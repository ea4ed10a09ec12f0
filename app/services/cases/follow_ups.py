"""The office's own follow-up work on decided cases.

告知承诺: an approval on the applicant's signed commitment leaves a verification task with the
department; it stays open after the result is issued and the case closed, until an approver of
that department records that the commitment checked out or revokes the approval.

好差评: a rating of 1–2 opens a call-back (回访) task for the department's supervisor, its
approvers (district admins supervise every department); they record what came of the call.
"""

from __future__ import annotations

import uuid
from typing import Any

from app.domain.enums import Permission, Role
from app.domain.principal import Principal
from app.errors import Conflict, NotFound, PermissionDenied
from app.i18n import N_, gettext, localized
from app.models import Case, CaseSchedule, FollowUpTask, Rating
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import follow_ups as follow_ups_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import CaseActionRequest, CaseRead
from app.schemas.tasks import (
    CommitmentCheck,
    FollowUpRead,
    FollowUpResolve,
    VerificationConfirm,
    VerificationRevoke,
    VerificationTaskRead,
)
from app.services import audit
from app.services import cases as cases_service
from app.workflow.schedules import ScheduleStatus
from app.workflow.states import CaseAction, CaseStatus, status_label
from app.workflow.tasks import (
    COMMITMENT_CHECKS,
    FOLLOW_UPS,
    OUTCOMES,
    CommitmentEvent,
    FollowUpEvent,
    FollowUpStatus,
)
from app.workflow.values import local_date

_ALREADY_DONE = N_("This verification task has already been closed. Reload the list.")


def _verifier(principal: Principal) -> str:
    """The department whose tasks the caller works: approvers act for their own."""
    if (
        principal.staff_id is None
        or principal.department is None
        or not principal.can(Permission.APPROVE_CASES)
    ):
        raise PermissionDenied()
    return principal.department


async def verification_tasks(
    session: AsyncSession, principal: Principal, lang: str
) -> list[VerificationTaskRead]:
    department = _verifier(principal)
    today = local_date(utcnow())
    rows = await follow_ups_repo.open_verifications(session, principal, department)
    services = {s.id: s for s in await catalog_repo.list_active(session, principal.district)}
    out = []
    for task, case in rows:
        service = services.get(case.service_id)
        applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
        out.append(
            VerificationTaskRead(
                id=task.id,
                case_id=case.id,
                case_number=case.number,
                case_version=case.version,
                case_status=case.status,
                case_status_label=gettext(lang, status_label(CaseStatus(case.status))),
                service_name=(localized(service, "name", lang)) if service else "",
                applicant_name=applicant.full_name if applicant else None,
                due_on=task.due_on,
                due=task.due_on <= today,
                overdue=task.due_on < today,
            )
        )
    return out


async def case_checks(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> list[CommitmentCheck]:
    """The commitment checks of a case the caller may read (none for most cases)."""
    case = await cases_repo.get_case(session, principal, case_id)
    if case is None or not case.approved_on_commitment:
        return []
    return [
        CommitmentCheck(
            due_on=t.due_on, status=t.status, outcome=t.outcome, note=t.note, done_at=t.done_at
        )
        for t in await follow_ups_repo.verifications_of(session, case.id)
    ]


async def _open_task(
    session: AsyncSession, principal: Principal, task_id: uuid.UUID
) -> tuple[CaseSchedule, Case]:
    department = _verifier(principal)
    found = await follow_ups_repo.lock_verification(session, principal, task_id)
    # Another department's task is as invisible as one that does not exist.
    if found is None or found[1].department != department:
        raise NotFound()
    task, case = found
    if task.status != ScheduleStatus.PENDING:
        raise Conflict(_ALREADY_DONE)
    return task, case


async def _close(
    session: AsyncSession,
    principal: Principal,
    task: CaseSchedule,
    case: Case,
    finding: CommitmentEvent,
    note: str,
    event: str,
) -> None:
    """Closes the verification task with what was found, recorded on the case's audit trail."""
    task.status = COMMITMENT_CHECKS.advance(task.status, finding)
    task.outcome = OUTCOMES[finding]
    task.note = note
    task.done_by_user_id = principal.user_id
    task.done_at = utcnow()
    await audit.record(
        session,
        event,
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"task": str(task.id)},
    )
    await session.flush()


async def confirm(
    session: AsyncSession, principal: Principal, task_id: uuid.UUID, data: VerificationConfirm
) -> None:
    """The commitment checked out: the approval stands and the task is closed."""
    task, case = await _open_task(session, principal, task_id)
    await _close(
        session,
        principal,
        task,
        case,
        CommitmentEvent.CONFIRM,
        data.note,
        "case.commitment_verified",
    )


async def revoke(
    session: AsyncSession,
    principal: Principal,
    task_id: uuid.UUID,
    data: VerificationRevoke,
    lang: str,
) -> CaseRead:
    """The commitment was untrue: the approval is revoked through the workflow (which tells
    the applicant why through the outbox) and the task is closed as revoked."""
    task, case = await _open_task(session, principal, task_id)
    view = await cases_service.act(
        session,
        principal,
        case.id,
        CaseActionRequest(
            action=CaseAction.REVOKE,
            expected_version=data.expected_version,
            reason=data.reason,
            clause=data.clause,
        ),
        lang,
    )
    # The revocation cancelled the open task; it is closed with what was found instead.
    await _close(
        session,
        principal,
        task,
        case,
        CommitmentEvent.REVOKE,
        data.reason,
        "case.commitment_untrue",
    )
    return view


# 好差评 follow-ups ----------------------------------------------------------------------------

_FOLLOW_UP_DONE = N_("This follow-up has already been recorded. Reload the list.")


def _supervised(principal: Principal) -> tuple[str, str | None]:
    """(district, department or None for all) whose follow-ups the caller works."""
    if (
        principal.staff_id is None
        or principal.district is None
        or not principal.can(Permission.FOLLOW_UP_RATINGS)
    ):
        raise PermissionDenied()
    if Role.DISTRICT_ADMIN in principal.roles:
        return principal.district, None
    return principal.district, principal.department


def _follow_up_read(task: FollowUpTask, rating: Rating, number: str) -> FollowUpRead:
    return FollowUpRead(
        id=task.id,
        case_id=task.case_id,
        case_number=number,
        department=task.department,
        score=rating.score,
        comment=rating.comment,
        due_on=task.due_date,
        overdue=task.due_date < local_date(utcnow()),
        status=task.status,
        resolved_at=task.resolved_at,
        resolution=task.resolution,
    )


async def open_follow_ups(session: AsyncSession, principal: Principal) -> list[FollowUpRead]:
    district, department = _supervised(principal)
    rows = await follow_ups_repo.open_follow_ups(session, district, department)
    numbers = await cases_repo.case_numbers(session, {t.case_id for t, _r in rows})
    return [_follow_up_read(t, r, numbers.get(t.case_id, "")) for t, r in rows]


async def follow_ups_page(session: AsyncSession, principal: Principal, lang: str) -> dict[str, Any]:
    """Open call-backs, and rating averages per service, department and window."""
    district, _department = _supervised(principal)
    summary = await follow_ups_repo.rating_summary(session, district)
    services = {s.id: s for s in await catalog_repo.list_active(session, district)}
    names = await cases_repo.staff_names(
        session, {r["window"] for r in summary["window"] if r["window"]}
    )
    return {
        "tasks": await open_follow_ups(session, principal),
        "by_service": [
            {
                "name": localized(services[r["key"]], "name", lang)
                if r["key"] in services
                else str(r["key"]),
                "count": r["count"],
                "average": r["average"],
            }
            for r in summary["service"]
        ],
        "by_department": summary["department"],
        "by_window": [
            {"name": names.get(r["window"], "–"), "count": r["count"], "average": r["average"]}
            for r in summary["window"]
        ],
    }


async def resolve_follow_up(
    session: AsyncSession, principal: Principal, task_id: uuid.UUID, data: FollowUpResolve
) -> FollowUpRead:
    """Records the outcome of the call-back once; a second attempt is a conflict."""
    district, department = _supervised(principal)
    found = await follow_ups_repo.lock_follow_up(session, district, task_id)
    # Another department's task is as invisible as one that does not exist.
    if found is None or (department is not None and found[0].department != department):
        raise NotFound()
    task, rating = found
    if task.status != FollowUpStatus.OPEN:
        raise Conflict(_FOLLOW_UP_DONE)
    task.status = FOLLOW_UPS.advance(task.status, FollowUpEvent.RESOLVE)
    task.resolution = data.resolution
    task.resolved_at = utcnow()
    task.resolved_by_user_id = principal.user_id
    await audit.record(
        session,
        "rating.follow_up_resolved",
        actor=principal,
        object_type="case",
        object_id=task.case_id,
        detail={"task": str(task.id)},
    )
    await session.flush()
    numbers = await cases_repo.case_numbers(session, {task.case_id})
    return _follow_up_read(task, rating, numbers.get(task.case_id, ""))
