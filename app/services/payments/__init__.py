"""Rent subsidies paid month by month (after OpenG2P): an approved case becomes an enrolment
with its schedule from the policy outputs; each month a cycle computes entitlements (re-checking
the conditions that can lapse), a finance maker reviews, a different finance checker approves,
a batch file goes to the bank and the bank's result file is reconciled. Failed payments are
carried to the next cycle. Every step is idempotent: running it twice changes nothing."""

from app.schemas.payments import (
    CycleRead,
    EnrolmentRead,
    EntitlementRead,
)
from app.services.payments.bank_files import (
    batch_file,
    reconcile,
)
from app.services.payments.common import (
    ACCOUNT_CONTEXT,
    add_months,
    first_of_month,
    mask_account,
    mask_name,
    months_between,
    notify_enrollee,
    require_permission,
    schedule_from,
)
from app.services.payments.cycles import (
    approve,
    cycle_view,
    generate_cycle,
    list_cycles,
    load_cycle,
    review,
)
from app.services.payments.enrolments import (
    SUBSIDY_SERVICES,
    change_status,
    enrol,
    my_subsidies,
    start_payments,
)

__all__ = [
    "ACCOUNT_CONTEXT",
    "CycleRead",
    "EnrolmentRead",
    "EntitlementRead",
    "SUBSIDY_SERVICES",
    "add_months",
    "approve",
    "batch_file",
    "change_status",
    "cycle_view",
    "enrol",
    "first_of_month",
    "generate_cycle",
    "list_cycles",
    "load_cycle",
    "mask_account",
    "mask_name",
    "months_between",
    "my_subsidies",
    "notify_enrollee",
    "reconcile",
    "require_permission",
    "review",
    "schedule_from",
    "start_payments",
]
