"""The public indicator page on a phone and a desktop, in Chinese and English: every indicator
with its target and method, the demo figures marked, charts with a text alternative and the same
figures as a table, and no serious accessibility violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import shot
from tests.browser.test_accessibility import AXE, TAGS

SERIOUS = {"serious", "critical"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_public_indicator_page(page: Page, server: str, lang: str) -> None:
    page.goto(f"{server}/lang/{lang}?next=/indicators")
    assert page.url.endswith("/indicators")
    heading = "人才发展规划指标" if lang == "zh" else "The talent plans' indicators"
    assert page.locator("h1").inner_text() == heading
    # Both tables: 8 Yangpu and 9 Changning indicators, each with a chart and its own table.
    rows = page.locator("table.indicators tbody tr")
    assert rows.count() == 17
    charts = page.locator("svg.trend")
    assert charts.count() == 17
    for n in range(charts.count()):
        chart = charts.nth(n)
        title_id, desc_id = (chart.get_attribute("aria-labelledby") or "").split()
        assert chart.get_attribute("role") == "img"
        assert (page.locator(f"#{title_id}").text_content() or "").strip()
        assert (page.locator(f"#{desc_id}").text_content() or "").strip()
        # The table after the chart holds the figures the chart draws, one row per point.
        points = chart.locator("circle").count()
        table = chart.locator("xpath=following::table[1]")
        assert table.locator("tbody tr").count() >= points > 0
    binding = "约束性" if lang == "zh" else "Binding"
    assert page.locator("strong.tag.binding", has_text=binding).count() >= 2
    demo = "演示数据" if lang == "zh" else "Demo data"
    assert page.get_by_text(demo).first.is_visible()
    # The page fits a phone: nothing but the scrolling tables is wider than the screen.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    shot(page, f"indicators-{lang}")
    result = AXE.run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} @ {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
        if v["impact"] in SERIOUS
    ]
    assert serious == []


def test_csv_download_is_linked(page: Page, server: str) -> None:
    page.goto(f"{server}/indicators")
    response = page.request.get(f"{server}/indicators.csv")
    assert response.status == 200
    assert response.text().startswith("district,number,code")
    assert page.locator('a[href="/indicators.csv"]').count() == 1
