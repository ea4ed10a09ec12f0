"""The talent confirmation letter (外籍人才认证函): a staff member of the bundle's district and
department decides to issue it, for a person whose pre-check gave class A or B; the letter is
an issued document (bilingual PDF, verifiable by its QR code) listed on the case."""

from __future__ import annotations

import uuid

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import Conflict, NotFound, PermissionDenied
from app.i18n import N_
from app.models import Case, IssuedDocument
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import issued_documents as issued_repo
from app.repositories import onboarding as onboarding_repo
from app.repositories.unit_of_work import AsyncSession
from app.services import audit
from app.services import documents as wallet
from app.services.cases.context import load_case, staff_name
from app.services.issued_documents import letters, on_case
from app.services.issued_documents.issuing import issue_letter
from app.services.onboarding import notices
from app.workflow.onboarding import ONBOARDING_SERVICE, PermitClass
from app.workflow.states import CaseStatus

ERR_CLASS = N_(
    "The letter confirms class A or B talent; this person's pre-check did not give class A or B."
)
ERR_ISSUED = N_("This person's talent confirmation letter has already been issued.")
ERR_ENDED = N_("The letter cannot be issued on a bundle that was withdrawn or refused.")
# A bundle still running, or completed: the person is being (or has been) onboarded.
_OPEN_OR_DONE = frozenset({CaseStatus.IN_PROGRESS}) | CaseStatus.APPROVAL_STANDS
_CONFIRMED = frozenset({PermitClass.A.value, PermitClass.B.value})


def may_decide(principal: Principal) -> bool:
    return principal.staff_id is not None and principal.can(Permission.APPROVE_CASES)


async def letter_state(session: AsyncSession, case: Case) -> tuple[bool, bool]:
    """(issued already, may be issued now) for the bundle."""
    issued = await _issued(session, case) is not None
    record = await onboarding_repo.record_of(session, case.id)
    possible = (
        not issued
        and record is not None
        and record.permit_class in _CONFIRMED
        and CaseStatus(case.status) in _OPEN_OR_DONE
    )
    return issued, possible


async def issue(session: AsyncSession, principal: Principal, case_id: uuid.UUID) -> None:
    if not may_decide(principal):
        raise PermissionDenied()
    case, service = await load_case(session, principal, case_id)
    if service.code != ONBOARDING_SERVICE or case.parent_id is not None:
        raise NotFound()
    record = await onboarding_repo.record_of(session, case.id, for_update=True)
    if record is None:
        raise NotFound()
    if record.permit_class not in _CONFIRMED:
        raise Conflict(ERR_CLASS)
    if CaseStatus(case.status) not in _OPEN_OR_DONE:
        raise Conflict(ERR_ENDED)
    assert case.applicant_id is not None
    person = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
    assert person is not None
    employer = await accounts_repo.get_employer(session, case.employer_id)
    now = utcnow()
    doc = await issue_letter(
        session,
        letters.LetterFacts(
            case=case,
            service=service,
            person_name=person.full_name,
            nationality=person.nationality,
            permit_class=str(record.permit_class),
            employer_name=employer.name if employer else None,
            decided_at=now,
            staff_name=await staff_name(session, principal.staff_id) or "",
        ),
    )
    if doc is None:
        raise Conflict(ERR_ISSUED)
    await audit.record(
        session,
        "onboarding.letter_decided",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"document": str(doc.id), "permit_class": record.permit_class},
        district=case.district,
    )
    await notices.letter_issued(session, case)


async def _issued(session: AsyncSession, case: Case) -> IssuedDocument | None:
    return await issued_repo.by_subject(
        session, letters.CONFIRMATION_LETTER.code, letters.subject_ref(case)
    )


async def links(session: AsyncSession, case: Case) -> tuple[str, str] | None:
    """(download, public check) of the issued letter, for the person and their employer."""
    doc = await _issued(session, case)
    if doc is None:
        return None
    return f"/onboarding/{case.id}/letter.pdf", f"/verify/{doc.token}"


async def download(session: AsyncSession, principal: Principal, case: Case) -> wallet.Download:
    """The letter's PDF for the person and for the employer named on the bundle: the letter
    confirms the employer's hire, so unlike a decision it is the employer's to read too."""
    doc = await _issued(session, case)
    if doc is None:
        raise NotFound()
    return await on_case.deliver(session, principal, case, doc.id)
