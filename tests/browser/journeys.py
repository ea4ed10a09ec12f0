"""Page-driving helpers shared by the case-journey browser tests."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable
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
                # The form's POST always navigates (away, or back with the error): judge its
                # answer, not the page the click left behind.
                with page.expect_navigation():
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


def answer_every_page(
    page: Page,
    answers: dict[str, Any],
    lang: str,
    each: Callable[[Page], None] | None = None,
) -> None:
    """Answers the question pages one after another and stays on the last one, its "save and
    finish" button on screen. Each page is waited for first: ``answer()`` fills only the fields
    it finds, so answering before the click's page has arrived would fill nothing."""
    words = WORDS[lang]
    next_or_finish = page.get_by_role(
        "button", name=re.compile(f"^({words['save_continue']}|{words['save_finish']})$")
    )
    expect(next_or_finish.first).to_be_visible()
    while page.get_by_role("button", name=words["save_continue"]).count():
        answer(page, answers)
        if each is not None:
            each(page)
        with page.expect_navigation():
            page.get_by_role("button", name=words["save_continue"]).click()
        expect(next_or_finish.first).to_be_visible()
    expect(page.get_by_role("button", name=words["save_finish"])).to_be_visible()
    answer(page, answers)
    if each is not None:
        each(page)


def upload_pdf(page: Page, selector: str, tmp: Path, name: str) -> None:
    path = tmp / name
    path.write_bytes(PDF)
    page.locator(selector).set_input_files(str(path))


def to_documents(page: Page, lang: str = "zh") -> None:
    """From the task list to the documents page, waiting for it: what follows counts the page's
    file inputs, and counting does not wait."""
    page.get_by_role("link", name=WORDS[lang]["add_documents"]).click()
    expect(page).to_have_url(re.compile(r"/applications/[^/]+/documents(\?.*)?$"))
    page.wait_for_load_state()


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


# What the journeys read and click, in each language of the portal.
WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "create_account": "创建账户",
        "check_email": "请查收电子邮件",
        "your_account": "我的账户",
        "answer": "回答问题",
        "save_later": "保存，稍后继续",
        "saved": "您的回答已保存",
        "sign_out": "退出登录",
        "save_continue": "保存并继续",
        "save_finish": "保存并完成",
        "add_documents": "添加材料",
        "continue": "继续",
        "check_submit": "检查并提交",
        "submit": "提交申请",
        "submitted": "申请已提交",
        "follow": "跟踪办理进度",
        "accept": "受理",
        "start_review": "开始审核",
        "request_supplement": "一次性告知补正",
        "more_documents": "还需补充材料",
        "send_supplement": "提交给受理部门",
        "supplement_sent": "已通知受理部门",
        "approve": "批准",
        "reject": "不予批准",
        "issue": "出件",
        "send_rating": "提交评价",
        "rated": "感谢您的评价",
        "find": "查找",
        "no_applicant": "没有使用该证件号码注册的申请人",
        "with_passport": "使用护照",
        "register_applicant": "登记申请人",
        "file_and_accept": "录入并受理",
        "acceptance_receipt": "受理回执",
        "first_responsible": "首问负责人",
        "check_status": "查询进度",
        "no_case": "没有与该办件编号和查询码匹配的办件",
        "case": "办件 {number}",
        "accepted": "已受理",
        "received": "已收到申请",
        "approved": "已批准",
        "records": "从其他政务系统获取的信息",
        "fetching": "正在获取",
        "not_open": "不符合",
        "talent_introduction": "人才引进",
        "settlement_approval": "落户审批",
        "move_in": "户口迁入",
        "waiting_earlier": "等待前置环节",
        "part_of": "本件是以下事项中的“落户审批”环节",
        "recommend_approval": "建议批准",
        "recommend_rejection": "建议不予批准",
        "rent": "人才租房补贴",
        "work_permit": "外国人来华工作许可预审",
        "bundle": "人才落户一件事",
        "why": "理由",
        "if_you_disagree": "如不服",
        "outcome_approved": "您的申请已获批准",
        "outcome_refused": "您的申请未获批准",
        "not_approved": "不予批准",
        "passport_account": "使用护照注册账户",
        "none_of_these": "均无",
    },
    "en": {
        "create_account": "Create account",
        "check_email": "Check your email",
        "your_account": "Your account",
        "answer": "Answer the questions",
        "save_later": "Save and come back later",
        "saved": "Your answers have been saved",
        "sign_out": "Sign out",
        "save_continue": "Save and continue",
        "save_finish": "Save and finish",
        "add_documents": "Add your documents",
        "continue": "Continue",
        "check_submit": "Check your answers and submit",
        "submit": "Submit application",
        "submitted": "Application submitted",
        "follow": "Follow your case",
        "accept": "Accept",
        "start_review": "Start review",
        "request_supplement": "Request missing documents",
        "more_documents": "More documents needed",
        "send_supplement": "Send to the department",
        "supplement_sent": "The department has been told",
        "approve": "Approve",
        "reject": "Reject",
        "issue": "Hand over the result",
        "send_rating": "Send rating",
        "rated": "Thank you for rating our service",
        "find": "Find",
        "no_applicant": "No applicant is registered with this ID or passport number",
        "with_passport": "With a passport",
        "register_applicant": "Register applicant",
        "file_and_accept": "File and accept",
        "acceptance_receipt": "Acceptance receipt",
        "first_responsible": "First responsible",
        "check_status": "Check status",
        "no_case": "No case matches",
        "case": "Case {number}",
        "accepted": "Application accepted",
        "received": "Application received",
        "approved": "Approved",
        "records": "Records from other government systems",
        "fetching": "Being fetched",
        "not_open": "Not open to you",
        "talent_introduction": "Talent introduction",
        "settlement_approval": "Settlement approval",
        "move_in": "Hukou move-in",
        "waiting_earlier": "Waiting for an earlier step",
        "part_of": "This is the step “Settlement approval” of the bundle",
        "recommend_approval": "Recommend approval",
        "recommend_rejection": "Recommend rejection",
        "rent": "Rent subsidy for talent",
        "work_permit": "Foreign work permit pre-check",
        "bundle": "Hukou settlement as one matter",
        "why": "Why",
        "if_you_disagree": "If you disagree",
        "outcome_approved": "Your application was approved",
        "outcome_refused": "Your application was not approved",
        "not_approved": "Not approved",
        "passport_account": "Create an account with your passport",
        "none_of_these": "None of these",
    },
}


def to_declaration(page: Page, lang: str = "zh") -> None:
    """From the documents page to the check page, with the declaration and consent ticked."""
    page.get_by_role("link", name=WORDS[lang]["continue"], exact=True).click()
    page.get_by_role("link", name=WORDS[lang]["check_submit"]).click()
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
