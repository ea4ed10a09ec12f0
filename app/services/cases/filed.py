"""A case an organisation files from its workspace (its own claim, or a staff member's
classification): submitted at once, with the rules' result it was filed on, the submit event
and the audit entry, in the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any

from app.domain.principal import Principal
from app.models import Case, CaseEvent, Service
from app.models.base import utcnow
from app.repositories import claims as claims_repo
from app.repositories.unit_of_work import AsyncSession
from app.services import audit, protection
from app.services.calendar import work_calendar
from app.services.cases import numbers as case_numbers
from app.workflow.states import CaseStatus
from app.workflow.values import local_date


async def open_filed_case(
    session: AsyncSession,
    principal: Principal,
    service: Service,
    result: dict[str, Any],
    *,
    parties: dict[str, Any],
    event_detail: dict[str, Any],
    audit_detail: dict[str, Any],
) -> Case:
    """``parties`` are the case's party columns (``organisation_id``, or ``applicant_id`` with
    the employer's) and any amount decided."""
    now = utcnow()
    today = local_date(now)
    calendar = await work_calendar(session)
    case = Case(
        id=uuid.uuid4(),
        number=await case_numbers.next_number(session, service.district, today),
        lookup_code_enc=protection.cipher().encrypt(uuid.uuid4().hex[:8], "case.lookup_code"),
        service_id=service.id,
        district=service.district,
        department=service.department,
        status=CaseStatus.SUBMITTED.value,
        version=1,
        channel="web",
        submitted_at=now,
        time_limit_days=service.time_limit_days,
        deadline_date=calendar.add_working_days(today, service.time_limit_days),
        eligibility_status=str(result["status"]),
        eligibility_result=result,
        eligibility_receipt=result.get("receipt"),
        decision_reason=None,
        pending_materials=[],
        **parties,
    )
    await claims_repo.add_case(session, case)
    session.add(
        CaseEvent(
            case_id=case.id,
            occurred_at=now,
            action="submit",
            from_status=None,
            to_status=CaseStatus.SUBMITTED.value,
            actor_user_id=principal.user_id,
            actor_role="employer",
            detail={"channel": "web", **event_detail},
        )
    )
    await audit.record(
        session,
        "case.submitted",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"service": service.code, **audit_detail},
        district=service.district,
    )
    return case
