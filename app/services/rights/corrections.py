"""Correct my data (PIPL Art. 46): what the person declared (name, mobile) they edit directly;
a fact an outside system vouched for is corrected by a request that the officers of the
district whose service asked the system approve or reject, with a reason. Both are audited."""

from __future__ import annotations

import uuid

from app.domain import names, phones
from app.domain.enums import ApplicantType, Permission
from app.domain.identity import is_valid_cn_mobile
from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import Applicant, CorrectionRequest
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import rights as rights_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.accounts import ERR_CHINESE_NAME, ERR_LATIN_NAME, ERR_MOBILE, ERR_PHONE
from app.schemas.rights import (
    CorrectionCreate,
    CorrectionDecision,
    CorrectionRead,
    ProfileUpdate,
    VerifiedFact,
)
from app.services import audit
from app.services.rights.access_log import shanghai_time
from app.workflow.errors import InvalidStatusChange
from app.workflow.rights import CORRECTION, CorrectionEvent, CorrectionStatus

ERR_NO_FACT = N_("Choose a fact that an outside system confirmed for you.")


_STATUS_TEXT = {
    CorrectionStatus.OPEN: N_("Waiting for a decision"),
    CorrectionStatus.APPROVED: N_("Corrected"),
    CorrectionStatus.REJECTED: N_("Not corrected"),
}


def _view(row: CorrectionRequest) -> CorrectionRead:
    status = CORRECTION.status(row.status)
    return CorrectionRead(
        id=row.id,
        fact=row.fact,
        current_value=row.current_value,
        requested_value=row.requested_value,
        explanation=row.explanation,
        status=status.value,
        status_text=_STATUS_TEXT[status],
        is_open=status is CorrectionStatus.OPEN,
        district=row.district,
        created_at=row.created_at,
        created_local=shanghai_time(row.created_at),
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
    )


def _checked(applicant: Applicant, data: ProfileUpdate) -> tuple[str | None, str | None]:
    """The mobile as stored and the Chinese name, checked as registration checks them: a
    resident ID holder's mobile is a mainland one; a passport holder's name is in Latin letters
    and their number in international form (E.164), with a Chinese name beside it if given."""
    problems: list[FieldError] = []
    mobile: str | None = None
    chinese: str | None = None
    if applicant.applicant_type == ApplicantType.DOMESTIC:
        if data.mobile and not is_valid_cn_mobile(data.mobile):
            problems.append(FieldError("mobile", "invalid_mobile", ERR_MOBILE))
        mobile = data.mobile or None
        if data.chinese_name:
            problems.append(
                FieldError("chinese_name", "not_asked", N_("Your name is already in Chinese."))
            )
    else:
        if not names.is_latin_name(data.full_name):
            problems.append(FieldError("full_name", "invalid_latin_name", ERR_LATIN_NAME))
        if data.mobile:
            mobile = phones.normalised_mobile(data.mobile, applicant.nationality)
            if mobile is None:
                problems.append(FieldError("mobile", "invalid_mobile", ERR_PHONE))
        try:
            chinese = names.chinese_name(data.chinese_name)
        except ValueError:
            problems.append(FieldError("chinese_name", "invalid_chinese_name", ERR_CHINESE_NAME))
    if problems:
        raise ValidationFailed(field_errors=problems)
    return mobile, chinese


async def update_profile(session: AsyncSession, principal: Principal, data: ProfileUpdate) -> None:
    if principal.applicant_id is None:
        raise NotFound()
    applicant = await accounts_repo.get_applicant_by_id(session, principal.applicant_id)
    assert applicant is not None
    mobile, chinese = _checked(applicant, data)
    changed = sorted(
        name
        for name, old, new in (
            ("full_name", applicant.full_name, data.full_name),
            ("mobile", applicant.mobile, mobile),
            ("chinese_name", applicant.chinese_name, chinese),
        )
        if old != new
    )
    applicant.full_name = data.full_name
    applicant.mobile = mobile
    applicant.chinese_name = chinese
    await audit.record(
        session,
        "rights.profile_corrected",
        actor=principal,
        object_type="applicant",
        object_id=applicant.id,
        detail={"fields": changed},
    )
    await session.flush()


async def verified_facts(session: AsyncSession, principal: Principal) -> list[VerifiedFact]:
    if principal.applicant_id is None:
        return []
    return [
        VerifiedFact(verification_id=v.id, system=v.system, fact=name, value=value)
        for v in await rights_repo.verifications_of(session, principal.applicant_id)
        for name, value in sorted(v.facts.items())
    ]


async def my_requests(session: AsyncSession, principal: Principal) -> list[CorrectionRead]:
    if principal.applicant_id is None:
        return []
    return [_view(r) for r in await rights_repo.corrections_of(session, principal.applicant_id)]


async def request_correction(
    session: AsyncSession, principal: Principal, data: CorrectionCreate
) -> CorrectionRead:
    if principal.applicant_id is None:
        raise NotFound()
    found = await rights_repo.verification_of(session, principal.applicant_id, data.verification_id)
    if found is None or data.fact not in found[0].facts:
        raise ValidationFailed(field_errors=[FieldError("fact", "unknown_fact", ERR_NO_FACT)])
    verification, district = found
    row = CorrectionRequest(
        applicant_id=principal.applicant_id,
        verification_id=verification.id,
        district=district,
        fact=data.fact,
        current_value=verification.facts.get(data.fact),
        requested_value=data.requested_value,
        explanation=data.explanation,
        status=CorrectionStatus.OPEN.value,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        "rights.correction_requested",
        actor=principal,
        object_type="correction_request",
        object_id=row.id,
        district=district,
        detail={"fact": data.fact},
    )
    return _view(row)


def _officer_district(principal: Principal) -> str:
    if principal.district is None or not principal.can(Permission.HANDLE_CASES):
        raise PermissionDenied()
    return principal.district


async def queue(session: AsyncSession, principal: Principal) -> list[CorrectionRead]:
    district = _officer_district(principal)
    rows = await rights_repo.corrections_in(session, district, [CorrectionStatus.OPEN.value])
    return [_view(r) for r in rows]


async def decide(
    session: AsyncSession, principal: Principal, correction_id: uuid.UUID, data: CorrectionDecision
) -> CorrectionRead:
    """Approving writes the corrected value into the verified facts (with who and why);
    rejecting keeps them. Another district's request answers 404."""
    district = _officer_district(principal)
    row = await rights_repo.correction_in(session, district, correction_id)
    if row is None:
        raise NotFound()
    event = CorrectionEvent.APPROVE if data.decision == "approve" else CorrectionEvent.REJECT
    try:
        row.status = CORRECTION.advance(row.status, event).value
    except InvalidStatusChange as exc:
        raise Conflict(exc.message) from exc
    row.decided_at, row.decided_by_user_id = utcnow(), principal.user_id
    row.decision_reason = data.reason
    if event is CorrectionEvent.APPROVE:
        verification = await rights_repo.get_verification(session, row.verification_id)
        if verification is not None:
            verification.facts = {**verification.facts, row.fact: row.requested_value}
            verification.note = f"corrected on request {row.id}: {data.reason}"[:1000]
    await audit.record(
        session,
        f"rights.correction_{row.status}",
        actor=principal,
        object_type="correction_request",
        object_id=row.id,
        district=district,
        detail={"fact": row.fact},
    )
    await session.flush()
    return _view(row)
