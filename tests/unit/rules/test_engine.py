"""Engine behaviour: three-valued logic, missing facts, derived facts, validation, filters,
explanations, hints checked by re-evaluation, receipts."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest

from app.rules import (
    FACTS,
    FactsValidationError,
    PolicyNotInForceError,
    PolicyResult,
    Receipt,
    ReceiptMismatchError,
    UnknownPolicyError,
    load_library,
    reproduce,
    validate_facts,
)
from app.rules.facts import advance
from app.rules.samples import random_profile
from app.rules.timeutil import whole_months
from tests.factories import insured_in_changning_profile
from tests.unit.rules.profiles import AS_OF, RETURNEE

APARTMENT = "changning.returnee_apartment_subsidy"


def _evaluate(facts: dict[str, Any], policy_id: str, **kwargs: Any) -> PolicyResult:
    return load_library().evaluate(facts, kwargs.pop("as_of", AS_OF), [policy_id], **kwargs)[0]


def test_a_false_condition_decides_whatever_is_unknown() -> None:
    result = _evaluate({"highest_degree": "bachelor"}, APARTMENT)
    assert result.status == "ineligible"
    assert result.missing_facts == []


def test_a_satisfied_alternative_needs_no_answer_for_the_other() -> None:
    result = _evaluate({**RETURNEE, "has_other_housing_benefit": None}, APARTMENT)
    assert result.status == "unknown"
    assert result.missing_facts == ["has_other_housing_benefit"]
    subject = next(c for c in result.criteria if c.id == "subject_top_20")
    assert (subject.result, subject.missing_facts) == ("unknown", ["university_subject_rank"])


def test_missing_facts_put_decisive_questions_first() -> None:
    result = _evaluate({"highest_degree": "doctorate"}, APARTMENT)
    assert result.missing_facts == [
        "nationality",
        "owns_home_in_shanghai",
        "has_other_housing_benefit",
        "degree_country",
        "return_date",
        "university_world_rank",
        "university_subject_rank",
    ]


def test_an_unknown_fact_is_never_defaulted() -> None:
    for info in load_library().policies():
        result = _evaluate({}, info.policy_id)
        assert result.status == "unknown", info.policy_id
        assert result.missing_facts, info.policy_id
        assert all(c.result == "unknown" for c in result.criteria if c.actual is None)


def test_derived_facts_follow_the_evaluation_date() -> None:
    facts = {
        "certificate_date": "2026-01-10",
        "birth_date": "1966-12-01",
        "social_insurance_months": 24,
        "certificate_level": 2,
    }
    # Working age ends on reaching the retirement age (60, assumed): eligible the day before the
    # 60th birthday, not on it.
    before = _evaluate(facts, "shanghai.skills_subsidy", as_of=date(2026, 11, 30))
    after = _evaluate(facts, "shanghai.skills_subsidy", as_of=date(2026, 12, 1))
    assert (before.status, after.status) == ("eligible", "ineligible")
    age = next(c for c in after.criteria if c.id == "working_age")
    assert (age.actual, age.result) == ({"age": 60}, "false")
    assert age.required == {"op": "expr", "value": "(age >= 16 && age < 60)"}


def test_derived_facts_cannot_be_entered() -> None:
    validation = validate_facts({"age": 30, "months_since_return": 2})
    assert not validation.ok
    assert [(e.code, e.field) for e in validation.errors] == [
        ("derived_fact", "age"),
        ("derived_fact", "months_since_return"),
    ]


def test_validation_types_the_facts() -> None:
    validation = validate_facts(
        {
            "birth_date": "1990-02-03",
            "nationality": "fr",
            "annual_salary_cny": 300000,
            "social_insurance_months": 12.0,
            "talent_programs": ["shanghai_pujiang", "national_high_level"],
            "owns_home_in_shanghai": False,
            "graduate_score": None,
        }
    )
    assert validation.ok and validation.errors == ()
    assert validation.facts == {
        "birth_date": date(1990, 2, 3),
        "nationality": "FR",
        "annual_salary_cny": 300000.0,
        "social_insurance_months": 12,
        "talent_programs": ("national_high_level", "shanghai_pujiang"),
        "owns_home_in_shanghai": False,
    }


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ({"favourite_colour": "red"}, "unknown_fact"),
        ({"social_insurance_months": "12"}, "invalid_type"),
        ({"social_insurance_months": True}, "invalid_type"),
        ({"social_insurance_months": 6.5}, "invalid_type"),
        ({"owns_home_in_shanghai": 1}, "invalid_type"),
        ({"birth_date": "1990-13-01"}, "invalid_type"),
        ({"nationality": "FRA"}, "invalid_type"),
        ({"nationality": "XK"}, "invalid_value"),
        ({"degree_country": "zz"}, "invalid_value"),
        ({"highest_degree": "phd"}, "invalid_value"),
        ({"talent_programs": ["nobel"]}, "invalid_value"),
        ({"skill_level": 6}, "out_of_range"),
        ({"annual_salary_cny": -1}, "out_of_range"),
        ({"annual_salary_cny": float("nan")}, "invalid_type"),
    ],
)
def test_validation_names_each_bad_field_in_both_languages(raw: dict[str, Any], code: str) -> None:
    validation = validate_facts(raw)
    assert validation.facts is None
    (error,) = validation.errors
    assert (error.code, error.field) == (code, next(iter(raw)))
    assert error.message.zh and error.message.en


def test_a_country_outside_iso_3166_is_named_as_such() -> None:
    (error,) = validate_facts({"nationality": "eu"}).errors
    assert "ISO 3166-1 国家或地区代码" in error.message.zh
    assert "“eu” is not valid; allowed: an ISO 3166-1 country" in error.message.en


def test_evaluate_refuses_invalid_facts() -> None:
    with pytest.raises(FactsValidationError) as raised:
        load_library().evaluate({"age": 3, "hukou": "mars"}, AS_OF)
    assert [e.field for e in raised.value.errors] == ["age", "hukou"]


def test_district_filter_keeps_the_district_and_the_shared_policies() -> None:
    results = load_library().evaluate(RETURNEE, AS_OF, district="yangpu")
    districts = {r.district for r in results}
    assert districts == {"yangpu", "shanghai", "national"}
    # 12, Yangpu's four organisation services (issue 15), its schooling consultation (17) and
    # its high-level talent classification and outstanding-talent nominations (issue 16), its
    # recommendation for permanent residence (issue 18).
    assert len(results) == 20
    with pytest.raises(ValueError):
        load_library().evaluate(RETURNEE, AS_OF, district="pudong")


def test_policy_selection_errors() -> None:
    library = load_library()
    with pytest.raises(UnknownPolicyError):
        library.evaluate(RETURNEE, AS_OF, ["changning.no_such_policy"])
    # The returnee's dates (back in 2026) would be refused as future at 2021: none are sent.
    undated = {k: v for k, v in RETURNEE.items() if not k.endswith("_date")}
    with pytest.raises(PolicyNotInForceError):
        library.evaluate(undated, date(2021, 1, 1), [APARTMENT])
    early = {r.policy_id for r in library.evaluate(undated, date(2021, 1, 1))}
    assert APARTMENT not in early and "shanghai.residence_points" in early


def test_the_valid_version_is_chosen_by_date() -> None:
    library = load_library()
    assert library.version_at("shanghai.returnee_settlement", date(2022, 6, 30)).version == (  # type: ignore[union-attr]
        "2020-11-13"
    )
    assert library.version_at("shanghai.returnee_settlement", date(2022, 7, 1)).version == (  # type: ignore[union-attr]
        "2022-07-01"
    )


def test_explanations_come_in_the_requested_language() -> None:
    zh = _evaluate({**RETURNEE, "return_date": "2025-09-22"}, APARTMENT, lang="zh")
    en = _evaluate({**RETURNEE, "return_date": "2025-09-22"}, APARTMENT, lang="en")
    assert zh.title == "留学回国人员过渡期人才公寓租赁支持"
    assert en.title == "Transitional talent-apartment rent support for returnees"
    failing_zh = next(c for c in zh.criteria if c.result == "false")
    failing_en = next(c for c in en.criteria if c.result == "false")
    assert failing_zh.message == "回国已14个月，超过回国一年内的申请期限"
    assert failing_en.message == "Returned 14 months ago, past the one-year window after return"
    assert failing_zh.clause.document_title.startswith("长宁区")
    with pytest.raises(ValueError):
        load_library().evaluate(RETURNEE, AS_OF, lang="fr")


def test_result_json_shape() -> None:
    data = _evaluate(RETURNEE, APARTMENT).model_dump(mode="json")
    assert list(data) == [
        "policy_id",
        "policy_version",
        "title",
        "district",
        "status",
        "outputs",
        "criteria",
        "missing_facts",
        "hints",
        "receipt",
        "version_status",
        "version_assumption",
    ]
    assert list(data["criteria"][0]) == [
        "id",
        "result",
        "actual",
        "required",
        "clause",
        "message",
        "missing_facts",
        "groups",
        "assumed",
    ]
    assert PolicyResult.model_validate(data).model_dump(mode="json") == data


def _apply(facts: dict[str, Any], hints: list[dict[str, Any]]) -> dict[str, Any]:
    changed = dict(facts)
    for hint in hints:
        target = hint["to"]
        if hint["kind"] == "numeric_gap":
            changed[hint["fact"]] = target
        elif FACTS[hint["fact"]].type == "list":
            changed[hint["fact"]] = sorted({*(changed.get(hint["fact"]) or []), target[0]})
        else:
            changed[hint["fact"]] = target[0]
    return changed


def test_hints_are_confirmed_by_re_evaluation() -> None:
    library = load_library()
    rng = random.Random(7)
    checked = {"value": 0, "date": 0}
    # 1,000 profiles: the hukou routes and the points now refuse anyone but a Chinese citizen
    # with a hukou elsewhere, so few random profiles reach a waiting-type hint.
    for _ in range(1000):
        facts = random_profile(rng, AS_OF)
        for result in library.evaluate(facts, AS_OF, lang="en"):
            data = result.model_dump(mode="json")
            options: dict[int, list[dict[str, Any]]] = {}
            for hint in data["hints"]:
                options.setdefault(hint["option"], []).append(hint)
            for hints in options.values():
                if hints[0]["kind"] == "eligible_from":
                    day = date.fromisoformat(hints[0]["date"])
                    assert _status_on(facts, result.policy_id, day) == "eligible"
                    assert _status_on(facts, result.policy_id, day - timedelta(days=1)) != (
                        "eligible"
                    )
                    checked["date"] += 1
                else:
                    changed = _apply(facts, hints)
                    # never an impossible profile (7 insured years while holding the permit 5)
                    assert validate_facts(changed).ok, hints
                    after = _evaluate(changed, result.policy_id, lang="en")
                    assert after.status == hints[0]["result_status"]
                    checked["value"] += 1
    assert checked["value"] > 100 and checked["date"] > 10


def _status_on(facts: dict[str, Any], policy_id: str, day: date) -> str:
    typed = validate_facts(facts).facts
    assert typed is not None
    later = advance(typed, whole_months(AS_OF, day))
    return load_library().evaluate(later, day, [policy_id])[0].status


def test_outputs_of_an_ineligible_result_are_withheld_unless_always_shown() -> None:
    apartment = _evaluate({**RETURNEE, "owns_home_in_shanghai": True}, APARTMENT)
    assert apartment.outputs == {
        "monthly_schedule_cny": None,
        "total_cny": None,
        "max_total_cny": None,
    }
    permit = _evaluate(
        {"nationality": "CN", "work_permit_points": 88}, "national.foreign_work_permit"
    )
    assert permit.status == "ineligible"
    # The points explain the decision; the class would grant a permit a citizen cannot have.
    assert permit.outputs == {"points": 88, "class": None}


def test_receipt_reproduces_the_decision() -> None:
    result = _evaluate({**RETURNEE, "hukou": "none", "marital_status": "single"}, APARTMENT)
    receipt = result.receipt
    assert receipt.policy_id == APARTMENT and receipt.policy_version == "2022-02-25"
    assert receipt.as_of == AS_OF and receipt.status == "eligible"
    assert "marital_status" not in receipt.facts and receipt.facts["return_date"] == "2026-08-22"
    stored = Receipt.model_validate_json(receipt.model_dump_json())
    again = reproduce(stored, {**RETURNEE, "marital_status": "married"})
    assert again.receipt == receipt
    assert reproduce(stored).status == "eligible"


def test_receipt_detects_changed_facts_files_and_versions() -> None:
    receipt = _evaluate(RETURNEE, APARTMENT).receipt
    with pytest.raises(ReceiptMismatchError, match="facts differ"):
        reproduce(receipt, {**RETURNEE, "university_world_rank": 31})
    with pytest.raises(ReceiptMismatchError, match="file changed"):
        reproduce(receipt.model_copy(update={"content_sha256": "0" * 64}))
    with pytest.raises(ReceiptMismatchError, match="not in the library"):
        reproduce(receipt.model_copy(update={"policy_version": "2020-01-01"}))
    with pytest.raises(ReceiptMismatchError, match="decision differs"):
        reproduce(receipt.model_copy(update={"decision_sha256": "0" * 64}))
    # A receipt whose status was edited (digest intact) is refused too.
    with pytest.raises(ReceiptMismatchError, match="status differs"):
        reproduce(receipt.model_copy(update={"status": "ineligible"}))


def test_an_assumed_version_says_so_in_results_and_receipts() -> None:
    talent = "shanghai.talent_introduction"
    later = _evaluate({}, talent, lang="en")
    assert later.policy_version == "2025-12-01"
    assert later.version_status == later.receipt.version_status == "assumed"
    assert later.version_assumption and "30 Nov 2025" in later.version_assumption
    assert "假定" in (_evaluate({}, talent, lang="zh").version_assumption or "")
    earlier = _evaluate({}, talent, as_of=date(2024, 1, 1))
    assert (earlier.version_status, earlier.version_assumption) == ("sourced", None)
    assert earlier.receipt.version_status == "sourced"
    # Receipts stored before versions had a status still read, as sourced.
    old = earlier.receipt.model_dump(mode="json")
    del old["version_status"]
    assert Receipt.model_validate(old).version_status == "sourced"


def test_policy_metadata_lists_versions_parameters_and_clauses() -> None:
    info = load_library().get(APARTMENT)
    assert info.title.zh == "留学回国人员过渡期人才公寓租赁支持"
    (version,) = info.versions
    assert version.outputs == ["monthly_schedule_cny", "total_cny", "max_total_cny"]
    cap = version.spec.parameters["total_cap"]
    assert (cap.status, cap.values[0].value, cap.source.confidence) == ("sourced", 45000, "high")  # type: ignore[union-attr]
    clauses = {atomic.id: atomic.clause for atomic in version.spec.atomics()}
    assert clauses["world_top_100"].text_zh == "毕业于世界排名前100名高校"
    assert len(version.content_sha256) == 64


def test_assumed_numbers_are_flagged_where_they_decide() -> None:
    facts = insured_in_changning_profile(2)
    result = _evaluate(facts, "changning.rent_subsidy")
    flagged = {c.id: c.assumed for c in result.criteria if c.assumed}
    # No source states any of the rent subsidy's conditions but the one-or-the-other rule: each
    # assumed condition names its parameter (issue 13, assumptions flagged).
    assert flagged == {
        "employed_in_changning": ["employer_district"],
        "insured_in_changning": ["min_district_insured_months"],
        "no_home_in_shanghai": ["required_home_ownership"],
        "bachelor_or_higher": ["eligible_degrees"],
    }
    assert result.receipt.assumed_parameters == [
        "eligible_degrees",
        "employer_district",
        "max_months",
        "min_district_insured_months",
        "monthly_amounts",
        "required_home_ownership",
    ]
    # The returnee support's amounts are sourced; only "returnee" meaning a PRC citizen is assumed.
    apartment = _evaluate(RETURNEE, APARTMENT)
    assert apartment.receipt.assumed_parameters == ["returnee_nationalities"]
    assert {c.id: c.assumed for c in apartment.criteria if c.assumed} == {
        "prc_citizen": ["returnee_nationalities"]
    }


def test_unsourced_district_conditions_are_flagged_as_assumed() -> None:
    """Issue 13, assumptions flagged: Yangpu's rent subsidy (employer in Yangpu, no home, which
    programmes make high-level talent) and service card (senior title) state no conditions in
    any source; each shows the parameter behind it in ``criteria[].assumed``."""
    rent = _evaluate(
        {
            "employer_district": "yangpu",
            "owns_home_in_shanghai": False,
            "has_other_housing_benefit": False,
            "talent_programs": ["shanghai_leading"],
            "monthly_rent_cny": 3000,
        },
        "yangpu.rent_subsidy",
    )
    flagged = {c.id: c.assumed for c in rent.criteria if c.assumed}
    assert flagged["employed_in_yangpu"] == ["employer_district"]
    assert flagged["no_home_in_shanghai"] == ["required_home_ownership"]
    assert flagged["high_level_talent"] == ["high_level_programmes"]
    card = _evaluate(
        {"employer_district": "yangpu", "talent_programs": [], "professional_title": "senior"},
        "yangpu.service_card",
    )
    assert card.status == "eligible"
    assert {c.id: c.assumed for c in card.criteria} == {
        "employed_in_yangpu": ["employer_district"],
        "talent_programme": ["programme_codes"],
        "senior_title": ["senior_titles"],
    }
