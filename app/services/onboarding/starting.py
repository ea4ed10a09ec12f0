"""The verified employer starts its new hire's onboarding bundle: the draft is opened in the
person's name with the employer named on it, and the person is told to complete the one form
(the facts are theirs to give). The person may also start it themselves (the journey)."""

from __future__ import annotations

import uuid

from app.domain.enums import IdKind, Permission
from app.domain.principal import Principal
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import Application
from app.repositories import accounts as accounts_repo
from app.repositories import catalog as catalog_repo
from app.repositories import onboarding as onboarding_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.onboarding import HireStart
from app.services import audit, notifications, protection, service_types
from app.services.applications.known_facts import identity_facts
from app.services.applications.questions import asked_fields
from app.workflow.applications import ApplicationStatus
from app.workflow.onboarding import ONBOARDING_SERVICE
from app.workflow.organisations import OrganisationStatus
from app.workflow.states import CaseStatus

ERR_NO_ACCOUNT = N_(
    "No account is registered with this passport number. Ask your new hire to register on "
    "the portal with their passport first."
)
ERR_IN_PROGRESS = N_("This person's onboarding has already been submitted.")
ERR_NOT_VERIFIED = N_(
    "Your organisation can start an onboarding once the district has verified its registration."
)


async def start_for_hire(session: AsyncSession, principal: Principal, data: HireStart) -> uuid.UUID:
    """Opens (or finds) the person's draft with the employer named; returns its id."""
    if principal.employer_id is None or not principal.can(Permission.CONFIRM_EMPLOYMENT):
        raise PermissionDenied()
    organisation = await accounts_repo.get_employer(session, principal.employer_id)
    if organisation is None:
        raise PermissionDenied()
    if OrganisationStatus(organisation.status) is not OrganisationStatus.VERIFIED:
        raise PermissionDenied(ERR_NOT_VERIFIED)
    service = await catalog_repo.get_by_code(session, organisation.district, ONBOARDING_SERVICE)
    if service is None or not service.is_active:
        raise NotFound(N_("This service is not available."))
    index = protection.id_index(IdKind.PASSPORT, data.passport_number)
    person = await onboarding_repo.applicant_by_id_index(session, index)
    if person is None:
        raise ValidationFailed.on_field("passport_number", ERR_NO_ACCOUNT)
    draft = None
    for app, case in await onboarding_repo.applications_of(session, person.id, service.id):
        if case is not None and CaseStatus(case.status) not in CaseStatus.FINAL:
            raise Conflict(ERR_IN_PROGRESS)
        if ApplicationStatus(app.status) is ApplicationStatus.DRAFT:
            draft = app
    if draft is None:
        wanted = set(asked_fields(service))
        profile = {k: v for k, v in dict(person.profile_facts).items() if k in wanted}
        known = {k: v for k, v in identity_facts(person).items() if k in wanted}
        draft = Application(
            applicant_id=person.id,
            service_id=service.id,
            status=ApplicationStatus.DRAFT,
            answers={**profile, **known},
            documents={},
            channel="web",
            filed_by_user_id=principal.user_id,
        )
        session.add(draft)
    # The employer that starts it is the one named on it (it sees the same progress).
    draft.answers = {**draft.answers, "employer_uscc": organisation.uscc}
    await session.flush()
    # A citizen is refused here as on their own start (the bundle is not theirs).
    await service_types.for_service(service).on_draft_opened(session, draft)
    await audit.record(
        session,
        "onboarding.started_by_employer",
        actor=principal,
        object_type="application",
        object_id=draft.id,
        detail={"organisation": str(organisation.id)},
        district=service.district,
    )
    contact = await onboarding_repo.person_of(session, person.id)
    await notifications.enqueue(
        session,
        recipient_user_id=person.user_id,
        template="onboarding.started_by_employer",
        payload={"organisation_name": organisation.name},
        language=contact[1] if contact else "en",
        dedup_key=f"onboarding:{draft.id.hex}:started",
    )
    return draft.id
