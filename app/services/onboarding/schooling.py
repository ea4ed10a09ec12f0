"""The onboarding bundle's schooling step is the schooling consultation (``app.services.
schooling``): the person requests it from the step, which opens the consultation's own form
(the child's date of birth and the district for school, nothing the bundle asked) and links it
to the bundle; the education bureau answers it as any consultation, its sessions are booked
through the service points, and the step follows its status. Beside it, the district's
international-school information (``app/catalog/international_schools.yaml``)."""

from __future__ import annotations

import uuid
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from app.domain.principal import Principal
from app.errors import Conflict, NotFound, PermissionDenied
from app.i18n import N_, gettext, localized
from app.models import Case, OnboardingRecord
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.onboarding import InternationalSchool, LinkedConsultation
from app.services import audit
from app.services.applications import journey
from app.services.schooling.sessions import SERVICE_CODE as CONSULTATION_SERVICE
from app.services.schooling.sessions import sessions_view
from app.workflow.onboarding import StepStatus, is_citizen, step_status_of_case
from app.workflow.states import CaseStatus, status_label

ERR_NOT_OPEN = N_("The schooling consultation can be requested once the residence permit is done.")
STEP = "schooling"


@lru_cache(maxsize=1)
def _schools() -> dict[str, list[dict[str, Any]]]:
    text = resources.files("app.catalog").joinpath("international_schools.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


def schools_for(district: str, lang: str) -> list[InternationalSchool]:
    return [
        InternationalSchool(
            name=localized(s, "name", lang),
            curriculum=localized(s, "curriculum", lang),
            ages=localized(s, "ages", lang),
            address=localized(s, "address", lang),
            source=s.get("source"),
            assumed=bool(s.get("assumed")),
        )
        for s in _schools().get(district, [])
    ]


async def linked_case(session: AsyncSession, record: OnboardingRecord | None) -> Case | None:
    if record is None or record.schooling_application_id is None:
        return None
    return await cases_repo.get_case_by_application(session, record.schooling_application_id)


def own_state(case: Case | None) -> StepStatus:
    """No consultation submitted yet: the step is the person's to open."""
    return StepStatus.OPEN if case is None else step_status_of_case(CaseStatus(case.status))


async def linked_view(
    session: AsyncSession, record: OnboardingRecord, principal: Principal, mine: bool, lang: str
) -> LinkedConsultation | None:
    if record.schooling_application_id is None:
        return None
    case = await linked_case(session, record)
    if case is None:
        return LinkedConsultation(application_id=record.schooling_application_id, mine=mine)
    return LinkedConsultation(
        application_id=record.schooling_application_id,
        mine=mine,
        submitted=True,
        case_id=case.id,
        case_number=case.number,
        status_label=gettext(lang, status_label(CaseStatus(case.status))),
        sessions=await sessions_view(session, case, principal, lang),
    )


async def request(
    session: AsyncSession,
    principal: Principal,
    bundle: Case,
    record: OnboardingRecord,
    status: StepStatus | None,
) -> uuid.UUID:
    """Opens (or finds) the consultation's form for the person and links it to the bundle;
    returns the application's id. Asking again returns the same application."""
    if principal.applicant_id is None or principal.applicant_id != bundle.applicant_id:
        raise PermissionDenied(N_("Only the person themselves requests the consultation."))
    if record.schooling_application_id is not None:
        return record.schooling_application_id
    if status is not StepStatus.OPEN:
        raise Conflict(ERR_NOT_OPEN)
    service = await catalog_repo.get_by_code(session, bundle.district, CONSULTATION_SERVICE)
    if service is None or not service.is_active:
        raise NotFound(N_("This service is not available."))
    draft = await journey.start(session, principal, service.id)
    bundle_app = (
        await cases_repo.get_application_by_id(session, bundle.application_id)
        if bundle.application_id
        else None
    )
    nationality = (bundle_app.answers if bundle_app else {}).get("nationality")
    if (
        isinstance(nationality, str)
        and not is_citizen(nationality)
        and "hukou" not in draft.answers
    ):
        # A foreign national has no PRC hukou: known from the bundle, so not asked again.
        draft.answers = {**draft.answers, "hukou": "none"}
    record.schooling_application_id = draft.id
    await session.flush()
    await audit.record(
        session,
        "onboarding.consultation_linked",
        actor=principal,
        object_type="case",
        object_id=bundle.id,
        detail={"application": str(draft.id)},
        district=bundle.district,
    )
    return draft.id
