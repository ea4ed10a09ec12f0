"""The onboarding bundle's two further letters as issued documents (issue 18, point 2): the
invitation letter for a talent (R) visa, which the district issues to class A talent and their
employer sends on, and the recommendation for permanent residence for eligible high-level
talent. Always in Chinese and English, like the talent confirmation letter (``letters``, whose
rows, issuer, footer and public facts they share); the verification page shows the masked name
only."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.times import local_text
from app.domain import documents
from app.i18n import N_, gettext
from app.models import Case
from app.services.issued_documents import letters
from app.services.issued_documents.kinds import DocumentKind
from app.services.issued_documents.sheet import Row, Section, Wording, merge

R_VISA_INVITATION = DocumentKind(
    code=documents.R_VISA_INVITATION_LETTER,
    label=N_("Invitation letter for a talent (R) visa"),
    employer_reads=True,
)
PR_RECOMMENDATION = DocumentKind(
    code=documents.PR_RECOMMENDATION_LETTER,
    label=N_("Recommendation for permanent residence"),
)

_BODIES: dict[str, str] = {
    R_VISA_INVITATION.code: N_(
        "The district's talent office invites the person named above, recognised as foreign "
        "high-end talent (work-permit class A), to come to Shanghai to work for the employer "
        "named above, and supports their application for a talent (R) visa at a Chinese "
        "embassy or consulate. The visa itself is decided by the issuing authority."
    ),
    PR_RECOMMENDATION.code: N_(
        "The district's talent office recommends the person named above, high-level talent "
        "who has worked in the district for {months} months, for permanent residence in "
        "China. Permanent residence itself is decided by the exit-entry administration."
    ),
}
_HEADINGS: dict[str, str] = {
    R_VISA_INVITATION.code: N_("Invitation"),
    PR_RECOMMENDATION.code: N_("Recommendation"),
}


@dataclass(frozen=True)
class OnboardingLetterFacts(letters.LetterFacts):
    kind: DocumentKind
    # The recommendation's grounds: months worked in the district, and each rule criterion
    # met, already worded by the rule in each language.
    months_in_district: int | None = None
    grounds: dict[str, list[str]] = field(default_factory=dict)


def subject_ref(kind: DocumentKind, case: Case) -> str:
    # One letter of each kind per bundle: the unique (kind, subject) refuses a second.
    return f"onboarding:{kind.code}:{case.id}"


def wording(facts: OnboardingLetterFacts, token: str, verify_url: str) -> Wording:
    zh, en = (_wording(facts, lang, token, verify_url) for lang in letters.LANGUAGES)
    return merge(zh, en)


def _wording(facts: OnboardingLetterFacts, lang: str, token: str, verify_url: str) -> Wording:
    code = facts.kind.code
    rows = letters.person_rows(facts, lang)
    if facts.months_in_district is not None:
        label = gettext(lang, N_("Months worked in the district"))
        rows.append(Row(label, str(facts.months_in_district)))
    rows.append(Row(gettext(lang, N_("Decided on")), local_text(facts.decided_at)))
    body = gettext(lang, _BODIES[code], {"months": facts.months_in_district or 0})
    return Wording(
        issuer=letters.issuer(facts.case, lang),
        title=gettext(lang, facts.kind.label),
        rows=tuple(rows),
        sections=(Section(gettext(lang, _HEADINGS[code]), (body, *facts.grounds.get(lang, []))),),
        footer=letters.footer(lang, token, verify_url),
    )
