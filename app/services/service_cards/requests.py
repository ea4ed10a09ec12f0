"""A card holder's service requests: housing, medical (family doctor, specialist referral),
children's schooling, other. Each is a case of its own catalog service (``part_of:
service_card``), so the case engine routes it to the service's department, promises its time
in working days, lets the department answer (its decision's reason is the answer) and lets the
holder rate it (好差评) once the result is out.

The holder's card already stands for the intake check the one window makes on an application:
a request opens accepted, its clock running from the day it is filed (as a bundle's parts are
accepted once at the window)."""

from __future__ import annotations

import uuid

from app.domain.labels import DEPARTMENT
from app.domain.principal import Principal
from app.errors import Conflict, NotFound
from app.i18n import N_, gettext, localized
from app.models import Application, Case, CaseEvent
from app.models.base import utcnow
from app.repositories import catalog as catalog_repo
from app.repositories import service_cards as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.service_cards import CardRequestCreate, CardRequestRead
from app.services import audit, notifications, protection
from app.services.calendar import work_calendar
from app.services.cases import numbers as case_numbers
from app.services.cases.context import message_payload
from app.services.cases.deadlines import stored_deadline, translated_deadline
from app.workflow.applications import ApplicationStatus
from app.workflow.service_cards import REQUESTS, CardStatus, RequestKind, is_valid
from app.workflow.states import ActorRole, CaseAction, CaseStatus, status_label
from app.workflow.values import local_date

ERR_CARD_NOT_VALID = N_(
    "This card is not valid (revoked or expired): requests can be filed only with a valid card."
)
KIND_FIELD = "card_request_kind"
DETAILS_FIELD = "card_request_details"
CARD_FIELD = "service_card"
_KINDS = frozenset(k.value for k in RequestKind)


async def file_request(
    session: AsyncSession,
    principal: Principal,
    card_id: uuid.UUID,
    data: CardRequestCreate,
    lang: str,
) -> Case:
    if principal.applicant_id is None:
        raise NotFound()
    card = await repo.get_card(session, principal, card_id, lock=True)
    if card is None:
        raise NotFound()
    now = utcnow()
    today = local_date(now)
    if not is_valid(CardStatus(card.status), card.valid_until, today):
        raise Conflict(ERR_CARD_NOT_VALID)
    spec = REQUESTS[data.kind]
    service = await catalog_repo.get_by_code(session, card.district, spec.service_code)
    if service is None or not service.is_active:
        raise NotFound(N_("This service is not available."))
    application = Application(
        id=uuid.uuid4(),
        applicant_id=principal.applicant_id,
        service_id=service.id,
        status=ApplicationStatus.SUBMITTED.value,
        answers={KIND_FIELD: data.kind.value, DETAILS_FIELD: data.details, CARD_FIELD: card.number},
        documents={},
        declaration_at=now,
        sensitive_consent_at=now,
        submitted_at=now,
        channel="web",
    )
    session.add(application)
    await session.flush()
    calendar = await work_calendar(session)
    number = await case_numbers.next_number(session, card.district, today)
    case = Case(
        id=uuid.uuid4(),
        number=number,
        lookup_code_enc=protection.cipher().encrypt(uuid.uuid4().hex[:8], "case.lookup_code"),
        application_id=application.id,
        applicant_id=principal.applicant_id,
        service_id=service.id,
        district=service.district,
        department=service.department,
        status=CaseStatus.ACCEPTED.value,
        version=1,
        channel="web",
        submitted_at=now,
        accepted_on=today,
        time_limit_days=service.time_limit_days,
        deadline_date=calendar.add_working_days(today, service.time_limit_days),
        pending_materials=[],
    )
    session.add(case)
    await session.flush()
    session.add(
        CaseEvent(
            case_id=case.id,
            occurred_at=now,
            action=CaseAction.ACCEPT.value,
            from_status=None,
            to_status=CaseStatus.ACCEPTED.value,
            actor_user_id=principal.user_id,
            actor_role=ActorRole.APPLICANT.value,
            detail={"channel": "web", "service_card": card.number, "kind": data.kind.value},
        )
    )
    await audit.record(
        session,
        "case.submitted",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"service": service.code, "service_card": card.number},
        district=service.district,
    )
    await notifications.enqueue(
        session,
        recipient_user_id=principal.user_id,
        template="case.accept",
        payload=message_payload(case, service, principal.language),
        language=principal.language,
        dedup_key=f"case:{case.id}:accept",
        case_id=case.id,
        read_back=False,
    )
    return case


async def request_views(
    session: AsyncSession, principal: Principal, applicant_id: uuid.UUID, lang: str
) -> list[CardRequestRead]:
    calendar = await work_calendar(session)
    today = local_date(utcnow())
    out = []
    for case, service, application in await repo.requests_of(session, principal, applicant_id):
        answers = application.answers if application else {}
        kind = str(answers.get(KIND_FIELD) or RequestKind.OTHER.value)
        status = CaseStatus(case.status)
        decided = status in CaseStatus.APPROVAL_STANDS or status is CaseStatus.REJECTED
        deadline = stored_deadline(case, calendar, today, provisional=case.accepted_on is None)
        out.append(
            CardRequestRead(
                case_id=case.id,
                number=case.number,
                kind=kind,
                kind_label=gettext(lang, REQUESTS[RequestKind(kind)].label)
                if kind in _KINDS
                else kind,
                service_name=localized(service, "name", lang),
                department_label=gettext(lang, DEPARTMENT.get(case.department, case.department)),
                status=case.status,
                status_label=gettext(lang, status_label(status)),
                submitted_at=case.submitted_at,
                deadline=translated_deadline(deadline, lang),
                details=str(answers.get(DETAILS_FIELD) or ""),
                answer=case.decision_reason if decided else None,
                answered=decided,
            )
        )
    return out


async def file_and_read(
    session: AsyncSession,
    principal: Principal,
    card_id: uuid.UUID,
    data: CardRequestCreate,
    lang: str,
) -> CardRequestRead:
    case = await file_request(session, principal, card_id, data, lang)
    assert principal.applicant_id is not None
    views = await request_views(session, principal, principal.applicant_id, lang)
    return next(v for v in views if v.case_id == case.id)
