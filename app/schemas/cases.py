"""API shapes for applications, cases, queues and actions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from app.i18n import N_
from app.schemas.case_steps import ReviewOpinion, SupplementView
from app.schemas.grants import OneOffView
from app.schemas.issued_documents import IssuedDocumentRead, VideoCheckRead
from app.schemas.onboarding import OnboardingView
from app.schemas.outcomes import OutcomeView
from app.schemas.retention import RetentionView
from app.schemas.schooling import ConsultationSessions
from app.schemas.text import CleanInput
from app.workflow.onboarding import ONBOARDING_SERVICE
from app.workflow.states import CaseAction, CaseStatus, ResultDelivery

if TYPE_CHECKING:
    from app.rules.results import Status as EligibilityStatus

RATING_ERROR = N_("Choose a rating from 1 to 5.")

# The pages ask the views below questions instead of comparing status strings themselves, so
# statuses are named in Python beside the workflow's vocabularies and never in templates/.

# The applicant rates the service (好差评) once the result is out, as the rating service allows.
_RATEABLE: frozenset[CaseStatus] = frozenset({CaseStatus.RESULT_ISSUED, CaseStatus.CLOSED})
# A bundle's settlement route can only be changed before the bundle is accepted.
_ROUTE_CHANGEABLE: frozenset[CaseStatus] = frozenset(
    {CaseStatus.SUBMITTED, CaseStatus.AWAITING_DATA, CaseStatus.SUPPLEMENT_REQUESTED}
)
# Where the staff case page offers the acceptance receipt (受理回执) for printing, as it always
# has; REVIEW_SUPPLEMENT_REQUESTED and IN_PROGRESS are past acceptance too but were never listed.
_RECEIPT_PRINTABLE: frozenset[CaseStatus] = frozenset(
    {
        CaseStatus.ACCEPTED,
        CaseStatus.IN_REVIEW,
        CaseStatus.APPROVED,
        CaseStatus.RESULT_ISSUED,
        CaseStatus.CLOSED,
    }
)
# Verdicts of the rules engine (``app.rules.results.Status``), as stored in ``eligibility``.
_ELIGIBLE: Final[EligibilityStatus] = "eligible"
_INELIGIBLE: Final[EligibilityStatus] = "ineligible"
# TODO(vocab): outside-system answers get a StrEnum in app/workflow; swap it in here. In these
# the answer is still to come (the worker keeps asking), so staff may enter the data by hand.
_OUTSTANDING_VERIFICATION_STATUSES: frozenset[str] = frozenset({"pending", "unavailable"})


def _verdict(result: dict[str, Any] | None) -> object:
    return result.get("status") if result else None


class _In(CleanInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ApplicationCreate(_In):
    service_id: uuid.UUID


class ApplicationUpdate(_In):
    """Answers are talent facts by name; ``null`` clears an answer. Documents map a material
    code to a wallet document id (``null`` detaches)."""

    answers: dict[str, Any] = Field(default_factory=dict)
    documents: dict[str, uuid.UUID | None] = Field(default_factory=dict)
    # Questions to mark "I don't know yet" (true) or to take off that list (false).
    answer_later: dict[str, bool] = Field(default_factory=dict)


class SubmitRequest(_In):
    declaration: bool = Field(description="The applicant declares the answers true (承诺)")
    sensitive_consent: bool = Field(
        description="Separate consent to process sensitive personal information (PIPL art. 29)"
    )


class MaterialStatus(BaseModel):
    code: str
    kind: str
    name: str
    key: bool
    needed: bool
    document_id: uuid.UUID | None


class QuestionView(BaseModel):
    fact: str
    # ``label`` names the question in summaries and errors ("Highest education"); ``question``
    # is what the form asks ("What is your highest level of education?").
    label: str
    question: str
    help: str
    type: str
    values: list[dict[str, str]]
    answer: Any = None
    # The applicant said "I don't know yet": the question waits to be answered later.
    later: bool = False


class ApplicationRead(BaseModel):
    id: uuid.UUID
    status: str
    service_id: uuid.UUID
    service_code: str
    service_name: str
    district: str
    questions: list[QuestionView]
    # Questions submitting still needs, and those of them the applicant will answer later.
    unanswered: list[str]
    answer_later: list[str] = Field(default_factory=list)
    materials: list[MaterialStatus]
    eligibility_status: str | None
    eligibility: dict[str, Any] | None
    case_id: uuid.UUID | None
    updated_at: datetime
    verifications: list[VerificationView] = Field(
        default_factory=list, description="Records fetched from outside systems (免提交)"
    )

    @property
    def appears_eligible(self) -> bool:
        return _verdict(self.eligibility) == _ELIGIBLE

    @property
    def appears_ineligible(self) -> bool:
        return _verdict(self.eligibility) == _INELIGIBLE


class NoteCreate(_In):
    body: str = Field(min_length=1, max_length=4000)
    to_applicant: bool = Field(
        default=False, description="True: a message the applicant sees; False: internal note"
    )


class NoteRead(BaseModel):
    at: datetime
    body: str
    to_applicant: bool
    author: str | None = None


class TimelineEntry(BaseModel):
    at: datetime
    status: str
    label: str
    action: str
    reason: str | None = None
    items: list[str] = Field(default_factory=list)


class DeadlineView(BaseModel):
    due_on: date
    provisional: bool  # not accepted yet: the date promised if accepted on submission
    remaining_working_days: int
    light: str  # on_track | amber | red
    light_label: str
    paused: bool


class CaseRead(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    status_label: str
    version: int
    service_id: uuid.UUID
    service_code: str
    service_name: str
    district: str
    department: str
    channel: str
    submitted_at: datetime
    accepted_on: date | None
    deadline: DeadlineView | None
    eligibility_status: str | None
    eligibility: dict[str, Any] | None
    pending_materials: list[str]
    pending_due_on: date | None
    timeline: list[TimelineEntry]
    allowed_actions: list[str]
    documents: list[dict[str, Any]]
    applicant_name: str | None = None
    applicant_id_masked: str | None = None
    # A passport holder's Chinese name beside the Latin one; the language the person reads
    # (staff write to them in it).
    applicant_chinese_name: str | None = None
    applicant_language: str | None = None
    # An organisation's own application: the organisation that filed it, the amount decided
    # (one-off money decisions) and the lines of a batch claim.
    organisation_name: str | None = None
    decided_amount_cny: int | None = None
    claim_lines: list[dict[str, Any]] = Field(default_factory=list)
    facts: dict[str, Any] | None = None
    answers_display: list[dict[str, str]] = Field(default_factory=list)
    # Staff only: other apartment holdings or open cases of this household (applicant/spouse ID).
    household_conflicts: list[str] = Field(default_factory=list)
    # Staff only: the applicant's other open or still-paid cases for the same benefit (one
    # person holds it once at a time).
    benefit_overlaps: list[str] = Field(default_factory=list)
    first_responsible: str | None = None
    assignee: str | None = None
    # Staff only: 四眼原则. Who reviewed the case, and whether the service lets them decide too.
    reviewer: str | None = None
    reviewer_may_decide: bool = False
    rating: int | None = None
    # Once decided: until when the case is kept and under which rule (records retention).
    retention: RetentionView | None = None
    notes: list[NoteRead] = Field(default_factory=list)
    # 人才落户一件事: on the bundle, each department's part and the verified data; on a part,
    # the bundle it belongs to.
    parts: list[BundlePart] = Field(default_factory=list)
    verifications: list[VerificationView] = Field(default_factory=list)
    # The employer named by credit code has not registered (or is not verified) yet: the
    # applicant may invite it, and staff may record its letter instead.
    employer_registration_pending: bool = False
    bundle: BundleRef | None = None
    route: str | None = None
    route_label: str | None = None
    # A money decision paid once through finance (app/services/payments/service_type.py).
    one_off: OneOffView | None = None
    # Staff only: the reviewer's latest opinion (审核意见) for the approver.
    opinion: ReviewOpinion | None = None
    # Staff only: the clauses of the policy the case was checked against, to choose from.
    clauses: list[str] = Field(default_factory=list)
    # The supplement (补正) asked for: each item with what arrived or why it cannot.
    supplement: SupplementView | None = None
    # What the decision means for the applicant: next steps, or reasons and remedies.
    outcome: OutcomeView | None = None
    # A schooling consultation: where to book its sessions and those booked (issue 17).
    sessions: ConsultationSessions | None = None
    # The Yangpu talent service card the approval issued (app/services/service_cards).
    service_card_id: uuid.UUID | None = None
    service_card_number: str | None = None
    # 高层次人才服务专窗 (Changning): filed by certified high-level talent, served first.
    priority: bool = False
    # 不见面: the written decisions issued on the case (verifiable PDFs, also in the wallet).
    issued_documents: list[IssuedDocumentRead] = Field(default_factory=list)
    # Video appointments in which staff saw the originals of identity documents.
    video_checks: list[VideoCheckRead] = Field(default_factory=list)
    # Staff only: the case's responsible staff may schedule a video check.
    can_schedule_video_check: bool = False
    # Staff only: the levels an approval chooses from (a high-level talent classification).
    decision_levels: list[dict[str, str]] = Field(default_factory=list)
    # Once classified: the level the register records.
    decided_level: str | None = None
    # 初到杨浦 / 虹桥: the onboarding bundle's steps, the same for the person and the employer.
    onboarding: OnboardingView | None = None

    @property
    def can_rate(self) -> bool:
        """The applicant may rate the service now: the result is out and not rated yet."""
        return self.status in _RATEABLE and self.rating is None

    @property
    def is_onboarding(self) -> bool:
        """初到杨浦 / 虹桥: the bundle whose steps open on their own page."""
        return self.service_code == ONBOARDING_SERVICE

    @property
    def route_changeable(self) -> bool:
        return self.status in _ROUTE_CHANGEABLE

    @property
    def receipt_printable(self) -> bool:
        return self.status in _RECEIPT_PRINTABLE

    @property
    def appears_eligible(self) -> bool:
        return _verdict(self.eligibility) == _ELIGIBLE

    @property
    def appears_ineligible(self) -> bool:
        return _verdict(self.eligibility) == _INELIGIBLE


class BundlePart(BaseModel):
    id: uuid.UUID
    number: str
    code: str
    name: str
    department: str
    department_label: str
    status: str
    status_label: str
    due_on: date | None = Field(description="The part's deadline, or when it is expected")
    depends_on: list[str] = Field(description="Names of the parts that must be approved first")
    decision_reason: str | None = None


class BundleRef(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    status_label: str
    part: str
    part_name: str


class VerificationView(BaseModel):
    system: str
    system_label: str
    status: str
    status_label: str
    facts: dict[str, Any] = Field(description="Facts the system vouched for (or staff entered)")
    authority: str | None = None
    source_reference: str | None = None
    verified_at: datetime | None = None
    next_attempt_at: datetime | None = None
    note: str | None = None
    manual: bool = False

    @property
    def is_outstanding(self) -> bool:
        """The system has not answered for good yet; it is asked again until it does."""
        return self.status in _OUTSTANDING_VERIFICATION_STATUSES


class SubmitResult(BaseModel):
    case: CaseRead
    lookup_code: str = Field(description="With the case number, opens the public status page")
    replayed: bool = Field(description="True when this Idempotency-Key was already used")


class CaseActionRequest(_In):
    action: CaseAction
    expected_version: int = Field(ge=1)
    reason: str | None = Field(default=None, max_length=2000)
    clause: str | None = Field(default=None, max_length=500)
    items: list[str] = Field(default_factory=list, max_length=50)
    due_on: date | None = None
    delivery: ResultDelivery | None = None
    tracking_number: str | None = Field(default=None, max_length=60)
    # A money decision's amount in whole yuan, with ``approve`` (the rules' amount if omitted).
    amount_cny: int | None = Field(default=None, ge=1, le=100_000_000)
    # A classification's level, with ``approve`` (the service's type checks it against the
    # levels its policy defines).
    level: str | None = Field(default=None, max_length=40)


class QueueItem(BaseModel):
    id: uuid.UUID
    number: str
    service_name: str
    status: str
    status_label: str
    deadline: DeadlineView | None
    assignee: str | None
    submitted_at: datetime
    # 高层次人才服务专窗 (Changning): listed first, with a badge.
    priority: bool = False
    # The person's language (zh or en); None for an organisation's own case.
    applicant_language: str | None = None


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None


class StatusLookup(_In):
    number: str = Field(min_length=5, max_length=30)
    code: str = Field(min_length=4, max_length=20)


class PublicStatus(BaseModel):
    number: str
    service_name: str
    status: str
    status_label: str
    deadline: DeadlineView | None
    timeline: list[TimelineEntry]


class RatingCreate(_In):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=1000)

    @field_validator("score", mode="before")
    @classmethod
    def _a_rating(cls, value: Any) -> Any:
        # One message that names the problem, whatever was wrong (nothing chosen, not a number,
        # out of range), on the page and in the API.
        if isinstance(value, bool) or str(value).strip() not in {"1", "2", "3", "4", "5"}:
            raise PydanticCustomError("rating", RATING_ERROR)
        return value


# CaseRead refers to the bundle models defined after it.
CaseRead.model_rebuild()
ApplicationRead.model_rebuild()
