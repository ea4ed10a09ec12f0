"""免提交: facts confirmed by the outside systems instead of uploads, asked by the worker.

Starting a settlement bundle queues one verification per system. The worker (``run_due``, part
of every worker tick) asks the systems *outside* any database transaction, then stores each
answer in a short transaction of its own: no lock is held while a slow system makes us wait,
and a crash between asking and storing only means asking again. A system that is down is asked
again later, with a growing pause; a case that needs its data waits in a visible state
meanwhile, and staff may enter the data by hand with a note when the outage lasts.

A verified fact is written into the application's answers (replacing whatever was there) and is
no longer asked; the upload it stands for is no longer required."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from app.clients.verification import (
    NoRecord,
    OutsideSystem,
    OutsideSystemError,
    Rejected,
    SystemUnavailable,
    Verified,
)
from app.config import get_settings
from app.domain.enums import IdKind, Permission
from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import FactVerification
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import verification as verification_repo
from app.repositories.unit_of_work import AsyncSession, async_sessionmaker
from app.rules import validate_facts
from app.services import audit, protection
from app.services.settlement.lifecycle import after_verification
from app.services.settlement.records import (
    SYSTEM_FACTS,
    clients,
)
from app.workflow.applications import FACT_CHECKS, FactCheckEvent, FactCheckStatus
from app.workflow.values import local_date

log = logging.getLogger(__name__)
_MAX_RETRY_SECONDS = 3600.0


@dataclass(frozen=True)
class _Job:
    verification_id: uuid.UUID
    attempts: int
    system: OutsideSystem
    correlation_id: str
    id_kind: str
    id_number: str
    full_name: str
    nationality: str
    district: str


async def _ask(job: _Job) -> Verified | OutsideSystemError:
    c = clients()
    kind: Literal["resident_id", "passport"] = (
        "passport" if job.id_kind == IdKind.PASSPORT else "resident_id"
    )
    try:
        match job.system:
            case OutsideSystem.IDENTITY:
                return await c.identity.verify(
                    correlation_id=job.correlation_id,
                    id_kind=kind,
                    id_number=job.id_number,
                    full_name=job.full_name,
                    nationality=job.nationality if kind == "passport" else None,
                )
            case OutsideSystem.SOCIAL_INSURANCE:
                return await c.social_insurance.verify(
                    correlation_id=job.correlation_id,
                    id_kind=kind,
                    id_number=job.id_number,
                    district="changning" if job.district == "changning" else "yangpu",
                )
            case OutsideSystem.DEGREES:
                return await c.degrees.verify(
                    correlation_id=job.correlation_id,
                    id_kind=kind,
                    id_number=job.id_number,
                    full_name=job.full_name,
                )
            case OutsideSystem.HUKOU:
                return await c.hukou.status(
                    correlation_id=job.correlation_id, resident_id=job.id_number
                )
    except OutsideSystemError as exc:
        return exc


async def run_due(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime | None = None
) -> int:
    """Ask every system whose answer is due; returns how many answers were stored."""
    now = now or utcnow()
    jobs: list[_Job] = []
    async with sessionmaker() as session:
        for vid in await verification_repo.due_for_retry(session, now):
            row = await verification_repo.get_by_id(session, vid)
            if row is None:
                continue
            applicant = await accounts_repo.get_applicant_by_id(session, row.applicant_id)
            district = await cases_repo.application_district(session, row.application_id)
            if applicant is None or district is None:
                continue
            jobs.append(
                _Job(
                    verification_id=row.id,
                    attempts=row.attempts,
                    system=OutsideSystem(row.system),
                    correlation_id=row.correlation_id,
                    id_kind=applicant.id_kind,
                    id_number=protection.decrypt_id(applicant.id_number_enc),
                    full_name=applicant.full_name,
                    nationality=applicant.nationality,
                    district=district,
                )
            )
    if not jobs:
        return 0
    # No transaction is open while the systems answer.
    answers = await asyncio.gather(*(_ask(job) for job in jobs))
    stored = 0
    for job, answer in zip(jobs, answers, strict=True):
        try:
            async with sessionmaker() as session, session.begin():
                if await _store(session, job, answer, utcnow()):
                    stored += 1
        except Exception:
            log.exception("storing a verification failed", extra={"system": job.system.value})
    return stored


def _retry_delay(attempts: int, hint: float | None) -> float:
    base = float(get_settings().verification_retry_seconds)
    backoff: float = base * 2.0 ** max(0, attempts - 1)
    return min(_MAX_RETRY_SECONDS, max(hint or 0.0, backoff))


async def _store(
    session: AsyncSession, job: _Job, answer: Verified | OutsideSystemError, now: datetime
) -> bool:
    row = await verification_repo.get_by_id(session, job.verification_id, for_update=True)
    # Another worker (or staff by hand) got there first: their answer stands.
    if row is None or row.status not in FactCheckStatus.OUTSTANDING or row.attempts != job.attempts:
        return False
    row.attempts += 1
    if isinstance(answer, Verified):
        row.status = FACT_CHECKS.advance(row.status, FactCheckEvent.SYSTEM_VERIFIED)
        row.facts = dict(answer.facts())
        row.authority = answer.authority[:60]
        row.source_reference = answer.source_reference[:100]
        row.verified_at = answer.verified_at
        row.next_attempt_at = None
        row.last_error = None
    elif isinstance(answer, SystemUnavailable):
        row.status = FACT_CHECKS.advance(row.status, FactCheckEvent.SYSTEM_UNAVAILABLE)
        row.last_error = answer.code[:60]
        row.next_attempt_at = now + timedelta(
            seconds=_retry_delay(row.attempts, answer.retry_after)
        )
    else:
        refusal = (
            FactCheckEvent.SYSTEM_NO_RECORD
            if isinstance(answer, NoRecord)
            else FactCheckEvent.SYSTEM_REJECTED
        )
        row.status = FACT_CHECKS.advance(row.status, refusal)
        if not isinstance(answer, NoRecord | Rejected):
            log.warning("unexpected verification failure", extra={"code": answer.code})
        row.last_error = answer.code[:60]
        row.next_attempt_at = None
    await session.flush()
    await _after_answer(session, row)
    await audit.record(
        session,
        "verification.answered",
        object_type="application",
        object_id=row.application_id,
        detail={"system": row.system, "status": row.status, "reference": row.source_reference},
    )
    return True


async def _after_answer(session: AsyncSession, row: FactVerification) -> None:
    if row.status in FactCheckStatus.CONFIRMED and row.facts:
        app = await cases_repo.get_application_by_id(session, row.application_id)
        if app is not None:
            app.answers = {**app.answers, **row.facts}
            await session.flush()
    await after_verification(session, row.application_id)


async def enter_manually(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    system: str,
    facts: Mapping[str, Any],
    note: str,
) -> None:
    """Staff record what a document or phone call showed while the system stays down."""
    if principal.staff_id is None or not principal.can(Permission.HANDLE_CASES):
        raise PermissionDenied()
    case = await cases_repo.get_case(session, principal, case_id)
    if case is None or case.application_id is None:
        raise NotFound()
    try:
        wanted = SYSTEM_FACTS[OutsideSystem(system)]
    except ValueError as exc:
        raise NotFound() from exc
    row = await verification_repo.get(session, case.application_id, system, for_update=True)
    if row is None:
        raise NotFound()
    if not FACT_CHECKS.allows(row.status, FactCheckEvent.ENTERED_MANUALLY):
        raise Conflict(N_("This system has already answered; there is nothing to enter."))
    problems = [
        FieldError(name, "not_from_system", N_("This system does not provide this information."))
        for name in facts
        if name not in wanted
    ]
    given = {k: v for k, v in facts.items() if v is not None and k in wanted}
    if not given:
        problems.append(FieldError("facts", "required", N_("Enter at least one value.")))
    checked = validate_facts(given, local_date(utcnow()), entered=True)
    if not checked.ok:
        problems += [
            FieldError(e.field, e.code, e.message.en, localized=e.message.model_dump())
            for e in checked.errors
        ]
    if not note.strip():
        problems.append(
            FieldError("note", "required", N_("Say where the data comes from and why."))
        )
    if problems:
        raise ValidationFailed(field_errors=problems)
    row.status = FACT_CHECKS.advance(row.status, FactCheckEvent.ENTERED_MANUALLY)
    row.facts = given
    row.note = note.strip()[:2000]
    row.entered_by_user_id = principal.user_id
    row.verified_at = utcnow()
    row.next_attempt_at = None
    await session.flush()
    await audit.record(
        session,
        "verification.entered_manually",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"system": system, "facts": sorted(given)},
    )
    await _after_answer(session, row)
