"""一窗通办: a window clerk serves a walk-in end to end — find or register them, file any
service of the district with scanned documents, accept, print the receipt. The clerk who takes
the case in is recorded as first responsible (首问负责)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import segno

from app.config import get_settings
from app.domain.enums import IdKind, Permission
from app.domain.principal import Principal
from app.domain.windows import SERVICE_WINDOWS, ServiceWindow
from app.errors import Conflict, NotFound, PermissionDenied
from app.i18n import N_, localized
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.accounts import ApplicantRead, DomesticRegistration, OverseasRegistration
from app.schemas.cases import CaseActionRequest
from app.schemas.forms import WindowFiling
from app.services import accounts as accounts_service
from app.services import audit, protection
from app.services import cases as cases_service
from app.services import catalog as catalog_service
from app.services import documents as documents_service
from app.services.accounts import staff as staff_service
from app.services.applications import journey as application_journey
from app.services.applications import questions as application_questions
from app.services.catalog import ServiceView
from app.workflow.states import CaseAction, CaseStatus
from app.workflow.values import local_date

ERR_NOT_IN_DISTRICT = N_("This service is not offered in your district.")
# How long the employer has to confirm a walk-in's employment (assumed: the plans set no term).
EMPLOYER_ANSWER_WITHIN = timedelta(days=7)


def _require_clerk(principal: Principal) -> None:
    if not principal.can(Permission.HANDLE_WINDOW):
        raise PermissionDenied()


async def find(session: AsyncSession, clerk: Principal, id_kind: str, number: str) -> ApplicantRead:
    _require_clerk(clerk)
    kind = IdKind(id_kind) if id_kind in {k.value for k in IdKind} else IdKind.RESIDENT_ID
    return await staff_service.find_applicant_by_id_number(session, clerk, kind, number)


async def register_walk_in(
    session: AsyncSession, clerk: Principal, data: DomesticRegistration | OverseasRegistration
) -> uuid.UUID:
    """The walk-in's consent is recorded with channel ``window`` and the clerk in the audit log.

    The clerk is told if the email address or ID number is taken: a clerk can find applicants
    by ID number anyway, and serves the person in front of them. The ID was checked at the
    window, the email address was not (a typo would hand the online account to a stranger's
    mailbox), so the walk-in confirms it by the emailed link before signing in online; the
    clerk serves them at the window meanwhile."""
    _require_clerk(clerk)
    user = await accounts_service.register_applicant(
        session, data, channel="window", registered_by=clerk
    )
    await accounts_service.send_confirmation(session, user)
    applicant = await accounts_repo.get_applicant_for_user(session, user.id)
    assert applicant is not None
    return applicant.id


@dataclass
class Desk:
    applicant: ApplicantRead
    services: list[ServiceView]
    cases: list[Any]
    idempotency_key: str


async def applicant_desk(
    session: AsyncSession, clerk: Principal, applicant_id: uuid.UUID, lang: str
) -> Desk:
    _require_clerk(clerk)
    applicant = await staff_service.get_applicant(session, clerk, applicant_id)
    services = await catalog_service.list_services(session, lang, clerk.district)
    acting = await _acting_as(session, applicant_id)
    cases = [
        c
        for c in await cases_service.my_cases(session, acting, lang)
        if c.district == clerk.district
    ]
    return Desk(applicant, services, cases, uuid.uuid4().hex)


async def _acting_as(session: AsyncSession, applicant_id: uuid.UUID) -> Principal:
    applicant = await accounts_repo.get_applicant_by_id(session, applicant_id)
    if applicant is None:
        raise NotFound()
    return await accounts_service.build_principal(session, applicant.user, session_id=uuid.uuid4())


@dataclass
class ScannedFile:
    requirement: str
    kind: str
    filename: str
    chunks: AsyncIterator[bytes]


async def file_and_accept(
    session: AsyncSession,
    clerk: Principal,
    applicant_id: uuid.UUID,
    filing: WindowFiling,
    scans: list[ScannedFile],
    lang: str,
) -> uuid.UUID:
    """Files the service for the walk-in and accepts it at once (the same key twice: one case)."""
    service_id, answers, idempotency_key = filing.service_id, filing.answers, filing.idempotency_key
    originals_seen, pending_due_on = set(filing.original_seen), filing.pending_due_on
    _require_clerk(clerk)
    service = await catalog_service.get_service(session, service_id, lang)
    if service.district != clerk.district:
        raise NotFound(ERR_NOT_IN_DISTRICT)
    acting = await _acting_as(session, applicant_id)
    # A double click re-sends the same key: answer with the case the first click opened.
    assert acting.applicant_id is not None
    earlier = await cases_repo.get_application_by_key(session, acting.applicant_id, idempotency_key)
    if earlier is not None:
        case = await cases_repo.get_case_by_application(session, earlier.id)
        if case is not None:
            return case.id
        raise Conflict(N_("This filing is already being processed. Reload the page in a moment."))
    # Always a fresh application: the walk-in's own online draft is theirs to finish or drop.
    app = await application_journey.start_fresh(
        session, acting, service_id, channel="window", idempotency_key=idempotency_key
    )
    chosen: dict[str, uuid.UUID | None] = {}
    for scan in scans:
        doc = await documents_service.upload(
            session,
            clerk,
            owner_applicant_id=applicant_id,
            kind=scan.kind,
            filename=scan.filename,
            chunks=scan.chunks,
        )
        chosen[scan.requirement] = doc.id
    await application_journey.save(session, acting, app.id, answers, chosen)
    result = await application_journey.submit(
        session,
        acting,
        app.id,
        idempotency_key=idempotency_key,
        declaration=True,
        sensitive_consent=True,
        lang=lang,
        filed_by=clerk,
    )
    case_id = result.case.id
    if result.replayed:
        return case_id
    now = utcnow()
    for cd in await cases_repo.case_documents(session, case_id):
        if cd.requirement in originals_seen:
            cd.original_seen_by_user_id = clerk.user_id
            cd.original_seen_at = now
    missing = [
        m["code"]
        for m in service.materials
        if m.get("key") is False and str(m["code"]) not in chosen
    ]
    if missing and service.allows_missing_materials and pending_due_on:
        request = CaseActionRequest(
            action=CaseAction.ACCEPT_WITH_PENDING_MATERIALS,
            expected_version=result.case.version,
            items=[str(m) for m in missing],
            due_on=pending_due_on,
        )
    else:
        request = CaseActionRequest(action=CaseAction.ACCEPT, expected_version=result.case.version)
    clerk_view = await cases_service.case_view(session, clerk, case_id, lang)
    if request.action.value in clerk_view.allowed_actions:
        await cases_service.act(session, clerk, case_id, request, lang)
    elif CaseAction.REQUEST_EMPLOYER_CONFIRMATION.value in clerk_view.allowed_actions:
        # Not accepted yet: the employer confirms first, then the case is accepted (the receipt
        # says so, titled 收件回执 rather than 受理回执).
        employer_asked = CaseActionRequest(
            action=CaseAction.REQUEST_EMPLOYER_CONFIRMATION,
            expected_version=clerk_view.version,
            due_on=local_date(now) + EMPLOYER_ANSWER_WITHIN,
        )
        await cases_service.act(session, clerk, case_id, employer_asked, lang)
    await audit.record(
        session,
        "window.filed",
        actor=clerk,
        object_type="case",
        object_id=case_id,
        detail={"service": service.code},
    )
    return case_id


@dataclass
class Receipt:
    case_id: uuid.UUID
    number: str
    service_name: str
    applicant_name: str
    applicant_id_masked: str
    submitted_at: Any
    accepted_on: date | None
    deadline: Any
    lookup_code: str
    status_url: str
    lookup_url: str
    qr_svg: str
    clerk_name: str
    district: str
    accepted: bool
    # What happens instead of acceptance (msgid), told to the clerk and printed on the slip.
    instead: str | None
    documents: list[str]
    window: ServiceWindow | None


def _instead(status: CaseStatus, employer_first: bool) -> str:
    if status is CaseStatus.AWAITING_EMPLOYER:
        return N_(
            "Not accepted yet: sent to the employer for confirmation. The case is accepted after "
            "the employer confirms."
        )
    if employer_first:
        return N_(
            "Not accepted yet: this service needs the employer's confirmation first. Accept the "
            "case from its page once the employer has confirmed."
        )
    return N_("Not accepted yet: the documents were received and the department will decide.")


async def receipt(
    session: AsyncSession, clerk: Principal, case_id: uuid.UUID, lang: str
) -> Receipt:
    """受理回执 for an accepted case, 收件回执 (receipt of documents) for one that is not: what
    the walk-in takes home; the QR code opens the public status page."""
    _require_clerk(clerk)
    view = await cases_service.case_view(session, clerk, case_id, lang)
    case = await cases_repo.get_case(session, clerk, case_id)
    assert case is not None
    code = protection.cipher().decrypt(case.lookup_code_enc, "case.lookup_code")
    base = get_settings().base_url.rstrip("/")
    url = f"{base}/status?number={case.number}&code={code}"
    qr = segno.make(url, error="m").svg_inline(scale=3, dark="#0b0c0c", light="#ffffff")
    await audit.record(
        session, "case.receipt_printed", actor=clerk, object_type="case", object_id=case.id
    )
    accepted = view.accepted_on is not None
    model = await _service_model(session, case.service_id)
    employer_first = bool(model is not None and model.needs_employer_confirmation)
    return Receipt(
        case_id=case.id,
        number=case.number,
        service_name=view.service_name,
        applicant_name=view.applicant_name or "",
        applicant_id_masked=view.applicant_id_masked or "",
        submitted_at=view.submitted_at,
        accepted_on=view.accepted_on,
        deadline=view.deadline,
        lookup_code=code,
        status_url=url,
        lookup_url=f"{base}/status",
        qr_svg=qr,
        clerk_name=clerk.display_name,
        district=case.district,
        accepted=accepted,
        instead=None if accepted else _instead(CaseStatus(case.status), employer_first),
        documents=[str(d["name"]) for d in view.documents],
        window=SERVICE_WINDOWS.get(case.district),
    )


@dataclass
class FilingForm:
    service: ServiceView
    questions: list[Any]
    materials: list[Any]
    answers: dict[str, Any]


@dataclass
class MaterialRow:
    code: str
    name: str
    key: bool
    kind: str


async def filing_form(
    session: AsyncSession,
    clerk: Principal,
    applicant_id: uuid.UUID,
    service_id: uuid.UUID,
    lang: str,
) -> FilingForm:
    """The service's questions (pre-filled from the walk-in's profile) and its materials."""
    _require_clerk(clerk)
    service = await catalog_service.get_service(session, service_id, lang)
    if service.district != clerk.district:
        raise NotFound(ERR_NOT_IN_DISTRICT)
    applicant = await accounts_repo.get_applicant_by_id(session, applicant_id)
    if applicant is None:
        raise NotFound()
    model = await _service_model(session, service_id)
    questions = application_questions.questions_for(model, dict(applicant.profile_facts), lang)
    materials = [
        MaterialRow(
            str(m["code"]),
            str(localized(m, "name", lang)),
            bool(m.get("key")),
            str(m.get("kind") or "other"),
        )
        for m in service.materials
    ]
    return FilingForm(service, questions, materials, {q.fact: q.answer for q in questions})


async def _service_model(session: AsyncSession, service_id: uuid.UUID) -> Any:
    return await catalog_repo.get(session, service_id)
