"""Class 1: who may use a route at all (citizenship, hukou, what an incentive lifts)."""

from __future__ import annotations

import pytest

from tests.unit.rules.edge_classes import check_class, policies_tagged

TOUCHED = frozenset(
    {
        "shanghai.returnee_settlement",
        "shanghai.graduate_settlement",
        "shanghai.talent_introduction",
        "shanghai.residence_to_hukou",
        "shanghai.residence_points",
        "national.foreign_work_permit",
        "changning.returnee_apartment_subsidy",
    }
)


@pytest.mark.parametrize("policy_id", sorted(TOUCHED | policies_tagged("route_access")))
def test_who_may_use_a_route(policy_id: str) -> None:
    check_class("route_access", policy_id, TOUCHED)
