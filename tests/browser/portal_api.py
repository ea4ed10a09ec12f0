"""The running portal's JSON API, to bring a case to the step a browser test is about, and staff
signed in once per session (their one-time codes cannot be replayed)."""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pyotp
from playwright.sync_api import Browser, Page

from app.services.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.browser.conftest import LOCALES, VIEWPORTS
from tests.browser.journeys import PDF, emailed_link, sign_in, staff_page
from tests.factories import domestic_payload, resident_id

# The password of every applicant the API registers.
PASSWORD = "Dead-Ends-Tested-2026"


def service_id(code: str, district: str) -> str:
    with sqlite3.connect(os.environ["TALENT_BROWSER_DB"]) as db:
        row = db.execute(
            "SELECT id FROM service WHERE code = ? AND district = ?", (code, district)
        ).fetchone()
    assert row is not None, (code, district)
    return str(uuid.UUID(str(row[0])))


# --- the portal's API, to set a case up where a test needs one --------------------------------


class Portal:
    """The running portal's JSON API (the mobile apps' way in), used to bring a case to the
    step a test is about. Staff sign in once per session: their codes cannot be replayed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=30)
        self._staff: dict[str, dict[str, str]] = {}

    def applicant(self) -> tuple[str, dict[str, str]]:
        payload = domestic_payload(password=PASSWORD, id_number=resident_id("19900501"))
        r = self.http.post("/api/v1/auth/register", json=payload)
        assert r.status_code == 202, r.text
        token = emailed_link(self.base, payload["email"]).split("token=", 1)[1]
        r = self.http.post("/api/v1/auth/confirm-email", json={"token": token})
        assert r.status_code == 204, r.text
        r = self.http.post(
            "/api/v1/auth/login", json={"email": payload["email"], "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
        return payload["email"], {"Authorization": f"Bearer {r.json()['access_token']}"}

    def staff(self, email: str) -> dict[str, str]:
        if email not in self._staff:
            for attempt in range(3):
                step = int(time.time() // 30)
                for candidate in (step, step + 1):
                    r = self.http.post(
                        "/api/v1/auth/login",
                        json={
                            "email": email,
                            "password": DEMO_PASSWORD,
                            "totp_code": pyotp.TOTP(DEMO_TOTP_SECRET).at(candidate * 30),
                        },
                    )
                    if r.status_code == 200:
                        self._staff[email] = {"Authorization": f"Bearer {r.json()['access_token']}"}
                        return self._staff[email]
                if attempt < 2:
                    time.sleep(30 - time.time() % 30 + 0.5)
            raise AssertionError(f"staff sign-in failed: {email}")
        return self._staff[email]

    def skills_case(self, headers: dict[str, str], district: str) -> dict[str, Any]:
        """A submitted skills-subsidy case (no benefit held: an applicant may have several)."""
        sid = service_id("skills_subsidy", district)
        draft = self.http.post("/api/v1/applications", headers=headers, json={"service_id": sid})
        assert draft.status_code == 201, draft.text
        app_id = draft.json()["id"]
        docs = {}
        for code in ("id_document", "exam_fee_receipt"):
            r = self.http.post(
                "/api/v1/documents",
                headers=headers,
                files={"file": (f"{code}.pdf", PDF, "application/pdf")},
                data={"kind": "other"},
            )
            assert r.status_code == 201, r.text
            docs[code] = r.json()["id"]
        answers = {
            "birth_date": "1990-05-01",
            "certificate_level": 3,
            "certificate_date": (date.today() - timedelta(days=40)).isoformat(),
            "social_insurance_months": 30,
            "hukou": "other",
        }
        r = self.http.patch(
            f"/api/v1/applications/{app_id}",
            headers=headers,
            json={"answers": answers, "documents": docs},
        )
        assert r.status_code == 200, r.text
        r = self.http.post(
            f"/api/v1/applications/{app_id}/submit",
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            json={"declaration": True, "sensitive_consent": True},
        )
        assert r.status_code == 201, r.text
        return dict(r.json()["case"])

    def act(self, email: str, case: dict[str, Any], action: str, **extra: Any) -> dict[str, Any]:
        r = self.http.post(
            f"/api/v1/staff/cases/{case['id']}/actions",
            headers=self.staff(email),
            json={"action": action, "expected_version": case["version"], **extra},
        )
        assert r.status_code == 200, r.text
        return dict(r.json())

    def staff_case(self, email: str, case_id: str) -> dict[str, Any]:
        r = self.http.get(f"/api/v1/staff/cases/{case_id}", headers=self.staff(email))
        assert r.status_code == 200, r.text
        return dict(r.json())


# Staff sign in once per session in the browser too (their codes cannot be replayed): each
# later page of the same officer starts from the signed-in cookies.
_STAFF_STATES: dict[tuple[str, str], Any] = {}


def staff_in(browser: Browser, server: str, email: str, viewport: str, lang: str) -> Page:
    # Per language: the signed-in session remembers the language it was opened in.
    if (email, lang) not in _STAFF_STATES:
        context, page = staff_page(browser, server, email, viewport, LOCALES[lang])
        # Signing in chooses the officer's own language; the test reads the page in its own.
        context.add_cookies([{"name": "lang", "value": lang, "url": server}])
        _STAFF_STATES[email, lang] = context.storage_state()
        page.viewport_name = f"{viewport}-{lang}"  # type: ignore[attr-defined]
        return page
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale=LOCALES[lang],
        storage_state=_STAFF_STATES[email, lang],
    )
    page = context.new_page()
    page.viewport_name = f"{viewport}-{lang}"  # type: ignore[attr-defined]
    return page


def applicant_in(
    browser: Browser, server: str, who: Any, viewport: str, lang: str, path: str
) -> Page:
    """A person (``who``: email and password) signed in, in a context of their own at the
    test's width, on ``path`` in the test's language; close it with ``page.context.close()``."""
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale=LOCALES[lang])
    page = context.new_page()
    sign_in(page, server, who.email, who.password)
    page.goto(f"{server}/lang/{lang}?next={path}")
    return page
