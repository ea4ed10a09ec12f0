"""Outside records (免提交): which systems are asked for which facts, what their answers mean
for the form (facts not asked, uploads not needed) and how they are shown."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from app.clients.verification import (
    SYSTEM_LABELS,
    OutsideSystem,
    VerificationClients,
    VerificationConfig,
    build_verification_clients,
    make_http_client,
)
from app.config import Settings, get_settings
from app.domain.enums import IdKind
from app.i18n import N_, gettext, sentence_case
from app.models import Applicant, Application, FactVerification
from app.models.base import utcnow
from app.repositories import verification as verification_repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import FACTS
from app.workflow.applications import FactCheckStatus

log = logging.getLogger(__name__)


# The talent facts each system can vouch for (see each answer's ``facts()``).
SYSTEM_FACTS: dict[OutsideSystem, tuple[str, ...]] = {
    OutsideSystem.IDENTITY: ("birth_date", "nationality", "hukou"),
    OutsideSystem.SOCIAL_INSURANCE: (
        "social_insurance_months",
        "social_insurance_months_in_district",
        "social_insurance_base_multiple",
        "social_insurance_base_multiple_36_of_48",
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


_F = FactCheckStatus
STATUS_LABELS: dict[FactCheckStatus, str] = {
    _F.VERIFIED: N_("Verified"),
    _F.MANUAL: N_("Entered by staff during an outage"),
    _F.PENDING: N_("Being fetched"),
    _F.UNAVAILABLE: N_("System unavailable: we will try again"),
    _F.NO_RECORD: N_("No record found: please answer and upload yourself"),
    _F.REJECTED: N_("Could not be checked: please answer and upload yourself"),
}


def systems_for(applicant: Applicant) -> tuple[OutsideSystem, ...]:
    """The hukou office keys its records by resident ID; passport holders have none there."""
    if applicant.id_kind == IdKind.RESIDENT_ID:
        return tuple(OutsideSystem)
    return (OutsideSystem.IDENTITY, OutsideSystem.SOCIAL_INSURANCE, OutsideSystem.DEGREES)


def system_label(system: str, lang: str) -> str:
    labels = SYSTEM_LABELS[OutsideSystem(system)]
    return labels["zh"] if lang == "zh" else labels["en"]


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
                status=FactCheckStatus.PENDING,
                facts={},
                correlation_id=uuid.uuid4().hex,
                next_attempt_at=now,
            )
        )
    await session.flush()


def fact_names(system: str) -> tuple[str, ...]:
    try:
        return SYSTEM_FACTS[OutsideSystem(system)]
    except ValueError:
        return ()


def manual_fields(lang: str) -> dict[str, list[tuple[str, str]]]:
    """Per system, the facts staff may type in during an outage, with their labels (the
    short label, not the applicant's question: staff copy the value from the record)."""
    return {
        system.value: [(name, sentence_case(FACTS[name].label.get(lang), lang)) for name in names]
        for system, names in SYSTEM_FACTS.items()
    }


def hidden_facts(rows: list[FactVerification]) -> frozenset[str]:
    """Facts not to ask: verified ones, and those a system is still expected to provide."""
    hidden: set[str] = set()
    for row in rows:
        if row.status in _F.CONFIRMED:
            hidden |= set(row.facts)
        elif row.status in _F.OUTSTANDING:
            hidden |= set(SYSTEM_FACTS[OutsideSystem(row.system)])
    return frozenset(hidden)


def covering_systems(rows: list[FactVerification]) -> frozenset[str]:
    """Systems whose answer stands (or is still expected) in place of their uploads."""
    return frozenset(r.system for r in rows if r.status in _F.CONFIRMED | _F.OUTSTANDING)


def outstanding(rows: list[FactVerification]) -> list[FactVerification]:
    return [r for r in rows if r.status in _F.OUTSTANDING]


def view(row: FactVerification, lang: str) -> dict[str, Any]:
    return {
        "system": row.system,
        "system_label": system_label(row.system, lang),
        "status": row.status,
        "status_label": gettext(lang, STATUS_LABELS[_F(row.status)]),
        "facts": dict(row.facts) if row.status in _F.CONFIRMED else {},
        "authority": row.authority,
        "source_reference": row.source_reference,
        "verified_at": row.verified_at,
        "next_attempt_at": row.next_attempt_at if row.status in _F.OUTSTANDING else None,
        "note": row.note,
        "manual": row.status == _F.MANUAL,
    }
