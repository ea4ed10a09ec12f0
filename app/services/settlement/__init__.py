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
    LIST_SEPARATOR,
    WAITING_FOR,
    both_languages,
    bundle_service,
    is_bundle,
    is_bundle_code,
    waiting_reason,
)
from app.services.settlement.late_needs import (
    LATE_NEEDS_NOTICE,
    LATE_NEEDS_OPEN,
    LATE_NEEDS_WORKING_DAYS,
    NOTHING_ASKED,
    LateNeeds,
    answer_late_needs,
    choose_late_document,
    late_needs,
    late_needs_for,
    recheck_eligibility,
    refuse_unanswered_late_needs,
)
from app.services.settlement.lifecycle import (
    after_submit,
    after_verification,
    start,
)
from app.services.settlement.parts import (
    bundle_ref,
    cancel_open_parts,
    dispatch,
    on_part_changed,
    parts_view,
    verifications_view,
)
from app.services.settlement.routes import (
    change_route,
    route_label,
    route_options,
    routes_for,
)

__all__ = [
    "LATE_NEEDS_NOTICE",
    "LATE_NEEDS_OPEN",
    "LATE_NEEDS_WORKING_DAYS",
    "LIST_SEPARATOR",
    "LateNeeds",
    "NOTHING_ASKED",
    "WAITING_FOR",
    "after_submit",
    "after_verification",
    "answer_late_needs",
    "both_languages",
    "bundle_ref",
    "bundle_service",
    "cancel_open_parts",
    "change_route",
    "choose_late_document",
    "dispatch",
    "is_bundle",
    "is_bundle_code",
    "late_needs",
    "late_needs_for",
    "on_part_changed",
    "parts_view",
    "recheck_eligibility",
    "refuse_unanswered_late_needs",
    "route_label",
    "route_options",
    "routes_for",
    "start",
    "verifications_view",
    "waiting_reason",
]
