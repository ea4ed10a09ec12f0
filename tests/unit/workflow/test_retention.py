"""Retention rules and the destruction list's lifecycle (app.workflow.retention), and the
shipped rule sets every service names."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.catalog import shipped_retention_sets, shipped_services
from app.services.retention.rules import DEFAULT, parse_rules, shipped_rules
from app.workflow.retention import (
    DESTRUCTION_LISTS,
    CaseResult,
    DestructionListEvent,
    DestructionListStatus,
    Disposal,
    InvalidDestructionListChange,
    RecordPart,
    RetentionAnchor,
    RetentionRule,
    add_years,
    due_for_destruction,
    result_of,
    retention_until,
)
from app.workflow.states import CaseStatus

TEN_YEARS = RetentionRule(
    keeps=(RecordPart.CASE,),
    years=10,
    anchor=RetentionAnchor.DECISION_DATE,
    disposal=Disposal.DESTROY,
    assumed=True,
)
FOREVER = RetentionRule(
    keeps=(RecordPart.CASE,),
    years=None,
    anchor=RetentionAnchor.DECISION_DATE,
    disposal=Disposal.ARCHIVE,
    assumed=True,
)


class TestRetentionDate:
    def test_years_from_the_anchor(self) -> None:
        assert retention_until(TEN_YEARS, date(2020, 3, 5)) == date(2030, 3, 5)

    def test_29_february_becomes_28_february(self) -> None:
        assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)

    def test_no_date_while_the_anchor_is_unknown_or_archived(self) -> None:
        assert retention_until(TEN_YEARS, None) is None
        assert retention_until(FOREVER, date(2020, 1, 1)) is None

    def test_due_only_after_the_last_kept_day_and_never_when_archived(self) -> None:
        decided = date(2015, 6, 1)
        assert not due_for_destruction(TEN_YEARS, decided, date(2025, 6, 1))
        assert due_for_destruction(TEN_YEARS, decided, date(2025, 6, 2))
        assert not due_for_destruction(FOREVER, decided, date(2100, 1, 1))
        assert not due_for_destruction(TEN_YEARS, None, date(2100, 1, 1))

    def test_a_destroyed_record_needs_years_and_an_archived_one_has_none(self) -> None:
        with pytest.raises(ValueError):
            RetentionRule(
                (RecordPart.CASE,), None, RetentionAnchor.DECISION_DATE, Disposal.DESTROY, True
            )
        with pytest.raises(ValueError):
            RetentionRule(
                (RecordPart.CASE,), 5, RetentionAnchor.DECISION_DATE, Disposal.ARCHIVE, True
            )


class TestResults:
    def test_every_final_or_decided_status_has_a_result_and_open_ones_none(self) -> None:
        for status in CaseStatus.SETTLED:
            assert result_of(status) is not None, status
        assert result_of(CaseStatus.IN_REVIEW) is None
        assert result_of(CaseStatus.CLOSED) is CaseResult.APPROVED


class TestDestructionListLifecycle:
    def test_draft_is_submitted_then_approved(self) -> None:
        submitted = DESTRUCTION_LISTS.advance(
            DestructionListStatus.DRAFT, DestructionListEvent.SUBMIT
        )
        assert submitted is DestructionListStatus.SUBMITTED
        assert (
            DESTRUCTION_LISTS.advance(submitted, DestructionListEvent.APPROVE)
            is DestructionListStatus.DESTROYED
        )

    def test_a_draft_is_not_approved_and_a_destroyed_list_never_changes(self) -> None:
        with pytest.raises(InvalidDestructionListChange):
            DESTRUCTION_LISTS.advance(DestructionListStatus.DRAFT, DestructionListEvent.APPROVE)
        assert DESTRUCTION_LISTS.events_from(DestructionListStatus.DESTROYED) == []


class TestShippedRules:
    def test_every_set_parses_with_a_default(self) -> None:
        for name, raw in shipped_retention_sets().items():
            assert DEFAULT in parse_rules(raw), name

    def test_hukou_settlement_decisions_are_archived_permanently(self) -> None:
        for code in ("returnee_settlement", "talent_introduction", "settlement_bundle"):
            approved = shipped_rules(code)[CaseResult.APPROVED.value]
            assert approved.disposal is Disposal.ARCHIVE and approved.years is None

    def test_unsourced_figures_are_marked_assumed(self) -> None:
        for spec in shipped_services():
            for rule in shipped_rules(spec.code).values():
                assert rule.assumed or rule.source, spec.code
