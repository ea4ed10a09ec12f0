"""The case engine: one lifecycle for every service type (views, actions, queues, deadlines,
follow-ups). Service types plug in through service_types; the engine imports none of them."""

from app.services.cases.actions import (
    act,
    act_as_system,
)
from app.services.cases.assignment import (
    assign,
    assignees,
)
from app.services.cases.context import (
    message_payload,
)
from app.services.cases.feedback import (
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
)

__all__ = [
    "act",
    "act_as_system",
    "add_note",
    "assign",
    "assignees",
    "attach_document",
    "case_document_for_staff",
    "case_view",
    "message_payload",
    "my_cases",
    "public_status",
    "queue",
    "queue_services",
    "rate",
]
