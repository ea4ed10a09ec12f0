"""The talent confirmation letter (外籍人才认证函) of the onboarding bundle, as an issued
document: the district confirms that a foreign professional, of the work-permit class the
pre-check gave, is recognised as talent it serves. Always in Chinese and English (the
letter's readers are the person, their employer and offices abroad as well as at home)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.core.times import local_text
from app.domain import documents
from app.domain.identity import mask_name
from app.i18n import N_, gettext, localized
from app.models import Case, Service
from app.services.cases.outcome import district_government
from app.services.issued_documents.kinds import DocumentKind
from app.services.issued_documents.sheet import Row, Section, Wording, merge

CONFIRMATION_LETTER = DocumentKind(
    code=documents.TALENT_CONFIRMATION_LETTER, label=N_("Talent confirmation letter")
)
# The letter is the staff member's positive decision on the bundle.
DECISION = "approved"
LANGUAGES = ["zh", "en"]


@dataclass(frozen=True)
class LetterFacts:
    case: Case
    service: Service
    person_name: str
    nationality: str  # ISO 3166-1 alpha-2
    permit_class: str
    employer_name: str | None
    decided_at: datetime
    staff_name: str


def subject_ref(case: Case) -> str:
    # One letter per bundle: the unique (kind, subject) refuses a second.
    return f"onboarding:{case.id}"


def public_facts(facts: LetterFacts) -> dict[str, object]:
    """What the public verification page shows: the masked name, never the passport."""
    return {
        "case_number": facts.case.number,
        "decision": DECISION,
        "clause": None,
        "service_name_zh": localized(facts.service, "name", "zh"),
        "service_name_en": localized(facts.service, "name", "en"),
        "district": facts.case.district,
        "masked_name": mask_name(facts.person_name),
        "decided_at": facts.decided_at.isoformat(),
        "permit_class": facts.permit_class,
    }


def wording(facts: LetterFacts, token: str, verify_url: str) -> Wording:
    zh, en = (_wording(facts, lang, token, verify_url) for lang in LANGUAGES)
    return merge(zh, en)


def _wording(facts: LetterFacts, lang: str, token: str, verify_url: str) -> Wording:
    rows = [
        *person_rows(facts, lang),
        Row(gettext(lang, N_("Decided on")), local_text(facts.decided_at)),
    ]
    body = gettext(
        lang,
        N_(
            "The district confirms that the person named above is recognised as foreign "
            "talent (work-permit class {klass}) served by its talent services, for their "
            "onboarding in Shanghai."
        ),
        {"klass": facts.permit_class},
    )
    return Wording(
        issuer=issuer(facts.case, lang),
        title=gettext(lang, N_("Talent confirmation letter")),
        rows=tuple(rows),
        sections=(Section(gettext(lang, N_("Confirmation")), (body,)),),
        footer=footer(lang, token, verify_url),
    )


def person_rows(facts: LetterFacts, lang: str) -> list[Row]:
    """The rows every onboarding letter opens with: who, of which class, for which employer."""
    return [
        Row(gettext(lang, N_("Case number")), facts.case.number),
        Row(gettext(lang, N_("Name")), facts.person_name),
        Row(gettext(lang, N_("Nationality (ISO 3166-1)")), facts.nationality),
        Row(gettext(lang, N_("Work-permit class")), facts.permit_class),
        Row(gettext(lang, N_("Employer")), facts.employer_name or "–"),
    ]


def issuer(case: Case, lang: str) -> str:
    return f"{district_government(case.district, lang)} · " + gettext(
        lang, N_("Talent services portal")
    )


def footer(lang: str, token: str, verify_url: str) -> str:
    return gettext(
        lang,
        N_(
            "Check that this document is authentic by scanning the QR code or at {url} "
            "(document reference {token}). The page shows the document's SHA-256 fingerprint "
            "and compares a copy you upload."
        ),
        {"url": verify_url, "token": token},
    )
