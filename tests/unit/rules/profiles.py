"""Profiles shared by several test modules."""

from __future__ import annotations

from datetime import date

AS_OF = date(2026, 11, 22)

RETURNEE = {
    "nationality": "CN",
    "highest_degree": "doctorate",
    "degree_country": "US",
    "university_world_rank": 30,
    "return_date": "2026-08-22",
    "owns_home_in_shanghai": False,
    "has_other_housing_benefit": False,
}
"""A PRC citizen with a doctorate from a world top-100 university back three months before
``AS_OF``, no home."""
