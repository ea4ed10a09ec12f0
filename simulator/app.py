"""A simulator of the outside systems the portal verifies facts with, for development, demos and
tests. One FastAPI app, one path prefix per system:

- ``/identity/v1``          POST /verifications
- ``/social-insurance/v1``  POST /contribution-records
- ``/degrees/v1``           POST /verifications  (CHSI domestic, CSCSE foreign)
- ``/hukou/v1``             POST /status, POST /move-ins (Idempotency-Key), GET /move-ins/{no}

Failures are switched at run time, per system, through ``POST /_control``::

    {"system": "social_insurance", "mode": "down", "duration_ms": 2000}
    {"system": "degrees", "mode": "slow", "delay_ms": 1500, "next_requests": 1}
    {"system": "all", "mode": "flaky", "error_rate": 0.3}
    {"system": "social_insurance", "mode": "no_record", "next_requests": 1}

``GET /_control`` shows the modes and how many requests each system received, ``POST
/_control/reset`` restores a clean state. Messages are bilingual (``{"zh": ..., "en": ...}``).
State lives in memory and is lost on restart, like the far side's moods.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.identity import (
    is_valid_passport,
    is_valid_resident_id,
    normalize_passport,
    normalize_resident_id,
)
from simulator import data
from simulator.data import CITY_AVERAGE_MONTHLY_WAGE_CNY, Person

System = Literal["identity", "social_insurance", "degrees", "hukou"]
SYSTEMS: tuple[System, ...] = ("identity", "social_insurance", "degrees", "hukou")
# "no_record" and "rejected" are definite answers rather than outages: the system says it holds
# nothing on the person, or refuses the request, as it would for someone outside its records.
Mode = Literal["ok", "slow", "flaky", "down", "throttled", "no_record", "rejected"]
Message = dict[str, str]

# A "slow" system without an explicit delay is slow enough to trip any sensible client timeout.
_DEFAULT_SLOW_MS = 3000
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def msg(zh: str, en: str) -> Message:
    return {"zh": zh, "en": en}


class SimulatedError(Exception):
    def __init__(
        self, status: int, code: str, message: Message, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


# --- run-time failure control ---------------------------------------------------------------


class ControlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system: System | Literal["all"]
    mode: Mode
    delay_ms: int = Field(default=0, ge=0, le=60_000)
    error_rate: float = Field(default=0.5, ge=0, le=1)
    # Limit the mode to the next N requests or to a period; afterwards the system is "ok" again.
    next_requests: int | None = Field(default=None, ge=1)
    duration_ms: int | None = Field(default=None, ge=1, le=3_600_000)


@dataclass
class Fault:
    mode: Mode = "ok"
    delay_ms: int = 0
    error_rate: float = 0.5
    remaining: int | None = None
    until: float | None = None

    def describe(self, now: float) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "delay_ms": self.delay_ms,
            "error_rate": self.error_rate,
            "next_requests": self.remaining,
            "remaining_ms": None if self.until is None else max(0, int((self.until - now) * 1000)),
        }


@dataclass
class MoveIn:
    fingerprint: str
    record: dict[str, Any]


@dataclass
class SimulatorState:
    seed: int | None = None
    faults: dict[str, Fault] = field(default_factory=lambda: {s: Fault() for s in SYSTEMS})
    requests: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SYSTEMS, 0))
    move_ins: dict[str, MoveIn] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self.rng.seed(self.seed)

    def reset(self) -> None:
        self.faults = {s: Fault() for s in SYSTEMS}
        self.requests = dict.fromkeys(SYSTEMS, 0)
        self.move_ins.clear()
        self.rng.seed(self.seed)

    def set_fault(self, control: ControlRequest) -> None:
        targets = SYSTEMS if control.system == "all" else (control.system,)
        until = None
        if control.duration_ms is not None:
            until = time.monotonic() + control.duration_ms / 1000
        for system in targets:
            self.faults[system] = Fault(
                mode=control.mode,
                delay_ms=control.delay_ms,
                error_rate=control.error_rate,
                remaining=control.next_requests,
                until=until,
            )

    def take_fault(self, system: str) -> Fault:
        """The fault that applies to this request, expiring limited ones as they run out."""
        fault = self.faults[system]
        expired = fault.until is not None and time.monotonic() >= fault.until
        if expired or fault.remaining == 0:
            fault = self.faults[system] = Fault()
        if fault.remaining is not None:
            fault.remaining -= 1
        return fault


async def apply_fault(state: SimulatorState, system: str) -> None:
    fault = state.take_fault(system)
    delay_ms = fault.delay_ms or (_DEFAULT_SLOW_MS if fault.mode == "slow" else 0)
    if delay_ms:
        await asyncio.sleep(delay_ms / 1000)
    if fault.mode == "down":
        raise SimulatedError(
            503,
            "service_unavailable",
            msg("系统维护中，暂时无法提供服务。", "The system is down for maintenance."),
        )
    if fault.mode == "throttled":
        raise SimulatedError(
            429,
            "too_many_requests",
            msg("请求过于频繁，请稍后再试。", "Too many requests; please slow down."),
            headers={"Retry-After": "1"},
        )
    if fault.mode == "no_record":
        raise _no_record("未查询到相关记录。", "No record for this person.")
    if fault.mode == "rejected":
        raise SimulatedError(
            422,
            "rejected",
            msg("请求被拒绝：无法核验该人员。", "Request refused: this person cannot be checked."),
        )
    if fault.mode == "flaky" and state.rng.random() < fault.error_rate:
        status = state.rng.choice((500, 502, 504))
        raise SimulatedError(
            status, "internal_error", msg("系统内部错误。", "Internal error in the system.")
        )


# --- request and answer shapes --------------------------------------------------------------


class PersonQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id_kind: Literal["resident_id", "passport"]
    id_number: str = Field(min_length=5, max_length=32)

    @model_validator(mode="after")
    def _valid_number(self) -> PersonQuery:
        if self.id_kind == "resident_id":
            self.id_number = normalize_resident_id(self.id_number)
            if not is_valid_resident_id(self.id_number):
                raise ValueError("id_number is not a valid resident ID (GB 11643)")
        else:
            self.id_number = normalize_passport(self.id_number)
            if not is_valid_passport(self.id_number):
                raise ValueError("id_number is not a valid passport number")
        return self


class NamedPersonQuery(PersonQuery):
    full_name: str = Field(min_length=1, max_length=100)


class IdentityQuery(NamedPersonQuery):
    nationality: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")

    @model_validator(mode="after")
    def _passport_needs_nationality(self) -> IdentityQuery:
        if self.id_kind == "passport" and self.nationality is None:
            raise ValueError("nationality is required with a passport")
        return self


class ResidentQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    resident_id: str = Field(min_length=18, max_length=18)

    @field_validator("resident_id")
    @classmethod
    def _valid_resident_id(cls, value: str) -> str:
        value = normalize_resident_id(value)
        if not is_valid_resident_id(value):
            raise ValueError("resident_id is not a valid resident ID (GB 11643)")
        return value


class MoveInRequest(ResidentQuery):
    full_name: str = Field(min_length=1, max_length=100)
    target_district: Literal["yangpu", "changning"]
    settlement_type: Literal[
        "talent_introduction", "residence_permit_conversion", "fresh_graduate", "returnee"
    ]
    household_type: Literal["family", "collective"]
    case_reference: str = Field(min_length=1, max_length=64)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _reference(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16].upper()}"


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _previous_month(d: date) -> str:
    return _month(date(d.year - 1, 12, 1) if d.month == 1 else date(d.year, d.month - 1, 1))


def _no_record(zh: str, en: str) -> SimulatedError:
    return SimulatedError(404, "no_record", msg(zh, en))


def _person(query: PersonQuery) -> Person:
    person = data.find(query.id_kind, query.id_number)
    if person is None:
        raise _no_record("未查询到该证件号码的记录。", "No record for this identity number.")
    return person


def identity_answer(person: Person, query: IdentityQuery) -> dict[str, Any]:
    matches = _same_name(person.full_name, query.full_name) and (
        query.nationality is None or query.nationality == person.nationality
    )
    answer: dict[str, Any] = {
        "record_id": _reference("IDV"),
        "authority": "mps_population" if person.id_kind == "resident_id" else "nia_exit_entry",
        "checked_at": _now(),
        "name_matches": matches,
    }
    if not matches:
        # A registry confirms facts only to someone who already knows the holder's name.
        answer["message"] = msg("姓名与证件号码不一致。", "The name does not match the number.")
        return answer
    answer.update(
        birth_date=person.birth_date.isoformat(),
        nationality=person.nationality,
        hukou=person.hukou,
        hukou_region=person.hukou_region,
        message=msg("核验一致。", "Identity confirmed."),
    )
    return answer


def contributions_answer(person: Person, today: date) -> dict[str, Any]:
    last_posted = _previous_month(today)
    periods = []
    for c in person.contributions:
        end = c.to_month or last_posted
        if c.from_month > last_posted:
            continue
        periods.append(
            {
                "employer_uscc": c.employer_uscc,
                "employer_name": data.EMPLOYERS[c.employer_uscc],
                "district": c.district,
                "from_month": c.from_month,
                "to_month": min(end, last_posted),
                "ongoing": c.to_month is None,
                "monthly_base_cny": round(c.base_multiple * CITY_AVERAGE_MONTHLY_WAGE_CNY),
                "base_multiple": c.base_multiple,
            }
        )
    if not periods:
        raise _no_record("未查询到本市社会保险缴费记录。", "No Shanghai social insurance record.")
    return {
        "record_id": _reference("SI"),
        "authority": "shanghai_social_insurance",
        "checked_at": _now(),
        "as_of": today.isoformat(),
        "last_posted_month": last_posted,
        "periods": periods,
        "message": msg("查询成功。", "Contribution record found."),
    }


def _certificate_no(person: Person, degree: data.Degree) -> str:
    # Stable across restarts so a reviewer can quote the same number twice.
    seed = f"{person.id_number}/{degree.university_name}/{degree.level}".encode()
    return f"{degree.graduation_date.year}{int(hashlib.sha256(seed).hexdigest()[:10], 16):012d}"


def degrees_answer(person: Person, query: NamedPersonQuery) -> dict[str, Any]:
    if not person.degrees or not _same_name(person.full_name, query.full_name):
        raise _no_record(
            "未查询到与该姓名和证件号码对应的学历学位记录。",
            "No degree on record for this name and identity number.",
        )
    degrees = []
    for d in person.degrees:
        foreign = d.country != "CN"
        degrees.append(
            {
                "level": d.level,
                "university_name": d.university_name,
                "country": d.country,
                "graduation_date": d.graduation_date.isoformat(),
                "authority": "cscse" if foreign else "chsi",
                "certificate_no": d.certificate_no if foreign else _certificate_no(person, d),
                "cscse_status": d.cscse_status if foreign else None,
            }
        )
    authorities = sorted({str(d["authority"]) for d in degrees})
    return {
        "record_id": _reference("DEG"),
        "authority": "+".join(authorities),
        "checked_at": _now(),
        "degrees": degrees,
        "message": msg("查询成功。", "Degree records found."),
    }


def _resident(resident_id: str) -> Person:
    person = data.find("resident_id", resident_id)
    if person is None:
        raise _no_record("未查询到该公民的户籍记录。", "No household registration record.")
    return person


def hukou_answer(person: Person) -> dict[str, Any]:
    district = person.hukou_district
    return {
        "record_id": _reference("HK"),
        "authority": "shanghai_public_security_hukou",
        "checked_at": _now(),
        "hukou": person.hukou,
        "hukou_region": person.hukou_region,
        "registered_district": district,
        "household_type": person.household_type,
        "hukou_office": data.hukou_office(district) if district else None,
        "message": msg("查询成功。", "Registration found."),
    }


def accept_move_in(state: SimulatorState, key: str, body: MoveInRequest) -> tuple[int, Any]:
    fingerprint = hashlib.sha256(
        json.dumps(body.model_dump(), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    seen = state.move_ins.get(key)
    if seen is not None:
        if seen.fingerprint != fingerprint:
            raise SimulatedError(
                422,
                "idempotency_key_reused",
                msg("该幂等键已用于另一笔不同的申请。", "This key was used for another request."),
            )
        return 200, {**seen.record, "replayed": True, "checked_at": _now()}
    person = _resident(body.resident_id)
    if not _same_name(person.full_name, body.full_name):
        raise SimulatedError(
            422, "name_mismatch", msg("姓名与证件号码不一致。", "The name does not match.")
        )
    if person.hukou == "shanghai":
        raise SimulatedError(
            409,
            "already_registered",
            msg("该公民已是本市户籍，无需办理迁入。", "The person already holds Shanghai hukou."),
        )
    for other in state.move_ins.values():
        if other.record["resident_id"] == body.resident_id:
            raise SimulatedError(
                409,
                "move_in_pending",
                msg(
                    f"该公民已有受理中的迁入申请（{other.record['acceptance_number']}）。",
                    f"A move-in is already accepted ({other.record['acceptance_number']}).",
                ),
            )
    number = f"LH{datetime.now(UTC):%Y%m%d}{len(state.move_ins) + 1:05d}"
    record = {
        **body.model_dump(),
        "record_id": number,
        "acceptance_number": number,
        "status": "accepted",
        "authority": "shanghai_public_security_hukou",
        "hukou_office": data.hukou_office(body.target_district),
        "checked_at": _now(),
        "replayed": False,
        "message": msg("迁入申请已受理。", "The move-in has been accepted."),
    }
    state.move_ins[key] = MoveIn(fingerprint, record)
    return 201, record


# --- the app --------------------------------------------------------------------------------


def create_app(
    *,
    token: str | None = None,
    seed: int | None = None,
    today: Callable[[], date] = date.today,
) -> FastAPI:
    """``token``: when set, every system call needs ``Authorization: Bearer <token>``.
    ``seed`` makes the "flaky" mode repeatable; ``today`` fixes the contribution cut-off."""
    state = SimulatorState(seed=seed)
    app = FastAPI(title="Outside systems simulator / 外部系统模拟器", version="1")
    app.state.sim = state

    def guard(system: System) -> Callable[[Request], Awaitable[None]]:
        async def check(request: Request) -> None:
            state.requests[system] += 1
            if token and request.headers.get("authorization") != f"Bearer {token}":
                raise SimulatedError(
                    401, "unauthorized", msg("接口凭证无效。", "Invalid or missing credentials.")
                )
            await apply_fault(state, system)

        return check

    def answer(request: Request, payload: dict[str, Any], status: int = 200) -> JSONResponse:
        request_id = request.headers.get("x-request-id") or _reference("REQ")
        return JSONResponse({"request_id": request_id, **payload}, status_code=status)

    identity = APIRouter(prefix="/identity/v1", dependencies=[Depends(guard("identity"))])
    insurance = APIRouter(
        prefix="/social-insurance/v1", dependencies=[Depends(guard("social_insurance"))]
    )
    degrees = APIRouter(prefix="/degrees/v1", dependencies=[Depends(guard("degrees"))])
    hukou = APIRouter(prefix="/hukou/v1", dependencies=[Depends(guard("hukou"))])

    @identity.post("/verifications")
    async def verify_identity(request: Request, query: IdentityQuery) -> JSONResponse:
        return answer(request, identity_answer(_person(query), query))

    @insurance.post("/contribution-records")
    async def contribution_records(request: Request, query: PersonQuery) -> JSONResponse:
        return answer(request, contributions_answer(_person(query), today()))

    @degrees.post("/verifications")
    async def verify_degrees(request: Request, query: NamedPersonQuery) -> JSONResponse:
        return answer(request, degrees_answer(_person(query), query))

    @hukou.post("/status")
    async def hukou_status(request: Request, query: ResidentQuery) -> JSONResponse:
        return answer(request, hukou_answer(_resident(query.resident_id)))

    @hukou.post("/move-ins")
    async def move_in(
        request: Request,
        body: MoveInRequest,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        if idempotency_key is None or not _IDEMPOTENCY_KEY.match(idempotency_key):
            raise SimulatedError(
                400,
                "idempotency_key_required",
                msg(
                    "缺少或无效的 Idempotency-Key 请求头。",
                    "A valid Idempotency-Key header is required.",
                ),
            )
        status, record = accept_move_in(state, idempotency_key, body)
        response = answer(request, record, status)
        if status == 200:
            response.headers["Idempotent-Replayed"] = "true"
        return response

    @hukou.get("/move-ins/{acceptance_number}")
    async def get_move_in(request: Request, acceptance_number: str) -> JSONResponse:
        for entry in state.move_ins.values():
            if entry.record["acceptance_number"] == acceptance_number:
                return answer(request, entry.record)
        raise _no_record("未查询到该受理编号。", "No move-in with this acceptance number.")

    for router in (identity, insurance, degrees, hukou):
        app.include_router(router)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/_control")
    async def control_state() -> dict[str, Any]:
        now = time.monotonic()
        return {
            "systems": {s: state.faults[s].describe(now) for s in SYSTEMS},
            "requests": dict(state.requests),
            "move_ins": len(state.move_ins),
        }

    @app.post("/_control")
    async def control(body: ControlRequest) -> dict[str, Any]:
        state.set_fault(body)
        return await control_state()

    @app.post("/_control/reset")
    async def reset() -> dict[str, Any]:
        state.reset()
        return await control_state()

    @app.exception_handler(SimulatedError)
    async def simulated_error(request: Request, exc: SimulatedError) -> JSONResponse:
        response = answer(request, {"code": exc.code, "message": exc.message}, exc.status)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "problem": str(e.get("msg"))}
            for e in exc.errors()
        ]
        body = {
            "code": "invalid_request",
            "message": msg("请求参数不正确。", "The request is not valid."),
            "errors": errors,
        }
        return answer(request, body, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        texts = {
            404: msg("接口不存在。", "No such endpoint."),
            405: msg("不支持该请求方法。", "Method not allowed."),
        }
        body = {
            "code": f"http_{exc.status_code}",
            "message": texts.get(exc.status_code, msg("请求失败。", "The request failed.")),
        }
        return answer(request, body, exc.status_code)

    return app
