"""Class 2: durations computed from the dates themselves, not sums of rounded months."""

from __future__ import annotations

import pytest

from tests.unit.rules.edge_classes import check_class, policies_tagged

TOUCHED = frozenset(
    {
        "shanghai.returnee_settlement",
        "shanghai.graduate_settlement",
        "yangpu.talent_apartment",
        "changning.talent_apartment",
    }
)


@pytest.mark.parametrize("policy_id", sorted(TOUCHED | policies_tagged("durations_from_dates")))
def test_durations_from_dates(policy_id: str) -> None:
    check_class("durations_from_dates", policy_id, TOUCHED)
