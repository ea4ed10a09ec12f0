"""An organisation files its own application: a batch claim (lines), a monthly subsidy claim
or an application with its plan. The case's party is the organisation (``organisation_id``,
no applicant); the amount its rules decide is ``decided_amount_cny``, which the payments room
pays once the case is approved (services marked ``payment: one_off`` in the catalog)."""

from __future__ import annotations

import re

from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import Case, ClaimLine, Employer, Service
from app.models.base import utcnow
from app.repositories import cases as cases_repo
from app.repositories import claims as claims_repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import DecisionStatus, load_library
from app.schemas.cases import CaseRead
from app.schemas.claims import ClaimCheck, ClaimFiling
from app.services import notifications
from app.services.cases.context import message_payload
from app.services.cases.filed import open_filed_case
from app.services.cases.views import case_view
from app.services.claims.lines import (
    INTERNSHIP_BASE,
    INTERNSHIP_SUBSIDY,
    KIND_OF,
    CheckedLine,
    check_lines,
    is_batch,
)
from app.workflow.organisations import OrganisationStatus
from app.workflow.states import CaseStatus
from app.workflow.values import local_date

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# Claim-level keys: one designated base's month, and the filing itself (a second click).
BASE_MONTH = "base_month"
REQUEST = "request"


def organisation_may_file(organisation: Employer, service: Service) -> None:
    """The one gate an organisation passes to file an organisation service: district staff
    have verified it, and it is registered in the service's district."""
    if OrganisationStatus(organisation.status) is not OrganisationStatus.VERIFIED:
        raise PermissionDenied(
            N_("Your organisation can apply once the district has verified its registration.")
        )
    if organisation.district != service.district:
        raise PermissionDenied(
            N_("Only organisations registered in the district can apply for this service.")
        )


async def _organisation(session: AsyncSession, principal: Principal) -> Employer:
    organisation = await claims_repo.organisation_of(session, principal)
    if organisation is None:
        raise PermissionDenied()
    return organisation


async def _service(session: AsyncSession, organisation: Employer, code: str) -> Service:
    service = await claims_repo.service_by_code(session, organisation.district, code)
    if service is None or not service.for_organisations:
        raise NotFound(N_("This service is not available."))
    organisation_may_file(organisation, service)
    return service


def _policy_result(service: Service, organisation: Employer, lang: str) -> dict[str, object]:
    assert service.policy_id is not None
    result = load_library().evaluate(
        {"employer_district": organisation.district},
        local_date(utcnow()),
        policy_ids=[service.policy_id],
        lang=lang,
    )[0]
    return result.model_dump(mode="json")


def _unit_amount(result: dict[str, object]) -> int:
    outputs = result.get("outputs")
    amount = outputs.get("amount_cny") if isinstance(outputs, dict) else None
    return int(amount) if isinstance(amount, int | float) else 0


async def _month_of(
    session: AsyncSession, service: Service, organisation: Employer, data: ClaimFiling
) -> str | None:
    """The monthly subsidy's month, checked: a past or current month of a designated base."""
    if service.code != INTERNSHIP_SUBSIDY:
        return None
    month = (data.month or "").strip()
    if not _MONTH.match(month) or month > local_date(utcnow()).strftime("%Y-%m"):
        raise ValidationFailed(
            field_errors=[
                FieldError("month", "invalid", N_("Enter a month that has begun, as YYYY-MM."))
            ]
        )
    base = await claims_repo.organisation_case_of(
        session, organisation.id, INTERNSHIP_BASE, {s.value for s in CaseStatus.APPROVAL_STANDS}
    )
    if base is None:
        raise Conflict(N_("Your organisation is not a designated youth internship base (yet)."))
    return month


async def check(
    session: AsyncSession, principal: Principal, data: ClaimFiling, lang: str
) -> ClaimCheck:
    """The line-by-line report of a batch claim; nothing is saved."""
    organisation = await _organisation(session, principal)
    service = await _service(session, organisation, data.service_code)
    month = await _month_of(session, service, organisation, data)
    result = _policy_result(service, organisation, lang)
    lines = await check_lines(
        session,
        service,
        organisation,
        data.lines,
        lang,
        unit_amount=_unit_amount(result),
        month=month,
    )
    return _report(service, lines)


def _report(service: Service, lines: list[CheckedLine]) -> ClaimCheck:
    valid = [ln for ln in lines if not ln.errors]
    return ClaimCheck(
        service_code=service.code,
        lines=[ln.report() for ln in lines],
        valid=len(valid),
        invalid=len(lines) - len(valid),
        amount_cny=sum(ln.amount_cny or 0 for ln in valid),
    )


def _line_errors(lines: list[CheckedLine]) -> list[FieldError]:
    return [
        FieldError(
            f"lines.{ln.line}",
            "invalid_line",
            N_("Line {line}: {problems}"),
            {"line": ln.line, "problems": "; ".join(ln.errors)},
        )
        for ln in lines
        if ln.errors
    ]


async def file(
    session: AsyncSession, principal: Principal, data: ClaimFiling, lang: str
) -> CaseRead:
    """Files the organisation's application. A batch is filed only when every line is valid,
    or its valid lines when ``save_valid_only`` says so; the same ``idempotency_key`` returns
    the case it filed; a certificate, person or month claimed before is refused (409, naming
    the earlier case), by the check and, for what races past it, by the database."""
    organisation = await _organisation(session, principal)
    service = await _service(session, organisation, data.service_code)
    request_key = f"{organisation.id}:{data.idempotency_key}" if data.idempotency_key else None
    if request_key is not None:
        earlier = await claims_repo.claimed(session, REQUEST, [request_key])
        if earlier:
            replay = await cases_repo.get_case_by_number(session, earlier[request_key])
            assert replay is not None
            return await case_view(session, principal, replay.id, lang)
    month = await _month_of(session, service, organisation, data)
    result = _policy_result(service, organisation, lang)
    # A batch's policy decides each line (the exam-fee claim's needs a line's facts).
    if not is_batch(service.code) and result.get("status") != DecisionStatus.ELIGIBLE:
        raise ValidationFailed(
            N_("Your organisation does not meet the conditions of this service.")
        )
    lines: list[CheckedLine] = []
    if is_batch(service.code):
        lines = await check_lines(
            session,
            service,
            organisation,
            data.lines,
            lang,
            unit_amount=_unit_amount(result),
            month=month,
        )
        claimed = sorted({ln.claimed_in for ln in lines if ln.claimed_in})
        if claimed and not data.save_valid_only:
            raise Conflict(
                N_("Already claimed in case {case}: nothing was saved."),
                params={"case": ", ".join(claimed)},
                field_errors=_line_errors(lines),
            )
        if any(ln.errors for ln in lines) and not data.save_valid_only:
            raise ValidationFailed(
                N_("Nothing was saved: correct the lines below, or save only the valid ones."),
                field_errors=_line_errors(lines),
            )
        lines = [ln for ln in lines if not ln.errors]
        if not lines:
            raise ValidationFailed(
                N_("The claim has no valid line."),
                field_errors=[FieldError("lines", "required", N_("Add at least one valid line."))],
            )
        amount: int | None = sum(ln.amount_cny or 0 for ln in lines)
    else:
        if not (data.plan or "").strip():
            raise ValidationFailed(
                field_errors=[FieldError("plan", "required", N_("Describe the plan."))]
            )
        amount = _unit_amount(result) if service.code != INTERNSHIP_BASE else None
    case = await _open(session, principal, organisation, service, result, amount, data)
    rows = [
        ClaimLine(
            case_id=case.id,
            line_no=ln.line,
            kind=KIND_OF[service.code],
            claim_key=ln.key,
            person_name=ln.name,
            person_id_index=ln.id_index,
            person_id_masked=ln.id_masked,
            details=ln.details,
            amount_cny=ln.amount_cny or 0,
        )
        for ln in lines
    ]
    if month is not None:
        rows.append(_claim_level(case, BASE_MONTH, f"{organisation.id}:{month}", {"month": month}))
    if request_key is not None:
        rows.append(_claim_level(case, REQUEST, request_key, {}))
    await claim_once(session, rows, case)
    return await case_view(session, principal, case.id, lang)


async def claim_once(session: AsyncSession, rows: list[ClaimLine], case: Case) -> None:
    """Writes a claim's lines; a certificate, person or month another case claims already
    (checked here, and by the unique constraint for what races past) refuses the whole claim
    (409, naming that case)."""
    for kind in {row.kind for row in rows}:
        keys = [row.claim_key for row in rows if row.kind == kind and row.claim_key]
        held = await claims_repo.claimed(session, kind, keys)
        if held:
            raise Conflict(
                N_("Already claimed in case {case}: nothing was saved."),
                params={"case": ", ".join(sorted(set(held.values())))},
            )
    refused = await claims_repo.add_lines(session, rows)
    if refused is not None:
        await _refuse_claimed(session, rows, case)


def _claim_level(case: Case, kind: str, key: str, details: dict[str, object]) -> ClaimLine:
    return ClaimLine(
        case_id=case.id, line_no=0, kind=kind, claim_key=key, details=details, amount_cny=0
    )


async def _refuse_claimed(session: AsyncSession, rows: list[ClaimLine], case: Case) -> None:
    """A key was claimed by another case meanwhile: name it (409)."""
    for row in rows:
        if row.claim_key is None:
            continue
        held = await claims_repo.claimed(session, row.kind, [row.claim_key])
        number = held.get(row.claim_key)
        if number is not None and number != case.number:
            raise Conflict(
                N_("Already claimed in case {case}: nothing was saved."), params={"case": number}
            )
    raise Conflict(N_("Part of this claim was filed at the same time by another request."))


async def _open(
    session: AsyncSession,
    principal: Principal,
    organisation: Employer,
    service: Service,
    result: dict[str, object],
    amount: int | None,
    data: ClaimFiling,
) -> Case:
    plan = (data.plan or "").strip()[:4000]
    case = await open_filed_case(
        session,
        principal,
        service,
        dict(result),
        parties={"organisation_id": organisation.id, "decided_amount_cny": amount},
        event_detail={"plan": plan} if data.plan else {},
        audit_detail={"organisation": str(organisation.id)},
    )
    for user_id, lang in await cases_repo.employer_recipients(session, organisation.id):
        await notifications.enqueue(
            session,
            recipient_user_id=user_id,
            template="case.submitted",
            payload=message_payload(case, service, lang),
            language=lang,
            dedup_key=f"case:{case.id.hex}:submitted:{user_id.hex[:12]}",
            case_id=case.id,
            read_back=False,
        )
    return case
