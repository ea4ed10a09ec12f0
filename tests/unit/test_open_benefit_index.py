"""The unique index over open benefit cases names the final statuses in SQL; they must be the
workflow's (a status added to CaseStatus.FINAL and not here would keep such cases "open")."""

from app.models.cases import FINAL_CASE_STATUSES, OPEN_BENEFIT_CASE
from app.workflow.states import CaseStatus


def test_the_index_names_exactly_the_final_statuses() -> None:
    assert set(FINAL_CASE_STATUSES) == {s.value for s in CaseStatus.FINAL}
    assert all(f"'{s}'" in OPEN_BENEFIT_CASE for s in FINAL_CASE_STATUSES)
