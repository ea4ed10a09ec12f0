"""An organisation files a batch exam-fee claim by CSV: one bad line is reported line by line,
nothing is saved until the valid lines are chosen, and the claim shows in the workspace (issue
15); once the department decides it, its page has the written decision (issue 17 point 5).
Phone and desktop, Chinese and English, with axe on the new pages."""

from __future__ import annotations

import os
import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.services.demo import DEMO_PASSWORD
from tests.browser import api_cases as api
from tests.browser.conftest import shot
from tests.browser.journeys import sign_in
from tests.browser.test_accessibility import violations
from tests.factories import local_today, resident_id


def yangpu_employer_email() -> str:
    with sqlite3.connect(os.environ["TALENT_BROWSER_DB"]) as db:
        row = db.execute(
            "SELECT u.email FROM user u JOIN employer_user eu ON eu.user_id = u.id "
            "JOIN employer e ON e.id = eu.employer_id "
            "WHERE e.district = 'yangpu' AND e.status = 'verified' ORDER BY u.email LIMIT 1"
        ).fetchone()
    return str(row[0])


def claim_csv(tmp: Path) -> Path:
    obtained = (local_today() - timedelta(days=20)).isoformat()
    old = (local_today() - timedelta(days=900)).isoformat()
    header = (
        "id_number,name,certificate_number,certificate_type,certificate_level,"
        "certificate_date,exam_fee_cny,employee_declared"
    )
    rows = [
        f"{resident_id()},张三,C-{uuid.uuid4().hex[:10]},电工,4,{obtained},450,yes",
        f"{resident_id()},李四,C-{uuid.uuid4().hex[:10]},焊工,3,{old},300,yes",
        f"{resident_id()},王五,C-{uuid.uuid4().hex[:10]},育婴员,5,{obtained},200,是",
    ]
    path = tmp / "claim.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_batch_claim_by_csv(page: Page, server: str, tmp_path: Path, lang: str) -> None:
    sign_in(page, server, yangpu_employer_email(), DEMO_PASSWORD, totp=True)
    page.goto(f"{server}/lang/{lang}?next=/employer")
    expect(page.locator("h1")).to_have_text(
        "单位工作台" if lang == "zh" else "Organisation workspace"
    )
    assert violations(page) == []
    page.locator("a.button[href='/employer/claims/new']").click()
    page.locator("a[href='/employer/claims/new?service=employer_exam_fee_claim']").click()
    page.locator("#file").set_input_files(str(claim_csv(tmp_path)))
    page.locator("button[type=submit]").last.click()
    # The report: line 2 (an old certificate) has a problem; nothing saved yet.
    expect(page.locator("#report-summary")).to_contain_text("2")
    expect(page.locator("tr[id='lines.2'] .field-error")).to_be_visible()
    expect(page.locator("tr[id='lines.1']")).to_contain_text("***********")  # masked
    assert violations(page) == []
    shot(page, f"org-claim-report-{lang}")
    page.locator(
        "button[type=submit]", has_text="提交申领" if lang == "zh" else "File the claim"
    ).click()
    # Filing with a bad line and without choosing the valid ones saves nothing.
    expect(page.locator(".error-summary")).to_be_visible()
    assert violations(page) == []
    page.locator("#save_valid_only-input").check()
    page.locator(
        "button[type=submit]", has_text="提交申领" if lang == "zh" else "File the claim"
    ).click()
    expect(page.locator(".notification.success")).to_be_visible()
    number = page.locator("dl .row dd").first.inner_text().strip()
    expect(page.locator("table tbody tr")).to_have_count(2)
    assert violations(page) == []
    # Decided by the department (four eyes): the claim's page has the written decision.
    case_id = page.url.split("/employer/claims/", 1)[1].split("?", 1)[0]
    with httpx.Client(base_url=server, timeout=60) as client:
        for who, action in (
            ("window", "accept"),
            ("reviewer", "start_review"),
            ("approver", "approve"),
        ):
            officer = api.staff_headers(client, f"yangpu.{who}@demo.talent.gov.cn")
            api.act(client, officer, case_id, action)
    page.reload()
    section = page.locator("#written-decisions")
    expect(section).to_be_visible()
    link = section.locator("a[download]").first.get_attribute("href")
    assert link and link.startswith(f"/employer/cases/{case_id}/issued/")
    assert page.request.get(server + link).body().startswith(b"%PDF-")
    assert violations(page) == []
    page.goto(server + "/employer")
    expect(page.locator("#own ~ .table-scroll")).to_contain_text(number)
    expect(page.locator("#own ~ .table-scroll")).to_contain_text("650")
    shot(page, f"org-workspace-{lang}")
