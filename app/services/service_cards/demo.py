"""A demo Yangpu talent service card: 李伟's service_card application, approved, so ``make
run`` shows a card with its QR code and lets him file requests. Idempotent: a holder with a
card is left as he is."""

from __future__ import annotations

import uuid

from app.models import Application, Case, CaseEvent
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import catalog as catalog_repo
from app.repositories import service_cards as repo
from app.repositories.unit_of_work import AsyncSession
from app.services import protection
from app.services.applications.questions import evaluate
from app.services.calendar import work_calendar
from app.services.cases import numbers as case_numbers
from app.services.service_cards.issuing import issue
from app.workflow.applications import ApplicationStatus
from app.workflow.service_cards import CARD_SERVICE
from app.workflow.states import ActorRole, CaseAction, CaseStatus
from app.workflow.values import local_date

HOLDER_EMAIL = "li.wei@demo.example.cn"
_ANSWERS: dict[str, object] = {
    "talent_programs": ["shanghai_pujiang"],
    "professional_title": "intermediate",
    "annual_salary_cny": 450000,
    "employer_district": "yangpu",
}


async def load(session: AsyncSession) -> bool:
    user = await accounts_repo.get_user_by_email(session, HOLDER_EMAIL)
    applicant = await accounts_repo.get_applicant_for_user(session, user.id) if user else None
    service = await catalog_repo.get_by_code(session, "yangpu", CARD_SERVICE)
    if applicant is None or service is None or await repo.active_of(session, applicant.id):
        return False
    now = utcnow()
    today = local_date(now)
    # The rules' own result with its receipt, as a submission records it.
    result = evaluate(service, _ANSWERS, today, "zh")
    assert result is not None
    application = Application(
        id=uuid.uuid4(),
        applicant_id=applicant.id,
        service_id=service.id,
        status=ApplicationStatus.SUBMITTED.value,
        answers=_ANSWERS,
        documents={},
        submitted_at=now,
        declaration_at=now,
        sensitive_consent_at=now,
        channel="demo",
    )
    session.add(application)
    await session.flush()
    calendar = await work_calendar(session)
    number = await case_numbers.next_number(session, "yangpu", today)
    case = Case(
        id=uuid.uuid4(),
        number=number,
        lookup_code_enc=protection.cipher().encrypt(uuid.uuid4().hex[:8], "case.lookup_code"),
        application_id=application.id,
        applicant_id=applicant.id,
        service_id=service.id,
        district="yangpu",
        department=service.department,
        status=CaseStatus.APPROVED.value,
        version=1,
        channel="demo",
        submitted_at=now,
        accepted_on=today,
        time_limit_days=service.time_limit_days,
        deadline_date=calendar.add_working_days(today, service.time_limit_days),
        eligibility_status=str(result["status"]),
        eligibility_result=result,
        eligibility_receipt=result["receipt"],
        employer_confirmed=True,
        decision_reason=None,
        pending_materials=[],
    )
    session.add(case)
    await session.flush()
    session.add(
        CaseEvent(
            case_id=case.id,
            occurred_at=now,
            action=CaseAction.APPROVE.value,
            from_status=None,
            to_status=CaseStatus.APPROVED.value,
            actor_user_id=None,
            actor_role=ActorRole.SYSTEM.value,
            reason=None,
            detail={"demo": True},
        )
    )
    await issue(session, case, now)
    return True
