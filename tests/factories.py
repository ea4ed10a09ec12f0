"""Helpers that create real records through the API or the services, never by raw inserts."""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pyotp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.identity import resident_id_check_char, uscc_check_char
from app.models import OutboxMessage, User
from app.models.base import utcnow
from app.rules import samples
from app.workflow.values import local_date

PASSWORD = "Tested-Talent-2026!"
TOTP_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"


def local_today() -> date:
    """Today in Shanghai, the day the portal counts working days by. ``date.today()`` is the
    machine's (UTC) day, which is a day behind from 16:00 to 24:00 UTC."""
    return local_date(utcnow())


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.cn"


_SHANGHAI_AREAS = tuple(
    f"3101{n:02d}" for n in (1, 4, 5, 6, 7, 9, 10, 12, 13, 14, 15, 16, 17, 18, 20, 51)
)


def resident_id(birth: str | None = None) -> str:
    """A valid, random number; random birth date too, so a run of hundreds never collides."""
    if birth is None:
        day = date(1970, 1, 1) + timedelta(days=random.randint(0, 12000))
        birth = day.strftime("%Y%m%d")
    # A fixed birth date leaves only the sequence number random; the district code varies too so
    # that a session registering dozens of people born on one day does not collide.
    area = random.choice(_SHANGHAI_AREAS)
    first17 = area + birth + f"{random.randint(0, 999):03d}"
    return first17 + resident_id_check_char(first17)


def bad_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def uscc() -> str:
    body = (
        "913101"
        + "".join(random.choice("0123456789") for _ in range(2))
        + "MA1"
        + "".join(random.choice("0123456789ABCDEFGH") for _ in range(6))
    )
    return body + uscc_check_char(body)


def passport() -> str:
    return "E" + "".join(random.choice("0123456789") for _ in range(8))


def domestic_payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "applicant_type": "domestic",
        "email": unique_email("dom"),
        "password": PASSWORD,
        "full_name": "王小明",
        "id_number": resident_id(),
        "mobile": "13800138000",
        "consent_personal_info": True,
    }
    data.update(overrides)
    return data


def overseas_payload(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "applicant_type": "overseas",
        "email": unique_email("ovs"),
        "password": PASSWORD,
        "full_name": "Maria Rossi",
        "passport_number": passport(),
        "nationality": "IT",
        "consent_personal_info": True,
    }
    data.update(overrides)
    return data


# --- Applicant fact profiles -------------------------------------------------------------
# The answers the tests give about an applicant (degree, dates, district, insurance, housing),
# kept here so a profile that several tests use is written once. Each call returns a new dict,
# so a test may change its copy. Overrides replace a fact where it stands, keeping the order
# (some requests send the answers as a JSON string), and add new facts at the end.


def _profile(facts: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    return {**facts, **overrides}


def renting_returnee_profile(**overrides: Any) -> dict[str, Any]:
    """The rent subsidy's typical applicant (app.rules.samples.renting_returnee)."""
    return _profile(samples.renting_returnee(), overrides)


def top_returnee_profile(**overrides: Any) -> dict[str, Any]:
    """A Chinese doctor of a world top-40 UK university (verified), born 1994, employed in
    Changning and owning no home; the return date is the test's to choose."""
    return _profile(
        {
            "highest_degree": "doctorate",
            "degree_country": "GB",
            "university_world_rank": 40,
            "overseas_degree_verified": True,
            "owns_home_in_shanghai": False,
            "has_other_housing_benefit": False,
            "employer_district": "changning",
            "birth_date": "1994-04-01",
            "nationality": "CN",
            "hukou": "other",
        },
        overrides,
    )


def settlement_returnee_profile(
    *, return_date: str, employment_start_date: str, **overrides: Any
) -> dict[str, Any]:
    """A Chinese master of a UK university after 400 days abroad (verified), born 1995,
    employed in Changning on the base social insurance: the returnee settlement's applicant,
    back and employed on the given dates."""
    return _profile(
        {
            "nationality": "CN",
            "highest_degree": "master",
            "degree_country": "GB",
            "study_abroad_days": 400,
            "return_date": return_date,
            "overseas_degree_verified": True,
            "employer_district": "changning",
            "employment_start_date": employment_start_date,
            "social_insurance_base_multiple": 1.0,
            "birth_date": "1995-01-01",
        },
        overrides,
    )


def apartment_returnee_profile(**overrides: Any) -> dict[str, Any]:
    """A Chinese doctor of a world top-50 US university (verified), born 1995, employed in
    Changning and owning no home: the returnee apartment subsidy's applicant, back on the test's
    date."""
    return _profile(
        {
            "birth_date": "1995-04-01",
            "highest_degree": "doctorate",
            "degree_country": "US",
            "university_world_rank": 50,
            "overseas_degree_verified": True,
            "employer_district": "changning",
            "owns_home_in_shanghai": False,
            "has_other_housing_benefit": False,
            "nationality": "CN",
        },
        overrides,
    )


def insured_in_changning_profile(months: int, **overrides: Any) -> dict[str, Any]:
    """A master working in Changning, insured there for ``months``, with no home and no other
    housing benefit: the facts the rent subsidy turns on."""
    return _profile(
        {
            "employer_district": "changning",
            "social_insurance_months_in_district": months,
            "owns_home_in_shanghai": False,
            "has_other_housing_benefit": False,
            "highest_degree": "master",
        },
        overrides,
    )


def as_typed(profile: dict[str, Any]) -> dict[str, Any]:
    """The profile as a person types it into the form's text fields: numbers as text; yes/no
    answers and lists stay as they are (they are ticked, not typed)."""
    return {
        fact: str(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for fact, value in profile.items()
    }


@dataclass
class ApiUser:
    email: str
    password: str
    access_token: str
    refresh_token: str
    account: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register_and_login(
    client: httpx.AsyncClient,
    payload: dict[str, Any],
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> ApiUser:
    """Registers through the API, confirms the email address with the emailed link (read from
    the outbox) and signs in; ``account`` is what /api/v1/me answers."""
    r = await client.post("/api/v1/auth/register", json=payload)
    assert r.status_code == 202, r.text
    await confirm_email(client, payload["email"], sessionmaker)
    tokens = await login(client, payload["email"], payload["password"])
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.status_code == 200, me.text
    return ApiUser(
        payload["email"],
        payload["password"],
        tokens["access_token"],
        tokens["refresh_token"],
        me.json(),
    )


async def emailed_token(
    client: httpx.AsyncClient,
    email: str,
    template: str = "account.confirm_email",
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> str:
    """The token of the newest link of ``template`` (the email confirmation, a password reset)
    waiting in the outbox for the account with ``email``, as the mail will carry it. A client
    of a real server passes the served app's ``sessionmaker``, or carries it as the client's
    ``portal_sessionmaker``."""
    if sessionmaker is None:
        sessionmaker = getattr(client, "portal_sessionmaker", None)
    if sessionmaker is None:
        transport = client._transport
        assert isinstance(transport, httpx.ASGITransport), "an in-process client"
        sessionmaker = transport.app.state.sessionmaker  # type: ignore[attr-defined]
    assert sessionmaker is not None
    async with sessionmaker() as session:
        stmt = (
            select(OutboxMessage.payload)
            .join(User, User.id == OutboxMessage.recipient_user_id)
            .where(User.email == email.strip().lower(), OutboxMessage.template == template)
            .order_by(OutboxMessage.created_at.desc())
            .limit(1)
        )
        payload = (await session.execute(stmt)).scalar_one()
    url = payload["params"]["url"]  # type: ignore[index]
    return str(url).split("token=", 1)[1]


async def confirm_email(
    client: httpx.AsyncClient,
    email: str,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> None:
    """Opens the link the registration emailed, as its owner would."""
    token = await emailed_token(client, email, sessionmaker=sessionmaker)
    r = await client.post("/api/v1/auth/confirm-email", json={"token": token})
    assert r.status_code == 204, r.text


async def login(
    client: httpx.AsyncClient, email: str, password: str, totp_code: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"email": email, "password": password}
    if totp_code:
        body["totp_code"] = totp_code
    r = await client.post("/api/v1/auth/login", json=body)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def totp_now(secret: str = TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).now()


async def create_staff(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    district: str,
    roles: list[str],
    department: str = "hr_bureau",
) -> str:
    from app.services.accounts import staff as staff_service

    email = unique_email(f"staff-{district}")
    async with sessionmaker() as session, session.begin():
        await staff_service.create_staff(
            session,
            email=email,
            password=PASSWORD,
            full_name="测试工作人员",
            district=district,
            department=department,
            roles=roles,
            totp_secret=TOTP_SECRET,
        )
    return email


async def staff_login(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    """Signs a staff member in; each call uses a fresh code step to avoid replay refusal."""
    # Codes cannot be replayed, so two logins in one 30 s step need the next step's code,
    # which verification accepts as clock drift.
    step = int(time.time() // 30)
    for candidate in (step, step + 1):
        code = pyotp.TOTP(TOTP_SECRET).at(candidate * 30)
        r = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD, "totp_code": code}
        )
        if r.status_code == 200:
            return {"Authorization": f"Bearer {r.json()['access_token']}"}
    raise AssertionError(f"staff login failed: {r.status_code} {r.text}")


async def employer_login(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    """Signs an employer user in: like staff, with a code from the authenticator."""
    return await staff_login(client, email)


async def create_employer(
    sessionmaker: async_sessionmaker[AsyncSession], *, district: str, name: str = "测试单位"
) -> uuid.UUID:
    from app.services.accounts import staff as staff_service

    async with sessionmaker() as session, session.begin():
        employer = await staff_service.create_employer(
            session, name=name, uscc=uscc(), district=district
        )
        return employer.id


async def create_employer_with_hr(
    sessionmaker: async_sessionmaker[AsyncSession], *, district: str, name: str
) -> tuple[str, str]:
    """An employer with one HR user (who confirms employment); returns its USCC and HR email."""
    from app.services.accounts import staff as staff_service

    async with sessionmaker() as session, session.begin():
        employer = await staff_service.create_employer(
            session, name=name, uscc=uscc(), district=district
        )
        hr_email = unique_email("hr")
        await staff_service.create_employer_user(
            session,
            employer_id=employer.id,
            email=hr_email,
            password=PASSWORD,
            full_name="人事",
            totp_secret=TOTP_SECRET,
        )
        return employer.uscc, hr_email


async def submit_application(
    client: httpx.AsyncClient, user: ApiUser, application_id: str
) -> dict[str, Any]:
    """Submits a filled draft with the declaration and consent given; the case must be opened."""
    r = await client.post(
        f"/api/v1/applications/{application_id}/submit",
        headers={**user.headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"declaration": True, "sensitive_consent": True},
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]
