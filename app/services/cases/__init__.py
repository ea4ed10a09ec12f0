"""The case engine: one lifecycle for every service type (views, actions, queues, deadlines,
follow-ups). Service types plug in through service_types; the engine imports none of them."""

from app.services.cases.actions import (
    CaseConflict,
    act,
    act_as_system,
)
from app.services.cases.assignment import (
    assign,
    assignees,
    can_reassign,
)
from app.services.cases.context import (
    actors_for,
    applicant_name,
    capabilities,
    employer_for,
    load_case,
    message_payload,
    snapshot,
    staff_name,
)
from app.services.cases.deadlines import (
    exact_deadline,
    pauses_of,
    stored_deadline,
    translated_deadline,
)
from app.services.cases.feedback import (
    RATING_FOLLOW_UP_DAYS,
    public_status,
    rate,
)
from app.services.cases.queue import (
    my_cases,
    queue,
    queue_services,
)
from app.services.cases.records import (
    add_note,
    attach_document,
    case_document_for_staff,
)
from app.services.cases.views import (
    case_view,
    new_case_view,
    timeline,
)

__all__ = [
    "CaseConflict",
    "RATING_FOLLOW_UP_DAYS",
    "act",
    "act_as_system",
    "actors_for",
    "add_note",
    "applicant_name",
    "assign",
    "assignees",
    "attach_document",
    "can_reassign",
    "capabilities",
    "case_document_for_staff",
    "case_view",
    "employer_for",
    "exact_deadline",
    "load_case",
    "message_payload",
    "my_cases",
    "new_case_view",
    "pauses_of",
    "public_status",
    "queue",
    "queue_services",
    "rate",
    "snapshot",
    "staff_name",
    "stored_deadline",
    "timeline",
    "translated_deadline",
]
