"""How the schooling consultation plugs into the case engine. The catalog routes it to the
education department and asks for the child's date of birth (0 to 18, checked when answered),
the district for school and the family's hukou; this type refuses a Shanghai hukou at
submission with the reason, and shows the case's sessions and where to book them."""

from __future__ import annotations

from app.domain.principal import Principal
from app.errors import AppError
from app.i18n import N_
from app.models import Application, Case, Service
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import CaseRead
from app.services.schooling.sessions import SERVICE_CODE as CONSULTATION_SERVICE
from app.services.schooling.sessions import sessions_view
from app.services.service_types import ServiceType


class ShanghaiHukouNotCovered(AppError):
    """Told, not silently refused: a Shanghai hukou child enrols the ordinary way."""

    status_code = 422
    code = "shanghai_hukou_not_covered"
    title = N_("This consultation is for families without a Shanghai hukou")
    default_detail = N_(
        "This consultation is for talent families without a Shanghai hukou (foreigners and "
        "Hong Kong, Macao and Taiwan residents included). A child with a Shanghai hukou enrols "
        "under the ordinary compulsory-schooling rules of the hukou district: ask the education "
        "bureau of that district, or change your answer if your family's hukou is elsewhere."
    )


class SchoolingConsultation(ServiceType):
    name = CONSULTATION_SERVICE

    def handles(self, service: Service) -> bool:
        return service.code == CONSULTATION_SERVICE

    async def on_submitted(self, session: AsyncSession, case: Case) -> None:
        # The rules' verdict already says so on the questions page; submission refuses too,
        # so the API and a stale page get the same explanation (the request rolls back).
        application = await session.get(Application, case.application_id)
        if application is not None and application.answers.get("hukou") == "shanghai":
            raise ShanghaiHukouNotCovered()

    async def extend_view(
        self,
        session: AsyncSession,
        view: CaseRead,
        case: Case,
        principal: Principal,
        lang: str,
    ) -> None:
        view.sessions = await sessions_view(session, case, principal, lang)
