"""人才落户一件事: one form and one window; the departments' parts; one result.

The applicant starts a bundle (the outside systems are asked for their records at once), picks
the route the rules recommend, answers the one form and submits. The window accepts the bundle
once (一口受理); acceptance dispatches it: one part per department step, each an ordinary case
in that department's queue with its own deadline, waiting while an earlier step is open. As the
parts move, ``on_part_changed`` starts the waiting ones, cancels those behind a failed step and
finishes or fails the bundle; the result is handed out once, on the bundle.

Every move goes through the workflow with a version check, so two workers or two clerks acting
at once cannot dispatch twice (the (parent, part) unique key backs that up in the database)."""

from app.services.settlement.bundle import (
    is_bundle,
)
from app.services.settlement.late_needs import (
    answer_late_needs,
    choose_late_document,
    late_needs_for,
)
from app.services.settlement.lifecycle import (
    start,
)
from app.services.settlement.routes import (
    change_route,
    route_options,
    routes_for,
)

__all__ = [
    "answer_late_needs",
    "change_route",
    "choose_late_document",
    "is_bundle",
    "late_needs_for",
    "route_options",
    "routes_for",
    "start",
]
