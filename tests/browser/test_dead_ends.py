"""Issue 21, "dead ends and crashes": each item in a real browser, in Chinese and English, at phone
(390x844) and desktop width. No step answers 5xx; each ordinary mistake is answered with its page
and an error summary; every outcome says what happens next."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from tests.browser.conftest import VIEWPORTS, shot
from tests.browser.journeys import emailed_link
from tests.factories import resident_id

PASSWORD = "Dead-Ends-Tested-2026"
LOCALES = {"zh": "zh-CN", "en": "en-US"}
FAKE_PDF = b"MZ\x90\x00 a program renamed to look like a PDF"


@pytest.fixture(params=list(LOCALES))
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def applicant(page: Page, browser: Browser, lang: str) -> Iterator[Page]:
    """A page in the test's language at the test's width (``page`` gives the width)."""
    viewport = page.viewport_name  # type: ignore[attr-defined]
    page.context.close()
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale=LOCALES[lang])
    fresh = context.new_page()
    fresh.viewport_name = f"{viewport}-{lang}"  # type: ignore[attr-defined]
    errors: list[str] = []

    def no_5xx(response: Response) -> None:
        if response.status >= 500:
            errors.append(f"{response.status} {response.url}")

    fresh.on("response", no_5xx)
    yield fresh
    context.close()
    assert not errors, errors


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


def service_id(code: str, district: str) -> str:
    with sqlite3.connect(os.environ["TALENT_BROWSER_DB"]) as db:
        row = db.execute(
            "SELECT id FROM service WHERE code = ? AND district = ?", (code, district)
        ).fetchone()
    assert row is not None, (code, district)
    return str(uuid.UUID(str(row[0])))


def start(page: Page, server: str, code: str = "rent_subsidy", district: str = "yangpu") -> str:
    """Starts a service from the services page; returns the application's task-list URL."""
    page.goto(server + "/services")
    sid = service_id(code, district)
    page.locator(f"form:has(input[name=service_id][value='{sid}'])").locator("button").click()
    page.wait_for_url("**/applications/*")
    return page.url


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
