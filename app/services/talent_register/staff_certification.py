"""An organisation applies for its staff member's high-level talent classification (issue 16,
point 5): a verified organisation picks one of the people it has confirmed as its employees,
gives the facts the district's criteria read, and files the case in the person's name with
itself named as employer. The talent office decides it like any classification; the approval
writes the register entry with the organisation recorded (``service_type``)."""

from __future__ import annotations

import uuid
from typing import Any

from app.domain.principal import Principal
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import Case, Employer, Service
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import claims as claims_repo
from app.repositories import talent_register as repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import VALUE_LABELS, DecisionStatus, load_library
from app.schemas.cases import CaseRead
from app.schemas.talent_register import ConfirmedStaffRead, StaffCertificationRequest
from app.services import notifications
from app.services.cases.filed import open_filed_case
from app.services.cases.views import case_view
from app.services.talent_register.views import CERTIFICATION_SERVICE
from app.workflow.organisations import OrganisationStatus
from app.workflow.states import CaseStatus
from app.workflow.values import local_date

ERR_NOT_VERIFIED = N_(
    "Your organisation can apply for a classification once the district has verified its "
    "registration."
)
ERR_OPEN = N_("A classification of this person is already being decided (case {case}).")
ERR_CRITERIA = N_("The classification's conditions are not met: {reasons}")
# Decided (approved, refused, withdrawn …): a classification no longer being decided.
_SETTLED = sorted(s.value for s in CaseStatus.SETTLED)


async def _organisation(session: AsyncSession, principal: Principal) -> Employer:
    if principal.employer_id is None:
        raise PermissionDenied()
    organisation = await accounts_repo.get_employer(session, principal.employer_id)
    if organisation is None:
        raise PermissionDenied()
    if OrganisationStatus(organisation.status) is not OrganisationStatus.VERIFIED:
        raise PermissionDenied(ERR_NOT_VERIFIED)
    return organisation


async def _service(session: AsyncSession, organisation: Employer) -> Service:
    service = await claims_repo.service_by_code(
        session, organisation.district, CERTIFICATION_SERVICE
    )
    if service is None:
        raise NotFound(N_("This service is not available."))
    return service


async def confirmed_staff(session: AsyncSession, principal: Principal) -> list[ConfirmedStaffRead]:
    """The verified organisation's confirmed employees, with any classification case open."""
    organisation = await _organisation(session, principal)
    service = await _service(session, organisation)
    people = await repo.confirmed_staff(session, organisation.id)
    open_cases = await repo.open_cases_of(session, [p.id for p in people], service.id, _SETTLED)
    return [
        ConfirmedStaffRead(
            applicant_id=p.id,
            name=p.full_name,
            id_number_masked=p.id_number_masked,
            open_case_number=open_cases.get(p.id),
        )
        for p in people
    ]


async def staff_member(
    session: AsyncSession, principal: Principal, applicant_id: uuid.UUID
) -> ConfirmedStaffRead:
    """One confirmed employee; anyone else (another organisation's staff) is not found."""
    for member in await confirmed_staff(session, principal):
        if member.applicant_id == applicant_id:
            return member
    raise NotFound()


def form_choices(lang: str) -> dict[str, list[tuple[str, str, None]]]:
    """The answers the form offers for each fact, by name in the reader's language."""
    return {
        fact: [(code, label.get(lang), None) for code, label in VALUE_LABELS[fact].items()]
        for fact in ("professional_title", "highest_degree")
    }


def _facts(organisation: Employer, data: StaffCertificationRequest) -> dict[str, Any]:
    return {
        "employer_district": organisation.district,
        "professional_title": data.professional_title,
        "highest_degree": data.highest_degree,
        "annual_salary_cny": data.annual_salary_cny,
    }


def _checked(service: Service, facts: dict[str, Any], lang: str) -> dict[str, Any]:
    """The policy's result for the facts given; refused with the reasons when not met."""
    assert service.policy_id is not None
    try:
        result = load_library().evaluate(
            facts, local_date(utcnow()), policy_ids=[service.policy_id], lang=lang
        )[0]
    except ValueError as exc:  # a value outside the vocabulary
        raise ValidationFailed(N_("Check the values given.")) from exc
    dumped: dict[str, Any] = result.model_dump(mode="json")
    if result.status != DecisionStatus.ELIGIBLE.value:
        reasons = "; ".join(
            str(c["message"]) for c in dumped["criteria"] if c.get("result") == "false"
        )
        raise ValidationFailed(ERR_CRITERIA, params={"reasons": reasons})
    return dumped


async def _file(
    session: AsyncSession,
    principal: Principal,
    service: Service,
    result: dict[str, Any],
    organisation: Employer,
    applicant_id: uuid.UUID,
    data: StaffCertificationRequest,
) -> Case:
    return await open_filed_case(
        session,
        principal,
        service,
        result,
        parties={
            "applicant_id": applicant_id,
            "employer_id": organisation.id,
            "employer_uscc": organisation.uscc,
            # The organisation files it: its own application confirms the employment.
            "employer_confirmed": True,
        },
        event_detail={
            "filed_by_organisation": str(organisation.id),
            "statement": (data.statement or "")[:2000],
        },
        audit_detail={"organisation": str(organisation.id), "for_applicant": str(applicant_id)},
    )


async def apply_for_staff(
    session: AsyncSession,
    principal: Principal,
    applicant_id: uuid.UUID,
    data: StaffCertificationRequest,
    lang: str,
) -> CaseRead:
    """Files the classification case of the organisation's confirmed employee."""
    organisation = await _organisation(session, principal)
    service = await _service(session, organisation)
    person = await repo.confirmed_employee(session, organisation.id, applicant_id)
    if person is None:
        raise NotFound()
    # A double click waits here for the first filing's transaction, then finds its case.
    await accounts_repo.lock_applicant(session, person.id)
    open_cases = await repo.open_cases_of(session, [person.id], service.id, _SETTLED)
    if person.id in open_cases:
        raise Conflict(ERR_OPEN, params={"case": open_cases[person.id]})
    result = _checked(service, _facts(organisation, data), lang)
    case = await _file(session, principal, service, result, organisation, person.id, data)
    contact = await accounts_repo.get_applicant_by_id(session, person.id)
    if contact is not None:
        await notifications.enqueue(
            session,
            recipient_user_id=contact.user_id,
            template="talent_register.certification_filed",
            payload={"organisation_name": organisation.name, "case_number": case.number},
            language=contact.user.language,
            dedup_key=f"certification_filed:{case.id.hex}",
            case_id=case.id,
            read_back=False,
        )
    return await case_view(session, principal, case.id, lang)
