"""The source check of ``python -m app.rules check`` (app/rules/audit.py), on small synthetic
policies: each kind of report fires, and stays quiet once the policy is fixed."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.rules import cel
from app.rules.audit import (
    ASSUMPTION_KINDS,
    CITATION_KINDS,
    PlanText,
    Problem,
    References,
    audit_library,
    audit_version,
    literal_numbers,
    numbers_in,
    parse_article,
)
from app.rules.engine import PolicyLibrary

T = {"zh": "样例", "en": "sample"}
MESSAGES = {"pass": {"zh": "符合", "en": "met"}, "fail": {"zh": "不符合", "en": "not met"}}
ASSUMPTION = {"reason": {"zh": "未见来源", "en": "no source found"}, "date": "2026-11-22"}

FACTS_2 = """# Facts, part 2

| Rule | Chinese | Numbers | Issuer | Src | Conf. |
|---|---|---|---|---|---|
| Rent subsidy | 租房补贴 | ¥3,000/month, up to 2 years; ≤90% of rent; 1.5× | Yangpu | T1 | low |
| Another row | — | 8 days | Yangpu | T2–T3 | low |

## Sources

- T1 http://example.test/4000
"""

PLAN = """四、主要任务

（四）聚焦人才环境优化

1. 提升人才公共服务能级。

2. 强化人才集聚的综合服务保障能力

加大人才公寓建设筹集力度，扩大符合条件的人才租房补贴政策受益面，加强人才安居保障。

附件

项目清单

四、功能类项目

5. 实施“杨浦工匠”培育工程

对区内用人企业新取得职业资格证书的，全额报销考试费用。
"""


def policy() -> dict[str, Any]:
    """A policy with nothing to report: every number and citation stands on its source."""
    return {
        "policy_id": "yangpu.sample",
        "version": "2021-10-21",
        "district": "yangpu",
        "title": T,
        "summary": T,
        "documents": {
            "plan": {"title": T, "issuer": T, "issued": "2021-10-21", "text": "sources/plan.txt"},
            "rules": {"title": T, "issuer": T, "issued": "2021-01-01"},
        },
        "valid_from": "2021-10-21",
        "parameters": {
            "amount": {
                "type": "int",
                "label": T,
                "unit": {"zh": "元/月", "en": "CNY/month"},
                "status": "sourced",
                "source": {
                    "document": "rules",
                    "clause": "amounts",
                    "confidence": "low",
                    "refs": ["T1"],
                },
                "values": [{"from": "2021-10-21", "value": 3000}],
            },
            "max_months": {
                "type": "int",
                "label": T,
                "unit": {"zh": "个月", "en": "months"},
                "status": "sourced",
                "source": {
                    "document": "rules",
                    "clause": "amounts",
                    "confidence": "low",
                    "refs": ["T1"],
                },
                "values": [{"from": "2021-10-21", "value": 24}],
            },
            "min_months": {
                "type": "int",
                "label": T,
                "unit": {"zh": "个月", "en": "months"},
                "status": "assumed",
                "assumption": ASSUMPTION,
                "values": [{"from": "2021-10-21", "value": 6}],
            },
        },
        "conditions": {
            "all": [
                {
                    "id": "employed",
                    "expr": "employer_district == 'yangpu'",
                    "clause": _clause("四(四)2 人才安居", "在杨浦区就业的人才"),
                    "messages": MESSAGES,
                },
                {
                    "id": "insured",
                    "expr": "social_insurance_months_in_district >= params.min_months",
                    "clause": _clause("四（四）2", "在区缴纳社保满6个月（假定条件）"),
                    "messages": MESSAGES,
                },
            ]
        },
        "formulas": {
            "monthly": {"expr": "params.amount", "label": T, "output": True},
            "yearly": {"expr": "params.amount * 12", "label": T, "output": True},
        },
    }


def _clause(article: str, text_zh: str, verbatim: bool = False) -> dict[str, Any]:
    return {
        "document": "plan",
        "article": article,
        "text_zh": text_zh,
        "text_en": "gloss",
        "verbatim": verbatim,
    }


def _audit(tmp_path: Path, data: dict[str, Any]) -> list[Problem]:
    sources = tmp_path / "sources"
    sources.mkdir(exist_ok=True)
    (sources / "policy-facts-2.md").write_text(FACTS_2, encoding="utf-8")
    (sources / "plan.txt").write_text(PLAN, encoding="utf-8")
    policies = tmp_path / "policies"
    policies.mkdir(exist_ok=True)
    name = f"{data['policy_id']}@{data['version']}.yaml"
    (policies / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return audit_library(PolicyLibrary.from_directory(policies), References(tmp_path))


def _kinds(problems: list[Problem]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in problems:
        out.setdefault(p.kind, []).append(f"{p.subject}: {p.detail}")
    return out


def test_a_policy_standing_on_its_sources_has_nothing_to_report(tmp_path: Path) -> None:
    assert _audit(tmp_path, policy()) == []


def test_every_kind_belongs_to_one_edge_class() -> None:
    assert not ASSUMPTION_KINDS & CITATION_KINDS


class TestValuesAgainstTheirRows:
    def test_a_value_the_cited_rows_do_not_state_is_reported(self, tmp_path: Path) -> None:
        data = policy()
        data["parameters"]["amount"]["values"][0]["value"] = 3500
        problems = _audit(tmp_path, data)
        assert [p.line for p in problems] == [
            "value_not_in_source: yangpu.sample@2021-10-21 parameter amount from 2021-10-21: "
            "value 3500: 3500 not found in rows citing T1"
        ]

    def test_the_sources_list_at_the_end_is_no_evidence(self, tmp_path: Path) -> None:
        data = policy()
        data["parameters"]["amount"]["values"][0]["value"] = 4000  # only in T1's URL
        assert set(_kinds(_audit(tmp_path, data))) == {"value_not_in_source"}

    def test_each_element_of_a_list_is_looked_for(self, tmp_path: Path) -> None:
        data = policy()
        amount = data["parameters"]["amount"]
        amount["type"] = "list<int>"
        del data["formulas"]["yearly"]
        amount["values"][0]["value"] = [3000, 8]
        amount["source"]["refs"] = ["T1", "T2"]
        assert _audit(tmp_path, data) == []
        amount["values"][0]["value"] = [3000, 7]
        assert _kinds(_audit(tmp_path, data)) == {
            "value_not_in_source": [
                "parameter amount from 2021-10-21: value [3000, 7]: 7 not found in rows citing "
                "T1, T2"
            ]
        }

    def test_a_ref_range_cites_every_source_in_it(self, tmp_path: Path) -> None:
        data = policy()
        data["parameters"]["amount"]["values"][0]["value"] = 8
        data["parameters"]["amount"]["source"]["refs"] = ["T3"]  # the row says T2–T3
        assert _audit(tmp_path, data) == []

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (7.0, "| 7 y |"),
            (3000, "¥3,000"),
            (3000, "3000"),
            (0.9, "≤90%"),
            (1.5, "1.5×"),
            (600000, "salary ≥¥600k"),
            (1000000, "capital ≥¥1m"),
            (11000, "受惠逾1.1万人"),
            (1.0, "全额报销考试费用"),
        ],
    )
    def test_numbers_are_read_in_each_usual_notation(self, value: float, text: str) -> None:
        assert value in numbers_in(text)

    def test_a_ref_or_a_month_count_is_not_a_number_of_the_row(self) -> None:
        assert numbers_in("S26, S27 | 12 m") == {12.0}

    def test_months_may_be_stated_in_years(self, tmp_path: Path) -> None:
        data = policy()
        data["parameters"]["max_months"]["values"][0]["value"] = 36
        assert set(_kinds(_audit(tmp_path, data))) == {"value_not_in_source"}

    def test_a_ref_no_row_cites_is_reported(self, tmp_path: Path) -> None:
        data = policy()
        data["parameters"]["amount"]["source"]["refs"] = ["T1", "T9"]
        assert _kinds(_audit(tmp_path, data)) == {
            "unknown_ref": ["parameter amount from 2021-10-21: no row of the facts files cites T9"]
        }

    def test_a_value_dated_before_its_source_was_issued(self, tmp_path: Path) -> None:
        data = policy()
        data["documents"]["rules"]["issued"] = "2022-06-01"
        found = _kinds(_audit(tmp_path, data))
        assert found.keys() == {"dated_before_source"}
        assert "issued 2022-06-01" in found["dated_before_source"][0]
        data["documents"]["rules"]["issued"] = "2021-10-21"
        assert _audit(tmp_path, data) == []

    def test_a_value_in_the_cited_article_of_a_plan_is_backed(self, tmp_path: Path) -> None:
        data = policy()
        data["parameters"]["amount"]["type"] = "double"
        del data["formulas"]["yearly"]
        data["parameters"]["amount"]["source"] = {
            "document": "plan",
            "clause": "附件四5",
            "confidence": "high",
            "refs": ["seeds/000"],
        }
        data["parameters"]["amount"]["values"][0]["value"] = 1.0  # 全额
        assert _audit(tmp_path, data) == []
        data["parameters"]["amount"]["values"][0]["value"] = 0.5
        assert set(_kinds(_audit(tmp_path, data))) == {"value_not_in_source"}


class TestAssumptions:
    def test_a_sourced_value_with_nothing_to_check_is_reported(self, tmp_path: Path) -> None:
        data = policy()
        data["parameters"]["amount"]["source"]["refs"] = []
        found = _kinds(_audit(tmp_path, data))
        assert found.keys() == {"nothing_to_check"}
        assert "mark the value assumed" in found["nothing_to_check"][0]
        data["parameters"]["amount"] = {
            **data["parameters"]["amount"],
            "status": "assumed",
            "assumption": ASSUMPTION,
        }
        del data["parameters"]["amount"]["source"]
        assert _audit(tmp_path, data) == []

    def test_a_dated_value_without_refs_is_reported_on_its_own(self, tmp_path: Path) -> None:
        data = policy()
        data["parameters"]["amount"]["values"].append(
            {
                "from": "2022-07-01",
                "value": 3000 * 2,
                "source": {"document": "rules", "clause": "amounts", "confidence": "low"},
            }
        )
        assert _kinds(_audit(tmp_path, data)) == {
            "nothing_to_check": [
                "parameter amount from 2022-07-01: sourced (rules, amounts) but the source gives "
                "no refs and its document no text to check: cite the facts rows or mark the "
                "value assumed"
            ]
        }
        data["parameters"]["amount"]["values"][1] = {
            "from": "2022-07-01",
            "value": 6000,
            "assumption": ASSUMPTION,
        }
        assert _audit(tmp_path, data) == []

    def test_a_parameter_with_neither_source_nor_assumption(self, tmp_path: Path) -> None:
        # The schema refuses it in a file; the check still says so of a spec built otherwise.
        _audit(tmp_path, policy())
        library = PolicyLibrary.from_directory(tmp_path / "policies")
        compiled = library.version("yangpu.sample", "2021-10-21")
        spec = compiled.spec
        broken = spec.parameters["amount"].model_copy(update={"source": None})
        bad_spec = spec.model_copy(update={"parameters": {**spec.parameters, "amount": broken}})
        bad = dataclasses.replace(compiled, spec=bad_spec)
        found = _kinds(audit_version(bad, References(tmp_path)))
        assert found["unsourced"] == [
            "parameter amount: status sourced but no source: cite one or mark it assumed",
            "parameter amount from 2021-10-21: value 3000 has no source and is not assumed",
        ]

    def test_dated_values_that_override_nothing(self, tmp_path: Path) -> None:
        data = policy()
        values = data["parameters"]["amount"]["values"]
        values.append({"from": "2022-07-01", "value": 3000})
        values.append(
            {
                "from": "2023-07-01",
                "value": 3000 * 2,
                "source": copy.deepcopy(data["parameters"]["amount"]["source"]),
            }
        )
        assert _kinds(_audit(tmp_path, data)) == {
            "redundant_value": [
                "parameter amount from 2022-07-01: repeats the value 3000 already in force",
                "parameter amount from 2023-07-01: its own source repeats the parameter's",
            ],
            "value_not_in_source": [
                "parameter amount from 2023-07-01: value 6000: 6000 not found in rows citing T1"
            ],
        }

    def test_an_assumption_stated_only_in_the_clause_text(self, tmp_path: Path) -> None:
        data = policy()
        employed = data["conditions"]["all"][0]
        employed["clause"]["text_zh"] = "在杨浦区就业的人才（假定条件）"
        found = _kinds(_audit(tmp_path, data))
        assert list(found) == ["assumed_in_text_only"]
        assert found["assumed_in_text_only"][0].startswith("condition employed: its clause calls")
        # Fixed: the district becomes a parameter marked assumed (insured already is one).
        data["parameters"]["district"] = {
            "type": "string",
            "label": T,
            "unit": {"zh": "区", "en": "district"},
            "status": "assumed",
            "assumption": ASSUMPTION,
            "values": [{"from": "2021-10-21", "value": "yangpu"}],
        }
        employed["expr"] = "employer_district == params.district"
        assert _audit(tmp_path, data) == []

    def test_numbers_written_into_expressions(self, tmp_path: Path) -> None:
        data = policy()
        data["formulas"]["monthly"]["expr"] = "params.amount + 500"
        assert _kinds(_audit(tmp_path, data)) == {
            "literal_in_expression": [
                "formula monthly: the number(s) 500 are written into the expression: make each "
                "a parameter with its source or assumption"
            ]
        }

    @pytest.mark.parametrize(
        ("expr", "numbers"),
        [
            ("age >= 18 && age <= 60", [18.0, 60.0]),
            ("params.xs[2] * 12.0 - 1", []),
            ("skill_level == 2 || skill_level in [3, 4]", []),
            ("social_insurance_months / 12 * 3", [3.0]),
            ("3 * calc.a + 6 * calc.b", [3.0, 6.0]),
        ],
    )
    def test_which_literals_count(self, expr: str, numbers: list[float]) -> None:
        assert sorted(literal_numbers(cel.parse(expr))) == numbers


class TestArticles:
    def test_an_article_the_plan_does_not_have(self, tmp_path: Path) -> None:
        data = policy()
        data["conditions"]["all"][0]["clause"]["article"] = "四(三)2 人才安居"
        assert _kinds(_audit(tmp_path, data)) == {
            "article_not_found": [
                "condition employed: sources/plan.txt has no article 四(三)2 "
                "(the text is under 四(四)2)"
            ]
        }

    def test_an_article_that_does_not_say_what_the_clause_names(self, tmp_path: Path) -> None:
        data = policy()
        data["conditions"]["all"][0]["clause"]["article"] = "四(四)1 人才安居"
        assert _kinds(_audit(tmp_path, data)) == {
            "article_not_found": [
                "condition employed: article 四(四)1 of sources/plan.txt does not mention "
                "'人才安居' (the text is under 四(四)2)"
            ]
        }

    def test_an_article_not_numbered_as_the_plan_numbers_them(self, tmp_path: Path) -> None:
        data = policy()
        data["conditions"]["all"][0]["clause"]["article"] = "housing"
        assert list(_kinds(_audit(tmp_path, data))) == ["article_not_found"]

    def test_a_verbatim_quote_under_another_article(self, tmp_path: Path) -> None:
        data = policy()
        data["conditions"]["all"][0]["clause"] = _clause(
            "四(四)2", "对区内用人企业新取得职业资格证书的，全额报销考试费用", verbatim=True
        )
        assert _kinds(_audit(tmp_path, data)) == {
            "quote_not_found": [
                "condition employed: the verbatim quote is under 附件四5, 附件5, not '四(四)2'"
            ]
        }
        data["conditions"]["all"][0]["clause"]["article"] = "附件 项目清单 四、5"
        assert _audit(tmp_path, data) == []

    def test_a_verbatim_quote_the_plan_does_not_have(self, tmp_path: Path) -> None:
        data = policy()
        data["conditions"]["all"][0]["clause"] = _clause("四(四)2", "全额报销房租", verbatim=True)
        assert list(_kinds(_audit(tmp_path, data))) == ["quote_not_found"]

    def test_a_document_text_that_is_not_there(self, tmp_path: Path) -> None:
        data = policy()
        data["documents"]["plan"]["text"] = "sources/missing.txt"
        found = _kinds(_audit(tmp_path, data))
        assert found == {
            "text_missing": [
                "condition employed: plan names sources/missing.txt, not found",
                "condition insured: plan names sources/missing.txt, not found",
            ]
        }

    @pytest.mark.parametrize(
        ("article", "key", "label"),
        [
            ("四(三)3 人才住房保障", "四(三)3", "人才住房保障"),
            ("四（四）3", "四(四)3", ""),
            ("一(一)四", "一(一)四", ""),
            ("附件 项目清单 5", "附件5", ""),
            ("四(二) 技能人才 / skills", "四(二)", "技能人才"),
        ],
    )
    def test_articles_are_read_in_the_plans_numbering(
        self, article: str, key: str, label: str
    ) -> None:
        parsed = parse_article(article)
        assert parsed is not None and (parsed.key, parsed.label) == (key, label)

    def test_paragraphs_numbered_yi_shi_are_articles_too(self) -> None:
        plan = PlanText(
            "p",
            "一、发展基础\n（一）主要成效\n一是规模。\n四是环境持续改善。推出一卡通，\n服务平台。\n（二）存在问题\n",
        )
        assert plan.sections["一(一)四"] == "四是环境持续改善.推出一卡通,服务平台."
        assert plan.where("推出一卡通") == ["一(一)四"]
