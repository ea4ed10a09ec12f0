"""Page-driving helpers shared by the case-journey browser tests."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyotp
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.rules import FACTS
from app.services.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

PDF = b"%PDF-1.7\n% browser test\n%%EOF\n"


def sign_in(page: Page, server: str, email: str, password: str, totp: bool = False) -> None:
    page.goto(server + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    if totp:
        # Demo staff share one secret and codes cannot be replayed: when another test used this
        # step's code (and the next one), wait for a fresh step rather than fail.
        for attempt in range(3):
            step = int(time.time() // 30)
            for candidate in (step, step + 1):
                page.locator("#password").fill(password)
                page.locator("#totp_code").fill(pyotp.TOTP(DEMO_TOTP_SECRET).at(candidate * 30))
                page.locator("button[type=submit]").last.click()
                if "/login" not in page.url:
                    return
            if attempt < 2:
                time.sleep(30 - time.time() % 30 + 0.5)
        raise AssertionError("staff sign-in failed")
    page.locator("button[type=submit]").last.click()


def emailed_link(server: str, email: str, template: str = "account.confirm_email") -> str:
    """The newest link of ``template`` mailed to ``email``, read from the outbox in the portal's
    database (the browser server's SQLite file), as the mail will carry it."""
    with sqlite3.connect(os.environ["TALENT_BROWSER_DB"]) as db:
        row = db.execute(
            'SELECT o.payload FROM outbox_message o JOIN "user" u ON u.id = o.recipient_user_id '
            "WHERE u.email = ? AND o.template = ? ORDER BY o.created_at DESC LIMIT 1",
            (email.lower(), template),
        ).fetchone()
    assert row is not None, f"no {template} mail for {email}"
    return server + json.loads(row[0])["params"]["url"]


def confirm_and_sign_in(page: Page, server: str, email: str, password: str) -> None:
    """A new applicant opens the confirmation link from the email, then signs in."""
    page.goto(emailed_link(server, email))
    page.locator("form[action='/confirm-email'] button[type=submit]").click()
    expect(page.locator(".panel-confirmation")).to_be_visible()
    sign_in(page, server, email, password)


def staff_page(
    browser: Browser, server: str, email: str, viewport: str, locale: str = "zh-CN"
) -> tuple[BrowserContext, Page]:
    from tests.browser.conftest import VIEWPORTS

    context = browser.new_context(viewport=VIEWPORTS[viewport], locale=locale)
    page = context.new_page()
    page.viewport_name = viewport  # type: ignore[attr-defined]
    sign_in(page, server, email, DEMO_PASSWORD, totp=True)
    return context, page


def answer(page: Page, answers: dict[str, Any]) -> None:
    """Fills whichever of ``answers`` the current question page shows."""
    from app.domain.fields import EXTRA_FIELDS

    for fact, value in answers.items():
        spec = FACTS.get(fact)
        kind = spec.type if spec else "string"
        if fact in EXTRA_FIELDS:
            kind = EXTRA_FIELDS[fact].type
        if kind == "enum":
            loc = page.locator(f"#{fact}-{value}")
            if loc.count():
                loc.check()
        elif kind == "bool":
            loc = page.locator(f"#{fact}-{'yes' if value else 'no'}")
            if loc.count():
                loc.check()
        elif kind == "list":
            for v in value:
                loc = page.locator(f"#{fact}-{v}")
                if loc.count():
                    loc.check()
        elif kind == "country":
            loc = page.locator(f"select#{fact}")
            if loc.count():
                loc.select_option(str(value).upper())
        else:
            loc = page.locator(f"input#{fact}")
            if loc.count():
                loc.fill(str(value))


def upload_pdf(page: Page, selector: str, tmp: Path, name: str) -> None:
    path = tmp / name
    path.write_bytes(PDF)
    page.locator(selector).set_input_files(str(path))


def listed_materials(page: Page) -> list[str]:
    """The codes of the materials the documents page asks for."""
    return [
        str(i.get_attribute("id"))[len("file-") :] for i in page.locator("input[type=file]").all()
    ]


def upload_materials(page: Page, tmp: Path, codes: Iterable[str]) -> None:
    """On the documents page, uploads a PDF for each material, one row's form at a time."""
    for code in codes:
        upload_pdf(page, f"#file-{code}", tmp, f"{code}.pdf")
        with page.expect_navigation():
            page.locator("form.upload-row", has=page.locator(f"#file-{code}")).locator(
                "button[type=submit]"
            ).click()


def to_declaration(page: Page) -> None:
    """From the documents page to the check page, with the declaration and consent ticked."""
    page.get_by_role("link", name="继续").click()
    page.get_by_role("link", name="检查并提交").click()
    page.locator("#declaration-input").check()
    page.locator("#sensitive_consent-input").check()


def act(page: Page, label: str, **fields: str) -> None:
    """Opens the action's panel on the staff case page, fills it and submits."""
    panel = page.locator("details.action", has=page.get_by_text(label, exact=True))
    panel.locator("summary").click()
    for name, value in fields.items():
        panel.locator(f"[name={name}]").fill(value)
    panel.locator("button[type=submit]").click()
    expect(page.get_by_role("status")).to_be_visible()
