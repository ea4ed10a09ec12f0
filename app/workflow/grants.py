"""One-off grants paid through finance: an approved money decision (an exam fee reimbursed, a
skills subsidy, an organisation's grant) becomes one payable entitlement, ``grant_payment``.

``GrantStatus`` is ``grant_payment.status``. A grant waits for the beneficiary's bank account,
is taken into the next monthly payment run beside the rent subsidies (one line of
``subsidy_entitlement``), and is paid, or retried once in the following run, or returned to
the case when the bank fails it again (the beneficiary gives another account and it is ready
again). ``decided_amount`` is the approver's amount checked against the rules' amount.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from app.i18n import N_
from app.workflow.errors import InvalidStatusChange, WorkflowInvalid
from app.workflow.lifecycle import Lifecycle
from app.workflow.states import CaseAction


class PaymentKind(StrEnum):
    """The catalog's ``payment`` key: how an approved case of the service is paid."""

    ONE_OFF = "one_off"  # one payable entitlement for the decided amount


class GrantStatus(StrEnum):
    AWAITING_ACCOUNT = "awaiting_account"  # the beneficiary has not given a bank account
    READY = "ready"  # the next payment run takes it
    IN_RUN = "in_run"  # a line of a payment run, awaiting the bank's result
    PAID = "paid"
    RETURNED = "returned"  # the bank failed it twice: back to the case for another account
    CANCELLED = "cancelled"  # the approval was revoked before the grant was paid

    FINAL: ClassVar[frozenset[GrantStatus]]
    # The beneficiary may give (or change) the account paid into.
    ACCOUNT_OPEN: ClassVar[frozenset[GrantStatus]]


GrantStatus.FINAL = frozenset({GrantStatus.PAID, GrantStatus.CANCELLED})
GrantStatus.ACCOUNT_OPEN = frozenset(
    {GrantStatus.AWAITING_ACCOUNT, GrantStatus.READY, GrantStatus.RETURNED}
)


STATUS_LABELS: dict[GrantStatus, str] = {
    GrantStatus.AWAITING_ACCOUNT: N_("Waiting for the bank account"),
    GrantStatus.READY: N_("Ready for the next payment run"),
    GrantStatus.IN_RUN: N_("In a payment run"),
    GrantStatus.PAID: N_("Paid"),
    GrantStatus.RETURNED: N_("Returned by the bank: give another account"),
    GrantStatus.CANCELLED: N_("Cancelled: the approval was revoked"),
}


# A programme award's instalment is cancelled only by the membership's end (the expiry round
# cancels those dated after its last day), never by a revoked approval: it has no case.
MEMBERSHIP_ENDED = N_("Not paid: the membership ended before this date")


def status_label(status: str, *, award_instalment: bool) -> str:
    """The msgid of a grant's status as its beneficiary reads it."""
    if award_instalment and status == GrantStatus.CANCELLED:
        return MEMBERSHIP_ENDED
    return STATUS_LABELS[GrantStatus(status)]


class GrantEvent(StrEnum):
    ACCOUNT_GIVEN = "account_given"
    INCLUDE = "include"  # a payment run took it
    PAID = "paid"  # the bank's result file
    RETRY = "retry"  # the bank failed it the first time: the next run tries again
    RETURN = "return"  # failed again: returned to the case
    CANCEL = "cancel"  # the approval was revoked; a grant already in a run is left to the bank


class InvalidGrantChange(InvalidStatusChange):
    code = "grant_payment_settled"
    message = N_("This payment has moved on; reload the page.")
    lifecycle = "grant_payment"


GRANTS: Lifecycle[GrantStatus, GrantEvent] = Lifecycle(
    GrantStatus,
    GrantEvent,
    {
        (GrantStatus.AWAITING_ACCOUNT, GrantEvent.ACCOUNT_GIVEN): GrantStatus.READY,
        (GrantStatus.READY, GrantEvent.ACCOUNT_GIVEN): GrantStatus.READY,
        (GrantStatus.RETURNED, GrantEvent.ACCOUNT_GIVEN): GrantStatus.READY,
        (GrantStatus.READY, GrantEvent.INCLUDE): GrantStatus.IN_RUN,
        (GrantStatus.IN_RUN, GrantEvent.PAID): GrantStatus.PAID,
        (GrantStatus.IN_RUN, GrantEvent.RETRY): GrantStatus.READY,
        (GrantStatus.IN_RUN, GrantEvent.RETURN): GrantStatus.RETURNED,
        (GrantStatus.AWAITING_ACCOUNT, GrantEvent.CANCEL): GrantStatus.CANCELLED,
        (GrantStatus.READY, GrantEvent.CANCEL): GrantStatus.CANCELLED,
        (GrantStatus.RETURNED, GrantEvent.CANCEL): GrantStatus.CANCELLED,
    },
    GrantStatus.FINAL,
    InvalidGrantChange,
)


class AmountRefused(WorkflowInvalid):
    code = "invalid_amount"
    message = N_("Enter the amount decided, a whole number of yuan above zero.")


class AmountAboveRules(WorkflowInvalid):
    code = "amount_above_rules"
    message = N_("The amount decided cannot be more than the {rules_amount} yuan the rules give.")


class NothingToPay(WorkflowInvalid):
    code = "rules_give_nothing"
    message = N_(
        "The rules give 0 yuan for this case, so it cannot be approved for payment: reject it "
        "with the rules' reason."
    )


def rules_amount(outputs: object, status: object = None) -> int | None:
    """The amount the policy's formula gave (``amount_cny`` among the eligibility outputs), or
    None when the policy gives none. An amount of 0 (or below) is a ceiling of 0, never "no
    ceiling": the rules computed nothing to pay, so nothing may be approved for payment. So is
    an ineligible result's (``status``) amount, which is null only because it grants nothing."""
    if not isinstance(outputs, dict) or "amount_cny" not in outputs:
        return None
    value = outputs.get("amount_cny")
    if status == "ineligible":
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(int(value), 0)


def case_rules_amount(eligibility_result: dict[str, object] | None) -> int | None:
    """``rules_amount`` of a case's stored eligibility result."""
    result = eligibility_result or {}
    return rules_amount(result.get("outputs"), result.get("status"))


def payment_ceiling(
    eligibility_result: dict[str, object] | None,
    filed_amount: int | None,
    *,
    organisation_filed: bool,
) -> int | None:
    """The most a money decision may grant: what an organisation's claim filed (its checked
    lines added up: a batch claim's rules amount is one line's), else the rules' amount, else
    whatever amount the case carries."""
    if organisation_filed and filed_amount is not None:
        return filed_amount
    from_rules = case_rules_amount(eligibility_result)
    return filed_amount if from_rules is None else from_rules


def decided_amount(requested: int | None, from_rules: int | None) -> int:
    """The amount an approver decides: the rules' amount by default; an amount they enter must
    be a whole positive number of yuan and not above the rules' amount (any, where the policy
    gives none). A ceiling of 0 refuses any approval for payment."""
    if from_rules == 0:
        raise NothingToPay(CaseAction.APPROVE)
    amount = requested if requested is not None else from_rules
    if amount is None or isinstance(amount, bool) or amount <= 0:
        raise AmountRefused(CaseAction.APPROVE)
    if from_rules is not None and amount > from_rules:
        raise AmountAboveRules(CaseAction.APPROVE, rules_amount=from_rules)
    return amount
