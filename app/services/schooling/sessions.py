"""A consultation's sessions: the bookings made for its case (through the appointments of the
service points) and the points of its district where another can be booked."""

from __future__ import annotations

from app.domain.principal import Principal
from app.i18n import localized
from app.models import Case
from app.repositories import service_points as points_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.schooling import ConsultationSessions, SessionPoint
from app.services.service_points.views import appointment_views
from app.workflow.states import CaseStatus

SERVICE_CODE = "schooling_consultation"


async def sessions_view(
    session: AsyncSession, case: Case, principal: Principal, lang: str
) -> ConsultationSessions:
    points = await points_repo.points_offering(session, case.district, SERVICE_CODE)
    booked = await points_repo.appointments_of_case(session, case.id)
    return ConsultationSessions(
        points=[
            SessionPoint(
                code=p.code, name=localized(p, "name", lang), address=localized(p, "address", lang)
            )
            for p in points
        ],
        appointments=await appointment_views(session, booked, lang),
        can_book=principal.applicant_id == case.applicant_id
        and CaseStatus(case.status) not in CaseStatus.FINAL,
    )
