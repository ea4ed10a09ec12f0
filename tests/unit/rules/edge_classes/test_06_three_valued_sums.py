"""Class 6: sums whose known terms already decide the outcome are decided, not unknown."""

from __future__ import annotations

import pytest

from tests.unit.rules.edge_classes import check_class, policies_tagged

TOUCHED = frozenset(
    {
        "shanghai.residence_points",
        "national.foreign_work_permit",
    }
)


@pytest.mark.parametrize("policy_id", sorted(TOUCHED | policies_tagged("three_valued_sums")))
def test_three_valued_sums(policy_id: str) -> None:
    check_class("three_valued_sums", policy_id, TOUCHED)
