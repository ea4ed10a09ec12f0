"""A person's rights over their data (issue 22, item 3): the copy of everything held about them
(every table that refers to them, nobody else's rows), who among staff read it, corrections,
optional consents and deleting the account. The copy is prepared by the worker's round."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.enums import ConsentPurpose
from app.models import (
    Applicant,
    AuditEntry,
    Base,
    Case,
    Document,
    FactVerification,
    OutboxMessage,
    User,
)
from app.services.documents import storage
from app.services.rights import consents as consents_service
from app.services.rights import deletion, exports
from app.workflow.values import SHANGHAI
from tests import factories as f
from tests.integration.test_cases_api import new_draft, rent_documents, staff, upload

# Tables reached from a person through these are about them.
PERSON_ROOTS = {"user", "applicant", "service_case", "application"}


async def rent_case(
    client: httpx.AsyncClient, district: str, name: str
) -> tuple[f.ApiUser, dict[str, Any]]:
    user, draft = await new_draft(
        client, district, "rent_subsidy", f.domestic_payload(full_name=name)
    )
    answers = f.renting_returnee_profile(employer_district=district)
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"answers": answers}
    )
    assert r.status_code == 200, r.text
    docs = await rent_documents(client, user)
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"documents": docs}
    )
    assert r.status_code == 200, r.text
    return user, await f.submit_application(client, user, draft["id"])


async def prepared_copy(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], user: f.ApiUser
) -> dict[str, Any]:
    r = await client.post("/api/v1/account/exports", headers=user.headers)
    assert r.status_code == 202, r.text
    queued = r.json()
    assert queued["in_progress"] and queued["download_url"] is None
    # A second click answers with the copy already on its way.
    again = await client.post("/api/v1/account/exports", headers=user.headers)
    assert again.json()["id"] == queued["id"]
    await exports.run_pending(sm)
    r = await client.get(f"/api/v1/account/exports/{queued['id']}", headers=user.headers)
    assert r.status_code == 200, r.text
    ready = r.json()
    assert (ready["status"], ready["progress"]) == ("ready", 100), ready
    return ready  # type: ignore[no-any-return]


def person_tables_by_keys() -> set[str]:
    """Walks the schema independently of the export: every table with a foreign key to a
    person's table (user, applicant) directly or through a case or an application."""
    found = set(PERSON_ROOTS)
    grew = True
    while grew:
        grew = False
        for table in Base.metadata.sorted_tables:
            if table.name in found:
                continue
            targets = {fk.column.table.name for fk in table.foreign_keys}
            if targets & found and targets & (PERSON_ROOTS | found):
                found.add(table.name)
                grew = True
    return found


class TestCopyOfMyData:
    async def test_holds_every_table_about_the_person_and_nobody_else(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        me, mine = await rent_case(client, "changning", "张三丰")
        other, theirs = await rent_case(client, "changning", "李四海")
        ready = await prepared_copy(client, sessionmaker, me)

        r = await client.get(ready["api_download_url"], headers=me.headers)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/zip"
        assert "attachment" in r.headers["content-disposition"]
        archive = zipfile.ZipFile(io.BytesIO(r.content))
        names = set(archive.namelist())

        missing = {t for t in person_tables_by_keys() if f"tables/{t}.json" not in names}
        assert not missing, f"tables about the person missing from the copy: {sorted(missing)}"

        text = "\n".join(archive.read(n).decode() for n in names if n.endswith(".json"))
        tables = {
            n.removeprefix("tables/").removesuffix(".json"): json.loads(archive.read(n))
            for n in names
            if n.startswith("tables/")
        }
        assert [row["email"] for row in tables["user"]] == [me.email]
        assert [row["full_name"] for row in tables["applicant"]] == ["张三丰"]
        assert mine["case"]["number"] in text
        assert len(tables["document"]) == 4
        assert len([n for n in names if n.startswith("files/")]) == 4
        # Nobody else's rows: the other applicant's address, name, case and ids are absent.
        for foreign in (
            other.email,
            "李四海",
            theirs["case"]["number"],
            theirs["case"]["id"],
            other.account["applicant"]["id"],
            other.account["user_id"],
        ):
            assert foreign not in text, foreign
        # Secrets stay out: no password or token digests, no ciphertexts.
        assert "password_hash" not in text and "token_hash" not in text
        assert "id_number_enc" not in text

    async def test_only_its_owner_with_the_link_can_fetch_it(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        me = await f.register_and_login(client, f.domestic_payload())
        other = await f.register_and_login(client, f.domestic_payload())
        ready = await prepared_copy(client, sessionmaker, me)
        url = ready["api_download_url"]

        assert (await client.get(url, headers=other.headers)).status_code == 404
        status_url = f"/api/v1/account/exports/{ready['id']}"
        assert (await client.get(status_url, headers=other.headers)).status_code == 404
        tampered = url.replace("token=", "token=x")
        assert (await client.get(tampered, headers=me.headers)).status_code == 404
        # The other's own valid link does not open my copy either.
        theirs = await prepared_copy(client, sessionmaker, other)
        their_token = theirs["api_download_url"].split("token=")[1]
        mixed = f"/api/v1/account/exports/{ready['id']}/download?token={their_token}"
        assert (await client.get(mixed, headers=other.headers)).status_code == 404
        assert (await client.get(url)).status_code == 401

    async def test_the_link_expires_and_the_file_is_deleted(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        me = await f.register_and_login(client, f.domestic_payload())
        ready = await prepared_copy(client, sessionmaker, me)
        async with sessionmaker() as session, session.begin():
            row = await session.get(exports.DataExport, uuid.UUID(ready["id"]))
            assert row is not None and row.storage_key and row.finished_at
            path = exports.export_dir() / row.storage_key
            assert path.exists()
            row.expires_at = row.finished_at
        await exports.run_pending(sessionmaker)
        assert not path.exists()
        r = await client.get(f"/api/v1/account/exports/{ready['id']}", headers=me.headers)
        assert (r.json()["status"], r.json()["download_url"]) == ("expired", None)
        assert (await client.get(ready["api_download_url"], headers=me.headers)).status_code == 404


class TestWhoViewedMyData:
    async def test_a_staff_read_shows_role_department_and_case_but_no_name(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        me, submitted = await rent_case(client, "yangpu", "赵一鸣")
        case_id = submitted["case"]["id"]
        reviewer = await staff(client, sessionmaker, "yangpu", ["reviewer"])
        r = await client.get(f"/api/v1/staff/cases/{case_id}", headers=reviewer)
        assert r.status_code == 200, r.text

        r = await client.get(
            "/api/v1/account/access-log", headers={**me.headers, "Accept-Language": "en"}
        )
        assert r.status_code == 200, r.text
        entries = r.json()
        opened = [e for e in entries if e["what"] == "Opened your case"]
        assert len(opened) == 1, entries
        entry = opened[0]
        assert entry["roles"] == ["Reviewer"]
        assert entry["department"] == "Housing administration"
        assert entry["case_number"] == submitted["case"]["number"]
        async with sessionmaker() as session:
            audited = (
                await session.execute(
                    select(AuditEntry).where(
                        AuditEntry.action == "case.viewed", AuditEntry.object_id == case_id
                    )
                )
            ).scalar_one()
        local = audited.occurred_at.astimezone(SHANGHAI)
        assert entry["at_local"] == local.strftime("%Y-%m-%d %H:%M") + " UTC+8"
        assert "测试工作人员" not in r.text  # the officer's name never shows

        zh = await client.get(
            "/api/v1/account/access-log", headers={**me.headers, "Accept-Language": "zh"}
        )
        assert "测试工作人员" not in zh.text
        other = await f.register_and_login(client, f.domestic_payload())
        theirs = await client.get("/api/v1/account/access-log", headers=other.headers)
        assert theirs.json() == []


class TestCorrectingMyData:
    async def test_declared_details_are_edited_directly(self, client: httpx.AsyncClient) -> None:
        me = await f.register_and_login(client, f.domestic_payload())
        r = await client.put(
            "/api/v1/account/profile",
            headers=me.headers,
            json={"full_name": "王晓明", "mobile": "13900139000"},
        )
        assert r.status_code == 204, r.text
        account = (await client.get("/api/v1/me", headers=me.headers)).json()
        assert account["display_name"] == "王晓明"
        bad = await client.put(
            "/api/v1/account/profile", headers=me.headers, json={"full_name": "", "mobile": "1"}
        )
        assert bad.status_code == 422

    async def test_a_verified_fact_is_corrected_by_the_district_on_request(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        me, submitted = await rent_case(client, "changning", "钱七")
        async with sessionmaker() as session, session.begin():
            case = await session.get(Case, uuid.UUID(submitted["case"]["id"]))
            assert case is not None and case.application_id is not None
            verification = FactVerification(
                application_id=case.application_id,
                applicant_id=case.applicant_id,
                system="degrees",
                status="verified",
                facts={"degree_level": "bachelor"},
                correlation_id=uuid.uuid4().hex,
            )
            session.add(verification)
        facts = (await client.get("/api/v1/account/verified-facts", headers=me.headers)).json()
        assert {(v["fact"], v["value"]) for v in facts} == {("degree_level", "bachelor")}
        body = {
            "verification_id": str(verification.id),
            "fact": "degree_level",
            "requested_value": "master",
            "explanation": "My master's degree was awarded in 2024.",
        }
        r = await client.post("/api/v1/account/corrections", headers=me.headers, json=body)
        assert r.status_code == 201, r.text
        request_id = r.json()["id"]
        unknown = await client.post(
            "/api/v1/account/corrections", headers=me.headers, json={**body, "fact": "x"}
        )
        assert unknown.status_code == 422

        elsewhere = await staff(client, sessionmaker, "yangpu", ["reviewer"], "hr_bureau")
        assert (
            request_id
            not in (await client.get("/api/v1/staff/corrections", headers=elsewhere)).text
        )
        decision = {"decision": "approve", "reason": "Checked with the degrees system."}
        r = await client.post(
            f"/api/v1/staff/corrections/{request_id}/decision", headers=elsewhere, json=decision
        )
        assert r.status_code == 404

        officer = await staff(client, sessionmaker, "changning", ["reviewer"], "hr_bureau")
        queue = (await client.get("/api/v1/staff/corrections", headers=officer)).json()
        assert request_id in {q["id"] for q in queue}
        r = await client.post(
            f"/api/v1/staff/corrections/{request_id}/decision", headers=officer, json=decision
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "approved"
        again = await client.post(
            f"/api/v1/staff/corrections/{request_id}/decision", headers=officer, json=decision
        )
        assert again.status_code == 409
        async with sessionmaker() as session:
            fresh = await session.get(FactVerification, verification.id)
            assert fresh is not None and fresh.facts == {"degree_level": "master"}
            actions = set(
                (
                    await session.execute(
                        select(AuditEntry.action).where(AuditEntry.object_id == request_id)
                    )
                ).scalars()
            )
        assert actions == {"rights.correction_requested", "rights.correction_approved"}
        mine = (await client.get("/api/v1/account/corrections", headers=me.headers)).json()
        assert [(c["status"], c["decision_reason"]) for c in mine] == [
            ("approved", decision["reason"])
        ]


class TestOptionalConsent:
    async def test_withdrawn_at_once_and_recorded_with_time(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        me = await f.register_and_login(client, f.domestic_payload())
        user_id = uuid.UUID(me.account["user_id"])
        purpose = ConsentPurpose.QUALIFYING_NOTICES
        url = f"/api/v1/account/consents/{purpose.value}"
        r = await client.put(url, headers=me.headers, json={"given": True})
        assert r.status_code == 200, r.text
        async with sessionmaker() as session:
            assert await consents_service.may_notify(session, {user_id}, purpose) == {user_id}
        r = await client.put(url, headers=me.headers, json={"given": False})
        shown = {c["purpose"]: c for c in r.json()}
        assert shown[purpose.value]["given"] is False
        assert shown[purpose.value]["withdrawn_at"] is not None
        async with sessionmaker() as session:
            assert await consents_service.may_notify(session, {user_id}, purpose) == set()
        # The consent the service needs is not withdrawn here.
        needed = "/api/v1/account/consents/personal_info"
        assert (
            await client.put(needed, headers=me.headers, json={"given": False})
        ).status_code == 404


class TestDeletingMyAccount:
    async def test_refused_while_a_case_is_open_with_the_reason_in_both_languages(
        self, client: httpx.AsyncClient
    ) -> None:
        me, submitted = await rent_case(client, "changning", "孙八")
        number = submitted["case"]["number"]
        for lang, words in (("en", "is still open"), ("zh", "尚未办结")):
            r = await client.post(
                "/api/v1/account/deletion",
                headers={**me.headers, "Accept-Language": lang},
                json={"password": me.password},
            )
            assert r.status_code == 409, r.text
            assert number in r.text and words in r.text, r.text
        assert (await client.get("/api/v1/me", headers=me.headers)).status_code == 200

    async def test_erases_the_account_and_keeps_decided_cases(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        me, submitted = await rent_case(client, "changning", "周九")
        case = submitted["case"]
        r = await act_withdraw(client, me, case)
        assert r.status_code == 200, r.text
        loose = await upload(client, me, "id_card")  # in the wallet only

        wrong = await client.post(
            "/api/v1/account/deletion", headers=me.headers, json={"password": "not-it-at-all"}
        )
        assert wrong.status_code == 422
        r = await client.post(
            "/api/v1/account/deletion", headers=me.headers, json={"password": me.password}
        )
        assert r.status_code == 200, r.text
        assert r.json() == {"deleted": True, "records_kept": 1}

        assert (await client.get("/api/v1/me", headers=me.headers)).status_code == 401
        login = await client.post(
            "/api/v1/auth/login", json={"email": me.email, "password": me.password}
        )
        assert login.status_code == 401
        user_id = uuid.UUID(me.account["user_id"])
        async with sessionmaker() as session:
            user = await session.get(User, user_id)
            applicant = (
                await session.execute(select(Applicant).where(Applicant.user_id == user_id))
            ).scalar_one()
            doc = await session.get(Document, uuid.UUID(loose))
            confirmation = (
                await session.execute(
                    select(OutboxMessage).where(
                        OutboxMessage.recipient_user_id == user_id,
                        OutboxMessage.template == "account.deleted",
                    )
                )
            ).scalar_one()
        assert user is not None and not user.is_active
        # The decided case is a record the law keeps: its name stays; the rest is erased.
        assert applicant.full_name == "周九" and applicant.mobile is None
        assert applicant.profile_facts == {}
        assert doc is not None and doc.deleted_at is not None
        assert not storage().exists(doc.storage_key)
        assert confirmation.channel == "email"

        # The address stays until the confirmation has gone out, then it is erased.
        await deletion.erase_confirmed_emails(sessionmaker)
        async with sessionmaker() as session:
            still = await session.get(User, user_id)
            assert still is not None and still.email == me.email
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == confirmation.id)
                .values(status="sent")
            )
        await deletion.erase_confirmed_emails(sessionmaker)
        async with sessionmaker() as session:
            gone = await session.get(User, user_id, populate_existing=True)
            assert gone is not None and gone.email.endswith("@deleted.invalid")

    async def test_without_any_case_the_identity_is_erased_too(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        payload = f.domestic_payload(full_name="吴十")
        me = await f.register_and_login(client, payload)
        copy = await prepared_copy(client, sessionmaker, me)
        async with sessionmaker() as session:
            prepared = await session.get(exports.DataExport, uuid.UUID(copy["id"]))
            assert prepared is not None and prepared.storage_key
            zip_path = exports.export_dir() / prepared.storage_key
        check = await client.get("/api/v1/account/deletion", headers=me.headers)
        assert check.json()["allowed"] is True and check.json()["records_kept"] == 0
        r = await client.post(
            "/api/v1/account/deletion", headers=me.headers, json={"password": me.password}
        )
        assert r.status_code == 200, r.text
        async with sessionmaker() as session:
            applicant = (
                await session.execute(
                    select(Applicant).where(Applicant.user_id == uuid.UUID(me.account["user_id"]))
                )
            ).scalar_one()
        assert applicant.full_name != "吴十"
        assert not zip_path.exists()  # the copy already prepared is deleted with the account
        assert payload["id_number"][-4:] not in applicant.id_number_masked
        # The same person can register again: the ID number's index was freed.
        again = await client.post(
            "/api/v1/auth/register", json={**payload, "email": f.unique_email()}
        )
        assert again.status_code == 202, again.text


async def act_withdraw(
    client: httpx.AsyncClient, me: f.ApiUser, case: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"/api/v1/cases/{case['id']}/actions",
        headers=me.headers,
        json={
            "action": "withdraw",
            "expected_version": case["version"],
            "reason": "No longer needed",
        },
    )
