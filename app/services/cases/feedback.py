"""What the public and applicants give back and look up: the status lookup by case number and
code, and the 好差评 rating with its follow-up for low scores."""

from __future__ import annotations

import hmac
import uuid

from app.domain.principal import Principal
from app.errors import (
    Conflict,
    NotFound,
)
from app.i18n import N_, gettext, localized
from app.models import (
    FollowUpTask,
    Rating,
)
from app.models.base import utcnow
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import follow_ups as follow_ups_repo
from app.repositories.unit_of_work import AsyncSession, IntegrityError
from app.schemas.cases import (
    CaseRead,
    PublicStatus,
    RatingCreate,
)
from app.services import audit, protection
from app.services.calendar import work_calendar
from app.services.cases.context import load_case
from app.services.cases.deadlines import exact_deadline, pauses_of, translated_deadline
from app.services.cases.views import case_view, timeline
from app.workflow.states import CaseStatus, status_label
from app.workflow.values import (
    local_date,
)

RATING_FOLLOW_UP_DAYS = 15


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
    deadline = exact_deadline(case, calendar, await pauses_of(session, case), local_date(utcnow()))
    return PublicStatus(
        number=case.number,
        service_name=localized(service, "name", lang),
        status=case.status,
        status_label=gettext(lang, status_label(CaseStatus(case.status))),
        deadline=translated_deadline(deadline, lang),
        timeline=[
            t.model_copy(update={"reason": None})
            for t in timeline(await cases_repo.events(session, case.id), lang)
        ],
    )


async def rate(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, data: RatingCreate, lang: str
) -> CaseRead:
    case, service = await load_case(session, principal, case_id)
    # An organisation's own application has no person to rate it.
    if principal.applicant_id is None or principal.applicant_id != case.applicant_id:
        raise NotFound()
    if case.status not in CaseStatus.RESULT_HANDED_OVER:
        raise Conflict(N_("You can rate the service once the result has been issued."))
    if await follow_ups_repo.rating_for(session, case.id) is not None:
        raise Conflict(N_("You have already rated this case. Thank you."))
    rating = Rating(
        case_id=case.id,
        applicant_id=principal.applicant_id,
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
