"""Payment cycles re-check only the conditions that can lapse; the batch path agrees with the
single path, and a policy file naming an unknown lapsing condition does not load."""

from __future__ import annotations

import random
from datetime import date

import pytest

from app.rules import load_library
from app.rules.loader import PolicyLoadError, RawFile, load_policies, package_directory
from app.rules.samples import random_profile

POLICIES = (
    "changning.returnee_apartment_subsidy",
    "changning.rent_subsidy",
    "yangpu.rent_subsidy",
)


@pytest.mark.parametrize("policy_id", POLICIES)
def test_batch_lapsing_equals_single(policy_id: str) -> None:
    library = load_library()
    rng = random.Random(7)
    as_of = date(2027, 5, 1)
    profiles = [random_profile(rng, as_of) for _ in range(200)]
    months = [rng.randint(1, 12) for _ in profiles]
    batch = library.evaluate_lapsing_batch(profiles, as_of, policy_id, months)
    single = [
        library.evaluate_lapsing(p, as_of, policy_id, m).status
        for p, m in zip(profiles, months, strict=True)
    ]
    assert batch == single
    assert len(set(single)) > 1


def test_entry_windows_are_not_rechecked() -> None:
    library = load_library()
    facts = {
        "highest_degree": "doctorate",
        "degree_country": "US",
        "university_world_rank": 50,
        "return_date": "2026-03-01",
        "owns_home_in_shanghai": False,
        "has_other_housing_benefit": False,
        "employer_district": "changning",
    }
    policy = "changning.returnee_apartment_subsidy"
    [whole] = library.evaluate(facts, date(2027, 3, 1), policy_ids=[policy])
    assert whole.status == "ineligible"  # the one-year window has passed ...
    found = library.evaluate_lapsing(facts, date(2027, 3, 1), policy, 11)
    assert found.status == "eligible"  # ... but it held when applying
    assert "returned_within_one_year" not in found.checked
    moved = library.evaluate_lapsing(
        {**facts, "employer_district": "yangpu"}, date(2027, 3, 1), policy, 7
    )
    assert moved.status == "ineligible"
    [failed] = moved.failed
    assert "长宁" in failed.message.zh and "Changning" in failed.message.en


def _files_with(text: str, replace: str) -> list[RawFile]:
    files = []
    for entry in package_directory().iterdir():
        if entry.name.startswith("yangpu.rent_subsidy@") and entry.name.endswith(".yaml"):
            data = entry.read_bytes().decode().replace(text, replace)
            files.append(RawFile(entry.name, data.encode()))
    return files


def test_unknown_lapsing_condition_stops_the_load() -> None:
    files = _files_with("  - employed_in_yangpu\n", "  - employed_in_mars\n")
    with pytest.raises(PolicyLoadError, match="unknown condition 'employed_in_mars'"):
        load_policies(files)


def test_bad_continuation_expression_stops_the_library() -> None:
    from app.rules.engine import PolicyLibrary

    files = _files_with(
        "  - no_other_housing_benefit\nformulas:",
        "  - no_other_housing_benefit\n"
        "  - from_month: 3\n"
        "    condition:\n"
        "      id: still_here\n"
        "      expr: employer_district > 3\n"
        "      clause: {document: yangpu_plan, article: x, text_zh: x, text_en: x}\n"
        "      messages:\n"
        "        pass: {zh: 是, en: 'yes'}\n"
        "        fail: {zh: 否, en: 'no'}\n"
        "formulas:",
    )
    with pytest.raises(PolicyLoadError, match="lapsing"):
        PolicyLibrary(load_policies(files))
