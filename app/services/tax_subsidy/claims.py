"""What a tax-difference claim must be before it is filed: made by overseas talent, for a tax
year that has ended, with figures that can be true together, and once per person and year.

The figures' own bounds (non-negative, at most a billion yuan, a year from 2000) are the
vocabulary's, checked when answers are saved, and the first year that may be claimed is the
policy's; what needs two figures, or today's date, is checked here at submission.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from app.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from app.i18n import N_

SERVICE_CODE = "overseas_tax_subsidy"
# ``claim_line.kind`` of a person's tax year: the unique (kind, claim_key) refuses a second.
CLAIM_KIND = "tax_year"
# PRC citizens are not overseas talent (the policy's assumed ``not_overseas_codes``; a unit
# test keeps the two equal). Hong Kong, Macao and Taiwan residents are overseas talent.
NOT_OVERSEAS: frozenset[str] = frozenset({"CN"})
# China's top marginal rate of individual income tax (45%, 个人所得税法 税率表一): tax paid
# above it on the taxable income cannot be one year's tax on that income.
TOP_MARGINAL_RATE = 0.45

CITIZEN_REFUSAL = N_(
    "This subsidy is for overseas talent: foreign nationals and residents of Hong Kong, Macao "
    "and Taiwan. PRC citizens cannot claim it."
)


class NotOverseas(PermissionDenied):
    """A PRC citizen cannot open or file the claim."""

    code = "tax_subsidy_not_for_citizens"
    default_detail = CITIZEN_REFUSAL


class YearAlreadyClaimed(Conflict):
    """One claim per person and tax year, whatever became of the first unless it ended
    without payment (rejected or withdrawn frees the year)."""

    code = "tax_year_already_claimed"
    default_detail = N_(
        "You have already claimed the subsidy for the tax year {year} (case {case}). Each tax "
        "year is claimed once."
    )


def check_may_claim(nationality: str | None, applicant_type: str | None) -> None:
    if applicant_type == "domestic" or (nationality or "").upper() in NOT_OVERSEAS:
        raise NotOverseas()


def _number(answers: Mapping[str, Any], name: str) -> float | None:
    value = answers.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def check_figures(answers: Mapping[str, Any], today: date) -> int:
    """The claim's tax year, once its figures hold together; every problem at once."""
    problems: list[FieldError] = []
    year = answers.get("tax_year")
    if isinstance(year, bool) or not isinstance(year, int):
        problems.append(FieldError("tax_year", "required", N_("Enter the tax year, like 2025.")))
    elif year >= today.year:
        problems.append(
            FieldError(
                "tax_year",
                "tax_year_not_ended",
                N_("The tax year {year} has not ended yet: claim for {last} or earlier."),
                {"year": year, "last": today.year - 1},
            )
        )
    income = _number(answers, "tax_year_income_cny")
    taxable = _number(answers, "taxable_income_cny")
    paid = _number(answers, "income_tax_paid_cny")
    if income is not None and taxable is not None and taxable > income:
        problems.append(
            FieldError(
                "taxable_income_cny",
                "taxable_above_income",
                N_("The taxable income cannot be more than the income of the year."),
            )
        )
    if taxable is not None and paid is not None and paid > taxable * TOP_MARGINAL_RATE:
        problems.append(
            FieldError(
                "income_tax_paid_cny",
                "tax_above_top_rate",
                N_(
                    "The tax paid cannot be more than 45% of the taxable income (the top rate "
                    "of individual income tax). Check both figures against your tax record."
                ),
            )
        )
    if problems:
        raise ValidationFailed(field_errors=problems)
    assert isinstance(year, int)
    return year


def claim_key(applicant_id: uuid.UUID, tax_year: int) -> str:
    return f"{applicant_id.hex}:{tax_year}"
