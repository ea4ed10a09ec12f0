"""One-off grants: the lifecycle of a payable grant and the amount an approver decides."""

from __future__ import annotations

import pytest

from app.workflow.grants import (
    GRANTS,
    MEMBERSHIP_ENDED,
    STATUS_LABELS,
    AmountAboveRules,
    AmountRefused,
    GrantEvent,
    GrantStatus,
    InvalidGrantChange,
    NothingToPay,
    PaymentKind,
    case_rules_amount,
    decided_amount,
    rules_amount,
    status_label,
)

G, E = GrantStatus, GrantEvent


def test_the_stored_values() -> None:
    assert [s.value for s in GrantStatus] == [
        "awaiting_account",
        "ready",
        "in_run",
        "paid",
        "returned",
        "cancelled",
    ]
    assert [k.value for k in PaymentKind] == ["one_off"]


def test_a_grant_waits_for_an_account_is_paid_in_a_run_and_never_leaves_paid() -> None:
    status = GRANTS.advance(G.AWAITING_ACCOUNT, E.ACCOUNT_GIVEN)
    assert status is G.READY
    status = GRANTS.advance(status, E.INCLUDE)
    assert status is G.IN_RUN
    assert GRANTS.advance(status, E.PAID) is G.PAID
    assert GRANTS.events_from(G.PAID) == []
    assert {G.PAID, G.CANCELLED} == G.FINAL


def test_failed_once_it_is_retried_failed_again_it_is_returned_until_a_new_account() -> None:
    assert GRANTS.advance(G.IN_RUN, E.RETRY) is G.READY
    assert GRANTS.advance(G.IN_RUN, E.RETURN) is G.RETURNED
    assert GRANTS.advance(G.RETURNED, E.ACCOUNT_GIVEN) is G.READY
    with pytest.raises(InvalidGrantChange):
        GRANTS.advance(G.RETURNED, E.INCLUDE)


def test_the_account_is_fixed_while_the_bank_has_it_and_a_grant_in_a_run_is_not_cancelled() -> None:
    assert not GRANTS.allows(G.IN_RUN, E.ACCOUNT_GIVEN)
    assert not GRANTS.allows(G.IN_RUN, E.CANCEL)
    assert {s for s in G if GRANTS.allows(s, E.ACCOUNT_GIVEN)} == G.ACCOUNT_OPEN
    for status in (G.AWAITING_ACCOUNT, G.READY, G.RETURNED):
        assert GRANTS.advance(status, E.CANCEL) is G.CANCELLED


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [
        ({"amount_cny": 450.0}, 450),
        ({"amount_cny": 2500}, 2500),
        ({"amount_cny": None}, None),
        # The rules computed nothing to pay: a ceiling of 0, not "no ceiling".
        ({"amount_cny": 0}, 0),
        ({"amount_cny": 0.99}, 0),
        ({"amount_cny": -3}, 0),
        ({"amount_cny": True}, None),
        ({}, None),
        (None, None),
    ],
)
def test_the_rules_amount(outputs: object, expected: int | None) -> None:
    assert rules_amount(outputs) == expected


def test_an_ineligible_result_gives_nothing_when_the_policy_has_an_amount() -> None:
    assert case_rules_amount({"status": "ineligible", "outputs": {"amount_cny": None}}) == 0
    assert case_rules_amount({"status": "eligible", "outputs": {"amount_cny": 100}}) == 100
    # A policy without an amount formula leaves the amount to the approver, as before.
    assert case_rules_amount({"status": "ineligible", "outputs": {}}) is None
    assert case_rules_amount({"status": "unknown", "outputs": {"amount_cny": None}}) is None
    assert case_rules_amount(None) is None


def test_a_ceiling_of_zero_refuses_every_amount() -> None:
    for requested in (None, 1, 999_999):
        with pytest.raises(NothingToPay):
            decided_amount(requested, 0)


def test_the_decided_amount_defaults_to_the_rules_and_is_never_above_them() -> None:
    assert decided_amount(None, 450) == 450
    assert decided_amount(300, 450) == 300
    assert decided_amount(450, 450) == 450
    with pytest.raises(AmountAboveRules) as raised:
        decided_amount(451, 450)
    assert raised.value.details()["rules_amount"] == 450
    for bad in (0, -5):
        with pytest.raises(AmountRefused):
            decided_amount(bad, 450)


def test_without_an_amount_in_the_policy_the_approver_must_enter_one() -> None:
    assert decided_amount(12000, None) == 12000
    with pytest.raises(AmountRefused):
        decided_amount(None, None)


def test_an_award_instalment_cancelled_reads_as_the_membership_ended() -> None:
    assert status_label("cancelled", award_instalment=True) == MEMBERSHIP_ENDED
    assert status_label("cancelled", award_instalment=False) == STATUS_LABELS[G.CANCELLED]
    assert status_label("ready", award_instalment=True) == STATUS_LABELS[G.READY]
    assert STATUS_LABELS[G.CANCELLED] != MEMBERSHIP_ENDED
