"""A bundle from draft to acceptance: started for the district's bundle service, waiting at
intake for outside data still missing, released once it arrives."""

from __future__ import annotations

import uuid

from app.domain.enums import District
from app.domain.principal import Principal
from app.models import Application, Case
from app.models.base import utcnow
from app.repositories import cases as cases_repo
from app.repositories import verification as verification_repo
from app.repositories.unit_of_work import AsyncSession
from app.services.applications import journey as application_journey
from app.services.calendar import work_calendar
from app.services.cases import act_as_system
from app.services.settlement import records
from app.services.settlement.bundle import S, both_languages, bundle_service, waiting_reason
from app.services.settlement.late_needs import (
    LATE_NEEDS_NOTICE,
    LATE_NEEDS_WORKING_DAYS,
    late_needs,
    recheck_eligibility,
)
from app.workflow.states import CaseAction
from app.workflow.values import ActionPayload, local_date


async def start(
    session: AsyncSession, principal: Principal, district: District, *, channel: str = "web"
) -> Application:
    """The applicant's bundle draft (a new one, or the one they left), with the outside systems
    asked for their records."""

    service = await bundle_service(session, district.value)
    return await application_journey.start(session, principal, service.id, channel=channel)


async def after_submit(session: AsyncSession, case: Case) -> None:
    """A bundle submitted while a system has not answered waits at intake for its data."""
    assert case.application_id is not None
    rows = await verification_repo.for_application(session, case.application_id)
    waiting = records.outstanding(rows)
    if waiting:
        await act_as_system(
            session,
            case.id,
            CaseAction.WAIT_FOR_DATA,
            payload=ActionPayload(reason=waiting_reason([r.system for r in waiting])),
        )


async def after_verification(session: AsyncSession, application_id: uuid.UUID) -> None:
    """A bundle waiting for data goes back to intake once no system is outstanding, with the
    eligibility pre-check redone on the completed facts. When a system answered "no record" or
    refused meanwhile, what it was to provide is now the applicant's to give: the facts it hid
    from the form and the uploads it stood for are asked in one notice (一次性告知)."""
    case = await cases_repo.get_case_by_application(session, application_id)
    if case is None or case.status != S.AWAITING_DATA:
        return
    rows = await verification_repo.for_application(session, application_id)
    if records.outstanding(rows):
        return
    await recheck_eligibility(session, case)
    needs = await late_needs(session, case, "en")
    if needs is None or needs.empty:
        await act_as_system(session, case.id, CaseAction.RECEIVE_DATA)
        return
    # Straight from waiting to the one notice: no "on to the window" message before it.
    calendar = await work_calendar(session)
    due_on = calendar.add_working_days(local_date(utcnow()), LATE_NEEDS_WORKING_DAYS)
    await act_as_system(
        session,
        case.id,
        CaseAction.REQUEST_SUPPLEMENT,
        payload=ActionPayload(
            reason=both_languages(LATE_NEEDS_NOTICE),
            items=needs.items,
            due_on=due_on,
        ),
    )
