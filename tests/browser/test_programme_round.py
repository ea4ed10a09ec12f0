"""Issue 16, one programme round in each district end to end in a real browser, Yangpu in Chinese
on a phone and Changning in English on a desktop: the district admin opens the round; a
verified organisation nominates three people (one ineligible, refused with the reasons and the
rights of review); of two reviewers one declares a tie to the organisation and the assignment
is refused; the other scores on the keyboard (the draft autosaved); the committee ranks,
decides and publishes the 公示; at /notices (no sign-in) an objection is refused for bad input,
then filed, and upheld; the award writes the register entry and the round's grant as
instalments; the person gives the account for it on their payments page, a finance maker
computes the month's payment run (the instalment due today in it) and reviews it, a different
checker approves it, the bank's result file is reconciled, and the person sees the instalment
in the run and then paid among their recognitions (Yangpu's later instalments waiting for their
dates); in Yangpu the service card's eligibility reads the verified membership. axe checks
every page."""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import payment_runs
from tests.browser.conftest import LOCALES, VIEWPORTS
from tests.browser.journeys import emailed_link, sign_in, staff_page
from tests.browser.portal_api import PASSWORD
from tests.browser.test_accessibility import violations
from tests.factories import domestic_payload, local_today, resident_id

pytestmark = pytest.mark.browser

RUNS = [("yangpu", "phone", "zh"), ("changning", "desktop", "en")]
PROGRAMME = {"yangpu": "outstanding_talent", "changning": "leading_talent"}
REGISTER_NAME = {
    ("yangpu", "zh"): "区级杰出人才",
    ("changning", "en"): "district leading talent",
}
# The round's grant: Yangpu's outstanding talent is paid in three yearly instalments (the
# first due on the award's day), Changning's leading talent at once.
GRANT = "30000"
INSTALMENTS = {"yangpu": ["10000", "10000", "10000"], "changning": ["30000"]}
GRANT_STATUS = {
    "zh": {"ready": "待列入下一支付批次", "in_run": "已列入支付批次", "paid": "已发放"},
    "en": {"ready": "Ready for the next payment run", "in_run": "In a payment run", "paid": "Paid"},
}
ACCOUNT = "6222020200112233445"
# The finance pages name a run's line and the run by their status, in the page's language.
RUN_STATUS = {
    "zh": {"due": "待银行支付结果", "reconciled": "已按银行结果对账"},
    "en": {"due": "Awaiting the bank's result", "reconciled": "Reconciled with the bank's result"},
}


def _db() -> sqlite3.Connection:
    return sqlite3.connect(os.environ["TALENT_BROWSER_DB"])


def _organisation(district: str) -> tuple[str, str]:
    with _db() as db:
        row = db.execute(
            'SELECT u.email, e.uscc FROM employer_user eu JOIN "user" u ON u.id = eu.user_id '
            "JOIN employer e ON e.id = eu.employer_id "
            "WHERE e.district = ? AND e.status = 'verified' AND eu.role = 'admin' "
            "ORDER BY e.uscc LIMIT 1",
            (district,),
        ).fetchone()
    assert row is not None
    return str(row[0]), str(row[1])


def _staff_id(email: str) -> str:
    with _db() as db:
        row = db.execute(
            'SELECT s.id FROM staff_member s JOIN "user" u ON u.id = s.user_id WHERE u.email = ?',
            (email,),
        ).fetchone()
    assert row is not None
    value = str(row[0]).replace("-", "")
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def _check(page: Page, name: str, found: dict[str, list[str]]) -> None:
    if problems := violations(page):
        found[name] = problems


def _open_round(page: Page, server: str, district: str, found: dict[str, list[str]]) -> str:
    page.goto(f"{server}/staff/programmes")
    expect(page.locator("form[action='/staff/programmes/rounds']")).to_be_visible()
    _check(page, "setup", found)
    today = local_today()
    page.locator("#programme").select_option(PROGRAMME[district])
    for field, value in {
        "#title": "2026 round (browser test)",
        "#quota": "2",
        "#opens_on": today.isoformat(),
        "#closes_on": (today + timedelta(days=14)).isoformat(),
        "#reviewers_per_nomination": "1",
        "#c0_code": "achievement",
        "#c0_name_zh": "业绩成果",
        "#c0_name_en": "Achievements",
        "#c0_weight": "100",
        "#c0_max": "10",
        "#award_title_zh": "杰出人才",
        "#award_title_en": "Outstanding talent",
        "#notice_days": "5",
        "#grant_amount": GRANT,
    }.items():
        page.locator(field).fill(value)
    page.locator("form[action='/staff/programmes/rounds'] button[type=submit]").click()
    expect(page.locator(".panel-confirmation")).to_be_visible()
    _check(page, "round", found)
    match = re.search(r"/staff/programmes/rounds/([0-9a-f-]{36})", page.url)
    assert match is not None
    return match.group(1)


def _nominate(page: Page, round_id: str, id_number: str, **answers: str) -> None:
    page.locator("#round_id").select_option(round_id)
    page.locator("#id_number").fill(id_number)
    for name, value in answers.items():
        page.locator(f"#{name}").select_option(value)
    page.locator("#statement").fill("在人工智能领域作出突出贡献。")
    page.locator("form[action='/organisation/nominations'] button[type=submit]").click()


def _person(portal: Any) -> tuple[str, str, dict[str, str]]:
    """A registered applicant: email, ID number and API headers."""
    payload = domestic_payload(password=PASSWORD, id_number=resident_id("19880301"))
    r = portal.http.post("/api/v1/auth/register", json=payload)
    assert r.status_code == 202, r.text
    token = emailed_link(portal.base, payload["email"]).split("token=", 1)[1]
    assert portal.http.post("/api/v1/auth/confirm-email", json={"token": token}).status_code == 204
    r = portal.http.post(
        "/api/v1/auth/login", json={"email": payload["email"], "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    return (
        payload["email"],
        payload["id_number"],
        {"Authorization": f"Bearer {r.json()['access_token']}"},
    )


def _done(page: Page) -> None:
    expect(page.locator(".panel-confirmation")).to_be_visible()


def _nomination_ids(round_id: str) -> list[str]:
    with _db() as db:
        rows = db.execute(
            "SELECT id FROM programme_nomination WHERE replace(round_id, '-', '') = ? "
            "ORDER BY created_at",
            (round_id.replace("-", ""),),
        ).fetchall()
    return [_uuid(str(r[0])) for r in rows]


def _uuid(value: str) -> str:
    value = value.replace("-", "")
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def _close_window(round_id: str) -> None:
    """The application window's days pass: it closed yesterday."""
    today = local_today()
    with _db() as db:
        db.execute(
            "UPDATE programme_round SET opens_on = ?, closes_on = ? WHERE replace(id, '-', '') = ?",
            (
                (today - timedelta(days=10)).isoformat(),
                (today - timedelta(days=1)).isoformat(),
                round_id.replace("-", ""),
            ),
        )


def _end_notice(round_id: str) -> None:
    """The notice's working days pass: its last day becomes yesterday."""
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    with _db() as db:
        db.execute(
            "UPDATE programme_round SET notice_until = ? WHERE replace(id, '-', '') = ?",
            (yesterday, round_id.replace("-", "")),
        )


def _give_account(person: Page, server: str, found: dict[str, list[str]]) -> None:
    """The person gives the account the award's instalments are paid into (a wrong number
    first, refused with the error summary)."""
    person.goto(f"{server}/payments")
    form = person.locator("form[action^='/payments/awards/']")
    expect(form).to_have_count(1)
    _check(person, "payments", found)
    for number in ("12", ACCOUNT):
        form.locator("[name=account_name]").fill("王小明")
        form.locator("[name=bank_account]").fill(number)
        form.locator("button[type=submit]").click()
        if number != ACCOUNT:
            expect(person.locator(".error-summary")).to_be_visible()
            _check(person, "account refused", found)
    expect(person).to_have_url(re.compile(r"/payments\?done=account"))
    expect(person.locator(".notification.success")).to_be_visible()
    _check(person, "account saved", found)


def _grant_statuses(person: Page, server: str, district: str, lang: str) -> list[str]:
    person.goto(f"{server}/recognitions")
    items = person.locator("table ul li")
    expect(items).to_have_count(len(INSTALMENTS[district]))
    return [
        next(k for k, v in GRANT_STATUS[lang].items() if v == text.strip())
        for text in items.locator("strong.status-tag").all_inner_texts()
    ]


def _card_talent_criterion(portal: Any, headers: dict[str, str]) -> str:
    services = portal.http.get("/api/v1/services", params={"district": "yangpu"}).json()
    sid = next(s["id"] for s in services if s["code"] == "service_card")
    r = portal.http.post("/api/v1/applications", json={"service_id": sid}, headers=headers)
    assert r.status_code == 201, r.text
    answers = {
        "talent_programs": ["district_outstanding"],
        "professional_title": "none",
        "annual_salary_cny": 300000,
        "employer_district": "yangpu",
    }
    r = portal.http.patch(
        f"/api/v1/applications/{r.json()['id']}", headers=headers, json={"answers": answers}
    )
    assert r.status_code == 200, r.text
    criteria = r.json()["eligibility"]["criteria"]
    return str(next(c for c in criteria if c["id"] == "talent_programme")["result"])


@pytest.mark.parametrize(("district", "viewport", "lang"), RUNS)
def test_a_round_from_setup_to_award(
    browser: Browser,
    server: str,
    portal: Any,
    tmp_path: Path,
    district: str,
    viewport: str,
    lang: str,
) -> None:
    found: dict[str, list[str]] = {}
    (winner, winner_id, winner_api), (_second, second_id, _), (_third, third_id, _) = [
        _person(portal) for _ in range(3)
    ]
    org_email, uscc = _organisation(district)
    expert, tied = f"{district}.expert@demo.talent.gov.cn", f"{district}.expert2@demo.talent.gov.cn"
    contexts = []

    def signed_in(email: str) -> Page:
        context, page = staff_page(browser, server, email, viewport, LOCALES[lang])
        contexts.append(context)
        page.goto(f"{server}/lang/{lang}?next=/")
        return page

    try:
        admin = signed_in(f"{district}.admin@demo.talent.gov.cn")
        round_id = _open_round(admin, server, district, found)
        round_url = f"{server}/staff/programmes/rounds/{round_id}"

        org = signed_in(org_email)
        org.goto(f"{server}/organisation/nominations")
        _check(org, "nominations", found)
        _nominate(
            org, round_id, third_id, professional_title="intermediate", highest_degree="master"
        )
        expect(org.locator(".panel-refusal")).to_be_visible()
        expect(org.locator(".panel-refusal")).to_contain_text("行政复议")
        _check(org, "nomination refused", found)
        _nominate(org, round_id, winner_id, professional_title="senior")
        _done(org)
        _check(org, "nomination", found)
        org.goto(f"{server}/organisation/nominations")
        _nominate(org, round_id, second_id, professional_title="senior")
        _done(org)
        first, second = _nomination_ids(round_id)

        for email, codes in ((expert, ""), (tied, uscc)):
            reviewer = signed_in(email)
            reviewer.goto(f"{server}/staff/reviews")
            form = reviewer.locator(f"form[action='/staff/reviews/rounds/{round_id}/declaration']")
            form.locator("textarea").fill(codes)
            form.locator("button[type=submit]").click()
            _done(reviewer)
            _check(reviewer, "reviews", found)

        def assign(nomination: str, email: str) -> None:
            admin.goto(round_url)
            form = admin.locator("form[action$='/assign']").filter(
                has=admin.locator(f"input[value='{nomination}']")
            )
            form.locator("select").select_option(_staff_id(email))
            form.locator("button[type=submit]").click()

        assign(first, tied)
        expect(admin.locator(".error-summary")).to_be_visible()
        _check(admin, "conflict refused", found)
        assign(first, expert)
        _done(admin)
        assign(second, expert)
        _done(admin)

        reviewer = signed_in(expert)
        for nomination, points in ((first, "9"), (second, "7")):
            reviewer.goto(f"{server}/staff/reviews/{nomination}")
            field = reviewer.locator("#score_achievement")
            field.focus()
            reviewer.keyboard.type(points)
            expect(reviewer.locator("#autosave-status")).not_to_be_empty()
            _check(reviewer, "scoring", found)
            reviewer.keyboard.press("Tab")  # to the comment
            reviewer.keyboard.type("OK")
            reviewer.locator("button[value=submit]").focus()
            reviewer.keyboard.press("Enter")
            _done(reviewer)

        # The committee decides once the application window has closed.
        _close_window(round_id)
        admin.goto(round_url)
        expect(admin.locator("input[name=proposed]")).to_have_count(2)
        _check(admin, "ranking", found)
        admin.locator("form[action$='/decision'] button[type=submit]").click()
        _done(admin)
        admin.locator("form[action$='/notice'] button[type=submit]").click()
        _done(admin)

        public_context = browser.new_context(viewport=VIEWPORTS[viewport], locale=LOCALES[lang])
        contexts.append(public_context)
        public = public_context.new_page()
        public.goto(f"{server}/lang/{lang}?next=/notices")
        expect(public.locator("h1")).to_be_visible()
        _check(public, "notices", found)
        public.locator("form[action='/notices/objections'] button[type=submit]").click()
        expect(public.locator(".error-summary")).to_be_visible()
        _check(public, "objection errors", found)
        public.locator("#nomination_id").select_option(second)
        public.locator("#objector_name").fill("李四")
        public.locator("#contact").fill("lisi@example.com")
        public.locator("#grounds").fill("所述成果系团队完成，并非其个人成果。")
        public.locator("form[action='/notices/objections'] button[type=submit]").click()
        _done(public)

        admin.goto(round_url)
        objection = admin.locator("form[action*='/objections/']").first
        objection.locator("input[value=true]").check()
        objection.locator("textarea").fill("经核实，异议成立。")
        objection.locator("button[type=submit]").click()
        _done(admin)
        _end_notice(round_id)
        admin.locator("form[action$='/award'] button[type=submit]").click()
        _done(admin)
        _check(admin, "awarded", found)

        person_context = browser.new_context(viewport=VIEWPORTS[viewport], locale=LOCALES[lang])
        contexts.append(person_context)
        person = person_context.new_page()
        sign_in(person, server, winner, PASSWORD)
        person.goto(f"{server}/lang/{lang}?next=/nominations/{first}")
        expect(person.locator("ol.timeline li").first).to_be_visible()
        _check(person, "my nomination", found)
        person.goto(f"{server}/recognitions")
        expect(person.locator("table")).to_contain_text(REGISTER_NAME[(district, lang)])
        later = ["ready"] * (len(INSTALMENTS[district]) - 1)
        _give_account(person, server, found)
        assert _grant_statuses(person, server, district, lang) == ["ready", *later]

        month = payment_runs.free_month(district)
        maker = signed_in(f"{district}.maker@demo.talent.gov.cn")
        maker.goto(f"{server}/staff/finance")
        expect(maker.locator("#month")).to_be_visible()
        _check(maker, "finance", found)
        payment_runs.compute(maker, server, month)
        # The run names the award by its programme (and instalment), never by its reference.
        expect(maker.locator("main")).not_to_contain_text("programme_nomination:")
        line = maker.locator("tbody tr").filter(has_text=REGISTER_NAME[(district, lang)])
        expect(line).to_have_count(1)
        expect(line).to_contain_text(INSTALMENTS[district][0])
        expect(line).to_contain_text(RUN_STATUS[lang]["due"])
        _check(maker, "payment run", found)
        payment_runs.step(maker, server, month, "review")
        _check(maker, "run reviewed", found)
        checker = signed_in(f"{district}.checker@demo.talent.gov.cn")
        payment_runs.step(checker, server, month, "approve")
        _check(checker, "run approved", found)
        assert _grant_statuses(person, server, district, lang) == ["in_run", *later]
        assert ACCOUNT in payment_runs.reconcile(maker, server, month, tmp_path)
        _check(maker, "run reconciled", found)
        expect(payment_runs.run_row(maker, month)).to_contain_text(RUN_STATUS[lang]["reconciled"])
        assert _grant_statuses(person, server, district, lang) == ["paid", *later]
        _check(person, "recognitions paid", found)
        if district == "yangpu":
            assert _card_talent_criterion(portal, winner_api) == "true"
    finally:
        for context in contexts:
            context.close()
    assert found == {}
