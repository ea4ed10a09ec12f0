"""The four examples of issue 3, through the public API exactly as the web layer calls it."""

from __future__ import annotations

from app.rules import load_library
from tests.unit.rules.profiles import AS_OF, RETURNEE


def _one(facts: dict[str, object], policy_id: str, lang: str = "en") -> dict[str, object]:
    results = load_library().evaluate(facts, AS_OF, policy_ids=[policy_id], lang=lang)
    assert len(results) == 1
    return results[0].model_dump(mode="json")


def test_recent_doctorate_gets_the_3_plus_3_schedule_capped_at_45000() -> None:
    result = _one(RETURNEE, "changning.returnee_apartment_subsidy")
    assert result["status"] == "eligible"
    schedule = result["outputs"]["monthly_schedule_cny"]
    assert len(schedule) == 12
    assert schedule[:6] == [4000, 4000, 4000, 3000, 3000, 3000]
    # Months 1-6 are certain; months 7-12 only while employed in Changning: 45,000 is "up to".
    assert result["outputs"]["total_cny"] == 21000
    assert result["outputs"]["max_total_cny"] == 45000
    assert result["missing_facts"] == []


def test_the_same_doctorate_back_14_months_fails_on_the_one_year_window() -> None:
    result = _one({**RETURNEE, "return_date": "2025-09-22"}, "changning.returnee_apartment_subsidy")
    assert result["status"] == "ineligible"
    failed = [c for c in result["criteria"] if c["result"] == "false"]
    assert [c["id"] for c in failed] == ["returned_within_one_year"]
    assert failed[0]["actual"] == 14
    assert failed[0]["required"] == {"op": "<", "value": 12}
    assert failed[0]["clause"]["text_zh"] == "回国不满一年"
    assert "one-year window" in failed[0]["message"]


def test_foreigner_with_88_points_is_class_a() -> None:
    result = _one({"nationality": "FR", "work_permit_points": 88}, "national.foreign_work_permit")
    assert result["status"] == "eligible"
    assert result["outputs"] == {"points": 88, "class": "A"}


def test_six_years_with_an_intermediate_title_is_one_year_short() -> None:
    facts = {
        "nationality": "CN",
        "hukou": "other",
        "residence_permit_years": 6,
        "residence_permit_social_insurance_years": 6,
        "professional_title": "intermediate",
        "skill_level": 0,
        "social_insurance_base_multiple_36_of_48": 1.2,
        "pays_income_tax_in_shanghai": True,
    }
    result = _one(facts, "shanghai.residence_to_hukou", lang="zh")
    assert result["status"] == "ineligible"
    gaps = [h for h in result["hints"] if h["kind"] == "numeric_gap" and h["option"] == 1]
    assert {(h["fact"], h["from"], h["to"]) for h in gaps} == {
        ("residence_permit_years", 6.0, 7.0),
        ("residence_permit_social_insurance_years", 6.0, 7.0),
    }
    assert "再持有《上海市居住证》1年" in [h["message"] for h in gaps]
    assert "1 more year holding the Shanghai Residence Permit" in [
        h["messages"]["en"] for h in gaps
    ]
    waiting = [h for h in result["hints"] if h["kind"] == "eligible_from"]
    assert [h["date"] for h in waiting] == ["2027-11-22"]


def test_omitting_the_birth_date_where_age_matters_is_unknown() -> None:
    # An associate diploma (50), a 1.5x base (50) and 40 insured months (9) make 109 known
    # points: the age points (5 to 30) decide. (The master with an intermediate title
    # already has 259 points without the age, and is eligible: points only add.)
    facts = {
        "nationality": "CN",
        "hukou": "other",
        "residence_permit_years": 3,
        "social_insurance_months": 40,
        "highest_degree": "associate",
        "professional_title": "none",
        "skill_level": 0,
        "social_insurance_base_multiple": 1.5,
        "social_insurance_base_multiple_36_of_48": 1.5,
    }
    result = _one(facts, "shanghai.residence_points")
    assert result["status"] == "unknown"
    assert result["missing_facts"][0] == "birth_date"
    assert "age" not in result["missing_facts"]
    assert _one({**facts, "birth_date": "1990-05-01"}, "shanghai.residence_points")["status"] == (
        "eligible"
    )
    master = {**facts, "highest_degree": "master", "professional_title": "intermediate"}
    assert _one(master, "shanghai.residence_points")["status"] == "eligible"
