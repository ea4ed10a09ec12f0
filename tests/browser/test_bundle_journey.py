"""人才落户一件事 in a real browser (issue 21's journey 5, in Chinese and English, at phone and
desktop widths): the applicant's bundle with records fetched from the simulator, then the window
and the departments' reviewers on their parts. No page answers 5xx (``server_errors``)."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from app.services.demo import DEMO_PASSWORD
from tests.browser.conftest import shot, watch
from tests.browser.journeys import (
    WORDS,
    act,
    answer_every_page,
    listed_materials,
    sign_in,
    to_declaration,
    to_documents,
    upload_materials,
    upload_pdf,
)
from tests.browser.portal_api import staff_in
from tests.support.simulator import RunningSimulator

ANSWERS = {
    "settlement_route": "talent_introduction",
    "spouse_moves": False,
    "children_moving": 1,
    "marital_status": "married",
    "residence_permit_years": 3,
    "talent_programs": [],
    "professional_title": "senior",
    "annual_salary_cny": 900000,
    "employment_start_date": "2023-01-01",
    "pays_income_tax_in_shanghai": True,
    "contract_end_date": "2028-12-31",
}


def _verified_records_not_asked(page: Page) -> None:
    assert not page.locator("#highest_degree").count()
    assert not page.locator("#social_insurance_months").count()


def _social_insurance_not_asked(page: Page) -> None:
    assert not page.locator("#social_insurance_months").count()


def _records_fetched(page: Page, lang: str = "zh") -> None:
    """The worker asks the systems in the background; the page says so until they answer."""
    deadline = time.monotonic() + 40
    while page.get_by_text(WORDS[lang]["fetching"]).count():
        assert time.monotonic() < deadline, "records were not fetched in time"
        time.sleep(1)
        page.reload()


def test_bundle_from_records_and_route_to_the_departments(
    applicant: Page,
    browser: Browser,
    server: str,
    server_errors: list[str],
    tmp_path: Path,
    lang: str,
) -> None:
    """Journey 5 of issue 21: 人才落户一件事, from the records to every department's decision."""
    page, w = applicant, WORDS[lang]
    viewport = str(page.viewport_name).split("-", 1)[0]  # type: ignore[attr-defined]
    sign_in(page, server, "li.wei@demo.example.cn", DEMO_PASSWORD)
    page.goto(f"{server}/lang/{lang}?next=/services")
    card = page.locator("li.card", has=page.get_by_role("heading", name=w["bundle"])).first
    card.get_by_role("button").click()
    expect(page.get_by_role("heading", name=w["bundle"])).to_be_visible()
    expect(page.get_by_role("heading", name=w["records"])).to_be_visible()
    _records_fetched(page, lang)
    records = page.locator("section.verifications")
    expect(records.locator(".status-verified")).to_have_count(4)
    shot(page, "40-bundle-records")

    page.get_by_role("link", name=w["answer"]).click()
    # Each route says whether it is open, from the records already fetched.
    expect(page.locator("#settlement_route")).to_contain_text(w["not_open"])
    shot(page, "41-bundle-route")
    answer_every_page(page, ANSWERS, lang, each=_verified_records_not_asked)
    with page.expect_navigation():
        page.get_by_role("button", name=w["save_finish"]).click()

    to_documents(page, lang)
    # The records replace the ID card, degree certificate and social insurance record.
    assert not page.locator("#file-degree_certificate").count()
    assert not page.locator("#file-id_document").count()
    codes = listed_materials(page)
    assert "employment_contract" in codes
    upload_materials(page, tmp_path, codes)
    to_declaration(page, lang)
    page.get_by_role("button", name=w["submit"]).click()
    expect(page.get_by_role("heading", name=w["submitted"])).to_be_visible()
    number = page.locator(".case-number").inner_text()
    assert re.fullmatch(r"YP-\d{4}-\d{6}", number)
    page.get_by_role("link", name=w["follow"]).click()
    case_url = page.url
    expect(page.get_by_text(w["talent_introduction"], exact=True)).to_be_visible()
    shot(page, "42-bundle-submitted")

    # The one window accepts the bundle once; it goes to every department at once. Staff
    # sign in once per session (their codes cannot be replayed); every page is watched.
    clerk, reviewer, approver, police, police2 = (
        watch(
            staff_in(browser, server, f"yangpu.{k}@demo.talent.gov.cn", viewport, lang),
            server_errors,
        )
        # Whoever reviewed may not decide (four eyes): the bureau's second officer approves.
        for k in ("window", "reviewer", "approver", "police", "police2")
    )
    try:
        clerk.goto(server + "/staff/cases")
        clerk.get_by_role("link", name=number, exact=True).click()
        act(clerk, w["accept"])
        parts = clerk.locator("table", has=clerk.get_by_text(w["settlement_approval"]))
        expect(parts).to_contain_text(w["move_in"])
        expect(parts).to_contain_text(w["waiting_earlier"])
        shot(clerk, "43-bundle-dispatched")

        # The HR bureau reviews and approves its part, found through the part link.
        reviewer.goto(clerk.url)
        reviewer.get_by_role("link", name=w["settlement_approval"]).click()
        expect(reviewer.get_by_text(w["part_of"])).to_be_visible()
        act(reviewer, w["start_review"])
        approver.goto(reviewer.url)
        act(approver, w["approve"])
        shot(approver, "44-part-approved")

        # The police see the move-in in their department's queue, now started.
        police.goto(server + "/staff/cases?department=public_security")
        police.get_by_role("link", name=f"{number}-2").click()
        expect(police.locator(".status-tag").first).to_have_text(w["accepted"])
        act(police, w["start_review"])
        police2.goto(police.url)
        act(police2, w["approve"])
        shot(police2, "45-move-in-approved")

        page.goto(case_url)
        table = page.locator("table", has=page.get_by_text(w["move_in"]))
        expect(table).to_contain_text(w["approved"])
        shot(page, "46-bundle-progress")
    finally:
        for officer in (clerk, reviewer, approver, police, police2):
            officer.context.close()


def test_a_late_no_record_is_answered_on_the_bundle_page(
    page: Page, server: str, simulator: RunningSimulator, tmp_path: Path
) -> None:
    """The social insurance system is down when the applicant submits, then says it holds no
    record: the bundle page asks, once, for what it was to provide."""
    simulator.control("social_insurance", "down", duration_ms=600_000)
    try:
        sign_in(page, server, "zhang.min@demo.example.cn", DEMO_PASSWORD)
        page.goto(server + "/services")
        card = page.locator("li.card", has=page.get_by_role("heading", name="人才落户一件事"))
        card.first.get_by_role("button").click()
        _records_fetched(page)
        page.get_by_role("link", name="回答问题").click()
        answer_every_page(page, ANSWERS, "zh", each=_social_insurance_not_asked)
        with page.expect_navigation():
            page.get_by_role("button", name="保存并完成").click()
        to_documents(page)
        assert not page.locator("#file-social_insurance_record").count()
        upload_materials(page, tmp_path, listed_materials(page))
        to_declaration(page)
        page.get_by_role("button", name="提交申请").click()
        page.get_by_role("link", name="跟踪办理进度").click()
        expect(page.get_by_text("正在等待以下系统的数据：社会保险信息系统").first).to_be_visible()

        simulator.control("social_insurance", "no_record")
        deadline = time.monotonic() + 90
        while not page.locator("#details").count():
            assert time.monotonic() < deadline, "the late answer did not reach the case"
            time.sleep(2)
            page.reload()
        details = page.locator("#details")
        expect(details.get_by_role("heading", name="需要您补充的信息和材料")).to_be_visible()
        expect(details).to_contain_text("社保缴费记录")
        shot(page, "47-bundle-late-notice")

        # Sending without everything names what is missing, and keeps what was typed.
        details.locator("#employer_district-yangpu").check()
        with page.expect_navigation():
            details.get_by_role("button", name="提交答复和材料").click()
        expect(page.locator(".error-summary")).to_be_visible()
        expect(page.locator("#employer_district-yangpu")).to_be_checked()

        upload_pdf(page, "#upload-social_insurance_record", tmp_path, "record.pdf")
        with page.expect_navigation():
            page.locator("form.late-upload").get_by_role("button", name="上传此材料").click()
        page.locator("#employer_district-yangpu").check()
        page.locator("input#social_insurance_months").fill("48")
        if page.locator("input#social_insurance_base_multiple").count():
            page.locator("input#social_insurance_base_multiple").fill("2")
        with page.expect_navigation():
            page.get_by_role("button", name="提交答复和材料").click()
        expect(page.get_by_text("谢谢，已通知受理部门您的材料已送达。")).to_be_visible()
        assert not page.locator("#details").count()
        expect(page.locator(".status-tag").first).to_have_text("已收到申请")
        shot(page, "48-bundle-late-answered")
    finally:
        simulator.reset()
