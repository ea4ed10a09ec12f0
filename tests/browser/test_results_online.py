"""Issue 17 point 5 (不见面) in a real browser, in Chinese and English, at phone and desktop
width: an applicant with a decided case downloads the written decision from the case page,
finds it in the wallet, and the public verification page (signed out) confirms it; a changed
copy uploaded there is said not to match. axe checks the case and verification pages."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import api_cases as api
from tests.browser.conftest import LOCALES, VIEWPORTS, watch
from tests.browser.journeys import sign_in
from tests.browser.test_accessibility import violations

pytestmark = pytest.mark.browser

WORDS = {
    "zh": {"wallet_kind": "决定书（平台出具）", "match": "副本一致", "mismatch": "副本不一致"},
    "en": {
        "wallet_kind": "Written decision (issued by the portal)",
        "match": "The copy matches",
        "mismatch": "The copy does not match",
    },
}


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=60) as c:
        yield c


def test_download_the_decision_find_it_in_the_wallet_and_verify_it_publicly(
    applicant: Page,
    browser: Browser,
    client: httpx.Client,
    server: str,
    lang: str,
    tmp_path: Path,
    server_errors: list[str],
) -> None:
    page, w = applicant, WORDS[lang]
    who = api.new_applicant(client, language=lang)
    case = api.decided_rent_case(client, who, approve=False)
    found: dict[str, list[str]] = {}

    sign_in(page, server, who.email, who.password)
    page.goto(f"{server}/lang/{lang}?next=/cases/{case['id']}")
    section = page.locator("#written-decisions")
    expect(section).to_be_visible()
    if problems := violations(page):
        found["case page"] = problems
    with page.expect_download() as downloading:
        section.locator("a[download]").first.click()
    saved = tmp_path / "decision.pdf"
    downloading.value.save_as(saved)
    pdf = saved.read_bytes()
    assert pdf.startswith(b"%PDF-")
    sha = hashlib.sha256(pdf).hexdigest()
    verify_path = section.locator("a.verify-link").first.get_attribute("href")
    assert verify_path and verify_path.startswith("/verify/")

    page.goto(f"{server}/wallet")
    row = page.locator("table tr", has_text=w["wallet_kind"])
    expect(row).to_have_count(1)
    expect(row.locator("a")).to_have_text(re.compile(re.escape(case["number"])))

    # Anyone holding the paper: a fresh, signed-out browser at the same width and language.
    viewport = str(page.viewport_name).split("-", 1)[0]  # type: ignore[attr-defined]
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale=LOCALES[lang])
    try:
        public = watch(context.new_page(), server_errors)
        public.goto(f"{server}/lang/{lang}?next={verify_path}")
        expect(public.locator("#document-sha256")).to_have_text(sha)
        expect(public.locator("#issued-document")).to_contain_text(case["number"])
        if problems := violations(public):
            found["verify page"] = problems
        public.locator("#file").set_input_files(str(saved))
        public.locator("form[enctype] button[type=submit]").click()
        expect(public.locator("#result")).to_contain_text(w["match"])
        tampered = tmp_path / "tampered.pdf"
        middle = len(pdf) // 2
        tampered.write_bytes(pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :])
        public.locator("#file").set_input_files(str(tampered))
        public.locator("form[enctype] button[type=submit]").click()
        expect(public.locator("#result")).to_contain_text(w["mismatch"])
        if problems := violations(public):
            found["verify page (no match)"] = problems
    finally:
        context.close()
    assert found == {}
