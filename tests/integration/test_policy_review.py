"""The staff policy review pages: district admins (and auditors) read every parameter with its
values, source or assumption and covering cases; other staff and applicants are refused."""

from __future__ import annotations

import html

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_settlement_bundle import web_login

pytestmark = pytest.mark.usefixtures("isolated_db")


async def _sign_in(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], roles: list[str]
) -> None:
    client.cookies.clear()
    email = await f.create_staff(sm, district="changning", roles=roles, department="talent_office")
    await page_login(client, email)


class TestPolicyReview:
    async def test_an_admin_sees_each_parameter_with_its_source_and_cases(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        await _sign_in(client, sessionmaker, ["district_admin"])
        listing = await client.get("/staff/admin/policies")
        assert listing.status_code == 200, listing.text
        assert "留学回国人员过渡期人才公寓租赁支持" in listing.text  # names, not codes
        assert 'href="/staff/admin/policies/changning.returnee_apartment_subsidy"' in listing.text
        assert 'href="/staff/admin/policies"' in (await client.get("/staff")).text

        page = await client.get("/staff/admin/policies/changning.returnee_apartment_subsidy")
        assert page.status_code == 200, page.text
        text = html.unescape(page.text)
        assert "硕士第1-3个月标准" in text  # the parameter's label
        assert "3,000 元/月" in text and "2022-02-25" in text  # value, unit, effective date
        assert "长宁区留学回国人员过渡期人才公寓租赁专项支持" in text  # the document
        assert '"3+3" phase 1' in text and "S36" in text  # clause and refs
        assert "master ¥3,000×3 then ¥2,500×3" in text  # the facts row that states it
        # A case evaluating an output formula that reads the parameter.
        assert "doctorate from a top-100 university back 3 months, no home" in text

    async def test_an_assumed_parameter_is_labelled_assumed_with_its_reason(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        await _sign_in(client, sessionmaker, ["auditor"])  # auditors read it too
        await client.get("/lang/en")
        page = await client.get("/staff/admin/policies/changning.rent_subsidy")
        assert page.status_code == 200, page.text
        text = html.unescape(page.text)
        section = text[text.index('id="v2021-11-12-max_months"') :]
        section = section[: section.index("</section>")]
        assert "maximum months" in section and "assumed" in section
        assert "No duration found; 24 months" in section  # the reason
        # The parameter links to the version's cases, which are listed once each with the
        # parameters they read and the result each condition produced.
        assert 'href="#v2021-11-12-cases"' in section and "Covered by" in section
        cases = text[text.index('id="v2021-11-12-cases"') :]
        row = _row(cases, "a master's graduate insured in Changning for 10 months")
        assert "maximum months" in row
        row = _row(cases, "two months insured in Changning, four more to go")
        assert "minimum months insured in the district" in row
        assert "insured_in_changning</code> not met" in row
        assert cases.count("two months insured in Changning, four more to go") == 1
        # The source check's verdict for the version is shown to the reviewer (its findings,
        # listed when there are any, are tested in tests/unit/rules/test_sources_check.py).
        assert "Every value stands on its cited source or is marked assumed." in text

    async def test_an_unknown_policy_is_not_found(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        await _sign_in(client, sessionmaker, ["district_admin"])
        assert (await client.get("/staff/admin/policies/changning.nothing")).status_code == 404

    @pytest.mark.parametrize("roles", [["window_clerk"], ["reviewer"], ["approver"]])
    async def test_other_staff_are_refused(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        roles: list[str],
    ) -> None:
        await _sign_in(client, sessionmaker, roles)
        assert (await client.get("/staff/admin/policies")).status_code == 403
        page = await client.get("/staff/admin/policies/changning.rent_subsidy")
        assert page.status_code == 403
        assert 'href="/staff/admin/policies"' not in (await client.get("/staff")).text

    async def test_applicants_and_visitors_are_refused(self, client: httpx.AsyncClient) -> None:
        client.cookies.clear()
        visitor = await client.get("/staff/admin/policies")
        assert visitor.status_code in (303, 401)
        user = await f.register_and_login(client, f.domestic_payload())
        await web_login(client, user)
        assert (await client.get("/staff/admin/policies")).status_code == 403
        page = await client.get("/staff/admin/policies/changning.rent_subsidy")
        assert page.status_code == 403


def _row(table: str, case: str) -> str:
    """The table row (``<tr>``) naming ``case``."""
    at = table.index(case)
    return table[table.rindex("<tr>", 0, at) : table.index("</tr>", at)]
