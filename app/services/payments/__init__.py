"""Rent subsidies paid month by month (after OpenG2P): an approved case becomes an enrolment
with its schedule from the policy outputs; each month a cycle computes entitlements (re-checking
the conditions that can lapse), a finance maker reviews, a different finance checker approves,
a batch file goes to the bank and the bank's result file is reconciled. Failed payments are
carried to the next cycle. Every step is idempotent: running it twice changes nothing."""

from app.schemas.payments import (
    CycleRead,
    EnrolmentRead,
)
from app.services.payments.bank_files import (
    batch_file,
    reconcile,
)
from app.services.payments.common import (
    add_months,
)
from app.services.payments.cycles import (
    approve,
    generate_cycle,
    list_cycles,
    review,
)
from app.services.payments.enrolments import (
    change_status,
    my_subsidies,
    start_payments,
)

__all__ = [
    "CycleRead",
    "EnrolmentRead",
    "add_months",
    "approve",
    "batch_file",
    "change_status",
    "generate_cycle",
    "list_cycles",
    "my_subsidies",
    "reconcile",
    "review",
    "start_payments",
]
