"""All tables, imported here so Alembic's autogenerate sees the whole metadata."""

from app.models.accounts import Applicant, Consent, Employer, EmployerUser, StaffMember, User
from app.models.audit import AuditChainHead, AuditEntry, RefusalWindow
from app.models.base import Base
from app.models.cases import (
    Application,
    Case,
    CaseCounter,
    CaseDocument,
    CaseEvent,
    CaseNote,
    CasePause,
    CaseSchedule,
    FollowUpTask,
    Rating,
    SupplementRequest,
)
from app.models.catalog import CalendarDay, CalendarRevision, Service
from app.models.claims import ClaimLine
from app.models.documents import Document
from app.models.grants import GrantPayment, OrganisationBankAccount
from app.models.held_forms import HeldForm
from app.models.housing import (
    ApartmentOffer,
    ApartmentProject,
    ApartmentUnit,
    HouseholdKey,
    Lease,
    SpouseIdentity,
    WaitlistEntry,
)
from app.models.indicators import (
    IndicatorRefresh,
    IndicatorSnapshot,
    IndicatorSnapshotItem,
    IndicatorValue,
)
from app.models.issued_documents import IssuedDocument, VideoCheck
from app.models.notifications import InAppMessage, OutboxMessage
from app.models.onboarding import OnboardingRecord
from app.models.onboarding_decisions import OnboardingFastTrack, OnboardingLetter
from app.models.organisations import EmployerReferral, OrganisationInvitation, OrganisationReview
from app.models.programmes import (
    Nomination,
    Objection,
    Programme,
    ProgrammeRound,
    ReviewerAssignment,
    ReviewerDeclaration,
)
from app.models.qualifying import QualifyingCheck, QualifyingNotice
from app.models.retention import DestructionList, DestructionListItem, LegalHold
from app.models.rights import AccountDeletion, CorrectionRequest, DataExport
from app.models.service_cards import ServiceCard
from app.models.service_points import Appointment, ServicePoint
from app.models.sessions import (
    AuthSession,
    EmailConfirmation,
    LoginThrottle,
    PasswordResetToken,
    RetiredRefreshToken,
)
from app.models.subsidies import Enrolment, Entitlement, PaymentCycle
from app.models.talent_register import TalentRegisterEntry
from app.models.verification import FactVerification
from app.models.youth_stations import BedNight, StationBed, Stay

__all__ = [
    "OnboardingFastTrack",
    "OnboardingLetter",
    "OnboardingRecord",
    "ServiceCard",
    "IssuedDocument",
    "VideoCheck",
    "TalentRegisterEntry",
    "AccountDeletion",
    "CorrectionRequest",
    "DataExport",
    "ApartmentOffer",
    "ApartmentProject",
    "ApartmentUnit",
    "HouseholdKey",
    "Lease",
    "SpouseIdentity",
    "WaitlistEntry",
    "Application",
    "HeldForm",
    "GrantPayment",
    "OrganisationBankAccount",
    "Case",
    "CaseCounter",
    "ClaimLine",
    "CaseDocument",
    "CaseEvent",
    "CaseNote",
    "CasePause",
    "CaseSchedule",
    "FollowUpTask",
    "IndicatorRefresh",
    "IndicatorSnapshot",
    "IndicatorSnapshotItem",
    "IndicatorValue",
    "InAppMessage",
    "DestructionList",
    "DestructionListItem",
    "LegalHold",
    "OutboxMessage",
    "PaymentCycle",
    "Rating",
    "RefusalWindow",
    "SupplementRequest",
    "Applicant",
    "AuditChainHead",
    "AuditEntry",
    "AuthSession",
    "Base",
    "CalendarDay",
    "CalendarRevision",
    "Document",
    "Enrolment",
    "FactVerification",
    "Entitlement",
    "Service",
    "Consent",
    "Employer",
    "EmployerUser",
    "EmployerReferral",
    "OrganisationInvitation",
    "OrganisationReview",
    "EmailConfirmation",
    "LoginThrottle",
    "PasswordResetToken",
    "RetiredRefreshToken",
    "StaffMember",
    "User",
    "Appointment",
    "QualifyingCheck",
    "QualifyingNotice",
    "ServicePoint",
    "BedNight",
    "StationBed",
    "Stay",
    "Nomination",
    "Objection",
    "Programme",
    "ProgrammeRound",
    "ReviewerAssignment",
    "ReviewerDeclaration",
]
