"""The plans' indicators: computed figures follow the portal's records, recorded figures need
two people and a source, published evaluations never change, and the page, the CSV and the
JSON agree."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx
import pydantic
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.enums import UserKind, permissions_for
from app.domain.principal import Principal
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.models import (
    ApartmentProject,
    ApartmentUnit,
    Application,
    AuditEntry,
    Case,
    IndicatorSnapshot,
    IndicatorSnapshotItem,
    Service,
    StaffMember,
    User,
)
from app.models.base import utcnow
from app.repositories import indicators as indicators_repo
from app.schemas.indicators import CorrectionRequest, NarrativeUpdate, SnapshotDraft, ValueRecord
from app.services.indicators import board, computed, recording, snapshots
from app.services.indicators.definitions import for_district
from app.workflow.indicators import SnapshotKind, ValueEvent
from app.workflow.states import CaseStatus
from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_cases_api import submitted_rent_case

pytestmark = pytest.mark.usefixtures("isolated_db")

THIS_YEAR = utcnow().year


async def admin(
    sm: async_sessionmaker[AsyncSession],
    district: str = "changning",
    roles: list[str] | None = None,
) -> Principal:
    """A district admin as the services see the caller."""
    roles = roles or ["district_admin"]
    email = await f.create_staff(sm, district=district, roles=roles, department="talent_office")
    async with sm() as session:
        user = (await session.execute(select(User).where(User.email == email))).scalar_one()
        member = (
            await session.execute(select(StaffMember).where(StaffMember.user_id == user.id))
        ).scalar_one()
    return Principal(
        user_id=user.id,
        session_id=uuid.uuid4(),
        kind=UserKind.STAFF,
        email=email,
        language="zh",
        display_name="管理员",
        staff_id=member.id,
        district=district,
        department="talent_office",
        roles=tuple(roles),
        permissions=permissions_for(roles),
    )


async def finished_as(
    session: AsyncSession,
    case_id: str,
    service_id: uuid.UUID,
    status: CaseStatus,
    answers: dict[str, Any],
) -> None:
    """A submitted case made into one the given service's department has taken to ``status``,
    with ``answers`` added: what a named query counts, without walking each workflow."""
    case = await session.get(Case, uuid.UUID(case_id))
    assert case is not None
    case.service_id = service_id
    case.status = status
    case.closed_at = utcnow()
    app = await session.get(Application, case.application_id)
    assert app is not None
    app.answers = {**app.answers, **answers}


def view(data: Any, code: str) -> Any:
    for d in data.districts:
        for i in d.indicators:
            if i.code == code:
                return i
    raise AssertionError(code)


async def current_year_figure(session: AsyncSession, code: str) -> float | None:
    district = code.split(".")[0]
    d = await board.district_board(session, district)
    i = next(i for i in d.indicators if i.code == code)
    figures = [x for x in i.values if x.year == THIS_YEAR and x.method == "computed"]
    if i.portal_part is not None and i.portal_part.year == THIS_YEAR:
        figures.append(i.portal_part)
    return figures[0].value if figures else None


class TestComputedFigures:
    async def test_apartments_held_move_when_units_are_added(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        async with sessionmaker() as session, session.begin():
            await computed.refresh(session, "changning", trigger="test")
            before = await current_year_figure(session, "changning.9") or 0
            project = ApartmentProject(
                district="changning", name_zh="测试", name_en="Test", address="长宁", operator="区"
            )
            session.add(project)
            await session.flush()
            for n in range(3):
                session.add(
                    ApartmentUnit(
                        project_id=project.id,
                        district="changning",
                        building="T",
                        number=f"{uuid.uuid4().hex[:6]}{n}",
                        layout="studio",
                        area_sqm=30,
                        floor=1,
                        market_rent_cny=5000,
                        talent_rent_cny=4000,
                    )
                )
            await session.flush()
            await computed.refresh(session, "changning", trigger="test")
            assert await current_year_figure(session, "changning.9") == before + 3
            # Yangpu holds no target for apartments and is not touched.
            assert all(i.code != "yangpu.9" for i in for_district("yangpu"))

    async def test_returnee_settlements_completed_move_the_portal_part(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        async with sessionmaker() as session, session.begin():
            await computed.refresh(session, "yangpu", trigger="test")
            before = await current_year_figure(session, "yangpu.8") or 0
        # Three cases made into settlements as the departments would finish them: a returnee
        # settlement, a bundle on the returnee route, and a bundle on another route.
        cases = [(await submitted_rent_case(client, "yangpu"))[1]["case"]["id"] for _ in range(3)]
        async with sessionmaker() as session, session.begin():
            services = {
                s.code: s.id
                for s in (
                    await session.execute(
                        select(Service).where(
                            Service.district == "yangpu",
                            Service.code.in_(["returnee_settlement", "settlement_bundle"]),
                        )
                    )
                ).scalars()
            }
            plan = [
                ("returnee_settlement", None, CaseStatus.CLOSED),
                ("settlement_bundle", "returnee", CaseStatus.RESULT_ISSUED),
                ("settlement_bundle", "fresh_graduate", CaseStatus.CLOSED),
            ]
            for case_id, (code, route, status) in zip(cases, plan, strict=True):
                answers = {"settlement_route": route} if route else {}
                await finished_as(session, case_id, services[code], status, answers)
        async with sessionmaker() as session, session.begin():
            await computed.refresh(session, "yangpu", trigger="test")
            assert await current_year_figure(session, "yangpu.8") == before + 2
            i = (await board.district_board(session, "yangpu")).indicators[7]
            assert i.code == "yangpu.8" and i.method == "recorded"
            assert "public security bureau" in (i.portal_part_en or "")

    async def test_new_high_skill_certificates_move_the_portal_part(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        async with sessionmaker() as session, session.begin():
            await computed.refresh(session, "changning", trigger="test")
            before = await current_year_figure(session, "changning.8") or 0
        # Skills subsidies completed for a level-2 and a level-3 certificate count; a level-4
        # certificate is not a high skill, and a subsidy still in review is not done.
        cases = [
            (await submitted_rent_case(client, "changning"))[1]["case"]["id"] for _ in range(4)
        ]
        async with sessionmaker() as session, session.begin():
            skills = (
                await session.execute(
                    select(Service.id).where(
                        Service.district == "changning", Service.code == "skills_subsidy"
                    )
                )
            ).scalar_one()
            plan = [
                (2, CaseStatus.CLOSED),
                (3, CaseStatus.RESULT_ISSUED),
                (4, CaseStatus.CLOSED),
                (1, CaseStatus.IN_REVIEW),
            ]
            for case_id, (level, status) in zip(cases, plan, strict=True):
                await finished_as(session, case_id, skills, status, {"certificate_level": level})
        async with sessionmaker() as session, session.begin():
            await computed.refresh(session, "changning", trigger="test")
            assert await current_year_figure(session, "changning.8") == before + 2
            i = (await board.district_board(session, "changning")).indicators[7]
            assert i.code == "changning.8" and i.method == "recorded"
            assert "HR bureau" in (i.portal_part_en or "")

    async def test_the_periodic_round_refreshes_and_records_when(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        await computed.run_scheduled(sessionmaker, utcnow().date())
        async with sessionmaker() as session:
            last = await indicators_repo.last_refresh(session, "changning")
            assert last is not None and last.trigger == "schedule"


class TestRecordedFigures:
    async def test_a_figure_needs_a_second_person_and_a_source(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        maker = await admin(sessionmaker)
        checker = await admin(sessionmaker)
        with pytest.raises(pydantic.ValidationError):  # no figure without its source
            ValueRecord(indicator="changning.1", year=2026, value=31.0, source="")
        async with sessionmaker() as session, session.begin():
            row = await recording.record_value(
                session,
                maker,
                ValueRecord(
                    indicator="changning.1", year=THIS_YEAR, value=31.0, source="区统计局公报 表3"
                ),
            )
            # Not public while it waits.
            assert await current_recorded(session, "changning.1", THIS_YEAR) is None
            with pytest.raises(PermissionDenied):
                await recording.decide_value(session, maker, row.id, ValueEvent.CONFIRM)
            await recording.decide_value(session, checker, row.id, ValueEvent.CONFIRM)
            assert await current_recorded(session, "changning.1", THIS_YEAR) == 31.0
            with pytest.raises(Conflict):
                await recording.decide_value(session, checker, row.id, ValueEvent.REJECT)
            with pytest.raises(ValidationFailed):
                await recording.record_value(
                    session,
                    maker,
                    ValueRecord(indicator="yangpu.1", year=THIS_YEAR, value=1, source="别区数据"),
                )
            actions = set((await session.execute(select(AuditEntry.action))).scalars()) | {
                e["action"] for e in session.sync_session.info.get("audit_pending", [])
            }
            assert {"indicators.value_recorded", "indicators.value_confirmed"} <= actions


async def current_recorded(session: AsyncSession, code: str, year: int) -> float | None:
    d = await board.district_board(session, code.split(".")[0])
    i = next(i for i in d.indicators if i.code == code)
    return next((x.value for x in i.values if x.year == year and x.method == "recorded"), None)


async def published_snapshot(
    sm: async_sessionmaker[AsyncSession], writer: Principal, approver: Principal
) -> uuid.UUID:
    async with sm() as session, session.begin():
        s = await snapshots.draft(
            session, writer, SnapshotDraft(kind=SnapshotKind.ANNUAL, year=THIS_YEAR - 1)
        )
        for i in for_district(writer.district or ""):
            await snapshots.write_narrative(
                session,
                writer,
                s.id,
                NarrativeUpdate(
                    indicator=i.code, narrative_zh="进展平稳。", narrative_en="Steady."
                ),
            )
        with pytest.raises(PermissionDenied):
            await snapshots.approve(session, writer, s.id)
        await snapshots.approve(session, approver, s.id)
        await snapshots.publish(session, approver, s.id)
        return s.id


class TestEvaluations:
    async def test_a_published_evaluation_never_changes(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        writer, approver = await admin(sessionmaker), await admin(sessionmaker)
        snapshot_id = await published_snapshot(sessionmaker, writer, approver)
        # Through the service: refused with a message.
        async with sessionmaker() as session, session.begin():
            with pytest.raises(Conflict):
                await snapshots.write_narrative(
                    session,
                    writer,
                    snapshot_id,
                    NarrativeUpdate(
                        indicator="changning.1", narrative_zh="改写", narrative_en="Rewritten"
                    ),
                )
        # Directly in the database: the trigger refuses, on the snapshot and on its items.
        for statement in (
            update(IndicatorSnapshot).where(IndicatorSnapshot.id == snapshot_id).values(year=1999),
            update(IndicatorSnapshotItem)
            .where(IndicatorSnapshotItem.snapshot_id == snapshot_id)
            .values(value=0),
        ):
            with pytest.raises(DBAPIError):
                async with sessionmaker() as session, session.begin():
                    await session.execute(statement)
        async with sessionmaker() as session:
            row = await session.get(IndicatorSnapshot, snapshot_id)
            assert row is not None and row.year == THIS_YEAR - 1

    async def test_a_correction_is_a_new_version_with_its_reason(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        writer, approver = await admin(sessionmaker), await admin(sessionmaker)
        first = await published_snapshot(sessionmaker, writer, approver)
        async with sessionmaker() as session, session.begin():
            with pytest.raises(pydantic.ValidationError):  # a correction says why
                CorrectionRequest(reason="")
            new = await snapshots.correct(
                session, writer, first, CorrectionRequest(reason="统计局修订了2025年数据")
            )
            assert new.version == 2 and new.corrects_id == first
            narratives = {
                i.indicator: i.narrative_en for i in await indicators_repo.items(session, [new.id])
            }
            assert set(narratives.values()) == {"Steady."}
            for i in for_district("changning"):
                await snapshots.write_narrative(
                    session,
                    writer,
                    new.id,
                    NarrativeUpdate(
                        indicator=i.code, narrative_zh="已更正。", narrative_en="Fixed."
                    ),
                )
            await snapshots.approve(session, approver, new.id)
            await snapshots.publish(session, approver, new.id)
            with pytest.raises(Conflict):  # only the newest version is corrected
                await snapshots.correct(
                    session, writer, first, CorrectionRequest(reason="再次更正")
                )
        async with sessionmaker() as session:
            d = await board.district_board(session, "changning")
            mine = {s.version: s for s in d.snapshots if s.year == THIS_YEAR - 1}
            assert mine[1].superseded_by_version == 2
            assert mine[2].correction_reason == "统计局修订了2025年数据"


class TestPublicFigures:
    async def test_page_csv_and_json_agree_and_need_no_sign_in(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from app.services.indicators import demo

        async with sessionmaker() as session, session.begin():
            await demo.load(session)
        client.cookies.clear()
        page = await client.get("/indicators")
        assert page.status_code == 200
        data = (await client.get("/api/v1/indicators")).json()
        rows = list(csv.DictReader(io.StringIO((await client.get("/indicators.csv")).text)))
        codes = {i["code"] for d in data["districts"] for i in d["indicators"]}
        assert len(codes) == 17  # Yangpu 8 and Changning 9
        from_json = {
            (i["code"], v["period"], v["method"]): v["value"]
            for d in data["districts"]
            for i in d["indicators"]
            for v in i["values"] + i["quarters"]
        }
        from_csv = {
            (r["code"], r["period"], r["method"]): float(r["value"])
            for r in rows
            if r["method"] != "computed_part"
        }
        assert from_csv == pytest.approx(from_json)
        assert all(r["method"] and r["source"] for r in rows)
        for d in data["districts"]:
            for i in d["indicators"]:
                assert i["target"] and i["method_en"] and i["method_zh"]
                assert i["name_zh"] in page.text
                if i["latest"]:
                    assert "{:,g}".format(i["latest"]["value"]) in page.text
        assert "演示数据" in page.text  # demo figures are marked
        assert data["has_demo_data"] is True

    async def test_the_api_is_in_the_openapi_document(self, client: httpx.AsyncClient) -> None:
        spec = (await client.get("/api/openapi.json")).json()
        operation = spec["paths"]["/api/v1/indicators"]["get"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/BoardRead")


class TestStaffAccess:
    async def test_applicants_and_other_districts_are_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        client.cookies.clear()
        r = await client.get("/staff/indicators")
        assert r.status_code in (303, 401)
        user = await f.register_and_login(client, f.domestic_payload())
        from tests.integration.test_held_answers import web_login

        await web_login(client, user)
        assert (await client.get("/staff/indicators")).status_code == 403
        client.cookies.clear()
        clerk = await f.create_staff(sessionmaker, district="changning", roles=["reviewer"])
        await page_login(client, clerk)
        assert (await client.get("/staff/indicators")).status_code == 403
        client.cookies.clear()
        yangpu_admin = await f.create_staff(
            sessionmaker, district="yangpu", roles=["district_admin"], department="talent_office"
        )
        await page_login(client, yangpu_admin)
        page = await client.get("/staff/indicators")
        assert page.status_code == 200 and "杨浦" in page.text
        # Another district's evaluation is not found for them.
        changning = await admin(sessionmaker, "changning")
        async with sessionmaker() as session, session.begin():
            s = await snapshots.draft(
                session, changning, SnapshotDraft(kind=SnapshotKind.ANNUAL, year=2024)
            )
        assert (await client.get(f"/staff/indicators/snapshots/{s.id}")).status_code == 404


class TestStaffPages:
    async def test_refresh_needs_its_confirmation_and_the_evaluation_page_shows(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from tests.integration.test_held_answers import csrf_of

        client.cookies.clear()
        email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["district_admin"], department="talent_office"
        )
        await page_login(client, email)
        page = await client.get("/staff/indicators")
        token = csrf_of(page.text)
        r = await client.post("/staff/indicators/refresh", data={"csrf_token": token})
        assert r.status_code == 422 and "error-summary" in r.text
        r = await client.post(
            "/staff/indicators/refresh", data={"csrf_token": token, "confirm": "yes"}
        )
        assert r.status_code == 303 and r.headers["location"].endswith("done=refreshed")
        r = await client.post(
            "/staff/indicators/snapshots",
            data={"csrf_token": token, "kind": "mid_term", "year": "2024"},
        )
        assert r.status_code == 422  # the mid-term evaluation is for 2023
        r = await client.post(
            "/staff/indicators/snapshots",
            data={"csrf_token": token, "kind": "mid_term", "year": "2023"},
        )
        assert r.status_code == 303
        page = await client.get(r.headers["location"])
        assert page.status_code == 200 and "narrative_zh" in page.text
        # The one who drafted it is told another admin approves it; no approve button for them.
        assert "/approve" not in page.text
