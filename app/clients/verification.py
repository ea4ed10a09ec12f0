"""Verified data instead of paper (免提交): clients of the outside systems that confirm what an
applicant would otherwise upload.

Four systems, one client each, all sharing ``app.clients.resilience`` (timeouts, retries with
backoff and jitter, a circuit breaker per system):

- identity: the population registry (resident IDs) and exit-entry records (passports);
- social insurance: the city's contribution records by employer and district;
- degrees: domestic degrees (CHSI) and CSCSE verification of foreign degrees, behind one gateway;
- hukou office: registration status, and accepting a move-in (落户) for a case.

Clients know nothing of cases or the database. The caller passes a correlation id (sent as
``X-Request-Id`` and echoed in the result for the audit trail) and, for the one call that changes
something on the far side, an idempotency key. Each call returns a typed result whose
``facts()`` uses the names of the talent-facts vocabulary, or raises an ``OutsideSystemError``:
``NoRecord`` and ``Rejected`` are final answers (``retryable`` is False); ``SystemUnavailable``
means "ask again later" and is what the durable job waits on.

Lookups are POSTs with the identity number in the body, never in the URL, so ID numbers do not
end up in access logs along the way.

Why one module of this length: four small clients over one resilience layer and one answer
vocabulary; a reader checks each system's mapping against the others side by side.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.clients.resilience import (
    BreakerState,
    CircuitBreaker,
    Localized,
    OutsideSystemError,
    ResilientHttp,
    RetryPolicy,
    SystemUnavailable,
    UnavailableReason,
    unavailable_message,
)

log = logging.getLogger(__name__)

__all__ = [
    "ContributionPeriod",
    "DegreeClient",
    "DegreeRecord",
    "DegreeVerification",
    "HukouClient",
    "HukouStatus",
    "IdentityClient",
    "IdentityVerification",
    "MoveInAcceptance",
    "NoRecord",
    "OutsideSystem",
    "OutsideSystemError",
    "Rejected",
    "SocialInsuranceClient",
    "SocialInsuranceRecord",
    "SystemUnavailable",
    "VerificationClients",
    "VerificationConfig",
    "build_verification_clients",
    "make_http_client",
]

REQUEST_ID_HEADER = "X-Request-Id"
IDEMPOTENCY_HEADER = "Idempotency-Key"

FactValue = str | int | float | bool
IdKind = Literal["resident_id", "passport"]
Hukou = Literal["shanghai", "other", "none"]
DegreeLevel = Literal["associate", "bachelor", "master", "doctorate"]
PortalDistrict = Literal["yangpu", "changning"]


class OutsideSystem(StrEnum):
    IDENTITY = "identity"
    SOCIAL_INSURANCE = "social_insurance"
    DEGREES = "degrees"
    HUKOU = "hukou"


SYSTEM_LABELS: dict[OutsideSystem, Localized] = {
    OutsideSystem.IDENTITY: {"zh": "身份核验系统", "en": "identity verification system"},
    OutsideSystem.SOCIAL_INSURANCE: {"zh": "社会保险信息系统", "en": "social insurance system"},
    OutsideSystem.DEGREES: {"zh": "学历学位认证系统", "en": "degree verification system"},
    OutsideSystem.HUKOU: {"zh": "户籍管理系统", "en": "household registration system"},
}


class NoRecord(OutsideSystemError):
    """The system answered that it holds no such record: a definite negative, not an outage.
    The matching upload stays the way to prove the fact."""

    retryable = False


class Rejected(OutsideSystemError):
    """The system refused the request itself (invalid input, a conflict such as an existing
    registration, an idempotency key reused for another request). Asking again cannot help."""

    retryable = False


# --- results --------------------------------------------------------------------------------


class _Answer(BaseModel):
    # Fields the far side adds later must not break parsing; answers never change once read.
    model_config = ConfigDict(frozen=True, extra="ignore")


class Verified(_Answer):
    """What every answer carries so the case can store it with its time and source."""

    # Wire names (record_id, checked_at) on the way in; our names also work for tests and storage.
    model_config = ConfigDict(validate_by_name=True)

    source: OutsideSystem
    # Who answered behind the gateway, e.g. "cscse" or "mps_population"; shown to reviewers.
    authority: str
    # The far side's reference for this query (核验流水号), quoted when a result is disputed.
    source_reference: str = Field(validation_alias="record_id")
    correlation_id: str
    verified_at: datetime = Field(validation_alias="checked_at")

    def facts(self) -> dict[str, FactValue]:
        """Talent facts this answer verifies; facts it cannot vouch for are left out (unknown)."""
        return {}


class IdentityVerification(Verified):
    id_kind: IdKind
    name_matches: bool
    # The registry discloses nothing more when the name does not match the number.
    birth_date: date | None = None
    nationality: str | None = None
    hukou: Hukou | None = None

    def facts(self) -> dict[str, FactValue]:
        if not self.name_matches:
            return {}
        return _present(
            birth_date=self.birth_date.isoformat() if self.birth_date else None,
            nationality=self.nationality,
            hukou=self.hukou,
        )


class ContributionPeriod(_Answer):
    employer_uscc: str
    employer_name: str
    # Shanghai district of the employer's social insurance account ("yangpu", "xuhui", ...).
    district: str
    from_month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    to_month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    ongoing: bool = False
    monthly_base_cny: float = Field(ge=0)
    base_multiple: float = Field(ge=0)

    def months(self) -> range:
        """Month numbers (year * 12 + month - 1) covered, both ends included."""
        return range(_month_number(self.from_month), _month_number(self.to_month) + 1)


class SocialInsuranceRecord(Verified):
    as_of: date
    district: PortalDistrict
    periods: tuple[ContributionPeriod, ...]
    social_insurance_months: int
    social_insurance_months_in_district: int
    social_insurance_base_multiple: float | None
    social_insurance_base_multiple_36_of_48: float | None = None
    employer_uscc: str | None
    employer_name: str | None
    employer_district: Literal["yangpu", "changning", "other_shanghai"] | None

    def facts(self) -> dict[str, FactValue]:
        return _present(
            social_insurance_months=self.social_insurance_months,
            social_insurance_months_in_district=self.social_insurance_months_in_district,
            social_insurance_base_multiple=self.social_insurance_base_multiple,
            social_insurance_base_multiple_36_of_48=self.social_insurance_base_multiple_36_of_48,
            employer_district=self.employer_district,
        )


class DegreeRecord(_Answer):
    level: DegreeLevel
    university_name: str
    country: str = Field(pattern=r"^[A-Z]{2}$")
    graduation_date: date
    # "chsi" for domestic degrees, "cscse" for foreign ones.
    authority: str
    certificate_no: str | None = None
    # Foreign degrees only: the CSCSE verification (留服认证) of this degree.
    cscse_status: Literal["verified", "pending", "rejected"] | None = None

    @property
    def foreign(self) -> bool:
        return self.country != "CN"

    @property
    def verified(self) -> bool:
        return not self.foreign or self.cscse_status == "verified"


_DEGREE_RANK: dict[str, int] = {"associate": 1, "bachelor": 2, "master": 3, "doctorate": 4}


class DegreeVerification(Verified):
    degrees: tuple[DegreeRecord, ...]

    @property
    def highest(self) -> DegreeRecord | None:
        """The highest verified degree, but only when no foreign degree still awaiting CSCSE
        ranks above it: otherwise the verified "highest degree" could be lower than the real one.
        A degree CSCSE refused does not count, so it does not hold the others back either."""
        counted = [d for d in self.degrees if d.cscse_status != "rejected"]
        ranked = sorted(counted, key=lambda d: (_DEGREE_RANK[d.level], d.graduation_date))
        if not ranked or not ranked[-1].verified:
            return None
        return ranked[-1]

    def facts(self) -> dict[str, FactValue]:
        foreign = [d for d in self.degrees if d.foreign]
        facts: dict[str, FactValue] = {}
        if foreign:
            facts["overseas_degree_verified"] = any(d.cscse_status == "verified" for d in foreign)
        best = self.highest
        if best is not None:
            facts.update(
                highest_degree=best.level,
                degree_country=best.country,
                university_name=best.university_name,
                graduation_date=best.graduation_date.isoformat(),
            )
        return facts


class HukouStatus(Verified):
    hukou: Hukou
    # Shanghai hukou only: district and household type (family or a collective household).
    registered_district: str | None = None
    household_type: Literal["family", "collective"] | None = None
    hukou_office: str | None = None

    def facts(self) -> dict[str, FactValue]:
        return {"hukou": self.hukou}


class MoveInAcceptance(Verified):
    acceptance_number: str
    status: Literal["accepted"]
    target_district: PortalDistrict
    hukou_office: str
    # True when the office had already accepted this idempotency key (a redelivery).
    replayed: bool = False


# --- clients --------------------------------------------------------------------------------

ResultT = TypeVar("ResultT", bound=Verified)


class _SystemClient:
    system: ClassVar[OutsideSystem]

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        breaker: CircuitBreaker | None = None,
        policy: RetryPolicy | None = None,
        timeout_seconds: float = 5.0,
        token: str | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._token = token
        self.breaker = breaker or CircuitBreaker(self.system.value)
        self._caller = ResilientHttp(
            http,
            system=self.system.value,
            labels=SYSTEM_LABELS[self.system],
            breaker=self.breaker,
            policy=policy or RetryPolicy(),
            timeout_seconds=timeout_seconds,
            sleep=sleep,
            rng=rng,
        )

    async def _post(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        correlation_id: str,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        headers = {REQUEST_ID_HEADER: correlation_id}
        if idempotency_key is not None:
            headers[IDEMPOTENCY_HEADER] = idempotency_key
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        response = await self._caller.post(
            self._base_url + path, json=body, headers=headers, correlation_id=correlation_id
        )
        payload = _json_object(response)
        status = response.status_code
        if status in (200, 201) and payload is not None:
            return payload
        code = _code(payload)
        # Only a 404 that says "no_record" is a negative answer. A bare 404 is a wrong URL or a
        # moved endpoint, and reading it as "no such person" would fail every applicant at once.
        if status == 404 and code == "no_record":
            error: type[OutsideSystemError] = NoRecord
        elif 400 <= status < 500 and status != 404 and status not in (401, 403):
            error = Rejected
        else:
            reason: UnavailableReason = (
                "misconfigured" if status in (401, 403, 404) else "bad_response"
            )
            raise self._bad_response(correlation_id, status, reason)
        raise error(
            self.system.value,
            code or "rejected",
            _message(payload) or _default_refusal(self.system, status),
            correlation_id=correlation_id,
            status_code=status,
        )

    def _result(
        self, model: type[ResultT], payload: Mapping[str, Any], correlation_id: str, **extra: Any
    ) -> ResultT:
        data = {
            **payload,
            **extra,
            "source": self.system,
            "correlation_id": correlation_id,
        }
        data.setdefault("checked_at", datetime.now(UTC))
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise self._bad_response(correlation_id, None) from exc

    def _bad_response(
        self,
        correlation_id: str,
        status: int | None,
        reason: UnavailableReason = "bad_response",
    ) -> SystemUnavailable:
        # An answer we cannot use is a fault on the far side, a contract change or our own
        # configuration; the durable job retries it later rather than recording a wrong verdict.
        log.error("%s: %s (HTTP %s, correlation %s)", self.system, reason, status, correlation_id)
        return SystemUnavailable(
            self.system.value,
            reason,
            unavailable_message(SYSTEM_LABELS[self.system], reason),
            correlation_id=correlation_id,
            status_code=status,
        )


class IdentityClient(_SystemClient):
    system = OutsideSystem.IDENTITY

    async def verify(
        self,
        *,
        correlation_id: str,
        id_kind: IdKind,
        id_number: str,
        full_name: str,
        nationality: str | None = None,
    ) -> IdentityVerification:
        """Does ``full_name`` hold this ID? If so: birth date, nationality and hukou."""
        body: dict[str, Any] = {"id_kind": id_kind, "id_number": id_number, "full_name": full_name}
        if nationality is not None:
            body["nationality"] = nationality
        payload = await self._post("/verifications", body, correlation_id=correlation_id)
        return self._result(IdentityVerification, payload, correlation_id, id_kind=id_kind)


class SocialInsuranceClient(_SystemClient):
    system = OutsideSystem.SOCIAL_INSURANCE

    async def verify(
        self,
        *,
        correlation_id: str,
        id_kind: IdKind,
        id_number: str,
        district: PortalDistrict,
    ) -> SocialInsuranceRecord:
        """Contribution history, summarised for ``district`` (the one being applied to)."""
        body = {"id_kind": id_kind, "id_number": id_number}
        payload = await self._post("/contribution-records", body, correlation_id=correlation_id)
        try:
            periods = tuple(
                ContributionPeriod.model_validate(p) for p in payload.get("periods") or ()
            )
            as_of = date.fromisoformat(str(payload.get("as_of")))
        except (ValidationError, ValueError) as exc:
            raise self._bad_response(correlation_id, None) from exc
        summary = summarise_contributions(periods, district=district, as_of=as_of)
        return self._result(
            SocialInsuranceRecord,
            payload,
            correlation_id,
            periods=periods,
            district=district,
            **summary,
        )


class DegreeClient(_SystemClient):
    system = OutsideSystem.DEGREES

    async def verify(
        self, *, correlation_id: str, id_kind: IdKind, id_number: str, full_name: str
    ) -> DegreeVerification:
        """All degrees on record: domestic ones from CHSI, foreign ones with their CSCSE status."""
        body = {"id_kind": id_kind, "id_number": id_number, "full_name": full_name}
        payload = await self._post("/verifications", body, correlation_id=correlation_id)
        return self._result(DegreeVerification, payload, correlation_id)


class HukouClient(_SystemClient):
    system = OutsideSystem.HUKOU

    async def status(self, *, correlation_id: str, resident_id: str) -> HukouStatus:
        payload = await self._post(
            "/status", {"resident_id": resident_id}, correlation_id=correlation_id
        )
        return self._result(HukouStatus, payload, correlation_id)

    async def accept_move_in(
        self,
        *,
        idempotency_key: str,
        correlation_id: str,
        resident_id: str,
        full_name: str,
        target_district: PortalDistrict,
        settlement_type: Literal[
            "talent_introduction", "residence_permit_conversion", "fresh_graduate", "returnee"
        ],
        household_type: Literal["family", "collective"],
        case_reference: str,
    ) -> MoveInAcceptance:
        """Asks the hukou office to accept a move-in (落户受理) for an approved case.

        The office keeps one acceptance per ``idempotency_key``: the same key sent again (a retry
        here, or the job after a crash) returns the first acceptance instead of a second one. Use
        one key per case and settlement, stored before the first call.
        """
        body = {
            "resident_id": resident_id,
            "full_name": full_name,
            "target_district": target_district,
            "settlement_type": settlement_type,
            "household_type": household_type,
            "case_reference": case_reference,
        }
        payload = await self._post(
            "/move-ins", body, correlation_id=correlation_id, idempotency_key=idempotency_key
        )
        return self._result(MoveInAcceptance, payload, correlation_id)


# --- wiring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationConfig:
    identity_url: str
    social_insurance_url: str
    degrees_url: str
    hukou_url: str
    token: str | None = None
    timeout_seconds: float = 5.0
    max_attempts: int = 3
    backoff_base_seconds: float = 0.2
    backoff_max_seconds: float = 5.0
    breaker_failure_threshold: int = 5
    breaker_reset_seconds: float = 30.0


@dataclass(frozen=True)
class VerificationClients:
    identity: IdentityClient
    social_insurance: SocialInsuranceClient
    degrees: DegreeClient
    hukou: HukouClient

    def breaker_states(self) -> dict[str, BreakerState]:
        """For a health page: which systems this process currently treats as down."""
        clients: tuple[_SystemClient, ...] = (
            self.identity,
            self.social_insurance,
            self.degrees,
            self.hukou,
        )
        return {c.system.value: c.breaker.state for c in clients}


def make_http_client(config: VerificationConfig) -> httpx.AsyncClient:
    """One pooled client for all four systems; each call also sets its own timeout."""
    timeout = httpx.Timeout(config.timeout_seconds, connect=min(5.0, config.timeout_seconds))
    limits = httpx.Limits(max_connections=40, max_keepalive_connections=10)
    return httpx.AsyncClient(timeout=timeout, limits=limits, follow_redirects=False)


def build_verification_clients(
    http: httpx.AsyncClient, config: VerificationConfig
) -> VerificationClients:
    """Build once per process and keep (e.g. on ``app.state``): the breakers live in the clients,
    so clients built per request would never see an outage."""
    policy = RetryPolicy(
        max_attempts=config.max_attempts,
        base_delay=config.backoff_base_seconds,
        max_delay=config.backoff_max_seconds,
    )

    def options(system: OutsideSystem) -> dict[str, Any]:
        breaker = CircuitBreaker(
            system.value,
            failure_threshold=config.breaker_failure_threshold,
            reset_timeout=config.breaker_reset_seconds,
        )
        return {
            "breaker": breaker,
            "policy": policy,
            "timeout_seconds": config.timeout_seconds,
            "token": config.token,
        }

    return VerificationClients(
        identity=IdentityClient(
            http, base_url=config.identity_url, **options(OutsideSystem.IDENTITY)
        ),
        social_insurance=SocialInsuranceClient(
            http,
            base_url=config.social_insurance_url,
            **options(OutsideSystem.SOCIAL_INSURANCE),
        ),
        degrees=DegreeClient(http, base_url=config.degrees_url, **options(OutsideSystem.DEGREES)),
        hukou=HukouClient(http, base_url=config.hukou_url, **options(OutsideSystem.HUKOU)),
    )


# --- pure helpers ---------------------------------------------------------------------------


def summarise_contributions(
    periods: tuple[ContributionPeriod, ...], *, district: PortalDistrict, as_of: date
) -> dict[str, Any]:
    """The social-insurance facts from a contribution history.

    Months are counted once even when two employers paid for the same month. The base multiple is
    averaged over the months paid in the twelve months before ``as_of`` (the vocabulary's "last
    12 months"); with none paid in that window it is unknown rather than zero. The multiple
    reached in at least 36 of the last 48 months (居转户, points base bonus) is the 36th highest
    monthly multiple in that window, and 0 when fewer than 36 months were paid.
    """
    all_months: set[int] = set()
    district_months: set[int] = set()
    multiples: dict[int, float] = {}
    for period in periods:
        months = period.months()
        all_months.update(months)
        if period.district == district:
            district_months.update(months)
        for month in months:
            multiples[month] = max(multiples.get(month, 0.0), period.base_multiple)
    last = as_of.year * 12 + as_of.month - 2  # the month before as_of
    window = [multiples[m] for m in range(last - 11, last + 1) if m in multiples]
    long_window = sorted(
        (multiples[m] for m in range(last - 47, last + 1) if m in multiples), reverse=True
    )
    sustained = long_window[35] if len(long_window) >= 36 else 0.0
    current = next((p for p in sorted(periods, key=lambda p: p.to_month) if p.ongoing), None)
    employer_district: str | None = None
    if current is not None:
        employer_district = (
            current.district if current.district in ("yangpu", "changning") else "other_shanghai"
        )
    return {
        "social_insurance_months": len(all_months),
        "social_insurance_months_in_district": len(district_months),
        "social_insurance_base_multiple": round(sum(window) / len(window), 2) if window else None,
        "social_insurance_base_multiple_36_of_48": round(sustained, 2),
        "employer_uscc": current.employer_uscc if current else None,
        "employer_name": current.employer_name if current else None,
        "employer_district": employer_district,
    }


def _month_number(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def _present(**values: FactValue | None) -> dict[str, FactValue]:
    return {k: v for k, v in values.items() if v is not None}


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _code(payload: Mapping[str, Any] | None) -> str | None:
    code = payload.get("code") if payload else None
    return code if isinstance(code, str) and code else None


def _message(payload: Mapping[str, Any] | None) -> Localized | None:
    message = payload.get("message") if payload else None
    if isinstance(message, dict) and isinstance(message.get("zh"), str):
        return {"zh": str(message["zh"]), "en": str(message.get("en", ""))}
    return None


def _default_refusal(system: OutsideSystem, status: int) -> Localized:
    label = SYSTEM_LABELS[system]
    return {
        "zh": f"{label['zh']}拒绝了该请求（{status}）。",
        "en": f"The {label['en']} refused the request ({status}).",
    }
