"""Accounts through the JSON API: registration, tokens, lockout, TOTP and scoping."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f

pytestmark = pytest.mark.usefixtures("isolated_db")


class TestRegister:
    async def test_domestic_applicant_is_created_with_masked_id(
        self, client: httpx.AsyncClient
    ) -> None:
        # The account is created at registration (202) and read once the email is confirmed.
        payload = f.domestic_payload()
        user = await f.register_and_login(client, payload)
        applicant = user.account["applicant"]
        number = payload["id_number"]
        assert applicant["id_number_masked"] == number[:3] + "*" * 11 + number[-4:]
        assert number not in str(user.account)
        assert applicant["mobile_masked"] == "138****8000"

    async def test_overseas_applicant_is_created(self, client: httpx.AsyncClient) -> None:
        payload = f.overseas_payload()
        user = await f.register_and_login(client, payload)
        body = user.account["applicant"]
        assert body["applicant_type"] == "overseas"
        assert body["nationality"] == "IT"
        assert payload["passport_number"] not in str(user.account)

    @pytest.mark.parametrize(
        ("lang", "expected"),
        [("en", "check digit does not match"), ("zh-CN,zh;q=0.9", "校验码不匹配")],
    )
    async def test_wrong_check_digit_is_422_naming_the_field_in_request_language(
        self, client: httpx.AsyncClient, lang: str, expected: str
    ) -> None:
        payload = f.domestic_payload(id_number=f.bad_check_digit(f.resident_id()))
        r = await client.post(
            "/api/v1/auth/register", json=payload, headers={"Accept-Language": lang}
        )
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["code"] == "validation_failed"
        assert problem["status"] == 422
        [error] = problem["errors"]
        assert error["field"] == "id_number"
        assert error["code"] == "invalid_id_number"
        assert expected in error["message"]

    @pytest.mark.parametrize(
        ("applicant_type", "code", "expected"),
        [
            (None, "union_tag_not_found", "此项为必填项。"),
            ("martian", "union_tag_invalid", "请从以下选项中选择：'domestic', 'overseas'。"),
        ],
    )
    async def test_missing_or_unknown_applicant_type_names_that_field_in_chinese(
        self, client: httpx.AsyncClient, applicant_type: str | None, code: str, expected: str
    ) -> None:
        payload = f.domestic_payload()
        payload.pop("applicant_type", None)
        if applicant_type is not None:
            payload["applicant_type"] = applicant_type
        r = await client.post(
            "/api/v1/auth/register", json=payload, headers={"Accept-Language": "zh"}
        )
        assert r.status_code == 422
        [error] = r.json()["errors"]
        assert error == {"field": "applicant_type", "code": code, "message": expected}

    async def test_a_malformed_id_in_the_path_is_explained_in_chinese(
        self, client: httpx.AsyncClient
    ) -> None:
        a = await f.register_and_login(client, f.domestic_payload())
        r = await client.get(
            "/api/v1/applicants/not-a-uuid", headers={**a.headers, "Accept-Language": "zh"}
        )
        assert r.status_code == 422
        [error] = r.json()["errors"]
        assert error == {
            "field": "applicant_id",
            "code": "uuid_parsing",
            "message": "这不是有效的编号。",
        }

    def test_an_unmapped_pydantic_error_gets_a_translated_generic_message(self) -> None:
        from app.core.problems import field_errors_from
        from app.i18n import gettext

        [error] = field_errors_from(
            [{"type": "url_parsing", "loc": ("body", "site"), "msg": "Input should be a URL"}]
        )
        assert error.field == "site"
        assert error.text("zh", gettext) == gettext("zh", "This value is not valid.")
        assert error.text("zh", gettext) != "This value is not valid."

    @pytest.mark.parametrize(
        ("password", "lang", "expected"),
        [
            ("qwertyuiop", "en", "This password is too common"),
            ("12345678a", "zh", "该密码过于常见"),
            ("password!", "zh", "该密码过于常见"),
        ],
    )
    async def test_a_common_password_is_refused_in_the_request_language(
        self, client: httpx.AsyncClient, password: str, lang: str, expected: str
    ) -> None:
        r = await client.post(
            "/api/v1/auth/register",
            json=f.domestic_payload(password=password),
            headers={"Accept-Language": lang},
        )
        assert r.status_code == 422
        [error] = r.json()["errors"]
        assert (error["field"], error["code"]) == ("password", "password_too_common")
        assert expected in error["message"]

    async def test_nothing_is_stored_when_validation_fails(self, client: httpx.AsyncClient) -> None:
        payload = f.domestic_payload(password="12345678")
        r = await client.post("/api/v1/auth/register", json=payload)
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "password_too_common"
        r = await client.post(
            "/api/v1/auth/login", json={"email": payload["email"], "password": "12345678"}
        )
        assert r.status_code == 401

    async def test_same_id_number_cannot_register_twice(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        # Refused without saying so (issue 14, item 9): the same answer as a new registration,
        # nothing is created, and the second email address cannot sign in.
        first = f.domestic_payload()
        new = await client.post("/api/v1/auth/register", json=first)
        assert new.status_code == 202
        second = f.domestic_payload(id_number=first["id_number"])
        r = await client.post("/api/v1/auth/register", json=second)
        assert (r.status_code, r.json()) == (new.status_code, new.json())
        login = await client.post(
            "/api/v1/auth/login", json={"email": second["email"], "password": second["password"]}
        )
        assert login.status_code == 401

    async def test_consent_is_required(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            "/api/v1/auth/register", json=f.domestic_payload(consent_personal_info=False)
        )
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "consent_personal_info"

    async def test_unknown_fields_are_refused(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/api/v1/auth/register", json=f.domestic_payload(role="sysadmin"))
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "role"


class TestTokens:
    async def test_login_refresh_logout(self, client: httpx.AsyncClient) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        me = await client.get("/api/v1/me", headers=user.headers)
        assert me.status_code == 200
        assert me.json()["email"] == user.email

        r = await client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
        assert r.status_code == 200
        rotated = r.json()
        # The old access token stops working at once.
        assert (await client.get("/api/v1/me", headers=user.headers)).status_code == 401

        new_headers = {"Authorization": f"Bearer {rotated['access_token']}"}
        assert (await client.get("/api/v1/me", headers=new_headers)).status_code == 200
        assert (await client.post("/api/v1/auth/logout", headers=new_headers)).status_code == 204
        assert (await client.get("/api/v1/me", headers=new_headers)).status_code == 401
        after = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
        )
        assert after.status_code == 401
        # The old refresh token stays refused. (Replaying it while the login is live revokes
        # the whole login: test_password_reset.py, TestRefreshFamily.)
        again = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}
        )
        assert again.status_code == 401

    async def test_wrong_password_and_unknown_account_answer_alike(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        wrong = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": "not-the-password"}
        )
        unknown = await client.post(
            "/api/v1/auth/login",
            json={"email": f.unique_email("ghost"), "password": "not-the-password"},
        )
        assert wrong.status_code == unknown.status_code == 401
        strip = lambda p: {k: v for k, v in p.items() if k != "request_id"}  # noqa: E731
        assert strip(wrong.json()) == strip(unknown.json())


class TestLockout:
    # Issue 14 item 10: failures now delay the address they came from (429 with Retry-After,
    # growing) instead of a hard 15-minute 423 lock that anyone could renew against the owner;
    # the owner elsewhere is not held (tests/integration/test_password_and_lockout.py).
    async def test_ten_failures_delay_and_the_correct_password_is_then_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        for _ in range(10):
            r = await client.post(
                "/api/v1/auth/login", json={"email": user.email, "password": "wrong-password-x"}
            )
            assert r.status_code == 401
        r = await client.post(
            "/api/v1/auth/login",
            json={"email": user.email, "password": user.password},
            headers={"Accept-Language": "en"},
        )
        assert r.status_code == 429
        assert r.json()["code"] == "login_delayed"
        assert "30 seconds" in r.json()["detail"]
        assert r.headers["Retry-After"] == "30"

    async def test_unknown_accounts_are_delayed_the_same_way(
        self, client: httpx.AsyncClient
    ) -> None:
        email = f.unique_email("ghost")
        statuses = []
        for _ in range(11):
            r = await client.post("/api/v1/auth/login", json={"email": email, "password": "x" * 9})
            statuses.append(r.status_code)
        assert statuses == [401] * 10 + [429]


class TestStaffLogin:
    async def test_staff_without_totp_is_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        email = await f.create_staff(sessionmaker, district="yangpu", roles=["reviewer"])
        r = await client.post("/api/v1/auth/login", json={"email": email, "password": f.PASSWORD})
        assert r.status_code == 401
        # The same answer as a wrong password: it must not confirm the password was right.
        assert r.json()["code"] == "invalid_credentials"

    async def test_staff_with_wrong_totp_is_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        email = await f.create_staff(sessionmaker, district="yangpu", roles=["reviewer"])
        code = f.totp_now()
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        r = await client.post(
            "/api/v1/auth/login",
            json={"email": email, "password": f.PASSWORD, "totp_code": wrong},
        )
        assert r.status_code == 401
        assert r.json()["code"] == "invalid_credentials"

    async def test_a_totp_code_cannot_be_replayed(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        email = await f.create_staff(sessionmaker, district="yangpu", roles=["reviewer"])
        code = f.totp_now()
        body = {"email": email, "password": f.PASSWORD, "totp_code": code}
        first = await client.post("/api/v1/auth/login", json=body)
        assert first.status_code == 200
        replay = await client.post("/api/v1/auth/login", json=body)
        assert replay.status_code == 401


class TestScoping:
    async def test_applicant_cannot_read_another_applicant(self, client: httpx.AsyncClient) -> None:
        a = await f.register_and_login(client, f.domestic_payload())
        b = await f.register_and_login(client, f.overseas_payload())
        own = await client.get(
            f"/api/v1/applicants/{a.account['applicant']['id']}", headers=a.headers
        )
        assert own.status_code == 200
        other = await client.get(
            f"/api/v1/applicants/{b.account['applicant']['id']}", headers=a.headers
        )
        assert other.status_code == 404
        assert other.json()["code"] == "not_found"

    async def test_yangpu_staff_cannot_read_changning_data(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        yangpu_employer = await f.create_employer(sessionmaker, district="yangpu")
        changning_employer = await f.create_employer(sessionmaker, district="changning")
        email = await f.create_staff(sessionmaker, district="yangpu", roles=["reviewer"])
        headers = await f.staff_login(client, email)
        own = await client.get(f"/api/v1/staff/employers/{yangpu_employer}", headers=headers)
        assert own.status_code == 200
        other = await client.get(f"/api/v1/staff/employers/{changning_employer}", headers=headers)
        assert other.status_code == 404
        listed = await client.get("/api/v1/staff/employers", headers=headers)
        assert {e["district"] for e in listed.json()} == {"yangpu"}

    @pytest.mark.parametrize(
        ("district", "roles", "department", "status"),
        [
            ("changning", ["auditor"], "talent_office", 404),
            ("changning", ["finance_maker"], "finance", 404),
            ("changning", ["reviewer"], "housing", 404),  # may view applicants, not this one
            ("yangpu", ["finance_maker"], "finance", 404),  # the case's district, no permission
            ("yangpu", ["reviewer"], "housing", 200),
            ("yangpu", ["district_admin"], "talent_office", 200),
            # 一窗通办: either window finds and serves any walk-in of the city.
            ("changning", ["window_clerk"], "service_center", 200),
        ],
    )
    async def test_staff_read_only_applicants_with_a_case_in_their_district(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        district: str,
        roles: list[str],
        department: str,
        status: int,
    ) -> None:
        from tests.integration.test_cases_api import submitted_rent_case

        applicant, _case = await submitted_rent_case(client, district="yangpu")
        email = await f.create_staff(
            sessionmaker, district=district, roles=roles, department=department
        )
        headers = await f.staff_login(client, email)
        r = await client.get(
            f"/api/v1/applicants/{applicant.account['applicant']['id']}", headers=headers
        )
        assert r.status_code == status, r.text

    async def test_reviewer_cannot_read_an_applicant_without_a_case(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        applicant = await f.register_and_login(client, f.domestic_payload())
        email = await f.create_staff(sessionmaker, district="yangpu", roles=["reviewer"])
        headers = await f.staff_login(client, email)
        r = await client.get(
            f"/api/v1/applicants/{applicant.account['applicant']['id']}", headers=headers
        )
        assert r.status_code == 404

    async def test_applicant_token_cannot_call_staff_api(self, client: httpx.AsyncClient) -> None:
        a = await f.register_and_login(client, f.domestic_payload())
        r = await client.get("/api/v1/staff/employers", headers=a.headers)
        assert r.status_code == 403

    async def test_role_without_permission_is_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        email = await f.create_staff(
            sessionmaker, district="changning", roles=["finance_maker"], department="finance"
        )
        headers = await f.staff_login(client, email)
        r = await client.get("/api/v1/staff/employers", headers=headers)
        assert r.status_code == 403

    async def test_no_token_is_401(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/api/v1/me")
        assert r.status_code == 401
        assert r.json()["code"] == "authentication_required"


class TestFullIdView:
    async def test_clerk_lookup_by_id_number_and_audited_reveal(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from sqlalchemy import select

        from app.models import AuditEntry

        applicant = await f.register_and_login(client, f.domestic_payload())
        number = applicant.account["applicant"]["id_number_masked"]
        email = await f.create_staff(
            sessionmaker, district="changning", roles=["window_clerk"], department="service_center"
        )
        headers = await f.staff_login(client, email)
        # The clerk types the full number read from the card; only the blind index is queried.
        full = None
        async with sessionmaker() as session:
            from app.models import Applicant
            from app.services.protection import decrypt_id

            row = (
                await session.execute(
                    select(Applicant).where(
                        Applicant.id == uuid.UUID(applicant.account["applicant"]["id"])
                    )
                )
            ).scalar_one()
            full = decrypt_id(row.id_number_enc)
        found = await client.post(
            "/api/v1/staff/applicants/lookup",
            json={"id_kind": "resident_id", "id_number": full},
            headers=headers,
        )
        assert found.status_code == 200
        assert found.json()["id_number_masked"] == number
        revealed = await client.post(
            f"/api/v1/staff/applicants/{found.json()['id']}/identity",
            json={"purpose": "walk-in identity check"},
            headers=headers,
        )
        assert revealed.status_code == 200
        assert revealed.json()["id_number"] == full
        async with sessionmaker() as session:
            entries = (
                (
                    await session.execute(
                        select(AuditEntry).where(
                            AuditEntry.action == "applicant.full_id_viewed",
                            AuditEntry.object_id == found.json()["id"],
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert len(entries) == 1
        assert entries[0].detail == {"purpose": "walk-in identity check"}

    async def test_reviewer_cannot_reveal_full_id(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        applicant = await f.register_and_login(client, f.domestic_payload())
        email = await f.create_staff(sessionmaker, district="yangpu", roles=["reviewer"])
        headers = await f.staff_login(client, email)
        r = await client.post(
            f"/api/v1/staff/applicants/{applicant.account['applicant']['id']}/identity",
            json={"purpose": "curious"},
            headers=headers,
        )
        assert r.status_code == 403
