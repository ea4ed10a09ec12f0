"""Issue 21, items 6–13: outcomes people can act on, words and codes, and the phone layout. Each
item has a test of its own, in Chinese and English, at phone (390×844) and desktop width.

The cases are made through the API (tests/browser/api_cases.py); what is tested is what a person
sees on the pages (and, for decisions, what the API and the e-mail say)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import api_cases as api
from tests.browser.conftest import shot
from tests.browser.journeys import sign_in, staff_page

pytestmark = pytest.mark.browser

LANGS = ["zh", "en"]
# Visible text that is a code rather than words: Python literals, snake_case names, policy ids.
RAW_CODE = re.compile(
    r"\b(?:True|False|None)\b|\[\]|\b[a-z]+(?:_[a-z0-9]+)+\b|\b(?:yangpu|changning)\.[a-z_]+\b"
)
# The page's visible words, leaving out code and screen-reader-only text.
VISIBLE_TEXT = """() => { const c = document.body.cloneNode(true);
  c.querySelectorAll('code, pre, script, style, .visually-hidden').forEach(e => e.remove());
  return c.innerText; }"""


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def approved(client: httpx.Client) -> tuple[api.Applicant, dict[str, Any]]:
    who = api.new_applicant(client)
    return who, api.decided_rent_case(client, who, approve=True)


@pytest.fixture(scope="module")
def rejected(client: httpx.Client) -> tuple[api.Applicant, dict[str, Any]]:
    who = api.new_applicant(client)
    return who, api.decided_rent_case(client, who, approve=False)


def in_lang(page: Page, server: str, lang: str, path: str) -> None:
    page.goto(f"{server}/lang/{lang}?next={path}")


def visible_text(page: Page) -> str:
    return str(page.evaluate(VISIBLE_TEXT))


def no_overflow(page: Page) -> None:
    width = page.evaluate("document.documentElement.clientWidth")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url}: {scroll} px wide in a {width} px window"


def outbox(email: str, template: str) -> dict[str, Any]:
    with sqlite3.connect(os.environ["TALENT_BROWSER_DB"]) as db:
        row = db.execute(
            'SELECT o.payload FROM outbox_message o JOIN "user" u ON u.id = o.recipient_user_id '
            "WHERE u.email = ? AND o.template = ? ORDER BY o.created_at DESC LIMIT 1",
            (email.lower(), template),
        ).fetchone()
    assert row is not None, f"no {template} message for {email}"
    return dict(json.loads(row[0]))


# --- 6. Decisions say what happens next ----------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_6_an_approval_says_the_amount_the_schedule_and_the_next_step(
    page: Page, server: str, lang: str, approved: tuple[api.Applicant, dict[str, Any]]
) -> None:
    who, case = approved
    sign_in(page, server, who.email, who.password)
    in_lang(page, server, lang, f"/cases/{case['id']}")
    outcome = page.locator("#outcome.approved")
    expect(outcome).to_contain_text("1000")
    expect(outcome).to_contain_text("36")
    expect(outcome).to_contain_text("按月发放" if lang == "zh" else "Paid monthly")
    # The next step is a link to where it is taken.
    expect(outcome.locator("a[href='/housing']")).to_be_visible()
    shot(page, f"21-6-approved-{lang}")
    page.locator("#outcome a[href='/housing']").click()
    expect(page.locator("#bank_account").first).to_be_attached()


@pytest.mark.parametrize("lang", LANGS)
def test_6_a_refusal_gives_reasons_clause_remedies_and_what_would_change_it(
    page: Page,
    server: str,
    client: httpx.Client,
    lang: str,
    rejected: tuple[api.Applicant, dict[str, Any]],
) -> None:
    who, case = rejected
    sign_in(page, server, who.email, who.password)
    in_lang(page, server, lang, f"/cases/{case['id']}")
    outcome = page.locator("#outcome.refused")
    expect(outcome).to_contain_text("租赁合同的出租方不是房屋产权人")
    expect(outcome.locator(".clause")).to_have_text("《杨浦区人才租房补贴实施细则》第五条")
    reconsideration = outcome.locator(".remedy.reconsideration")
    litigation = outcome.locator(".remedy.litigation")
    if lang == "zh":
        expect(reconsideration).to_contain_text("60日内向上海市杨浦区人民政府申请行政复议")
        expect(reconsideration).to_contain_text("《中华人民共和国行政复议法》")
        expect(litigation).to_contain_text("6个月内向有管辖权的人民法院提起行政诉讼")
        expect(litigation).to_contain_text("《中华人民共和国行政诉讼法》")
    else:
        expect(reconsideration).to_contain_text("Yangpu District People's Government")
        expect(reconsideration).to_contain_text("within 60 days")
        expect(reconsideration).to_contain_text("Administrative Reconsideration Law")
        expect(litigation).to_contain_text("within 6 months")
        expect(litigation).to_contain_text("Administrative Litigation Law")
    expect(outcome.locator(".would-change li").first).to_be_visible()
    # No stale "you appear to qualify" box under the refusal.
    expect(page.locator(".eligibility")).to_have_count(0)
    shot(page, f"21-6-refused-{lang}")

    # The API says the same, in the reader's language.
    r = client.get(f"/api/v1/cases/{case['id']}", headers={**who.headers, "Accept-Language": lang})
    body = r.json()["outcome"]
    assert body["approved"] is False and body["clause"] == "《杨浦区人才租房补贴实施细则》第五条"
    assert {m["kind"] for m in body["remedies"]} == {"reconsideration", "litigation"}
    # The e-mail names the reason, the clause and both remedies with the body and time limit.
    from app.services import notifications

    stored = outbox(who.email, "case.reject")
    text = notifications.render("case.reject", lang, stored["params"]).body
    assert "《杨浦区人才租房补贴实施细则》第五条" in text
    assert (
        "上海市杨浦区人民政府" if lang == "zh" else "Yangpu District People's Government"
    ) in text
    assert ("60日" if lang == "zh" else "60 days") in text
    assert ("6个月" if lang == "zh" else "6 months") in text


# --- 7. Times in Shanghai time ----------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_7_times_are_shanghai_time_and_the_promised_date_is_one(
    page: Page, server: str, client: httpx.Client, lang: str
) -> None:
    who = api.new_applicant(client)
    draft = api.filled_rent_draft(client, who)
    sign_in(page, server, who.email, who.password)
    in_lang(page, server, lang, f"/applications/{draft}/check")
    page.locator("#declaration-input").check()
    page.locator("#sensitive_consent-input").check()
    page.locator("form[action$='/submit'] button[type=submit]").click()
    promised = page.locator(".deadline-date").inner_text().strip()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", promised)
    page.locator("a[href^='/cases/']").last.click()
    # The case page promises the same day, and every time says it is Shanghai time.
    expect(page.locator(".deadline-text")).to_contain_text(promised)
    stamp = page.locator(".timeline time").first
    assert str(stamp.get_attribute("datetime")).endswith("+08:00")
    expect(stamp).to_contain_text("UTC+8")
    case_id = page.url.rsplit("/", 1)[1]
    # The API gives ISO 8601 with the offset.
    body = client.get(f"/api/v1/cases/{case_id}", headers=who.headers).json()
    for value in [body["submitted_at"], *(t["at"] for t in body["timeline"])]:
        assert datetime.fromisoformat(value).utcoffset() is not None, value
    # The acceptance e-mail names the same day as the case page once accepted.
    clerk = api.staff_headers(client, "yangpu.window@demo.talent.gov.cn")
    api.act(client, clerk, case_id, "accept")
    page.reload()
    due = re.search(r"\d{4}-\d{2}-\d{2}", page.locator(".deadline-text").inner_text())
    assert due is not None
    assert outbox(who.email, "case.accept")["params"]["deadline"] == {"date": due.group(0)}


# --- 8. Post/redirect/get, confirmed withdrawal, the message centre -------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_8_confirmation_after_a_redirect_withdrawal_confirmed_and_messages(
    page: Page, server: str, client: httpx.Client, lang: str
) -> None:
    who = api.new_applicant(client)
    draft = api.filled_rent_draft(client, who)
    sign_in(page, server, who.email, who.password)
    in_lang(page, server, lang, f"/applications/{draft}/check")
    page.locator("#declaration-input").check()
    page.locator("#sensitive_consent-input").check()
    page.locator("form[action$='/submit'] button[type=submit]").click()
    expect(page.locator(".panel-confirmation")).to_be_visible()
    assert page.url.endswith(f"/applications/{draft}/submitted")
    number = page.locator(".case-number").inner_text()
    # A refresh shows the confirmation again without posting again.
    page.reload()
    expect(page.locator(".case-number")).to_have_text(number)
    assert len(client.get("/api/v1/cases", headers=who.headers).json()) == 1

    page.locator("a[href^='/cases/']").last.click()
    case_url = page.url
    # Withdrawing asks first; "no" changes nothing.
    page.locator(f"a[href='{case_url[len(server) :]}/withdraw']").click()
    expect(page.locator("h1")).to_have_text(
        "确定要撤回申请吗？"
        if lang == "zh"
        else "Are you sure you want to withdraw your application?"
    )
    shot(page, f"21-8-withdraw-confirm-{lang}")
    page.locator("a.button.secondary").click()
    assert page.url == case_url
    page.locator("a[href$='/withdraw']").click()
    page.locator("form[action$='/withdraw'] button[type=submit]").click()
    expect(page.locator(".notification.success")).to_be_visible()

    # The message centre the confirmation promised lists the messages, new until read (the
    # outbox delivers them in the background: look again until they are there).
    for _ in range(40):
        page.goto(server + "/messages")
        if page.locator("li.message", has_text=number).count() >= 2:
            break
        page.wait_for_timeout(500)
    expect(page.locator("li.message", has_text=number).first).to_be_visible()
    unread = page.locator("li.message.unread").count()
    assert unread >= 1
    page.locator("li.message.unread form button").first.click()
    expect(page.locator("li.message.unread")).to_have_count(unread - 1)
    shot(page, f"21-8-messages-{lang}")


# --- 9. No raw codes --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_9_pages_show_words_not_codes(
    page: Page, server: str, lang: str, approved: tuple[api.Applicant, dict[str, Any]]
) -> None:
    who, case = approved
    paths = [
        "/policies",
        "/policies/yangpu.rent_subsidy",
        "/register/overseas",
        f"/cases/{case['id']}",
        "/cases",
        "/messages",
        "/account",
    ]
    page.goto(server + "/")
    sign_in(page, server, who.email, who.password)
    for path in paths:
        in_lang(page, server, lang, path)
        found = sorted(set(RAW_CODE.findall(visible_text(page))))
        assert not found, (path, found)
    # Citations name the document and the article in the page's language only.
    in_lang(page, server, lang, f"/cases/{case['id']}")
    criteria = page.locator(".criteria").inner_text()
    assert " / " not in criteria
    hidden = page.locator(".criteria .visually-hidden").first.inner_text()
    assert hidden.strip() in (
        ("符合：", "不符合：", "尚不确定：")
        if lang == "zh"
        else ("Met:", "Not met:", "Not known yet:")
    )
    if lang == "en":
        # An English page has English eligibility text.
        assert not re.search(
            r"[\u4e00-\u9fff]{4,}", page.locator(".eligibility p").first.inner_text()
        )
    # A country picker, with names, instead of a two-letter code typed in.
    in_lang(page, server, lang, "/register/overseas")
    expect(page.locator("select#nationality option[value='DE']")).to_have_text(
        "德国" if lang == "zh" else "Germany"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_9_questions_read_as_questions_and_summaries_name_them_in_sentence_case(
    page: Page, server: str, client: httpx.Client, lang: str
) -> None:
    who = api.new_applicant(client)
    draft = api.new_draft(client, who)
    sign_in(page, server, who.email, who.password)
    in_lang(page, server, lang, f"/applications/{draft}/questions/1")
    expect(page.locator("#highest_degree legend")).to_have_text(
        "您的最高学历是什么？" if lang == "zh" else "What is your highest level of education?"
    )
    asked = page.locator("form legend, form label.label").all_inner_texts()
    assert len(asked) >= 3, asked
    for text in asked:
        text = text.strip()
        if lang == "en":
            assert text[:1].isupper() and text.endswith("?"), text
        else:
            assert text.endswith("？"), text
    if lang == "en":
        expect(page.locator("label[for='highest_degree-master']")).to_have_text("Master's")
    shot(page, f"21-9-questions-{lang}")
    # Check your answers names each question by its short label, in sentence case.
    in_lang(page, server, lang, f"/applications/{draft}/check")
    expect(page.locator("#highest_degree dt")).to_have_text(
        "最高学历" if lang == "zh" else "Highest education"
    )
    if lang == "en":
        for text in page.locator(".summary-list dt").all_inner_texts():
            assert text.strip()[:1].isupper(), text


# --- 10. Errors name the problem --------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_10_errors_name_the_question_the_document_and_the_rating(
    page: Page, server: str, client: httpx.Client, lang: str
) -> None:
    who = api.new_applicant(client)
    draft = api.new_draft(client, who)
    sign_in(page, server, who.email, who.password)
    in_lang(page, server, lang, f"/applications/{draft}/check")
    page.locator("#declaration-input").check()
    page.locator("#sensitive_consent-input").check()
    page.locator("form[action$='/submit'] button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(
        "请回答“最高学历”" if lang == "zh" else "Answer ‘Highest education’"
    )
    # A service that needs its key documents before submission names the one missing.
    youth = api.new_draft(client, who, "yangpu", "youth_station")
    in_lang(page, server, lang, f"/applications/{youth}/check")
    page.locator("#declaration-input").check()
    page.locator("#sensitive_consent-input").check()
    page.locator("form[action$='/submit'] button[type=submit]").click()
    expect(page.locator(".error-summary")).to_contain_text(
        "请添加最高学历学位证书" if lang == "zh" else "Add your certificate of the highest degree"
    )
    shot(page, f"21-10-errors-{lang}")

    # All the registration errors at once: the password rules with the others.
    page.locator("form[action='/logout'] button").first.click()
    in_lang(page, server, lang, "/register/domestic")
    page.locator("#password").fill("short")
    page.locator("button[type=submit]").last.click()
    links = page.locator(".error-summary a")
    hrefs = {str(links.nth(i).get_attribute("href")) for i in range(links.count())}
    assert {"#full_name", "#password"} <= hrefs, hrefs


@pytest.mark.parametrize("lang", LANGS)
def test_10_a_rating_without_a_score_says_choose_one_from_1_to_5(
    page: Page, server: str, client: httpx.Client, lang: str
) -> None:
    who = api.new_applicant(client)
    case = api.decided_rent_case(client, who, approve=True)
    clerk = api.staff_headers(client, "yangpu.window@demo.talent.gov.cn")
    api.act(client, clerk, case["id"], "issue_result", delivery="window")
    sign_in(page, server, who.email, who.password)
    in_lang(page, server, lang, f"/cases/{case['id']}")
    page.locator("#rating button[type=submit]").click()
    expect(page.locator(".error-summary")).to_contain_text(
        "请选择1到5分的评分" if lang == "zh" else "Choose a rating from 1 to 5"
    )


def test_10_the_staff_supplement_error_links_to_its_field(
    browser: Browser, server: str, client: httpx.Client, page: Page
) -> None:
    viewport = page.viewport_name  # type: ignore[attr-defined]
    lang = "zh" if viewport == "desktop" else "en"
    who = api.new_applicant(client)
    case = api.submitted_rent_case(client, who, district="changning")
    context, clerk = staff_page(
        browser,
        server,
        "changning.window@demo.talent.gov.cn",
        viewport,
        locale="zh-CN" if lang == "zh" else "en-US",
    )
    try:
        in_lang(clerk, server, lang, f"/staff/cases/{case['id']}")
        panel = clerk.locator("details.action", has=clerk.locator("#items-request_supplement"))
        panel.locator("summary").click()
        panel.locator("button[type=submit]").click()
        link = clerk.locator(".error-summary a[href='#items-request_supplement']")
        expect(link).to_be_visible()
        link.click()
        expect(clerk.locator("#items-request_supplement")).to_be_focused()
    finally:
        context.close()


# --- 11. What the portal knows it does not ask ------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_11_the_birth_date_and_nationality_are_not_asked_and_results_link_to_apply(
    page: Page, server: str, client: httpx.Client, lang: str
) -> None:
    who = api.new_applicant(client)
    draft = api.new_draft(client, who)
    sign_in(page, server, who.email, who.password)
    for n in range(1, 6):
        in_lang(page, server, lang, f"/applications/{draft}/questions/{n}")
        assert (
            page.locator("#birth_date, #nationality, [name=birth_date], [name=nationality]").count()
            == 0
        )
    # The calculator's results link to applying, under the service's own name.
    in_lang(page, server, lang, "/calculator")
    apply = page.locator("a[href='/services#yangpu-rent_subsidy']").first
    expect(apply).to_be_attached()
    page.goto(server + str(apply.get_attribute("href")))
    expect(page.locator("#yangpu-rent_subsidy")).to_be_visible()


# --- 12. Names are the same everywhere -------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_12_a_service_has_one_name_and_home_cards_are_links(
    page: Page, server: str, lang: str, approved: tuple[api.Applicant, dict[str, Any]]
) -> None:
    who, case = approved
    name = "人才租房补贴" if lang == "zh" else "Rent subsidy for talent"
    in_lang(page, server, lang, "/")
    card = page.locator("li.card a.card-link", has_text=name)
    expect(card).to_have_text(name)
    target = str(card.get_attribute("href"))
    in_lang(page, server, lang, "/calculator")
    expect(
        page.locator("details.policy-result summary strong", has_text=name).first
    ).to_be_attached()
    sign_in(page, server, who.email, who.password)
    in_lang(page, server, lang, f"/cases/{case['id']}")
    expect(page.locator(".caption").first).to_have_text(name)
    in_lang(page, server, lang, "/cases")
    expect(page.locator("table.stack td", has_text=name).first).to_be_visible()
    # The home page's card opens the service's own card on the services page.
    page.goto(server + target)
    expect(page.locator(f"#{target.split('#')[1]} h3")).to_have_text(name)


# --- 13. The phone layout --------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_13_nothing_overflows_the_cases_list_and_the_menu(
    page: Page,
    server: str,
    client: httpx.Client,
    lang: str,
    approved: tuple[api.Applicant, dict[str, Any]],
) -> None:
    phone = page.viewport_name == "phone"  # type: ignore[attr-defined]
    who, case = approved
    for path in [
        "/policies",
        "/policies/yangpu.rent_subsidy",
        "/policies/shanghai.graduate_settlement",
        "/calculator",
        "/",
    ]:
        in_lang(page, server, lang, path)
        no_overflow(page)
    sign_in(page, server, who.email, who.password)
    bundle = api.new_draft(client, who, "changning", "settlement_bundle")
    for path in [
        "/cases",
        f"/cases/{case['id']}",
        "/messages",
        "/services",
        f"/applications/{bundle}",
    ]:
        in_lang(page, server, lang, path)
        no_overflow(page)
    in_lang(page, server, lang, "/cases")
    row = page.locator("table.stack tbody tr").first
    menu = page.locator("details.nav-menu")
    if phone:
        # The table is a list: each row one block, each cell led by its column's name.
        assert row.evaluate("e => getComputedStyle(e).display") == "block"
        # The signed-in links fold into a menu that opens without JavaScript.
        expect(page.locator("nav.header-nav a[href='/wallet']")).to_be_hidden()
        menu.locator("summary").click()
        expect(menu.locator("a[href='/wallet']")).to_be_visible()
    else:
        assert row.evaluate("e => getComputedStyle(e).display") == "table-row"
        expect(menu).to_be_hidden()
        expect(page.locator("nav.header-nav a[href='/wallet']")).to_be_visible()
    shot(page, f"21-13-cases-{lang}")
    expect(page.locator(".phase-banner")).to_be_visible()


def test_13_staff_pages_carry_no_pilot_banner(browser: Browser, server: str, page: Page) -> None:
    viewport = page.viewport_name  # type: ignore[attr-defined]
    context, staff = staff_page(browser, server, "changning.approver@demo.talent.gov.cn", viewport)
    try:
        for path in ["/staff", "/staff/cases"]:
            staff.goto(server + path)
            expect(staff.locator(".phase-banner")).to_have_count(0)
            no_overflow(staff)
    finally:
        context.close()


# --- The new pages pass axe (WCAG 2.2 AA) ----------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_new_pages_pass_axe(page: Page, server: str, client: httpx.Client, lang: str) -> None:
    from tests.browser.test_accessibility import violations

    who = api.new_applicant(client)
    refused = api.decided_rent_case(client, who, approve=False)
    case = api.submitted_rent_case(client, who, district="changning")
    sign_in(page, server, who.email, who.password)
    found = {}
    for path in [f"/cases/{refused['id']}", f"/cases/{case['id']}/withdraw", "/messages"]:
        in_lang(page, server, lang, path)
        if problems := violations(page):
            found[path] = problems
    assert not found, found
