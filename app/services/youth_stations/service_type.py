"""The youth-station service's days used this year are the portal's to count, not the
applicant's to state: the rule's ``youth_station_days_used_this_year`` is the nights of the
stays the portal recorded this year (checked in or out) plus the days the applicant declares
for stays elsewhere (``youth_station_days_elsewhere``, asked). The fact is not asked; the
application shows where its number came from, the declared part marked as declared."""

from __future__ import annotations

from app.i18n import N_, gettext
from app.models import Application, Service
from app.models.base import utcnow
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import VerificationView
from app.services.service_types import ServiceType, VerifiedRecords
from app.services.youth_stations.days import DECLARED_FACT, this_year
from app.workflow.applications import ApplicationStatus
from app.workflow.values import local_date

USED_FACT = "youth_station_days_used_this_year"
SYSTEM = "youth_station_stays"
LABEL = N_("Youth-station days this year")
STATUS = N_("Counted by the portal")
NOTE = N_(
    "{total} days: {counted} counted by the portal from your recorded stays, and {declared} "
    "declared by you for stays elsewhere (declared, not checked)."
)


class YouthStation(ServiceType):
    name = "youth_station"

    def handles(self, service: Service) -> bool:
        return service.code == "youth_station"

    async def on_draft_opened(self, session: AsyncSession, application: Application) -> None:
        await self._count(session, application)

    async def verified_records(
        self, session: AsyncSession, service: Service, application: Application
    ) -> VerifiedRecords:
        counted, declared = await self._count(session, application)
        now = utcnow()

        def views(lang: str) -> list[VerificationView]:
            total = counted + declared
            return [
                VerificationView(
                    system=SYSTEM,
                    system_label=gettext(lang, LABEL),
                    status="verified",
                    status_label=gettext(lang, STATUS),
                    facts={USED_FACT: total},
                    verified_at=now,
                    note=gettext(
                        lang, NOTE, {"total": total, "counted": counted, "declared": declared}
                    ),
                )
            ]

        return VerifiedRecords(hidden=frozenset({USED_FACT}), views=views)

    async def _count(self, session: AsyncSession, application: Application) -> tuple[int, int]:
        """The portal's count and the declaration; a draft's answer is kept in step with them
        (a submitted application's answers stay as they were decided)."""
        value = application.answers.get(DECLARED_FACT)
        declared = int(value) if isinstance(value, int | float) and value > 0 else 0
        year = local_date(utcnow()).year
        counted = (await this_year(session, application.applicant_id, year, None)).counted
        if application.status == ApplicationStatus.DRAFT.value:
            total = counted + declared
            if application.answers.get(USED_FACT) != total:
                application.answers = {**application.answers, USED_FACT: total}
        else:
            stored = application.answers.get(USED_FACT)
            if isinstance(stored, int):
                return max(stored - declared, 0), declared
        return counted, declared
