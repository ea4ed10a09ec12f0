"""Applicant profiles for the benchmarks and tests: one named typical applicant, and plausible
random profiles for the differential tests.

Values cluster around the policies' thresholds (ranks near 50/100/500, months near 6/12/24,
multiples near 1/1.5/2/3) so that random profiles exercise both sides of most conditions, and
each fact is left out now and then so the unknown paths are exercised too.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from app.rules.facts import FACTS, HUKOU_HOLDERS, INPUT_FACTS, ORDERED


def renting_returnee() -> dict[str, Any]:
    """A master's graduate of a UK university, back since September 2025, employed in
    Changning for a year (12 months insured there), renting for 4,500 a month and owning no
    home: a rent subsidy's typical applicant. A new dict on every call."""
    return {
        "birth_date": "1996-05-01",
        "highest_degree": "master",
        "degree_country": "GB",
        "graduation_date": "2025-07-01",
        "return_date": "2025-09-01",
        "employer_district": "changning",
        "employment_start_date": "2025-10-01",
        "social_insurance_months_in_district": 12,
        "social_insurance_base_multiple": 1.5,
        "annual_salary_cny": 300000,
        "owns_home_in_shanghai": False,
        "has_other_housing_benefit": False,
        "talent_programs": [],
        "professional_title": "none",
        "hukou": "other",
        "monthly_rent_cny": 4500,
    }


_NUMBERS: dict[str, tuple[float, float]] = {
    "housing_area_per_person_sqm": (0.0, 40.0),
    "monthly_rent_cny": (500.0, 12000.0),
    "employer_registered_capital_cny": (0.0, 5_000_000.0),
    "annual_salary_cny": (30_000.0, 1_500_000.0),
    "social_insurance_base_multiple": (0.5, 3.5),
    "residence_permit_years": (0.0, 10.0),
    "residence_permit_social_insurance_years": (0.0, 10.0),
    "work_experience_years": (0.0, 25.0),
    "months_in_china_per_year": (0.0, 12.0),
    "exam_fee_paid_cny": (100.0, 3000.0),
}
_INTS: dict[str, tuple[int, int]] = {
    "university_world_rank": (1, 800),
    "university_subject_rank": (1, 100),
    "study_abroad_days": (0, 1500),
    "graduate_score": (40, 100),
    "social_insurance_months": (0, 120),
    "social_insurance_months_in_district": (0, 60),
    "skill_level": (0, 5),
    "residence_points": (60, 200),
    "hsk_level": (0, 6),
    "work_permit_points": (30, 110),
    "certificate_level": (1, 5),
    "youth_station_days_used_this_year": (0, 15),
    "youth_station_days_elsewhere": (0, 15),
}
_DATES: dict[str, tuple[int, int]] = {
    "birth_date": (-65 * 365, -18 * 365),
    "graduation_date": (-8 * 365, 365),
    "return_date": (-5 * 365, 0),
    "employment_start_date": (-10 * 365, 0),
    "contract_start_date": (-5 * 365, 0),
    "contract_end_date": (-60, 5 * 365),
    "certificate_date": (-3 * 365, 0),
}
_STRINGS: dict[str, list[str]] = {
    # Most applicants of the hukou and housing routes are Chinese citizens with a hukou
    # elsewhere; the routes refuse everyone else, so a flat draw would rarely reach them.
    "nationality": ["CN"] * 8 + ["US", "GB", "DE", "JP", "FR"],
    "hukou": ["other"] * 5 + ["shanghai", "none"],
    "degree_country": ["CN", "US", "GB", "AU", "JP", "DE"],
    "university_name": ["复旦大学", "Peking University", "同济大学", "MIT", "Other University"],
}


def random_profile(rng: random.Random, as_of: date, presence: float = 0.85) -> dict[str, Any]:
    """One raw (JSON-like) profile; dates are ISO strings as the API receives them."""
    profile: dict[str, Any] = {}
    for name in INPUT_FACTS:
        if rng.random() > presence:
            continue
        spec = FACTS[name]
        if name in _NUMBERS:
            low, high = _NUMBERS[name]
            profile[name] = round(rng.uniform(low, high), 1)
        elif name in _INTS:
            profile[name] = rng.randint(*_INTS[name])
        elif name in _DATES:
            profile[name] = (as_of + timedelta(days=rng.randint(*_DATES[name]))).isoformat()
        elif name in _STRINGS:
            profile[name] = rng.choice(_STRINGS[name])
        elif spec.type == "bool":
            profile[name] = rng.random() < 0.5
        elif spec.type == "enum":
            profile[name] = rng.choice(spec.codes)
        elif spec.type == "list":
            profile[name] = rng.sample(spec.codes, rng.choice([0, 0, 0, 1, 2]))
    return consistent(profile, as_of)


def consistent(profile: dict[str, Any], as_of: date) -> dict[str, Any]:
    """``profile`` (raw, valid value by value) made acceptable as a whole at ``as_of``: past-only
    dates after ``as_of`` moved to it, :data:`~app.rules.facts.ORDERED` pairs out of order
    swapped (until none is: a swap can break another pair), a foreign national's hukou set to
    none. Changes ``profile`` and returns it."""
    changed = True
    while changed:
        changed = False
        for name, value in profile.items():
            spec = FACTS[name]
            past_only = spec.type == "date" and spec.future == "refused"
            if past_only and value is not None and _day(value) > as_of:
                profile[name] = as_of.isoformat()
        for low, high, _ in ORDERED:
            first, second = profile.get(low), profile.get(high)
            if first is None or second is None:
                continue
            if FACTS[low].type == "date":
                first, second = _day(first), _day(second)
            if first > second:
                profile[low], profile[high] = profile[high], profile[low]
                changed = True
    nationality = profile.get("nationality")
    foreign = isinstance(nationality, str) and nationality.upper() != "CN"
    if foreign and profile.get("hukou") in HUKOU_HOLDERS:
        profile["hukou"] = "none"
    return profile


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
