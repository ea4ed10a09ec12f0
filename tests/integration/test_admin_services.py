"""District admins edit their service catalog: list with inactive services, materials with
validated conditions, active flag; audited; pages with an error summary."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import AuditEntry
from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_cases_api import staff

pytestmark = pytest.mark.usefixtures("isolated_db")

CODE = "skills_subsidy"


async def _admin(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], district: str = "changning"
) -> dict[str, str]:
    return await staff(client, sm, district, ["district_admin"], "talent_office")


async def _service(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, object]:
    listed = await client.get("/api/v1/admin/services", headers=admin)
    assert listed.status_code == 200, listed.text
    return next(s for s in listed.json() if s["code"] == CODE)


class TestServiceApi:
    async def test_materials_and_active_flag_are_edited_and_audited(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        admin = await _admin(client, sessionmaker)
        service = await _service(client, admin)
        url = f"/api/v1/admin/services/{service['id']}"
        original = {
            "materials": [
                {"code": m["code"], "key": m["key"], "when": m["when"]}
                for m in service["materials"]  # type: ignore[attr-defined]
            ],
            "is_active": True,
        }
        try:
            r = await client.patch(
                url,
                headers=admin,
                json={
                    "materials": [
                        {"code": "id_document", "key": True},
                        {"code": "overseas_degree_verification", "when": "degree_country != 'CN'"},
                        {"code": "exam_fee_receipt", "key": False},
                    ],
                    "is_active": False,
                },
            )
            assert r.status_code == 200, r.text
            edited = r.json()
            assert edited["is_active"] is False and edited["version"] == service["version"] + 1
            rows = {m["code"]: m for m in edited["materials"]}
            assert list(rows) == ["id_document", "overseas_degree_verification", "exam_fee_receipt"]
            assert rows["overseas_degree_verification"]["when"] == "degree_country != 'CN'"
            assert rows["overseas_degree_verification"]["key"] is False
            assert rows["overseas_degree_verification"]["name_en"]  # names from the material list
            assert rows["exam_fee_receipt"]["key"] is False

            # Inactive: still listed for admins, gone for applicants.
            assert (await _service(client, admin))["is_active"] is False
            public = await client.get("/api/v1/services", params={"district": "changning"})
            assert CODE not in {s["code"] for s in public.json()}

            async with sessionmaker() as session:
                entry = (
                    await session.execute(
                        select(AuditEntry)
                        .where(
                            AuditEntry.action == "service.updated",
                            AuditEntry.object_id == str(service["id"]),
                        )
                        .order_by(AuditEntry.seq.desc())
                        .limit(1)
                    )
                ).scalar_one()
            assert entry.district == "changning"
            assert set(entry.detail["changes"]) == {"materials", "is_active"}  # type: ignore[arg-type]
        finally:
            restored = await client.patch(url, headers=admin, json=original)
            assert restored.status_code == 200, restored.text

    async def test_bad_materials_change_nothing(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        admin = await _admin(client, sessionmaker)
        service = await _service(client, admin)
        url = f"/api/v1/admin/services/{service['id']}"
        cases = {
            "materials.1.when": [
                {"code": "id_document"},
                {"code": "marriage_certificate", "when": "marital_status == 'maried'"},
            ],
            "materials.0.when": [{"code": "id_document", "when": "age > 3"}],
            "materials.0.code": [{"code": "passport_photo_of_cat"}],
        }
        for field, materials in cases.items():
            r = await client.patch(
                url, headers=admin, json={"materials": materials, "name_en": "Changed"}
            )
            assert r.status_code == 422, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert field in r.text
        duplicate = await client.patch(
            url, headers=admin, json={"materials": [{"code": "id_document"}] * 2}
        )
        assert duplicate.status_code == 422
        unknown_field = await client.patch(url, headers=admin, json={"policy_id": "other"})
        assert unknown_field.status_code == 422
        assert await _service(client, admin) == service

    async def test_only_the_districts_admins(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        admin = await _admin(client, sessionmaker)
        service = await _service(client, admin)
        url = f"/api/v1/admin/services/{service['id']}"
        yangpu_admin = await _admin(client, sessionmaker, "yangpu")
        assert (await client.patch(url, headers=yangpu_admin, json={})).status_code == 404
        assert (await client.get(url, headers=yangpu_admin)).status_code == 404
        reviewer = await staff(client, sessionmaker, "changning", ["reviewer"])
        assert (await client.get("/api/v1/admin/services", headers=reviewer)).status_code == 403
        assert (await client.patch(url, headers=reviewer, json={})).status_code == 403


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


class TestServicePages:
    async def test_admin_edits_through_the_form(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        api_admin = await _admin(client, sessionmaker)
        service = await _service(client, api_admin)
        client.cookies.clear()
        email = await f.create_staff(
            sessionmaker, district="changning", roles=["district_admin"], department="talent_office"
        )
        await page_login(client, email)
        listing = await client.get("/staff/admin/services")
        assert (
            listing.status_code == 200 and f"/staff/admin/services/{service['id']}" in listing.text
        )
        page = await client.get(f"/staff/admin/services/{service['id']}")
        assert page.status_code == 200
        form = {
            "csrf_token": _csrf(page.text),
            "name_zh": str(service["name_zh"]),
            "name_en": str(service["name_en"]),
            "description_zh": str(service["description_zh"]),
            "description_en": str(service["description_en"]),
            "time_limit_days": "12",
            "is_active": "yes",
            "material": ["id_document", "overseas_degree_verification"],
            "key_id_document": "yes",
            "when_overseas_degree_verification": "degree_country = CN",
        }
        bad = await client.post(f"/staff/admin/services/{service['id']}", data=form)
        assert bad.status_code == 422
        assert 'href="#when_overseas_degree_verification"' in bad.text
        assert "degree_country = CN" in bad.text  # the typed value is kept
        assert await _service(client, api_admin) == service
        blank = await client.post(
            f"/staff/admin/services/{service['id']}",
            data={**form, "name_zh": "", "time_limit_days": "30"},
        )
        assert blank.status_code == 422
        assert 'href="#name_zh"' in blank.text and 'href="#time_limit_days"' in blank.text
        try:
            good = await client.post(
                f"/staff/admin/services/{service['id']}",
                data={**form, "when_overseas_degree_verification": "degree_country != 'CN'"},
            )
            assert good.status_code == 303
            saved = await _service(client, api_admin)
            assert saved["time_limit_days"] == 12
            assert [m["code"] for m in saved["materials"]] == [  # type: ignore[attr-defined]
                "id_document",
                "overseas_degree_verification",
            ]
        finally:
            await client.patch(
                f"/api/v1/admin/services/{service['id']}",
                headers=api_admin,
                json={
                    "materials": [
                        {"code": m["code"], "key": m["key"], "when": m["when"]}
                        for m in service["materials"]  # type: ignore[attr-defined]
                    ],
                    "time_limit_days": service["time_limit_days"],
                },
            )

        client.cookies.clear()
        clerk = await f.create_staff(sessionmaker, district="changning", roles=["window_clerk"])
        await page_login(client, clerk)
        assert (await client.get("/staff/admin/services")).status_code == 403
