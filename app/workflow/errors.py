"""Typed refusals of the case workflow and of the other status lifecycles.

Each error has a stable ``code`` (for API clients and tests) and an English ``message`` msgid that
the caller translates; the details travel as attributes, not inside the message, so a translated
sentence never shows a raw status code. The three base classes tell the web layer the kind of
answer: a conflict with the case's current state (409), a forbidden actor (403) or an incomplete
or unusable request (422).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from app.i18n import N_
from app.workflow.states import ActorRole, CaseAction, CaseStatus, ServiceCapability

Detail = str | int | list[str] | None


class WorkflowError(Exception):
    code: ClassVar[str] = "workflow_error"
    message: ClassVar[str] = N_("This action cannot be done on this case.")

    # ``action`` is the case action refused, or the event refused by another lifecycle.
    def __init__(self, action: CaseAction | StrEnum, **details: Detail) -> None:
        super().__init__(f"{self.code}: {action}")
        self.action = action
        self._details = details

    def details(self) -> dict[str, Detail]:
        """What a client needs beyond the code, e.g. the current state after losing a race."""
        return {"action": str(self.action), **self._details}

    def to_dict(self) -> dict[str, Detail]:
        return {"code": self.code, "message": self.message, **self.details()}


class WorkflowConflict(WorkflowError):
    """The case is not in a state that allows the action (HTTP 409)."""


class WorkflowForbidden(WorkflowError):
    """The actor may not perform the action on this case (HTTP 403)."""


class WorkflowInvalid(WorkflowError):
    """The request lacks something the action needs, or the service does not offer it (422)."""


class InvalidTransition(WorkflowConflict):
    code = "invalid_transition"
    message = N_("This action is not possible while the case has its current status.")

    def __init__(self, current_status: CaseStatus, action: CaseAction) -> None:
        super().__init__(action, current_status=str(current_status))
        self.current_status = current_status


class StaleVersion(WorkflowConflict):
    code = "stale_version"
    message = N_("Someone else changed this case a moment ago. Reload it to see its status.")

    def __init__(
        self, current_version: int, current_status: CaseStatus, action: CaseAction
    ) -> None:
        super().__init__(
            action, current_version=current_version, current_status=str(current_status)
        )
        self.current_version = current_version
        self.current_status = current_status


class NotAllowed(WorkflowForbidden):
    code = "not_allowed"
    message = N_("Your role cannot do this.")

    def __init__(self, role: ActorRole, action: CaseAction) -> None:
        super().__init__(action, role=str(role))
        self.role = role


class NotCaseParty(NotAllowed):
    code = "not_case_party"
    message = N_("Only the applicant or the employer named on this case can do this.")


class ReviewerCannotDecide(NotAllowed):
    code = "reviewer_cannot_decide"
    message = N_(
        "You reviewed this case, so another approver must decide it (four-eyes principle)."
    )


class ActionNotOffered(WorkflowInvalid):
    code = "not_offered"
    message = N_("This service does not offer this option.")

    def __init__(self, action: CaseAction, capability: ServiceCapability) -> None:
        super().__init__(action, capability=str(capability))
        self.capability = capability


class MissingReason(WorkflowInvalid):
    code = "missing_reason"
    message = N_("Give a reason.")


class MissingClause(WorkflowInvalid):
    code = "missing_clause"
    message = N_("Give the clause this decision is based on.")


class MissingItems(WorkflowInvalid):
    code = "missing_items"
    message = N_("List every missing item in this one notice.")


class MissingDueDate(WorkflowInvalid):
    code = "missing_due_date"
    message = N_("Give a due date.")


class DueDateNotInFuture(WorkflowInvalid):
    code = "due_date_not_in_future"
    message = N_("The due date must be after today.")

    def __init__(self, action: CaseAction, due_on: date, today: date) -> None:
        super().__init__(action, due_on=due_on.isoformat())
        self.due_on = due_on
        self.today = today


class MissingDelivery(WorkflowInvalid):
    code = "missing_delivery"
    message = N_("Choose how the result is handed over: at a window or by post.")


class MissingTrackingNumber(WorkflowInvalid):
    code = "missing_tracking_number"
    message = N_("Give the postal tracking number.")


class NoEmployerOnCase(WorkflowInvalid):
    code = "no_employer"
    message = N_("This application names no employer.")


class EmployerConfirmationRequired(WorkflowConflict):
    code = "employer_confirmation_required"
    message = N_("The employer has not confirmed the employment yet.")


class EmploymentAlreadyConfirmed(WorkflowConflict):
    code = "employment_already_confirmed"
    message = N_("The employer has already confirmed the employment.")


class MaterialsStillPending(WorkflowConflict):
    code = "materials_pending"
    message = N_("Documents that were to follow have not all arrived yet.")

    def __init__(self, action: CaseAction, pending: tuple[str, ...]) -> None:
        super().__init__(action, pending=list(pending))
        self.pending = pending


class NoPendingMaterials(WorkflowConflict):
    code = "no_pending_materials"
    message = N_("No documents are waiting to follow.")


class PendingMaterialsNotDue(WorkflowConflict):
    code = "pending_materials_not_due"
    message = N_("The documents that were to follow are not overdue yet.")

    def __init__(self, action: CaseAction, due_on: date) -> None:
        super().__init__(action, due_on=due_on.isoformat())
        self.due_on = due_on


class UnknownPendingItems(WorkflowInvalid):
    code = "unknown_pending_items"
    message = N_("Some items are not among the documents that were to follow.")

    def __init__(self, action: CaseAction, unknown: tuple[str, ...]) -> None:
        super().__init__(action, unknown=list(unknown))
        self.unknown = unknown


class NotOnBundlePart(WorkflowInvalid):
    """人才落户一件事: the result is handed out, and the application withdrawn, on the bundle."""

    code = "not_on_bundle_part"
    message = N_("This is one step of a bundle: its result is handed out once, on the bundle.")


# --- Status lifecycles besides the case's own (``app.workflow.lifecycle``) -------------------


class InvalidStatusChange(WorkflowConflict):
    """A move the lifecycle's table does not allow from the row's current status.

    One subclass per lifecycle, so each refusal reads in terms of its own thing.
    """

    code = "invalid_status_change"
    message = N_("This change is not possible in the current status.")
    lifecycle: ClassVar[str] = ""

    def __init__(self, current_status: StrEnum, event: StrEnum) -> None:
        super().__init__(event, lifecycle=self.lifecycle, current_status=str(current_status))
        self.current_status = current_status
        self.event = event


class InvalidApplicationChange(InvalidStatusChange):
    code = "application_submitted"
    message = N_("This application has been submitted and can no longer be changed.")
    lifecycle = "application"


class InvalidFactCheckChange(InvalidStatusChange):
    code = "fact_check_answered"
    message = N_("This system has already answered; there is nothing to enter.")
    lifecycle = "fact_check"


class InvalidScheduleChange(InvalidStatusChange):
    code = "schedule_not_pending"
    message = N_("This reminder or scheduled action has already been carried out or cancelled.")
    lifecycle = "schedule"


class InvalidCommitmentCheckChange(InvalidStatusChange):
    code = "commitment_check_closed"
    message = N_("This verification task has already been closed. Reload the list.")
    lifecycle = "commitment_check"


class InvalidFollowUpChange(InvalidStatusChange):
    code = "follow_up_recorded"
    message = N_("This follow-up has already been recorded. Reload the list.")
    lifecycle = "follow_up"


class InvalidCycleChange(InvalidStatusChange):
    code = "invalid_cycle_step"
    message = N_("This step is not possible in the payment cycle's current status.")
    lifecycle = "payment_cycle"


class InvalidEnrolmentChange(InvalidStatusChange):
    code = "invalid_enrolment_change"
    message = N_("This change is not possible in the enrolment's current status.")
    lifecycle = "enrolment"


class InvalidEntitlementChange(InvalidStatusChange):
    code = "invalid_entitlement_change"
    message = N_("This payment has already been settled or carried forward.")
    lifecycle = "entitlement"


class InvalidUnitChange(InvalidStatusChange):
    code = "invalid_unit_change"
    message = N_("This change is not possible in the apartment's current status.")
    lifecycle = "apartment_unit"


class InvalidWaitlistChange(InvalidStatusChange):
    code = "invalid_waitlist_change"
    message = N_("This change is not possible for this place on the waiting list.")
    lifecycle = "waitlist_entry"


class InvalidOfferChange(InvalidStatusChange):
    code = "offer_not_open"
    message = N_("This offer is no longer open.")
    lifecycle = "apartment_offer"


class InvalidLeaseChange(InvalidStatusChange):
    code = "lease_ended"
    message = N_("This lease has already ended.")
    lifecycle = "lease"


class InvalidOutboxChange(InvalidStatusChange):
    code = "message_settled"
    message = N_("This message has already been sent or given up on.")
    lifecycle = "outbox_message"


class InvalidIndicatorValueChange(InvalidStatusChange):
    code = "indicator_value_settled"
    message = N_("This figure has already been confirmed or rejected.")
    lifecycle = "indicator_value"


class InvalidSnapshotChange(InvalidStatusChange):
    code = "snapshot_not_editable"
    message = N_(
        "This evaluation cannot be changed in its current status; a published one never "
        "changes (publish a correction instead)."
    )
    lifecycle = "indicator_snapshot"


class InvalidOrganisationChange(InvalidStatusChange):
    code = "organisation_status"
    message = N_("This organisation's verification has already moved on. Reload the page.")
    lifecycle = "organisation"


class InvalidAppointmentChange(InvalidStatusChange):
    code = "invalid_appointment_change"
    message = N_("This appointment can no longer be changed.")
    lifecycle = "appointment"


class InvalidStayChange(InvalidStatusChange):
    code = "invalid_stay_change"
    message = N_("This stay can no longer be changed.")
    lifecycle = "youth_station_stay"


class InvalidServiceCardChange(InvalidStatusChange):
    code = "service_card_settled"
    message = N_("This service card has already been revoked or has expired.")
    lifecycle = "service_card"
