"""Document kinds and the file types the wallet accepts, checked by content and by name."""

from __future__ import annotations

from enum import StrEnum

from app.i18n import N_


class DocumentKind(StrEnum):
    ID_CARD = "id_card"
    PASSPORT = "passport"
    DEGREE_CERTIFICATE = "degree_certificate"
    OVERSEAS_DEGREE_VERIFICATION = "overseas_degree_verification"
    EMPLOYMENT_CONTRACT = "employment_contract"
    SOCIAL_INSURANCE_RECORD = "social_insurance_record"
    LEASE_CONTRACT = "lease_contract"
    HUKOU_BOOKLET = "hukou_booklet"
    MARRIAGE_CERTIFICATE = "marriage_certificate"
    PROFESSIONAL_TITLE = "professional_title"
    EXAM_FEE_RECEIPT = "exam_fee_receipt"
    BIRTH_CERTIFICATE = "birth_certificate"
    TAX_PAYMENT_RECORD = "tax_payment_record"
    # A programme's certificate or letter: the evidence of a talent register entry.
    TALENT_PROGRAMME = "talent_programme"
    OTHER = "other"


DOCUMENT_KIND_LABELS: dict[str, str] = {
    DocumentKind.ID_CARD: N_("Resident ID card"),
    DocumentKind.PASSPORT: N_("Passport"),
    DocumentKind.DEGREE_CERTIFICATE: N_("Degree certificate"),
    DocumentKind.OVERSEAS_DEGREE_VERIFICATION: N_("Overseas degree verification (CSCSE)"),
    DocumentKind.EMPLOYMENT_CONTRACT: N_("Employment contract"),
    DocumentKind.SOCIAL_INSURANCE_RECORD: N_("Social insurance record"),
    DocumentKind.LEASE_CONTRACT: N_("Lease contract"),
    DocumentKind.HUKOU_BOOKLET: N_("Household register (hukou booklet)"),
    DocumentKind.MARRIAGE_CERTIFICATE: N_("Marriage certificate"),
    DocumentKind.PROFESSIONAL_TITLE: N_("Professional title certificate"),
    DocumentKind.EXAM_FEE_RECEIPT: N_("Exam fee receipt"),
    DocumentKind.BIRTH_CERTIFICATE: N_("Birth certificate"),
    DocumentKind.TAX_PAYMENT_RECORD: N_("Tax payment certificate"),
    DocumentKind.TALENT_PROGRAMME: N_("Talent programme certificate or letter"),
    DocumentKind.OTHER: N_("Other document"),
}

# What the portal itself puts in a wallet (app/services/issued_documents): listed there beside
# the uploads, never a kind an applicant uploads.
RESULT_DECISION = "result_decision"
# 初到杨浦 / 虹桥 (issue 18): 外籍人才认证函, a staff member's decision on an onboarding bundle.
TALENT_CONFIRMATION_LETTER = "talent_confirmation_letter"
# Issue 18, point 2: 人才签证（R字）邀请函 for class A talent, and 永久居留推荐 for eligible
# high-level talent, each a talent-office approver's decision on the bundle.
R_VISA_INVITATION_LETTER = "r_visa_invitation_letter"
PR_RECOMMENDATION_LETTER = "pr_recommendation_letter"
ISSUED_KIND_LABELS: dict[str, str] = {
    RESULT_DECISION: N_("Written decision (issued by the portal)"),
    TALENT_CONFIRMATION_LETTER: N_("Talent confirmation letter (issued by the portal)"),
    R_VISA_INVITATION_LETTER: N_("R-visa invitation letter (issued by the portal)"),
    PR_RECOMMENDATION_LETTER: N_("Permanent residence recommendation (issued by the portal)"),
}
WALLET_KIND_LABELS: dict[str, str] = {**DOCUMENT_KIND_LABELS, **ISSUED_KIND_LABELS}

# Magic numbers of the accepted formats, and the file-name endings each may carry.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
_EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}


def sniff_type(head: bytes) -> str | None:
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def name_matches_type(filename: str, content_type: str) -> bool:
    return filename.lower().endswith(_EXTENSIONS.get(content_type, ()))


def clean_filename(filename: str) -> str:
    """Display name only: no folders, no control characters, at most 200 characters."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return base.strip()[:200] or "document"
