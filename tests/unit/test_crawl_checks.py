"""The browser crawl's checks (tests/browser/crawl_checks.py) on readings made by hand: they
find raw codes, wrong-language text and unzoned moments, and leave data and marked text alone."""

from __future__ import annotations

from tests.browser.crawl_checks import Kind, Run, raw_codes, unzoned_times, wrong_language


def runs(*texts: str, lang: str = "en", block: int | None = None) -> list[Run]:
    return [Run(t, lang, False, i if block is None else block) for i, t in enumerate(texts)]


def details(found: list) -> list[str]:  # type: ignore[type-arg]
    return [f.detail for f in found]


def test_raw_codes_are_found() -> None:
    found = raw_codes(
        runs(
            "Owns a home: False",
            "tier: scarce_1_5x",
            "(yangpu_rent_rules 补贴原则 / rules)",
            "Policy yangpu.rent_subsidy applies",
            "national.foreign_work_permit",
            "Programmes: []",
            "submitted",
            "true",
            "Salary = None",
            "DE",
            "changning 区",
        )
    )
    found += raw_codes(runs("enterprise", lang="zh"))
    assert len(found) == 12, details(found)
    assert {f.kind for f in found} == {Kind.RAW_CODE}


def test_data_is_not_a_raw_code() -> None:
    found = raw_codes(
        runs(
            "yangpu.window@demo.talent.gov.cn",
            "li.wei@demo.example.cn",
            "Case YP-2026-000012",
            "http://127.0.0.1:8000/status?number=YP-2026-000012",
            "/policies/yangpu.rent_subsidy",
            "degree_certificate.pdf",
            "None of the above",
            "None yet.",
            "None.",
            "Germany",
            "Talent Services Portal",
            "ID card or passport",
        )
    )
    assert found == []
    # An answer whose English label is its code reads as a word on an English page only.
    assert raw_codes(runs("enterprise")) == []
    assert len(raw_codes(runs("enterprise", lang="zh"))) == 1


def test_text_in_the_other_language_is_found_unless_marked() -> None:
    en = runs(
        "Apply for the rent subsidy of your district in a few minutes with the documents you have",
        "按月发放租房补贴，直接打入本人银行账户。",
    )
    assert details(wrong_language(en, "en")) == [
        "Chinese on an English page: '按月发放租房补贴，直接打入本人银行账户。'"
    ]
    zh = runs(
        "申请本区人才租房补贴，按月发放，直接打入本人银行账户，几分钟即可完成",
        "A monthly rent subsidy paid into your own bank account.",
        lang="zh",
    )
    assert len(wrong_language(zh, "zh")) == 1
    # The language switcher is marked lang="zh-CN"; names of demo people are data.
    marked = [Run("中文", "zh", False, 0), *runs("Signed in as 李伟 (li.wei@demo.example.cn)")]
    assert wrong_language(marked, "en") == []
    # A quotation is in its source's language.
    quote = Run(
        "| Jul 2024 – Jun 2025 | average monthly wage of the year before |", "zh", False, 0, True
    )
    assert wrong_language([quote], "zh") == []
    # Acronyms read the same in Chinese.
    assert wrong_language(runs("上传 PDF 或 JPG 文件（最大 10 MB）", lang="zh"), "zh") == []


def test_a_moment_needs_its_zone() -> None:
    assert len(unzoned_times(runs("Submitted 2026-12-07 03:11"))) == 1
    assert unzoned_times(runs("Submitted 2026-12-07 03:11 (Shanghai time)")) == []
    assert unzoned_times([Run("2026-12-07 03:11", "en", True, 0)]) == []
    assert unzoned_times(runs("提交于 2026-12-07 03:11", "北京时间", block=0)) == []
    # Opening hours are not moments.
    assert unzoned_times(runs("Mon–Fri 9:00–17:00")) == []
