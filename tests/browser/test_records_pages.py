"""Records retention pages on a phone and a desktop, in Chinese and English: a records officer
submits a destruction list and cannot approve it, a second officer approves it (each step with
its confirmation page), a legal hold on an unknown case number is refused with an error summary,
and a district admin sets a service's retention rules. No serious accessibility violation."""

from __future__ import annotations

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.models import DestructionList, DestructionListItem
from tests.browser.conftest import shot
from tests.browser.journeys import staff_page
from tests.browser.test_accessibility import AXE, TAGS

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}


def axe_clean(page: Page) -> None:
    result = AXE.run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} @ {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
        if v["impact"] in SERIOUS
    ]
    assert serious == []


def a_draft_list(district: str) -> str:
    """A draft list with one listed item (the worker's proposal), written straight into the
    browser server's database: the item's case no longer exists, so approving it destroys
    nothing and leaves the item taken off, which is enough for the pages."""
    settings = get_settings().model_copy(
        update={"database_url": f"sqlite+aiosqlite:///{os.environ['TALENT_BROWSER_DB']}"}
    )

    async def write() -> str:
        engine = make_engine(settings)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                listing = DestructionList(
                    number=f"XH-BR-{uuid.uuid4().hex[:8]}",
                    district=district,
                    status="draft",
                    handled_by=[],
                )
                session.add(listing)
                await session.flush()
                session.add(
                    DestructionListItem(
                        list_id=listing.id,
                        case_id=uuid.uuid4(),
                        case_number="CN-2015-000123",
                        district=district,
                        service_code="youth_station",
                        result="rejected",
                        submitted_on=date(2015, 3, 2),
                        decided_on=date(2015, 3, 20),
                        retention_from=date(2015, 3, 20),
                        retention_until=date(2018, 3, 20),
                    )
                )
                return str(listing.id)
        finally:
            await engine.dispose()

    # Playwright's sync API holds this thread's event loop: write from a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, write()).result()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_two_officers_destroy_a_list(
    browser: Browser, server: str, lang: str, viewport: str
) -> None:
    district = "changning" if lang == "zh" else "yangpu"
    list_id = a_draft_list(district)
    context, page = staff_page(browser, server, f"{district}.records@demo.talent.gov.cn", viewport)
    try:
        page.goto(f"{server}/lang/{lang}?next=/staff/records")
        expect(page.locator(f"a[href='/staff/records/lists/{list_id}']")).to_be_visible()
        axe_clean(page)
        page.goto(f"{server}/staff/records/lists/{list_id}")
        expect(page.get_by_role("cell", name="CN-2015-000123", exact=True)).to_be_visible()
        page.locator(f"a[href='/staff/records/lists/{list_id}/submit']").click()
        axe_clean(page)
        page.locator("form button[type=submit]").last.click()
        assert page.url.endswith("done=submitted")
        # Four eyes: whoever submitted is offered no approval.
        assert page.locator(f"a[href='/staff/records/lists/{list_id}/approve']").count() == 0
        shot(page, f"records-list-{lang}")
        axe_clean(page)
        # A hold on a case the district does not have: the error summary says so.
        page.goto(f"{server}/staff/records/holds/new")
        page.locator("#case_number").fill("NO-SUCH-CASE")
        page.locator("#reason").fill("复议" if lang == "zh" else "appeal pending")
        page.locator("form button[type=submit]").last.click()
        expect(page.locator(".error-summary")).to_be_visible()
        axe_clean(page)
    finally:
        context.close()
    context, page = staff_page(browser, server, f"{district}.records2@demo.talent.gov.cn", viewport)
    try:
        page.goto(f"{server}/lang/{lang}?next=/staff/records/lists/{list_id}")
        page.locator(f"a[href='/staff/records/lists/{list_id}/approve']").click()
        axe_clean(page)
        page.locator("form button[type=submit]").last.click()
        assert page.url.endswith("done=destroyed")
        expect(page.locator(".notification.success")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_admin_sets_a_services_retention(browser: Browser, server: str, lang: str) -> None:
    context, page = staff_page(browser, server, "yangpu.admin@demo.talent.gov.cn", "desktop")
    try:
        page.goto(f"{server}/lang/{lang}?next=/staff/admin/services")
        page.locator("table a").first.click()
        page.locator("a[href$='/retention']").click()
        expect(page.locator("#default_years")).to_be_visible()
        axe_clean(page)
        page.locator("#default_years").fill("")
        page.locator("#default_disposal").select_option("destroy")
        page.locator("form button[type=submit]").last.click()
        expect(page.locator(".error-summary")).to_be_visible()
        page.locator("#default_years").fill("4")
        page.locator("form button[type=submit]").last.click()
        assert "saved=" in page.url
    finally:
        context.close()
