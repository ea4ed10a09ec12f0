"""免提交: facts confirmed by the outside systems instead of uploads, asked by the worker.

Starting a settlement bundle queues one verification per system. The worker (``run_due``, part
of every worker tick) asks the systems *outside* any database transaction, then stores each
answer in a short transaction of its own: no lock is held while a slow system makes us wait,
and a crash between asking and storing only means asking again. A system that is down is asked
again later, with a growing pause; a case that needs its data waits in a visible state
meanwhile, and staff may enter the data by hand with a note when the outage lasts.

A verified fact is written into the application's answers (replacing whatever was there) and is
no longer asked; the upload it stands for is no longer required.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clients.verification import (
    SYSTEM_LABELS,
    NoRecord,
    OutsideSystem,
    OutsideSystemError,
    Rejected,
    SystemUnavailable,
    VerificationClients,
    VerificationConfig,
    Verified,
    build_verification_clients,
    make_http_client,
)
from app.config import Settings, get_settings
from app.domain.enums import IdKind, Permission
from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import Applicant, Application, FactVerification
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import verification as verification_repo
from app.rules import validate_facts
from app.services import audit, protection

log = logging.getLogger(__name__)

# The talent facts each system can vouch for (see each answer's ``facts()``).
SYSTEM_FACTS: dict[OutsideSystem, tuple[str, ...]] = {
    OutsideSystem.IDENTITY: ("birth_date", "nationality", "hukou"),
    OutsideSystem.SOCIAL_INSURANCE: (
        "social_insurance_months",
        "social_insurance_months_in_district",
        "social_insurance_base_multiple",
        "employer_district",
    ),
    OutsideSystem.DEGREES: (
        "highest_degree",
        "degree_country",
        "university_name",
        "graduation_date",
        "overseas_degree_verified",
    ),
    OutsideSystem.HUKOU: ("hukou",),
}

VERIFIED = "verified"
MANUAL = "manual"
PENDING = "pending"
UNAVAILABLE = "unavailable"
NO_RECORD = "no_record"
REJECTED = "rejected"
# Answers that stand for the facts; and states in which the facts are still to come.
CONFIRMED = frozenset({VERIFIED, MANUAL})
OUTSTANDING = frozenset({PENDING, UNAVAILABLE})

_MAX_RETRY_SECONDS = 3600.0

STATUS_LABELS: dict[str, str] = {
    VERIFIED: N_("Verified"),
    MANUAL: N_("Entered by staff during an outage"),
    PENDING: N_("Being fetched"),
    UNAVAILABLE: N_("System unavailable: we will try again"),
    NO_RECORD: N_("No record found: please answer and upload yourself"),
    REJECTED: N_("Could not be checked: please answer and upload yourself"),
}


def systems_for(applicant: Applicant) -> tuple[OutsideSystem, ...]:
    """The hukou office keys its records by resident ID; passport holders have none there."""
    if applicant.id_kind == IdKind.RESIDENT_ID:
        return tuple(OutsideSystem)
    return (OutsideSystem.IDENTITY, OutsideSystem.SOCIAL_INSURANCE, OutsideSystem.DEGREES)


def system_label(system: str, lang: str) -> str:
    labels = SYSTEM_LABELS[OutsideSystem(system)]
    return labels["zh"] if lang == "zh" else labels["en"]


# --- clients -------------------------------------------------------------------------------


def _config(settings: Settings) -> VerificationConfig:
    token = settings.verification_token.get_secret_value() if settings.verification_token else None
    return VerificationConfig(
        identity_url=settings.verification_identity_url,
        social_insurance_url=settings.verification_social_insurance_url,
        degrees_url=settings.verification_degrees_url,
        hukou_url=settings.verification_hukou_url,
        token=token,
        timeout_seconds=settings.verification_timeout_seconds,
        max_attempts=settings.verification_max_attempts,
        backoff_base_seconds=settings.verification_backoff_base_seconds,
        backoff_max_seconds=settings.verification_backoff_max_seconds,
        breaker_failure_threshold=settings.verification_breaker_failure_threshold,
        breaker_reset_seconds=settings.verification_breaker_reset_seconds,
    )


@dataclass
class _Held:
    key: tuple[object, ...]
    http: httpx.AsyncClient
    clients: VerificationClients


_held: _Held | None = None


def clients() -> VerificationClients:
    """One set of clients per process and event loop: the circuit breakers live in them, so
    clients built per call would never notice an outage. A connection pool belongs to the loop
    that opened it, hence the loop in the key."""
    global _held
    config = _config(get_settings())
    key = (id(asyncio.get_running_loop()), config)
    if _held is None or _held.key != key:
        http = make_http_client(config)
        _held = _Held(key, http, build_verification_clients(http, config))
    return _held.clients


# --- queueing and the worker ---------------------------------------------------------------


async def request_all(session: AsyncSession, app: Application, applicant: Applicant) -> None:
    """Queue a verification per system for the application (once; the worker asks)."""
    existing = {v.system for v in await verification_repo.for_application(session, app.id)}
    now = utcnow()
    for system in systems_for(applicant):
        if system.value in existing:
            continue
        session.add(
            FactVerification(
                application_id=app.id,
                applicant_id=applicant.id,
                system=system.value,
                status=PENDING,
                facts={},
                correlation_id=uuid.uuid4().hex,
                next_attempt_at=now,
            )
        )
    await session.flush()


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
    if row is None or row.status not in OUTSTANDING or row.attempts != job.attempts:
        return False
    row.attempts += 1
    if isinstance(answer, Verified):
        row.status = VERIFIED
        row.facts = dict(answer.facts())
        row.authority = answer.authority[:60]
        row.source_reference = answer.source_reference[:100]
        row.verified_at = answer.verified_at
        row.next_attempt_at = None
        row.last_error = None
    elif isinstance(answer, SystemUnavailable):
        row.status = UNAVAILABLE
        row.last_error = answer.code[:60]
        row.next_attempt_at = now + timedelta(
            seconds=_retry_delay(row.attempts, answer.retry_after)
        )
    else:
        row.status = NO_RECORD if isinstance(answer, NoRecord) else REJECTED
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
    if row.status in CONFIRMED and row.facts:
        app = await cases_repo.get_application_by_id(session, row.application_id)
        if app is not None:
            app.answers = {**app.answers, **row.facts}
            await session.flush()
    from app.services import bundles

    await bundles.after_verification(session, row.application_id)


# --- what the forms and pages need ---------------------------------------------------------


def fact_names(system: str) -> tuple[str, ...]:
    try:
        return SYSTEM_FACTS[OutsideSystem(system)]
    except ValueError:
        return ()


def manual_fields(lang: str) -> dict[str, list[tuple[str, str]]]:
    """Per system, the facts staff may type in during an outage, with their labels."""
    from app.rules import FACTS

    return {
        system.value: [
            (name, FACTS[name].label.zh if lang == "zh" else FACTS[name].label.en) for name in names
        ]
        for system, names in SYSTEM_FACTS.items()
    }


def hidden_facts(rows: list[FactVerification]) -> frozenset[str]:
    """Facts not to ask: verified ones, and those a system is still expected to provide."""
    hidden: set[str] = set()
    for row in rows:
        if row.status in CONFIRMED:
            hidden |= set(row.facts)
        elif row.status in OUTSTANDING:
            hidden |= set(SYSTEM_FACTS[OutsideSystem(row.system)])
    return frozenset(hidden)


def covering_systems(rows: list[FactVerification]) -> frozenset[str]:
    """Systems whose answer stands (or is still expected) in place of their uploads."""
    return frozenset(r.system for r in rows if r.status in CONFIRMED | OUTSTANDING)


def outstanding(rows: list[FactVerification]) -> list[FactVerification]:
    return [r for r in rows if r.status in OUTSTANDING]


def view(row: FactVerification, lang: str) -> dict[str, Any]:
    from app.i18n import gettext

    return {
        "system": row.system,
        "system_label": system_label(row.system, lang),
        "status": row.status,
        "status_label": gettext(lang, STATUS_LABELS[row.status]),
        "facts": dict(row.facts) if row.status in CONFIRMED else {},
        "authority": row.authority,
        "source_reference": row.source_reference,
        "verified_at": row.verified_at,
        "next_attempt_at": row.next_attempt_at if row.status in OUTSTANDING else None,
        "note": row.note,
        "manual": row.status == MANUAL,
    }


# --- staff: entering data by hand during an outage -----------------------------------------


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
    if row.status not in OUTSTANDING:
        raise Conflict(N_("This system has already answered; there is nothing to enter."))
    problems = [
        FieldError(name, "not_from_system", N_("This system does not provide this information."))
        for name in facts
        if name not in wanted
    ]
    given = {k: v for k, v in facts.items() if v is not None and k in wanted}
    if not given:
        problems.append(FieldError("facts", "required", N_("Enter at least one value.")))
    checked = validate_facts(given)
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
    row.status = MANUAL
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
