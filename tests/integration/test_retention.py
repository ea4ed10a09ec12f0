"""Records retention (issue 22): a decided case shows its retention date; when the date has
passed the worker proposes it, one records officer submits the list and another approves it;
the person's data and files are then gone from every table and the file store, the minimal
record and the certificate remain, and the audit chain still verifies. A case on legal hold is
not proposed, and another district's officer cannot see or approve the list.

These tests commit (destruction deletes files after the commit, and the search reads every
table), so each one backdates only its own cases and proposes as of today: other tests' cases,
decided today, are years from the end of their retention.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import JSON, LargeBinary, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import get_settings
from app.models import (
    Applicant,
    AuditEntry,
    Case,
    CaseEvent,
    DestructionListItem,
    Document,
    User,
)
from app.models.base import Base, utcnow
from app.services import audit, periodic
from app.services.retention import lists
from app.workflow.values import local_date
from tests import factories as f
from tests.integration.test_cases_api import (
    act,
    new_draft,
    rent_documents,
    staff,
    submitted_rent_case,
)

DISTRICT = "changning"
_SURNAMES = "赵钱孙李周吴郑冯陈褚卫蒋沈韩朱秦尤许何吕施张孔曹严华金魏陶姜"


def unique_name() -> str:
    return "档" + "".join(random.choice(_SURNAMES) for _ in range(5))


async def rejected_case(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession]
) -> tuple[f.ApiUser, dict[str, Any], dict[str, str]]:
    """A rent-subsidy case of a person with a name and number of their own, refused."""
    payload = f.domestic_payload(
        full_name=unique_name(), mobile=f"139{random.randint(10_000_000, 99_999_999)}"
    )
    user, result = await submitted_rent_case_for(client, payload)
    case_id = result["case"]["id"]
    clerk = await staff(client, sm, DISTRICT, ["window_clerk"], "service_center")
    reviewer = await staff(client, sm, DISTRICT, ["reviewer"])
    approver = await staff(client, sm, DISTRICT, ["approver"])
    r = await act(client, clerk, case_id, 1, "accept")
    r = await act(client, reviewer, case_id, r.json()["version"], "start_review")
    r = await act(
        client,
        approver,
        case_id,
        r.json()["version"],
        "reject",
        reason="不符合社保条件",
        clause="第三条",
    )
    assert r.status_code == 200, r.text
    return user, r.json(), payload


async def submitted_rent_case_for(
    client: httpx.AsyncClient, payload: dict[str, Any]
) -> tuple[f.ApiUser, dict[str, Any]]:
    user, draft = await new_draft(client, DISTRICT, "rent_subsidy", payload)
    answers = f.renting_returnee_profile(employer_district=DISTRICT)
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}",
        headers=user.headers,
        json={"answers": answers, "documents": await rent_documents(client, user)},
    )
    assert r.status_code == 200, r.text
    return user, await f.submit_application(client, user, draft["id"])


async def years_ago(sm: async_sessionmaker[AsyncSession], case_id: str, years: int) -> None:
    """As if the case had been decided ``years`` ago and its owner had not signed in since."""
    back = timedelta(days=365 * years + 2)
    key = uuid.UUID(case_id)
    async with sm() as session, session.begin():
        case = await session.get(Case, key)
        assert case is not None
        for event in (
            await session.execute(select(CaseEvent).where(CaseEvent.case_id == key))
        ).scalars():
            event.occurred_at = event.occurred_at - back
        case.submitted_at = case.submitted_at - back
        case.closed_at = (case.closed_at or utcnow()) - back
        applicant = await session.get(Applicant, case.applicant_id)
        assert applicant is not None
        await session.execute(
            update(User).where(User.id == applicant.user_id).values(last_login_at=utcnow() - back)
        )


async def records_officer(client: httpx.AsyncClient, sm: Any, district: str) -> dict[str, str]:
    return await staff(client, sm, district, ["records_officer"], "talent_office")


async def propose_now(sm: async_sessionmaker[AsyncSession], district: str = DISTRICT) -> None:
    async with sm() as session, session.begin():
        await lists.propose(session, district, local_date(utcnow()))


async def open_list_id(client: httpx.AsyncClient, officer: dict[str, str]) -> str:
    r = await client.get("/api/v1/records/destruction-lists", headers=officer)
    assert r.status_code == 200, r.text
    drafts = [row for row in r.json() if row["status"] in ("draft", "submitted")]
    assert len(drafts) == 1, r.json()
    return str(drafts[0]["id"])


async def places_holding(
    sm: async_sessionmaker[AsyncSession], needles: list[str], blobs: list[bytes]
) -> list[str]:
    """Every table.column whose text, JSON or binary value holds one of the needles."""
    found: list[str] = []
    async with sm() as session:
        for table in Base.metadata.sorted_tables:
            columns = [
                c
                for c in table.columns
                if isinstance(c.type, String | Text | JSON | LargeBinary)
                or isinstance(getattr(c.type, "impl", None), String | Text | JSON | LargeBinary)
            ]
            if not columns:
                continue
            for row in (await session.execute(select(*columns))).all():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    if isinstance(value, bytes):
                        if any(b in value for b in blobs):
                            found.append(f"{table.name}.{column.name}")
                        continue
                    text = value if isinstance(value, str) else repr(value)
                    if any(n in text for n in needles):
                        found.append(f"{table.name}.{column.name}")
    return sorted(set(found))


def files_holding(root: Path, blobs: list[bytes]) -> list[str]:
    return [
        str(p) for p in root.rglob("*") if p.is_file() and any(b in p.read_bytes() for b in blobs)
    ]


class TestRetentionDate:
    async def test_a_decided_case_shows_its_retention_date_to_applicant_and_staff(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, decided, _payload = await rejected_case(client, sessionmaker)
        retention = decided["retention"]
        assert retention["result"] == "rejected"
        today = local_date(utcnow())
        assert retention["until"] == today.replace(year=today.year + 3).isoformat()
        assert retention["assumed"] is True and retention["disposal"] == "destroy"
        mine = await client.get(f"/api/v1/cases/{decided['id']}", headers=user.headers)
        assert mine.json()["retention"]["until"] == retention["until"]

    async def test_an_undecided_case_has_no_retention_yet(self, client: httpx.AsyncClient) -> None:
        user, result = await submitted_rent_case(client, DISTRICT)
        mine = await client.get(f"/api/v1/cases/{result['case']['id']}", headers=user.headers)
        assert mine.json()["retention"] is None


class TestDestruction:
    async def test_decision_to_destruction_leaves_no_trace_of_the_person(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, decided, payload = await rejected_case(client, sessionmaker)
        case_id, number = decided["id"], decided["number"]
        async with sessionmaker() as session:
            case = await session.get(Case, uuid.UUID(case_id))
            assert case is not None
            applicant = await session.get(Applicant, case.applicant_id)
            assert applicant is not None
            blind_index = applicant.id_number_index
            keys = list(
                (
                    await session.execute(
                        select(Document.storage_key).where(
                            Document.owner_applicant_id == applicant.id
                        )
                    )
                ).scalars()
            )
        store = get_settings().upload_dir
        assert keys and all((store / k[:2] / k).exists() for k in keys)
        needles = [payload["full_name"], blind_index, payload["id_number"], payload["email"]]
        blobs = [n.encode() for n in needles]
        assert await places_holding(sessionmaker, needles, blobs)  # the search finds them

        await years_ago(sessionmaker, case_id, 4)
        # The worker's round proposes it (once a day: forget today's round in this process).
        lists._proposed_on.clear()
        await periodic.run_due(sessionmaker)
        first = await records_officer(client, sessionmaker, DISTRICT)
        second = await records_officer(client, sessionmaker, DISTRICT)
        list_id = await open_list_id(client, first)
        listing = (
            await client.get(f"/api/v1/records/destruction-lists/{list_id}", headers=first)
        ).json()
        listed = [i["case_number"] for i in listing["items"] if i["status"] == "listed"]
        assert listed == [number]
        assert listing["can_approve"] is False  # not submitted yet

        r = await client.post(
            f"/api/v1/records/destruction-lists/{list_id}/submission", headers=first
        )
        assert r.status_code == 200, r.text
        assert r.json()["handled_by_me"] is True and r.json()["can_approve"] is False
        r = await client.post(
            f"/api/v1/records/destruction-lists/{list_id}/approval", headers=first
        )
        assert r.status_code == 409 and r.json()["code"] == "four_eyes"
        r = await client.post(
            f"/api/v1/records/destruction-lists/{list_id}/approval", headers=second
        )
        assert r.status_code == 200, r.text
        done = r.json()
        assert done["status"] == "destroyed" and done["destroyed"] == 1
        assert done["certificate_sha256"]

        # The person and their files are gone: every table, every text, JSON and binary column.
        assert await places_holding(sessionmaker, needles, blobs) == []
        assert not any((store / k[:2] / k).exists() for k in keys)
        assert files_holding(store, blobs) == []
        r = await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)
        assert r.status_code in (401, 404)
        async with sessionmaker() as session:
            assert await session.get(Case, uuid.UUID(case_id)) is None
            item = (
                await session.execute(
                    select(DestructionListItem).where(
                        DestructionListItem.case_id == uuid.UUID(case_id)
                    )
                )
            ).scalar_one()
            assert (item.case_number, item.service_code, item.result) == (
                number,
                "rent_subsidy",
                "rejected",
            )
            assert item.destroyed_at is not None and item.decided_on < local_date(utcnow())
            certificate = (
                await session.execute(
                    select(AuditEntry).where(
                        AuditEntry.action == "records.destruction_certificate",
                        AuditEntry.object_id == list_id,
                    )
                )
            ).scalar_one()
            assert certificate.detail["cases"][0]["number"] == number  # type: ignore[index]
            assert certificate.detail["sha256"] == done["certificate_sha256"]
            report = await audit.verify_chain(session)
        assert report.ok, report

    async def test_a_case_on_legal_hold_is_not_proposed(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _u1, held, _p1 = await rejected_case(client, sessionmaker)
        _u2, due, _p2 = await rejected_case(client, sessionmaker)
        officer = await records_officer(client, sessionmaker, DISTRICT)
        second = await records_officer(client, sessionmaker, DISTRICT)
        r = await client.post(
            "/api/v1/records/holds",
            headers=officer,
            json={"case_number": held["number"], "reason": "行政复议进行中"},
        )
        assert r.status_code == 201, r.text
        hold_id = r.json()["id"]
        again = await client.post(
            "/api/v1/records/holds",
            headers=officer,
            json={"case_number": held["number"], "reason": "again"},
        )
        assert again.status_code == 409
        for case in (held, due):
            await years_ago(sessionmaker, case["id"], 4)
        await propose_now(sessionmaker)
        list_id = await open_list_id(client, officer)
        listing = (
            await client.get(f"/api/v1/records/destruction-lists/{list_id}", headers=officer)
        ).json()
        numbers = [i["case_number"] for i in listing["items"]]
        assert due["number"] in numbers and held["number"] not in numbers
        held_view = (
            await client.get(
                f"/api/v1/staff/cases/{held['id']}",
                headers=await staff(client, sessionmaker, DISTRICT, ["approver"]),
            )
        ).json()
        assert held_view["retention"]["on_hold"] is True

        # An officer takes a case off with a reason; that officer may then not approve.
        item = next(i for i in listing["items"] if i["case_number"] == due["number"])
        r = await client.post(
            f"/api/v1/records/destruction-lists/{list_id}/items/{item['id']}/removal",
            headers=second,
            json={"reason": "申请人提起诉讼，暂缓销毁"},
        )
        assert r.status_code == 200 and r.json()["removed"] == 1
        r = await client.post(
            f"/api/v1/records/destruction-lists/{list_id}/submission", headers=officer
        )
        assert r.status_code == 409  # nothing left to destroy
        r = await client.post(
            f"/api/v1/records/holds/{hold_id}/release", headers=officer, json={"reason": "复议终结"}
        )
        assert r.status_code == 200 and r.json()["released_at"]
        async with sessionmaker() as session:
            assert (await audit.verify_chain(session)).ok


class TestScope:
    async def test_another_districts_officer_cannot_see_or_approve_the_list(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, decided, _payload = await rejected_case(client, sessionmaker)
        await years_ago(sessionmaker, decided["id"], 4)
        await propose_now(sessionmaker)
        officer = await records_officer(client, sessionmaker, DISTRICT)
        list_id = await open_list_id(client, officer)
        r = await client.post(
            f"/api/v1/records/destruction-lists/{list_id}/submission", headers=officer
        )
        assert r.status_code == 200, r.text
        other = await records_officer(client, sessionmaker, "yangpu")
        base = f"/api/v1/records/destruction-lists/{list_id}"
        assert (await client.get(base, headers=other)).status_code == 404
        assert (await client.post(f"{base}/approval", headers=other)).status_code == 404
        assert list_id not in [
            row["id"]
            for row in (await client.get("/api/v1/records/destruction-lists", headers=other)).json()
        ]
        r = await client.post(
            "/api/v1/records/holds",
            headers=other,
            json={"case_number": decided["number"], "reason": "not ours"},
        )
        assert r.status_code == 404
        # Case handlers have no say over the records.
        approver = await staff(client, sessionmaker, DISTRICT, ["approver"])
        assert (await client.get(base, headers=approver)).status_code == 403
        # The list is finished here so the district's next test starts without an open list.
        closer = await records_officer(client, sessionmaker, DISTRICT)
        assert (await client.post(f"{base}/approval", headers=closer)).status_code == 200


@pytest.mark.usefixtures("isolated_db")
class TestRetentionRulesAdmin:
    async def test_district_admins_edit_the_rules_of_their_services(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        admin = await staff(client, sessionmaker, "yangpu", ["district_admin"], "talent_office")
        services = (await client.get("/api/v1/admin/services", headers=admin)).json()
        youth = next(s for s in services if s["code"] == "youth_station")
        assert youth["retention_customised"] is False
        shipped = {r["result"]: r for r in youth["retention"]}
        assert shipped["default"]["assumed"] is True and shipped["approved"]["years"] == 10
        settlement = next(s for s in services if s["code"] == "returnee_settlement")
        approved = next(r for r in settlement["retention"] if r["result"] == "approved")
        assert approved["disposal"] == "archive" and approved["years"] is None

        rules = {
            "approved": {
                "keeps": ["case", "decision"],
                "years": 5,
                "runs_from": "decision_date",
                "disposal": "destroy",
                "source": "区档案馆意见（2026）",
            },
            "default": {"keeps": ["case"], "years": 2, "disposal": "destroy", "assumed": True},
        }
        url = f"/api/v1/admin/services/{youth['id']}"
        r = await client.patch(url, headers=admin, json={"retention": rules})
        assert r.status_code == 200, r.text
        saved = {row["result"]: row for row in r.json()["retention"]}
        assert r.json()["retention_customised"] is True
        assert saved["approved"]["years"] == 5 and saved["approved"]["assumed"] is False
        assert set(saved) == {"approved", "default"}

        no_years = {"default": {"keeps": ["case"], "disposal": "destroy"}}
        r = await client.patch(url, headers=admin, json={"retention": no_years})
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"retention.default"}
        unknown = {**rules, "accepted": rules["default"]}
        r = await client.patch(url, headers=admin, json={"retention": unknown})
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"retention.accepted"}
        r = await client.patch(
            url, headers=admin, json={"retention": {"approved": rules["approved"]}}
        )
        assert r.status_code == 422  # no default

        other = await staff(client, sessionmaker, "changning", ["district_admin"], "talent_office")
        assert (
            await client.patch(url, headers=other, json={"retention": rules})
        ).status_code == 404
        officer = await records_officer(client, sessionmaker, "yangpu")
        assert (
            await client.patch(url, headers=officer, json={"retention": rules})
        ).status_code == 403
