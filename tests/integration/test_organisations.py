"""Organisation accounts (issue 15): registration with the licence and the credit-code check,
the admin's email and authenticator enrolment, verification by the district's staff only,
re-verification, users and invitations with roles, and the ways out of ``awaiting_employer``
when the named employer has not registered."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import AuditEntry, Case, OrganisationInvitation, OutboxMessage
from app.models.base import utcnow
from tests import factories as f
from tests.integration.test_cases_api import act, new_draft, staff

pytestmark = pytest.mark.usefixtures("isolated_db")

PDF = b"%PDF-1.7\n% licence\n%%EOF\n"


def org_fields(**overrides: Any) -> dict[str, Any]:
    fields = {
        "org_type": "enterprise",
        "uscc": f.uscc(),
        "name": "上海测试科技有限公司",
        "district": "changning",
        "registered_capital_cny": "1000000",
        "industry": "软件和信息技术服务业",
        "email": f.unique_email("orgadmin"),
        "password": f.PASSWORD,
        "full_name": "单位管理员",
    }
    fields.update(overrides)
    return fields


async def post_registration(
    client: httpx.AsyncClient, fields: dict[str, Any], licence: bool = True
) -> httpx.Response:
    files = {"file": ("licence.pdf", PDF, "application/pdf")} if licence else None
    return await client.post("/api/v1/organisations", data=fields, files=files)


async def code_login(client: httpx.AsyncClient, email: str, secret: str) -> dict[str, str]:
    """Signs in with a code from ``secret``: a fresh step each time (codes are not replayed)."""
    step = int(time.time() // 30)
    r = None
    for candidate in (step, step + 1, step - 1):
        code = pyotp.TOTP(secret).at(candidate * 30)
        r = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": f.PASSWORD, "totp_code": code}
        )
        if r.status_code == 200:
            return {"Authorization": f"Bearer {r.json()['access_token']}"}
    raise AssertionError(f"login failed: {r.status_code if r else None}")


async def registered_org(
    client: httpx.AsyncClient, **overrides: Any
) -> tuple[dict[str, Any], str, dict[str, str]]:
    """A registered organisation whose admin enrolled: its fields, the admin's secret and the
    admin's sign-in headers."""
    fields = org_fields(**overrides)
    r = await post_registration(client, fields)
    assert r.status_code == 202, r.text
    token = await f.emailed_token(client, fields["email"], "organisation.confirm_email")
    shown = await client.get("/api/v1/organisations/enrolment", params={"token": token})
    assert shown.status_code == 200, shown.text
    secret = shown.json()["totp_secret"]
    code = pyotp.TOTP(secret).at(int(time.time() // 30) * 30 - 30)
    r = await client.post(
        "/api/v1/organisations/enrolment", json={"token": token, "totp_code": code}
    )
    assert r.status_code == 204, r.text
    return fields, secret, await code_login(client, fields["email"], secret)


async def verifier(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], district: str
) -> dict[str, str]:
    return await staff(client, sm, district, ["district_admin"], "talent_office")


async def org_id(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    r = await client.get("/api/v1/organisations/me", headers=headers)
    assert r.status_code == 200, r.text
    return str(r.json()["organisation"]["id"])


async def approve(
    client: httpx.AsyncClient, headers: dict[str, str], employer_id: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/staff/organisations/{employer_id}/decision",
        headers=headers,
        json={"decision": "approve"},
    )


class TestRegistration:
    async def test_bad_checksum_is_refused_naming_the_field(
        self, client: httpx.AsyncClient
    ) -> None:
        good = f.uscc()
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        r = await post_registration(client, org_fields(uscc=bad))
        assert r.status_code == 422
        assert [e["code"] for e in r.json()["errors"] if e["field"] == "uscc"] == ["invalid_uscc"]

    async def test_duplicate_code_is_refused(self, client: httpx.AsyncClient) -> None:
        fields, _secret, _headers = await registered_org(client)
        r = await post_registration(client, org_fields(uscc=fields["uscc"]))
        assert r.status_code == 422
        assert {e["code"] for e in r.json()["errors"]} == {"uscc_taken"}

    async def test_missing_licence_is_refused_and_nothing_is_made(
        self, client: httpx.AsyncClient
    ) -> None:
        fields = org_fields()
        r = await post_registration(client, fields, licence=False)
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"file"}
        again = await post_registration(client, fields)
        assert again.status_code == 202, again.text  # the code was not taken by the refusal

    async def test_admin_signs_in_only_after_enrolment_and_only_with_a_code(
        self, client: httpx.AsyncClient
    ) -> None:
        fields = org_fields()
        assert (await post_registration(client, fields)).status_code == 202
        before = await client.post(
            "/api/v1/auth/login", json={"email": fields["email"], "password": f.PASSWORD}
        )
        assert before.status_code in (401, 403)
        token = await f.emailed_token(client, fields["email"], "organisation.confirm_email")
        wrong = await client.post(
            "/api/v1/organisations/enrolment", json={"token": token, "totp_code": "000000"}
        )
        assert wrong.status_code == 422
        secret = (
            await client.get("/api/v1/organisations/enrolment", params={"token": token})
        ).json()["totp_secret"]
        ok = await client.post(
            "/api/v1/organisations/enrolment",
            json={"token": token, "totp_code": pyotp.TOTP(secret).now()},
        )
        assert ok.status_code == 204, ok.text
        used = await client.get("/api/v1/organisations/enrolment", params={"token": token})
        assert used.status_code == 422
        no_code = await client.post(
            "/api/v1/auth/login", json={"email": fields["email"], "password": f.PASSWORD}
        )
        assert no_code.status_code == 401
        headers = await code_login(client, fields["email"], secret)
        home = (await client.get("/api/v1/organisations/me", headers=headers)).json()
        assert home["organisation"]["status"] == "pending"
        assert home["can_manage"] is True


class TestVerification:
    async def test_only_the_district_of_registration_sees_and_decides(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _fields, _secret, admin = await registered_org(client, district="changning")
        employer_id = await org_id(client, admin)
        other = await verifier(client, sessionmaker, "yangpu")
        listed = (await client.get("/api/v1/staff/organisations", headers=other)).json()
        assert employer_id not in {o["id"] for o in listed}
        assert (
            await client.get(f"/api/v1/staff/organisations/{employer_id}", headers=other)
        ).status_code == 404
        assert (await approve(client, other, employer_id)).status_code == 404
        assert (
            await client.get(f"/api/v1/staff/organisations/{employer_id}/licence", headers=other)
        ).status_code == 404
        clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
        assert (await client.get("/api/v1/staff/organisations", headers=clerk)).status_code == 403

        own = await verifier(client, sessionmaker, "changning")
        listed = (await client.get("/api/v1/staff/organisations", headers=own)).json()
        assert employer_id in {o["id"] for o in listed}
        licence = await client.get(
            f"/api/v1/staff/organisations/{employer_id}/licence", headers=own
        )
        assert licence.status_code == 200 and licence.content == PDF
        r = await approve(client, own, employer_id)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "verified"

    async def test_rejection_needs_a_reason_and_tells_the_admin(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        fields, _secret, admin = await registered_org(client, district="yangpu")
        employer_id = await org_id(client, admin)
        own = await verifier(client, sessionmaker, "yangpu")
        url = f"/api/v1/staff/organisations/{employer_id}/decision"
        bare = await client.post(url, headers=own, json={"decision": "reject"})
        assert bare.status_code == 422
        r = await client.post(
            url, headers=own, json={"decision": "reject", "reason": "营业执照不清晰"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "rejected"
        async with sessionmaker() as session:
            templates = set(
                (
                    await session.execute(
                        select(OutboxMessage.template).where(
                            OutboxMessage.template == "organisation.rejected"
                        )
                    )
                ).scalars()
            )
            actions = set(
                (
                    await session.execute(
                        select(AuditEntry.action).where(AuditEntry.object_id == employer_id)
                    )
                ).scalars()
            )
        assert templates == {"organisation.rejected"}
        assert {"organisation.registered", "organisation.rejected"} <= actions
        assert fields["uscc"] == r.json()["uscc"]

    async def test_a_new_name_or_licence_is_verified_again_and_the_history_kept(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _fields, _secret, admin = await registered_org(client, district="changning")
        employer_id = await org_id(client, admin)
        own = await verifier(client, sessionmaker, "changning")
        assert (await approve(client, own, employer_id)).status_code == 200
        same = await client.post(
            "/api/v1/organisations/me/changes", headers=admin, data={"name": "上海测试科技有限公司"}
        )
        assert same.status_code == 422
        r = await client.post(
            "/api/v1/organisations/me/changes",
            headers=admin,
            data={"name": "上海新名称科技有限公司"},
            files={"file": ("licence2.pdf", PDF, "application/pdf")},
        )
        assert r.status_code == 204, r.text
        seen = (await client.get(f"/api/v1/staff/organisations/{employer_id}", headers=own)).json()
        assert seen["status"] == "pending"
        assert seen["name"] == "上海新名称科技有限公司"
        assert [h["event"] for h in seen["history"]] == ["confirm_admin", "approve", "resubmit"]
        assert seen["history"][1]["name"] == "上海测试科技有限公司"


class TestUsersAndInvitations:
    async def _invite(
        self, client: httpx.AsyncClient, admin: dict[str, str], role: str
    ) -> tuple[str, str]:
        email = f.unique_email("colleague")
        r = await client.post(
            "/api/v1/organisations/me/invitations",
            headers=admin,
            json={"email": email, "role": role},
        )
        assert r.status_code == 201, r.text
        transport = client._transport
        assert isinstance(transport, httpx.ASGITransport)
        sm = transport.app.state.sessionmaker  # type: ignore[attr-defined]
        async with sm() as session:
            payload = (
                await session.execute(
                    select(OutboxMessage.payload)
                    .where(OutboxMessage.template == "organisation.invitation")
                    .order_by(OutboxMessage.created_at.desc())
                    .limit(1)
                )
            ).scalar_one()
        assert payload["to"]["email"] == email
        return email, str(payload["params"]["url"]).split("token=", 1)[1]

    async def _accept(self, client: httpx.AsyncClient, token: str) -> tuple[httpx.Response, str]:
        shown = await client.get("/api/v1/organisations/invitations", params={"token": token})
        if shown.status_code != 200:
            return shown, ""
        secret = shown.json()["totp_secret"]
        r = await client.post(
            "/api/v1/organisations/invitations/accept",
            json={
                "token": token,
                "full_name": "同事",
                "password": f.PASSWORD,
                "totp_code": pyotp.TOTP(secret).at(int(time.time() // 30) * 30 - 30),
            },
        )
        return r, secret

    async def test_an_invited_user_joins_once_with_the_role_given(
        self, client: httpx.AsyncClient
    ) -> None:
        _fields, _secret, admin = await registered_org(client)
        email, token = await self._invite(client, admin, "hr_officer")
        r, secret = await self._accept(client, token)
        assert r.status_code == 204, r.text
        again, _ = await self._accept(client, token)
        assert again.status_code == 422
        colleague = await code_login(client, email, secret)
        home = (await client.get("/api/v1/organisations/me", headers=colleague)).json()
        roles = {m["email"]: m["role"] for m in home["members"]}
        assert roles[email] == "hr_officer"
        assert home["can_manage"] is False
        refused = await client.post(
            "/api/v1/organisations/me/invitations",
            headers=colleague,
            json={"email": f.unique_email("x"), "role": "admin"},
        )
        assert refused.status_code == 403

    async def test_an_expired_invitation_is_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _fields, _secret, admin = await registered_org(client)
        email, token = await self._invite(client, admin, "finance_contact")
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(OrganisationInvitation)
                .where(OrganisationInvitation.email == email)
                .values(expires_at=utcnow() - timedelta(minutes=1))
            )
        r, _ = await self._accept(client, token)
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "invitation_invalid"

    async def test_another_organisations_users_are_out_of_reach_and_one_admin_stays(
        self, client: httpx.AsyncClient
    ) -> None:
        _a, _sa, admin_a = await registered_org(client)
        _b, _sb, admin_b = await registered_org(client)
        email, token = await self._invite(client, admin_a, "hr_officer")
        r, _ = await self._accept(client, token)
        assert r.status_code == 204
        home_a = (await client.get("/api/v1/organisations/me", headers=admin_a)).json()
        member = next(m for m in home_a["members"] if m["email"] == email)
        me = next(m for m in home_a["members"] if m["is_me"])
        url = f"/api/v1/organisations/me/users/{member['user_id']}"
        assert (await client.delete(url, headers=admin_b)).status_code == 404
        assert (
            await client.put(url + "/role", headers=admin_b, json={"role": "admin"})
        ).status_code == 404
        last = f"/api/v1/organisations/me/users/{me['user_id']}"
        assert (await client.delete(last, headers=admin_a)).status_code == 409
        assert (
            await client.put(last + "/role", headers=admin_a, json={"role": "hr_officer"})
        ).status_code == 409
        assert (await client.delete(url, headers=admin_a)).status_code == 204
        home_a = (await client.get("/api/v1/organisations/me", headers=admin_a)).json()
        assert email not in {m["email"] for m in home_a["members"]}


async def case_naming(client: httpx.AsyncClient, uscc: str) -> tuple[f.ApiUser, str]:
    """A submitted Changning talent-apartment case naming the employer ``uscc``."""
    user, draft = await new_draft(client, "changning", "talent_apartment")
    answers = {
        k: v
        for k, v in f.renting_returnee_profile().items()
        if k in {q["fact"] for q in draft["questions"]}
    }
    answers.update(
        marital_status="single",
        employer_uscc=uscc,
        contract_end_date="2029-06-01",
        housing_area_per_person_sqm=0,
        skill_level=0,
    )
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"answers": answers}
    )
    assert r.status_code == 200, r.text
    result = await f.submit_application(client, user, draft["id"])
    return user, str(result["case"]["id"])


async def awaiting(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], uscc: str
) -> tuple[f.ApiUser, str, dict[str, str]]:
    """The case, asked of its (unregistered) employer by a window clerk."""
    user, case_id = await case_naming(client, uscc)
    clerk = await staff(client, sm, "changning", ["window_clerk"], "service_center")
    due = (f.local_today() + timedelta(days=10)).isoformat()
    r = await act(client, clerk, case_id, 1, "request_employer_confirmation", due_on=due)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "awaiting_employer"
    return user, case_id, clerk


class TestAwaitingEmployerExits:
    async def test_the_invited_employer_registers_is_verified_and_confirms(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        uscc = f.uscc()
        user, case_id, clerk = await awaiting(client, sessionmaker, uscc)
        view = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        assert view["employer_registration_pending"] is True
        url = f"/api/v1/cases/{case_id}/employer-invitations"
        empty = await client.post(url, headers=user.headers, json={})
        assert empty.status_code == 422
        stranger, _ = await case_naming(client, f.uscc())
        theirs = await client.post(url, headers=stranger.headers, json={"email": "a@b.cn"})
        assert theirs.status_code == 404
        for left in (2, 1, 0):
            r = await client.post(
                url, headers=user.headers, json={"email": "hr@example.cn", "mobile": "13800138000"}
            )
            assert r.status_code == 202, r.text
            assert r.json() == {"remaining_today": left}
        limited = await client.post(url, headers=user.headers, json={"email": "hr@example.cn"})
        assert limited.status_code == 429

        _fields, _secret, admin = await registered_org(client, uscc=uscc, district="changning")
        # Not verified yet: the case waits, and the organisation cannot answer.
        assert (await client.get("/api/v1/employer/cases", headers=admin)).json() == []
        own = await verifier(client, sessionmaker, "changning")
        assert (await approve(client, own, await org_id(client, admin))).status_code == 200
        admin = await code_login(client, _fields["email"], _secret)  # permissions of verified
        listed = (await client.get("/api/v1/employer/cases", headers=admin)).json()
        assert [c["id"] for c in listed] == [case_id]
        assert listed[0]["allowed_actions"] == ["confirm_employment", "deny_employment"]
        r = await client.post(
            f"/api/v1/employer/cases/{case_id}/actions",
            headers=admin,
            json={"action": "confirm_employment", "expected_version": listed[0]["version"]},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "submitted"
        r = await act(client, clerk, case_id, r.json()["version"], "accept")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "accepted"

    async def test_staff_record_the_employers_letter_instead(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, case_id, clerk = await awaiting(client, sessionmaker, f.uscc())
        url = f"/api/v1/staff/cases/{case_id}/paper-confirmation"
        generic = await act(client, clerk, case_id, 2, "record_paper_confirmation", reason="信函")
        assert generic.status_code == 422  # the letter is required: only this route sends it
        no_letter = await client.post(
            url, headers=clerk, data={"expected_version": "2", "reason": "单位盖章证明"}
        )
        assert no_letter.status_code == 422
        letter = {"file": ("letter.pdf", PDF, "application/pdf")}
        other = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        elsewhere = await client.post(
            url, headers=other, data={"expected_version": "2", "reason": "x"}, files=letter
        )
        assert elsewhere.status_code == 404
        no_reason = await client.post(
            url, headers=clerk, data={"expected_version": "2"}, files=letter
        )
        assert no_reason.status_code == 422
        r = await client.post(
            url,
            headers=clerk,
            data={"expected_version": "2", "reason": "单位盖章的在职证明"},
            files=letter,
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "submitted"
        assert "employer_letter" in {d["requirement"] for d in r.json()["documents"]}
        r = await act(client, clerk, case_id, r.json()["version"], "accept")
        assert r.status_code == 200, r.text
        async with sessionmaker() as session:
            case = await session.get(Case, __import__("uuid").UUID(case_id))
            assert case is not None and case.employer_confirmed is True
            actions = set(
                (
                    await session.execute(
                        select(AuditEntry.action).where(AuditEntry.object_id == case_id)
                    )
                ).scalars()
            )
        assert "case.paper_confirmation" in actions

    async def test_only_admins_and_hr_officers_answer_for_the_organisation(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        uscc, hr_email = await f.create_employer_with_hr(
            sessionmaker, district="changning", name="长宁财务联系人测试"
        )
        _user, case_id, _clerk = await awaiting(client, sessionmaker, uscc)
        admin = await f.employer_login(client, hr_email)  # made by staff: the organisation's admin
        email, token = await TestUsersAndInvitations()._invite(client, admin, "finance_contact")
        r, secret = await TestUsersAndInvitations()._accept(client, token)
        assert r.status_code == 204, r.text
        finance = await code_login(client, email, secret)
        listed = (await client.get("/api/v1/employer/cases", headers=finance)).json()
        assert listed[0]["allowed_actions"] == []
        refused = await client.post(
            f"/api/v1/employer/cases/{case_id}/actions",
            headers=finance,
            json={"action": "confirm_employment", "expected_version": listed[0]["version"]},
        )
        assert refused.status_code == 403
        mine = (await client.get("/api/v1/employer/cases", headers=admin)).json()
        assert mine[0]["allowed_actions"] == ["confirm_employment", "deny_employment"]


class TestDecisionsOnAnOutdatedPage:
    async def test_a_second_decision_is_a_conflict(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _fields, _secret, admin = await registered_org(client, district="yangpu")
        employer_id = await org_id(client, admin)
        own = await verifier(client, sessionmaker, "yangpu")
        assert (await approve(client, own, employer_id)).status_code == 200
        assert (await approve(client, own, employer_id)).status_code == 409

    async def test_the_applicants_confirmation_page_does_not_take_an_organisation_link(
        self, client: httpx.AsyncClient
    ) -> None:
        fields = org_fields()
        assert (await post_registration(client, fields)).status_code == 202
        token = await f.emailed_token(client, fields["email"], "organisation.confirm_email")
        r = await client.post("/api/v1/auth/confirm-email", json={"token": token})
        assert r.status_code == 422
