"""A bundle part's lifecycle: the case table narrowed to what a part can do."""

from __future__ import annotations

import itertools

import pytest

from app.workflow import errors
from app.workflow.bundle import (
    CANCELLABLE,
    NOT_ON_PARTS,
    PARENT_ONLY,
    PART_FINAL,
    PART_STARTS,
    PART_STATUSES,
    PART_TRANSITIONS,
    ROUTE_CHANGEABLE,
    check_part_action,
)
from app.workflow.states import ActorRole, CaseAction, CaseStatus
from app.workflow.transitions import ACTION_RULES, TRANSITIONS, apply
from app.workflow.values import Actor, CaseSnapshot
from tests.unit.workflow.conftest import (
    APPLICANT_ID,
    FULL_SERVICE,
    good_payload,
    now_for,
    permitted_actor,
)

S, A = CaseStatus, CaseAction


def _part(status: CaseStatus) -> CaseSnapshot:
    """A part as the dispatch creates it: no employer to ask, no documents to follow."""
    return CaseSnapshot(id="part-1", status=status, version=1, applicant_id=APPLICANT_ID)


def _apply(status: CaseStatus, action: CaseAction) -> CaseStatus:
    actor = permitted_actor(action)
    if actor.role is ActorRole.APPLICANT:
        actor = Actor(APPLICANT_ID, actor.role)
    return apply(
        _part(status),
        action,
        actor,
        good_payload(action),
        expected_version=1,
        now=now_for(action),
        service=FULL_SERVICE,
    ).status


def test_the_part_statuses() -> None:
    assert {s.value for s in PART_STATUSES} == {
        "waiting",
        "accepted",
        "in_review",
        "review_supplement_requested",
        "approved",
        "rejected",
        "cancelled",
        "revoked",
    }
    assert {s.value for s in PART_FINAL} == {"rejected", "cancelled", "revoked"}
    assert {S.ACCEPTED, S.WAITING} == PART_STARTS


def test_the_part_table_is_part_of_the_case_table() -> None:
    for key, dst in PART_TRANSITIONS.items():
        assert TRANSITIONS[key] is dst
        assert key[1] not in NOT_ON_PARTS


@pytest.mark.parametrize(("key", "dst"), list(PART_TRANSITIONS.items()), ids=str)
def test_every_part_move_applies_through_the_case_workflow(
    key: tuple[CaseStatus, CaseAction], dst: CaseStatus
) -> None:
    check_part_action(key[1])
    assert _apply(*key) is dst


@pytest.mark.parametrize(
    ("status", "action"),
    [
        pair
        for pair in itertools.product(sorted(PART_STATUSES), CaseAction)
        if pair not in PART_TRANSITIONS and pair[1] not in NOT_ON_PARTS | PARENT_ONLY
    ],
    ids=str,
)
def test_every_other_move_is_refused_on_a_part(status: CaseStatus, action: CaseAction) -> None:
    with pytest.raises(errors.WorkflowError):
        _apply(status, action)


@pytest.mark.parametrize("action", sorted(NOT_ON_PARTS))
def test_the_bundles_own_actions_are_refused_on_a_part(action: CaseAction) -> None:
    with pytest.raises(errors.NotOnBundlePart) as caught:
        check_part_action(action)
    assert caught.value.to_dict()["action"] == action.value


def test_only_the_system_takes_the_parents_own_moves() -> None:
    for action in PARENT_ONLY:
        assert ACTION_RULES[action].roles == {ActorRole.SYSTEM}


def test_a_parts_final_statuses_have_no_way_out() -> None:
    for status, _action in PART_TRANSITIONS:
        assert status not in PART_FINAL


def test_cancellable_parts_are_those_the_table_cancels() -> None:
    assert {s for (s, a) in TRANSITIONS if a is A.CANCEL} == CANCELLABLE


def test_the_route_changes_only_before_acceptance() -> None:
    assert {s.value for s in ROUTE_CHANGEABLE} == {
        "submitted",
        "awaiting_data",
        "supplement_requested",
    }
    assert not ROUTE_CHANGEABLE & (S.RUNNING_CLOCK | S.SETTLED)
