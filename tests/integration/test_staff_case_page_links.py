"""The staff case page offers only links its reader may open: the acceptance receipt is the
window's (HANDLE_WINDOW); a reviewer or approver of the case is not sent to a refused page."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_cases_api import act, staff, submitted_rent_case

pytestmark = pytest.mark.usefixtures("isolated_db")

RECEIPT_LINK = "打印受理回执"


async def test_the_receipt_link_is_shown_to_the_window_and_not_to_a_reviewer(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    _user, result = await submitted_rent_case(client)
    case = result["case"]
    clerk = await staff(client, sessionmaker, "changning", ["window_clerk"], "service_center")
    accepted = await act(client, clerk, case["id"], case["version"], "accept")
    assert accepted.status_code == 200, accepted.text

    reviewer = await f.create_staff(
        sessionmaker, district="changning", roles=["reviewer"], department="housing"
    )
    client.cookies.clear()
    await page_login(client, reviewer)
    page = await client.get(f"/staff/cases/{case['id']}")
    assert page.status_code == 200
    assert RECEIPT_LINK not in page.text
    assert (await client.get(f"/staff/cases/{case['id']}/receipt")).status_code == 403

    window = await f.create_staff(
        sessionmaker, district="changning", roles=["window_clerk"], department="service_center"
    )
    client.cookies.clear()
    await page_login(client, window)
    page = await client.get(f"/staff/cases/{case['id']}")
    assert RECEIPT_LINK in page.text
    assert (await client.get(f"/staff/cases/{case['id']}/receipt")).status_code == 200
