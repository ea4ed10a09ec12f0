"""The policy calculator in a real browser: a returnee answers only what matters, sees what they
qualify for and why not for the rest, in Chinese and in English."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.browser.conftest import shot
from tests.browser.journeys import answer
from tests.factories import as_typed, top_returnee_profile

RETURNEE = as_typed(
    top_returnee_profile(return_date=(date.today() - timedelta(days=90)).isoformat())
)


def _run(page: Page, server: str) -> None:
    page.goto(server + "/calculator")
    for _ in range(12):
        if not page.locator("form.calculator-form").count():
            break
        answer(page, RETURNEE)
        # The answer page comes back on the same URL: wait for it, or the next round would
        # fill in the page that is being replaced.
        with page.expect_navigation():
            page.locator("form.calculator-form button[type=submit]").first.click()


def test_returnee_in_chinese(page: Page, server: str) -> None:
    _run(page, server)
    eligible = page.locator("details.policy-result.eligible")
    expect(eligible.first).to_be_visible()
    expect(
        page.locator("details.policy-result.eligible", has_text="留学回国人员")
    ).not_to_have_count(0)
    ineligible = page.locator("details.policy-result.ineligible").first
    ineligible.locator("summary").click()
    expect(ineligible.locator("li.criterion.false").first).to_be_visible()
    shot(page, "30-calculator-zh")


def test_returnee_in_english(page: Page, server: str) -> None:
    page.goto(server + "/lang/en?next=/calculator")
    _run(page, server)
    expect(page.get_by_role("heading", name="You qualify for", exact=False)).to_be_visible()
    expect(page.locator("details.policy-result.eligible").first).to_be_visible()
    expect(
        page.locator(
            "details.policy-result.eligible",
            has_text="Transitional talent-apartment rent support for returnees",
        )
    ).to_have_count(1)
    ineligible = page.locator("details.policy-result.ineligible").first
    ineligible.locator("summary").click()
    expect(ineligible.locator("li.criterion.false").first).to_be_visible()
    shot(page, "31-calculator-en")


def test_policy_page_reads_in_both_languages(page: Page, server: str) -> None:
    url = server + "/policies/shanghai.residence_points"
    page.goto(url + "?lang=zh")
    expect(page.get_by_role("heading", level=1)).to_have_text("居住证积分")
    standard = page.locator("li.condition", has_text="积分不少于120")
    expect(standard).to_have_count(1)
    expect(standard.locator("q")).to_have_text("积分达到标准分值120分的，享受相应公共服务待遇")
    # The expressions are there for experts, folded away.
    expect(page.locator("details.policy-expressions pre").first).to_be_hidden()
    page.goto(url + "?lang=en")
    standard = page.locator("li.condition", has_text="points at least 120")
    expect(standard).to_have_count(1)
    expect(standard).to_contain_text("those reaching the standard 120 points")
    expect(standard.locator("q")).to_have_text("积分达到标准分值120分的，享受相应公共服务待遇")
    page.locator("details.policy-expressions summary").first.click()
    expect(page.locator("details.policy-expressions pre").first).to_contain_text(
        "calc.points >= params.pass_mark"
    )
    shot(page, "32-policy-page-en")
