"""Issue 21, "dead ends and crashes": each item in a real browser, in Chinese and English, at phone
(390x844) and desktop width. No step answers 5xx; each ordinary mistake is answered with its page
and an error summary; every outcome says what happens next. (Fixtures ``applicant``, ``lang`` and
``portal``: conftest.py.)"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import shot
from tests.browser.journeys import PDF, answer, emailed_link, upload_pdf
from tests.browser.portal_api import PASSWORD, Portal, service_id, staff_in
from tests.factories import overseas_payload, resident_id

FAKE_PDF = b"MZ\x90\x00 a program renamed to look like a PDF"


def register(page: Page, server: str) -> str:
    """A new domestic applicant, registered, confirmed by the emailed link and signed in."""
    email = f"deadend.{uuid.uuid4().hex[:8]}@example.cn"
    page.goto(server + "/register/domestic")
    page.locator("#full_name").fill("吴无阻")
    page.locator("#id_number").fill(resident_id())
    page.locator("#mobile").fill("13600136001")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#consent_personal_info-input").check()
    page.locator("form[action='/register/domestic'] button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(emailed_link(server, email))
    page.locator("form[action='/confirm-email'] button[type=submit]").click()
    expect(page.locator(".panel-confirmation")).to_be_visible()
    page.goto(server + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page).not_to_have_url(server + "/login")
    return email


def start(page: Page, server: str, code: str = "rent_subsidy", district: str = "yangpu") -> str:
    """Starts a service from the services page; returns the application's task-list URL."""
    page.goto(server + "/services")
    sid = service_id(code, district)
    page.locator(f"form:has(input[name=service_id][value='{sid}'])").locator("button").click()
    page.wait_for_url("**/applications/*")
    return page.url


def sign_in_applicant(page: Page, server: str, email: str) -> None:
    page.goto(server + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


# --- 1. uploads on an application's documents page -----------------------------------------------


def test_1_a_wrong_upload_is_answered_with_the_error_summary(
    applicant: Page, server: str, tmp_path: Path, lang: str
) -> None:
    page = applicant
    register(page, server)
    task_list = start(page, server)
    page.goto(task_list + "/documents")
    row = page.locator("form.upload-row").first
    code = str(row.locator("input[name=requirement]").get_attribute("value"))

    # No file chosen.
    row.locator("button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator(f"a[href='#file-{code}']")).to_be_visible()
    shot(page, "21-1-upload-no-file")

    # A program renamed to .pdf.
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(FAKE_PDF)
    page.locator(f"#file-{code}").set_input_files(str(fake))
    page.locator("form.upload-row", has=page.locator(f"#file-{code}")).locator(
        "button[type=submit]"
    ).click()
    expect(page.locator(".error-summary")).to_contain_text("PDF" if lang == "en" else "PDF")
    page.locator(f".error-summary a[href='#file-{code}']").click()
    expect(page.locator(f"#file-{code}")).to_be_focused()
    shot(page, "21-1-upload-fake-pdf")


def _viewport(page: Page) -> str:
    return str(page.viewport_name).split("-", 1)[0]  # type: ignore[attr-defined]


# --- 2. a supplement of several items -------------------------------------------------------------


def test_2_each_requested_item_is_sent_with_its_files_or_explained(
    applicant: Page, browser: Browser, server: str, portal: Portal, tmp_path: Path, lang: str
) -> None:
    page = applicant
    district = "yangpu" if lang == "zh" else "changning"
    window, reviewer = (f"{district}.{k}@demo.talent.gov.cn" for k in ("window", "reviewer"))
    email, headers = portal.applicant()
    case = portal.skills_case(headers, district)
    case = portal.act(window, case, "accept")
    case = portal.act(reviewer, case, "start_review")
    due = (date.today() + timedelta(days=10)).isoformat()
    items = ["职业技能等级证书原件扫描件", "考试费发票（盖章）"]
    case = portal.act(reviewer, case, "request_supplement", items=items, due_on=due)

    sign_in_applicant(page, server, email)
    page.goto(f"{server}/cases/{case['id']}")
    box = page.locator("#supplement")
    expect(box.locator(".supplement-due")).to_contain_text(due)
    expect(box.locator("#supplement-item-0")).to_contain_text(items[0])
    expect(box.locator("#supplement-item-1")).to_contain_text(items[1])
    send = box.locator("form[action$='/supplement'] button[type=submit]")

    # Sending with nothing added names each item; nothing is sent.
    send.click()
    expect(page.locator(".error-summary a[href='#explain-0']")).to_be_visible()
    expect(page.locator(".error-summary a[href='#explain-1']")).to_be_visible()
    shot(page, "21-2-supplement-errors")

    # Two files for the first item, one upload at a time.
    for name in ("certificate-front.pdf", "certificate-back.pdf"):
        path = tmp_path / name
        path.write_bytes(PDF)
        page.locator("#file-0").set_input_files(str(path))
        with page.expect_navigation():
            page.locator("#supplement-item-0 button[type=submit]").click()
    expect(page.locator("#supplement-item-0 .supplement-status")).to_contain_text(
        "certificate-back.pdf"
    )
    assert portal.staff_case(reviewer, case["id"])["status"] == "review_supplement_requested"
    page.locator("#explain-1").fill("发票遗失，已向考点申请补开")
    shot(page, "21-2-supplement-ready")
    page.locator("#supplement form[action$='/supplement'] button[type=submit]").click()
    expect(page.locator(".notification.success")).to_be_visible()
    expect(page.locator("#supplement")).to_have_count(0)

    seen = portal.staff_case(reviewer, case["id"])
    assert seen["status"] == "in_review"
    arrived = seen["supplement"]["items"]
    assert len(arrived[0]["files"]) == 2
    assert arrived[1]["explanation"] == "发票遗失，已向考点申请补开"

    # Staff see which items arrived and which were explained.
    officer = staff_in(
        browser, server, f"{district}.approver@demo.talent.gov.cn", _viewport(page), lang
    )
    try:
        officer.goto(f"{server}/staff/cases/{case['id']}")
        expect(officer.locator(".supplement-items .supplement-arrived")).to_have_count(1)
        expect(officer.locator(".supplement-items .supplement-explained")).to_have_count(1)
        shot(officer, "21-2-supplement-staff")
    finally:
        officer.context.close()


# --- 3. the window's receipt for a case not accepted yet ----------------------------------------


def _employer_uscc(district: str) -> str:
    with sqlite3.connect(os.environ["TALENT_BROWSER_DB"]) as db:
        row = db.execute(
            "SELECT uscc FROM employer WHERE district = ? ORDER BY name LIMIT 1", (district,)
        ).fetchone()
    assert row is not None
    return str(row[0])


def test_3_filing_for_a_service_needing_the_employer_prints_a_receipt_of_documents(
    applicant: Page, browser: Browser, server: str, portal: Portal, tmp_path: Path, lang: str
) -> None:
    viewport = _viewport(applicant)
    applicant.context.close()
    window = "yangpu.window@demo.talent.gov.cn"
    r = portal.http.post(
        "/api/v1/staff/window/applicants",
        headers=portal.staff(window),
        json={"registration": overseas_payload()},
    )
    assert r.status_code == 201, r.text
    walk_in = r.json()["id"]
    clerk = staff_in(browser, server, window, viewport, lang)
    try:
        sid = service_id("service_card", "yangpu")
        clerk.goto(f"{server}/staff/window/applicants/{walk_in}/services/{sid}")
        answer(
            clerk,
            {
                "talent_programs": [],
                "professional_title": "senior",
                "annual_salary_cny": "500000",
                "employer_district": "yangpu",
                "employer_uscc": _employer_uscc("yangpu"),
            },
        )
        for code in ("id_document", "employment_contract"):
            upload_pdf(clerk, f"#file_{code}", tmp_path, f"{code}.pdf")
            clerk.locator(f"#seen_{code}").check()
        clerk.locator("main form[enctype='multipart/form-data'] button[type=submit]").last.click()
        title = "收件回执" if lang == "zh" else "Receipt of documents"
        expect(clerk.get_by_role("heading", level=1)).to_have_text(title)
        expect(clerk.locator("#window-outcome")).to_be_visible()
        expect(clerk.locator("#window-outcome")).to_contain_text(
            "用人单位" if lang == "zh" else "employer"
        )
        expect(clerk.locator(".receipt-documents li")).to_have_count(2)
        expect(clerk.locator(".receipt-window")).to_contain_text("021-")
        expect(clerk.locator(".lookup-url")).to_have_text(re.compile(r"^https?://.+/status$"))
        assert clerk.locator("main").inner_text().count(title) == 1
        shot(clerk, "21-3-receipt-of-documents")
    finally:
        clerk.context.close()


# --- 4. the reviewer's opinion --------------------------------------------------------------------


def test_4_the_reviewer_records_an_opinion_the_approver_reads(
    applicant: Page, browser: Browser, server: str, portal: Portal, lang: str
) -> None:
    viewport = _viewport(applicant)
    applicant.context.close()
    district = "yangpu" if lang == "zh" else "changning"
    window, reviewer, approver = (
        f"{district}.{k}@demo.talent.gov.cn" for k in ("window", "reviewer", "approver")
    )
    _email, headers = portal.applicant()
    case = portal.skills_case(headers, district)
    case = portal.act(window, case, "accept")
    case = portal.act(reviewer, case, "start_review")

    officer = staff_in(browser, server, reviewer, viewport, lang)
    try:
        officer.goto(f"{server}/staff/cases/{case['id']}")
        panel = officer.locator("details.action:has(input[name=action][value=recommend_rejection])")
        panel.locator("summary").click()
        # No reason: the page says so and nothing is recorded.
        panel.locator("button[type=submit]").click()
        expect(officer.locator(".error-summary")).to_be_visible()
        panel = officer.locator("details.action:has(input[name=action][value=recommend_rejection])")
        if not panel.evaluate("d => d.open"):
            panel.locator("summary").click()
        panel.locator("[name=reason]").fill("证书取得时间早于参保期间，不符合补贴条件")
        clause = panel.locator("select[name=clause] option").nth(1)
        panel.locator("select[name=clause]").select_option(clause.get_attribute("value"))
        panel.locator("button[type=submit]").click()
        expect(officer.locator("#opinion")).to_contain_text("证书取得时间早于参保期间")
        shot(officer, "21-4-opinion-recorded")
    finally:
        officer.context.close()

    decider = staff_in(browser, server, approver, viewport, lang)
    try:
        decider.goto(f"{server}/staff/cases/{case['id']}")
        opinion = decider.locator("#opinion")
        expect(opinion).to_contain_text("建议不予批准" if lang == "zh" else "Recommend rejection")
        expect(opinion.locator(".opinion-clause")).not_to_be_empty()
        expect(
            decider.locator("details.action:has(input[name=action][value=reject])")
        ).to_be_visible()
        shot(decider, "21-4-opinion-for-approver")
    finally:
        decider.context.close()


# --- 5. questions that do not apply, and "I don't know yet" ---------------------------------------


def test_5_not_applicable_questions_are_not_asked_and_later_is_an_answer(
    applicant: Page, server: str, lang: str
) -> None:
    page = applicant
    register(page, server)
    task_list = start(page, server, "rent_subsidy", "yangpu")
    page.goto(task_list + "/questions/1")
    expect(page.locator("select#degree_country")).to_be_visible()
    page.locator("select#degree_country").select_option("CN")
    page.locator("#highest_degree-master").check()
    # Not known yet: an explicit answer, listed on the task list and asked again.
    page.locator("#graduation_date__later").check()
    shot(page, "21-5-questions")
    page.locator("button[name=later]").click()
    page.wait_for_url(re.compile(r"/applications/[^/]+\?saved=1"))
    later = page.locator(".answer-later")
    expect(later).to_be_visible()
    expect(later.locator("a")).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text("我们不会再问")
    shot(page, "21-5-task-list")
    later.locator("a").click()
    expect(page.locator("#graduation_date__later")).to_be_checked()
    # A graduate of a Chinese university is never asked for a date of return.
    pages = int(re.search(r"(\d+)\D*$", page.locator(".caption").inner_text()).group(1))  # type: ignore[union-attr]
    for n in range(1, pages + 1):
        page.goto(f"{task_list}/questions/{n}")
        expect(page.locator("#return_date")).to_have_count(0)
