"""A person's rights in a real browser (issue 22): deleting the account is refused with the
reason while a case is open and succeeds without one, in Chinese and English, at phone and
desktop widths; the new pages pass axe (WCAG 2.2 AA). The case is opened through the served
API (the case journeys test the application pages themselves)."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot
from tests.browser.journeys import emailed_link, sign_in
from tests.browser.test_accessibility import violations
from tests.factories import PASSWORD, domestic_payload, renting_returnee_profile

PDF = b"%PDF-1.7\n% browser test\n%%EOF\n"
MATERIALS = (
    "id_document",
    "degree_certificate",
    "overseas_degree_verification",
    "employment_contract",
)
TEXT = {
    "zh": {"refused": "尚未办结", "delete": "注销我的账户", "deleted": "您的账户已注销"},
    "en": {
        "refused": "is still open",
        "delete": "Delete my account",
        "deleted": "Your account has been deleted",
    },
}


def _applicant(server: str, *, with_case: bool) -> tuple[str, str | None]:
    """A confirmed applicant, through the served API; with an open rent-subsidy case if asked.
    Returns the e-mail address and the case number."""
    payload = domestic_payload(email=f"rights.{uuid.uuid4().hex[:8]}@example.cn")
    with httpx.Client(base_url=server, timeout=30) as api:
        assert api.post("/api/v1/auth/register", json=payload).status_code == 202
        token = emailed_link(server, payload["email"]).split("token=", 1)[1]
        assert api.post("/api/v1/auth/confirm-email", json={"token": token}).status_code == 204
        if not with_case:
            return payload["email"], None
        login = api.post(
            "/api/v1/auth/login", json={"email": payload["email"], "password": PASSWORD}
        )
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        services = api.get("/api/v1/services", params={"district": "changning"}).json()
        sid = next(s["id"] for s in services if s["code"] == "rent_subsidy")
        draft = api.post("/api/v1/applications", json={"service_id": sid}, headers=auth).json()
        answers = renting_returnee_profile(employer_district="changning")
        api.patch(f"/api/v1/applications/{draft['id']}", json={"answers": answers}, headers=auth)
        docs = {}
        for code in MATERIALS:
            r = api.post(
                "/api/v1/documents",
                headers=auth,
                files={"file": (f"{code}.pdf", PDF, "application/pdf")},
                data={"kind": "id_card" if code == "id_document" else code},
            )
            assert r.status_code == 201, r.text
            docs[code] = r.json()["id"]
        api.patch(f"/api/v1/applications/{draft['id']}", json={"documents": docs}, headers=auth)
        submitted = api.post(
            f"/api/v1/applications/{draft['id']}/submit",
            headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
            json={"declaration": True, "sensitive_consent": True},
        )
        assert submitted.status_code == 201, submitted.text
        return payload["email"], submitted.json()["case"]["number"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_deletion_refused_with_an_open_case_and_done_without(
    page: Page, server: str, lang: str
) -> None:
    viewport = page.viewport_name  # type: ignore[attr-defined]
    text = TEXT[lang]
    email, number = _applicant(server, with_case=True)
    sign_in(page, server, email, PASSWORD)
    # Signing in sets the account's language; the person then picks theirs.
    page.goto(f"{server}/lang/{lang}?next=/account/delete")
    refusal = page.locator("#deletion-refused")
    expect(refusal).to_contain_text(text["refused"])
    assert number is not None
    expect(refusal).to_contain_text(number)
    expect(page.get_by_role("button", name=text["delete"])).to_have_count(0)
    assert violations(page) == []
    shot(page, f"rights-deletion-refused-{lang}-{viewport}")

    page.context.clear_cookies()
    email, _ = _applicant(server, with_case=False)
    sign_in(page, server, email, PASSWORD)
    # Signing in sets the account's language; the person then picks theirs.
    page.goto(f"{server}/lang/{lang}?next=/account/delete")
    # A wrong password is refused on the page, with the error summary linking to the field.
    page.locator("#password").fill("not-the-password")
    page.get_by_role("button", name=text["delete"]).click()
    expect(page.locator(".error-summary a[href='#password']")).to_be_visible()
    assert violations(page) == []
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=text["delete"]).click()
    expect(page.locator(".panel-confirmation")).to_contain_text(text["deleted"])
    assert violations(page) == []
    shot(page, f"rights-deleted-{lang}-{viewport}")
    # Signed out for good: signing in with the old password fails.
    sign_in(page, server, email, PASSWORD)
    expect(page).to_have_url(re.compile("/login"))
    expect(page.locator(".error-summary")).to_be_visible()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_my_data_pages_pass_axe(page: Page, server: str, lang: str) -> None:
    email, _ = _applicant(server, with_case=False)
    sign_in(page, server, email, PASSWORD)
    page.goto(f"{server}/lang/{lang}?next=/account")
    found = {}
    for path in (
        "/account",
        "/account/my-data",
        "/account/my-data/access",
        "/account/my-data/correct",
        "/account/my-data/consents",
    ):
        page.goto(server + path)
        if problems := violations(page):
            found[path] = problems
    page.goto(server + "/account/my-data")
    page.locator("form[action='/account/my-data/exports'] button").click()
    # The in-process worker may have finished already: progress or the download link shows.
    expect(page.locator("progress, a[download]").first).to_be_visible()
    if problems := violations(page):
        found["export status"] = problems
    page.goto(server + "/account/my-data/consents")
    page.locator("form[action='/account/my-data/consents'] button").first.click()
    expect(page.locator(".panel-confirmation")).to_be_visible()
    if problems := violations(page):
        found["consent given"] = problems
    assert found == {}
