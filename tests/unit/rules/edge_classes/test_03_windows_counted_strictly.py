"""Class 3: windows and age limits counted to the day, inclusive or exclusive as the source says."""

from __future__ import annotations

import pytest

from tests.unit.rules.edge_classes import check_class, policies_tagged

TOUCHED = frozenset(
    {
        "shanghai.graduate_settlement",
        "shanghai.returnee_settlement",
        "shanghai.youth_station",
        "yangpu.rent_subsidy",
        "changning.returnee_apartment_subsidy",
        "shanghai.skills_subsidy",
        "yangpu.exam_fee_reimbursement",
    }
)


@pytest.mark.parametrize("policy_id", sorted(TOUCHED | policies_tagged("windows_counted_strictly")))
def test_windows_counted_strictly(policy_id: str) -> None:
    check_class("windows_counted_strictly", policy_id, TOUCHED)
