"""The tax-difference claim's own checks (issue 18, point 5): who may claim, a tax year that has
ended, figures that can be true together (each bound exactly at its edge)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from app.errors import ValidationFailed
from app.rules import load_library
from app.services.tax_subsidy.claims import (
    NOT_OVERSEAS,
    NotOverseas,
    check_figures,
    check_may_claim,
    claim_key,
)

TODAY = date(2026, 12, 7)


def _answers(**overrides: Any) -> dict[str, Any]:
    return {
        "tax_year": 2025,
        "tax_year_income_cny": 1_200_000,
        "taxable_income_cny": 1_000_000,
        "income_tax_paid_cny": 250_000,
        **overrides,
    }


def _codes(**overrides: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        check_figures(_answers(**overrides), TODAY)
    return {e.field: e.code for e in caught.value.field_errors}


def test_the_last_year_that_has_ended_is_claimed() -> None:
    assert check_figures(_answers(), TODAY) == 2025


def test_the_current_and_a_future_year_are_refused() -> None:
    assert _codes(tax_year=2026) == {"tax_year": "tax_year_not_ended"}
    assert _codes(tax_year=2027) == {"tax_year": "tax_year_not_ended"}
    # On New Year's Day the year just ended may be claimed.
    assert check_figures(_answers(tax_year=2026), date(2027, 1, 1)) == 2026


def test_a_missing_year_is_asked_for() -> None:
    assert _codes(tax_year=None) == {"tax_year": "required"}


def test_taxable_income_up_to_the_income_and_no_more() -> None:
    assert check_figures(_answers(taxable_income_cny=1_200_000), TODAY) == 2025
    assert _codes(taxable_income_cny=1_200_001) == {"taxable_income_cny": "taxable_above_income"}


def test_tax_paid_up_to_the_top_rate_and_no_more() -> None:
    assert check_figures(_answers(income_tax_paid_cny=450_000), TODAY) == 2025
    assert _codes(income_tax_paid_cny=450_001) == {"income_tax_paid_cny": "tax_above_top_rate"}


def test_zero_figures_are_possible() -> None:
    zero = {"tax_year_income_cny": 0, "taxable_income_cny": 0, "income_tax_paid_cny": 0}
    assert check_figures(_answers(**zero), TODAY) == 2025


def test_every_problem_is_told_at_once() -> None:
    assert _codes(tax_year=2026, taxable_income_cny=1_300_000, income_tax_paid_cny=600_000) == {
        "tax_year": "tax_year_not_ended",
        "taxable_income_cny": "taxable_above_income",
        "income_tax_paid_cny": "tax_above_top_rate",
    }


@pytest.mark.parametrize(
    ("nationality", "kind"), [("CN", "overseas"), ("CN", "domestic"), ("GB", "domestic")]
)
def test_prc_citizens_may_not_claim(nationality: str, kind: str) -> None:
    with pytest.raises(NotOverseas):
        check_may_claim(nationality, kind)


@pytest.mark.parametrize("nationality", ["GB", "US", "HK", "MO", "TW"])
def test_foreign_nationals_and_hong_kong_macao_taiwan_residents_may(nationality: str) -> None:
    check_may_claim(nationality, "overseas")


def test_the_refusal_matches_the_policy() -> None:
    version = load_library().version_at("changning.overseas_tax_subsidy", TODAY)
    assert version is not None
    assert frozenset(version.params_at(TODAY)["not_overseas_codes"]) == NOT_OVERSEAS


def test_a_year_is_claimed_once_per_person() -> None:
    person = uuid.uuid4()
    assert claim_key(person, 2025) != claim_key(person, 2024)
    assert claim_key(person, 2025) != claim_key(uuid.uuid4(), 2025)
