"""Class 5: outputs of a non-eligible result. What an output grants (an amount, a schedule, a
route, a permit class, an apartment kind, services, days of stay) is null unless the result is
eligible; an amount part of which depends on a later condition gives its certain part and an
"up to" total."""

from __future__ import annotations

from datetime import date

import pytest

from app.rules import load_library
from app.rules.testing import read_test_files
from tests.unit.rules.edge_classes import check_class, policies_tagged

TOUCHED = frozenset(
    {
        "changning.rent_subsidy",
        "changning.returnee_apartment_subsidy",
        "national.foreign_work_permit",
        "shanghai.graduate_settlement",
        "shanghai.returnee_settlement",
        "shanghai.skills_subsidy",
        "shanghai.talent_introduction",
        "shanghai.youth_station",
        "yangpu.exam_fee_reimbursement",
        "yangpu.rent_subsidy",
        "yangpu.service_card",
        "yangpu.talent_apartment",
        # High-level talent classification (issue 16): the classes offered.
        "yangpu.high_level_certification",
        "changning.high_level_certification",
        # Organisations' services (issue 15).
        "yangpu.employer_exam_fee_claim",
        "yangpu.chief_technician_studio",
        "changning.chief_technician_studio",
        "changning.internship_subsidy_claim",
        "yangpu.recruitment_reward",
        "changning.recruitment_reward",
        "yangpu.postdoc_workstation",
        "changning.postdoc_workstation",
        # Overseas talent's tax-difference subsidy (issue 18): the amount refunded.
        "changning.overseas_tax_subsidy",
    }
)


@pytest.mark.parametrize(
    "policy_id", sorted(TOUCHED | policies_tagged("outputs_of_a_non_eligible_result"))
)
def test_outputs_of_a_non_eligible_result(policy_id: str) -> None:
    check_class("outputs_of_a_non_eligible_result", policy_id, TOUCHED)


def _granting(policy_id: str) -> dict[str, set[str]]:
    return {
        version.version: {n for n in version.outputs if version.spec.formulas[n].when == "eligible"}
        for version in load_library().get(policy_id).versions
    }


def test_the_touched_policies_are_those_with_granting_outputs() -> None:
    library = load_library()
    granting = {p for p in library.policy_ids() if any(_granting(p).values())}
    assert granting == TOUCHED


@pytest.mark.parametrize("policy_id", sorted(TOUCHED))
def test_no_result_but_an_eligible_one_grants_anything(policy_id: str) -> None:
    """Every YAML case of the policy, an empty questionnaire (unknown) and, through the batch
    path, the same rows: a granting output has a value only in an eligible result."""
    library = load_library()
    file = next(f for f in read_test_files() if f.policy_id == policy_id)
    rows = [(file.facts_of(c), file.as_of_of(c)) for c in file.cases if c.lapsing_month is None]
    rows.append(({}, file.as_of))
    seen = set()
    for facts, as_of in rows:
        (result,) = library.evaluate(facts, as_of, policy_ids=[policy_id])
        seen.add(result.status)
        names = _granting(policy_id)[result.policy_version]
        if result.status != "eligible":
            assert {n: result.outputs[n] for n in names} == dict.fromkeys(names), result.status
    assert {"ineligible", "unknown"} <= seen
    by_day: dict[date, list[dict[str, object]]] = {}
    for facts, as_of in rows:
        by_day.setdefault(as_of, []).append(facts)
    for as_of, profiles in by_day.items():
        batch = library.evaluate_batch(profiles, as_of, policy_ids=[policy_id])
        for index, facts in enumerate(profiles):
            (single,) = library.evaluate(facts, as_of, policy_ids=[policy_id])
            row = batch.row(index)[policy_id]
            assert (row["status"], row["outputs"]) == (single.status, single.outputs)
