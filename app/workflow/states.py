"""Vocabularies of the case workflow: statuses, actions, the roles that act, and their labels.

Labels are English msgids marked with ``N_``; they are translated where they are shown, so the
timeline and the buttons read in the applicant's or the clerk's language.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from app.i18n import N_


class CaseStatus(StrEnum):
    """The values stored in ``service_case.status`` (and an event's from/to status).

    The named sets below the members are the one definition of each group of statuses; they are
    filled in after the class because the members do not exist yet inside its body.
    """

    SUBMITTED = "submitted"
    AWAITING_EMPLOYER = "awaiting_employer"  # 待单位确认
    SUPPLEMENT_REQUESTED = "supplement_requested"  # 补正 before acceptance (一次性告知)
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    ACCEPTED = "accepted"  # 受理 (also 容缺受理, with pending materials on the case)
    IN_REVIEW = "in_review"
    # 补正 during review; a status of its own because it must return to review, not to intake.
    REVIEW_SUPPLEMENT_REQUESTED = "review_supplement_requested"
    APPROVED = "approved"  # also 告知承诺, flagged on the case
    REJECTED = "rejected"  # 不予批准
    RESULT_ISSUED = "result_issued"  # 出件
    CLOSED = "closed"  # 办结
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"  # 容缺 materials not delivered by the due date
    REVOKED = "revoked"  # 撤销, e.g. a 告知承诺 commitment found untrue on verification
    # 人才落户一件事: the parent case of a bundle, and the parts each department handles.
    AWAITING_DATA = "awaiting_data"  # an outside system has not answered yet; retried by a job
    IN_PROGRESS = "in_progress"  # parts dispatched to the departments
    WAITING = "waiting"  # a part whose earlier step is not approved yet
    CANCELLED = "cancelled"  # a part stopped because an earlier step failed or the bundle ended

    # Handling has ended: every reminder and scheduled action is dropped on entry, the case is
    # closed (``closed_at``) and leaves the "mine" queue. Only CLOSED leads on, to REVOKED (a
    # 告知承诺 found untrue on verification): a final status only ever leads to another one.
    FINAL: ClassVar[frozenset[CaseStatus]]
    # An approval stands: a bundle part counts as done, subsidy payments may start, and a
    # 告知承诺 verification task stays open through them.
    APPROVAL_STANDS: ClassVar[frozenset[CaseStatus]]
    # The result has been handed over (出件): the applicant may rate the service.
    RESULT_HANDED_OVER: ClassVar[frozenset[CaseStatus]]
    # Decided or ended: the working-day clock has stopped for good, so no deadline is shown,
    # and a bundle part here no longer holds up its bundle. Wider than FINAL by the approval
    # statuses, which still lead on (result, closing, revocation) but owe no more deadline.
    SETTLED: ClassVar[frozenset[CaseStatus]]
    # Waiting for the applicant's supplement (补正): the clock stands still.
    PAUSED: ClassVar[frozenset[CaseStatus]]
    # Accepted and not paused: the clock runs, so only these can fall behind their deadline.
    RUNNING_CLOCK: ClassVar[frozenset[CaseStatus]]


_S = CaseStatus
CaseStatus.FINAL = frozenset(
    {_S.NOT_ACCEPTED, _S.REJECTED, _S.WITHDRAWN, _S.TERMINATED, _S.REVOKED, _S.CLOSED, _S.CANCELLED}
)
CaseStatus.APPROVAL_STANDS = frozenset({_S.APPROVED, _S.RESULT_ISSUED, _S.CLOSED})
CaseStatus.RESULT_HANDED_OVER = frozenset({_S.RESULT_ISSUED, _S.CLOSED})
CaseStatus.SETTLED = _S.FINAL | _S.APPROVAL_STANDS
CaseStatus.PAUSED = frozenset({_S.SUPPLEMENT_REQUESTED, _S.REVIEW_SUPPLEMENT_REQUESTED})
CaseStatus.RUNNING_CLOCK = frozenset({_S.ACCEPTED, _S.IN_REVIEW, _S.IN_PROGRESS})


class CaseAction(StrEnum):
    REQUEST_EMPLOYER_CONFIRMATION = "request_employer_confirmation"
    CONFIRM_EMPLOYMENT = "confirm_employment"
    DENY_EMPLOYMENT = "deny_employment"
    # Staff record the employer's signed letter instead of its answer in the portal (the
    # employer is not registered, or does not answer): audited, with the letter on the case.
    RECORD_PAPER_CONFIRMATION = "record_paper_confirmation"
    ACCEPT = "accept"
    ACCEPT_WITH_PENDING_MATERIALS = "accept_with_pending_materials"  # 容缺受理
    REQUEST_SUPPLEMENT = "request_supplement"
    RECEIVE_SUPPLEMENT = "receive_supplement"
    NOT_ACCEPT = "not_accept"
    RECEIVE_PENDING_MATERIALS = "receive_pending_materials"
    EXPIRE_PENDING_MATERIALS = "expire_pending_materials"
    START_REVIEW = "start_review"
    # 审核意见: the reviewer's opinion, passed to the approver; the case stays in review.
    RECOMMEND_APPROVAL = "recommend_approval"
    RECOMMEND_REJECTION = "recommend_rejection"
    APPROVE = "approve"
    APPROVE_ON_COMMITMENT = "approve_on_commitment"  # 告知承诺
    REJECT = "reject"
    ISSUE_RESULT = "issue_result"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    REVOKE = "revoke"
    # Bundles (taken by the system as the parts move; see ``app.workflow.bundle``).
    WAIT_FOR_DATA = "wait_for_data"
    RECEIVE_DATA = "receive_data"
    DISPATCH = "dispatch"
    RELEASE = "release"
    CANCEL = "cancel"
    COMPLETE_PARTS = "complete_parts"
    FAIL_PART = "fail_part"


class ActorRole(StrEnum):
    """Who acts on a case. Wider than ``app.domain.Role``: applicants, employers and the
    scheduler act too, and staff roles outside case handling never appear here."""

    APPLICANT = "applicant"
    WINDOW_CLERK = "window_clerk"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    EMPLOYER = "employer"
    SYSTEM = "system"
    SUPERVISOR = "supervisor"


class ResultDelivery(StrEnum):
    WINDOW = "window"  # collected at a service window
    POST = "post"  # 邮寄
    ONLINE = "online"  # 不见面: the applicant downloads the written decision (a verifiable PDF)


class ServiceCapability(StrEnum):
    MISSING_MATERIALS = "missing_materials"  # 容缺受理
    COMMITMENT = "commitment"  # 告知承诺
    EMPLOYER_CONFIRMATION = "employer_confirmation"


# Plain-language timeline labels, written for the applicant (the public status page shows them).
STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.SUBMITTED: N_("Application received"),
    CaseStatus.AWAITING_EMPLOYER: N_("Waiting for your employer to confirm"),
    CaseStatus.SUPPLEMENT_REQUESTED: N_("More documents needed before we can accept"),
    CaseStatus.NOT_ACCEPTED: N_("Application not accepted"),
    CaseStatus.ACCEPTED: N_("Application accepted"),
    CaseStatus.IN_REVIEW: N_("Being reviewed"),
    CaseStatus.REVIEW_SUPPLEMENT_REQUESTED: N_("More documents needed to continue the review"),
    CaseStatus.APPROVED: N_("Approved"),
    CaseStatus.REJECTED: N_("Not approved"),
    CaseStatus.RESULT_ISSUED: N_("Result handed over"),
    CaseStatus.CLOSED: N_("Completed"),
    CaseStatus.WITHDRAWN: N_("Withdrawn"),
    CaseStatus.TERMINATED: N_("Stopped: missing documents not received in time"),
    CaseStatus.REVOKED: N_("Approval revoked"),
    CaseStatus.AWAITING_DATA: N_("Waiting for data from another office"),
    CaseStatus.IN_PROGRESS: N_("The departments are working on it"),
    CaseStatus.WAITING: N_("Waiting for an earlier step"),
    CaseStatus.CANCELLED: N_("Cancelled"),
}

# Button labels for staff and applicants.
ACTION_LABELS: dict[CaseAction, str] = {
    CaseAction.REQUEST_EMPLOYER_CONFIRMATION: N_("Ask the employer to confirm"),
    CaseAction.CONFIRM_EMPLOYMENT: N_("Confirm employment"),
    CaseAction.DENY_EMPLOYMENT: N_("Deny employment"),
    CaseAction.RECORD_PAPER_CONFIRMATION: N_("Record the employer's letter"),
    CaseAction.ACCEPT: N_("Accept"),
    CaseAction.ACCEPT_WITH_PENDING_MATERIALS: N_("Accept with documents to follow"),
    CaseAction.REQUEST_SUPPLEMENT: N_("Request missing documents"),
    CaseAction.RECEIVE_SUPPLEMENT: N_("Record documents received"),
    CaseAction.NOT_ACCEPT: N_("Do not accept"),
    CaseAction.RECEIVE_PENDING_MATERIALS: N_("Record documents that were to follow"),
    CaseAction.EXPIRE_PENDING_MATERIALS: N_("Stop: documents not received in time"),
    CaseAction.START_REVIEW: N_("Start review"),
    CaseAction.RECOMMEND_APPROVAL: N_("Recommend approval"),
    CaseAction.RECOMMEND_REJECTION: N_("Recommend rejection"),
    CaseAction.APPROVE: N_("Approve"),
    CaseAction.APPROVE_ON_COMMITMENT: N_("Approve on commitment"),
    CaseAction.REJECT: N_("Reject"),
    CaseAction.ISSUE_RESULT: N_("Hand over the result"),
    CaseAction.CLOSE: N_("Close"),
    CaseAction.WITHDRAW: N_("Withdraw application"),
    CaseAction.REVOKE: N_("Revoke approval"),
    CaseAction.WAIT_FOR_DATA: N_("Wait for data from another office"),
    CaseAction.RECEIVE_DATA: N_("Data received"),
    CaseAction.DISPATCH: N_("Send to the departments"),
    CaseAction.RELEASE: N_("Start after the earlier step"),
    CaseAction.CANCEL: N_("Cancel"),
    CaseAction.COMPLETE_PARTS: N_("All departments have finished"),
    CaseAction.FAIL_PART: N_("A key step was not approved"),
}


# The reviewer's opinions (审核意见): internal to the department, so the applicant's timeline and
# messages leave them out; the approver reads the latest on the case page.
OPINIONS: frozenset[CaseAction] = frozenset(
    {CaseAction.RECOMMEND_APPROVAL, CaseAction.RECOMMEND_REJECTION}
)


def status_label(status: CaseStatus) -> str:
    """The timeline msgid for a status (translate it with ``app.i18n.gettext``)."""
    return STATUS_LABELS[status]
