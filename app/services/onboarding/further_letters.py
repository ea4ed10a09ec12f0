"""The onboarding bundle's two further letters (issue 18, point 2), each a decision of a
talent-office approver: the invitation letter for a talent (R) visa, for class A talent only,
and the recommendation for permanent residence, for high-level talent the district's rule
finds eligible (``<district>.permanent_residence``: class A or a high-level programme in the
talent register, and the years of work in the district). A talent-office reviewer may
recommend the letter first, and must for the recommendation for permanent residence
(``NEEDS_REVIEW``); whoever reviewed it may not then issue it (四眼原则). The letter is
an issued document (bilingual PDF, verifiable by its QR code); the decision is audited, on
the case timeline, and told to the person (and, for the visa invitation the employer sends
on, to the employer's users)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import Conflict, PermissionDenied
from app.i18n import N_, gettext
from app.models import Case, OnboardingLetter, OnboardingRecord, Service
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import onboarding_decisions as repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import Criterion, DecisionStatus, Provenance, load_library
from app.schemas.onboarding_decisions import LetterDecision, LetterReview
from app.services import audit, verified_facts
from app.services.issued_documents import onboarding_letters
from app.services.issued_documents.issuing import issue_onboarding_letter
from app.services.issued_documents.kinds import DocumentKind
from app.services.onboarding.decision_records import bundle, in_talent_office, on_timeline, tell
from app.services.onboarding.letter import ERR_ENDED
from app.workflow.onboarding import PermitClass
from app.workflow.onboarding_decisions import (
    LETTER_LABELS,
    LETTER_TIMELINE,
    NEEDS_REVIEW,
    LetterKind,
    LetterState,
    pr_policy_id,
)
from app.workflow.states import ActorRole, CaseStatus
from app.workflow.values import local_date

ERR_NOT_CLASS_A = N_(
    "The invitation letter for a talent (R) visa is issued only to foreign high-end talent "
    "(work-permit class A); this person's pre-check gave class {klass}."
)
ERR_NOT_ELIGIBLE = N_(
    "This person is not eligible for a recommendation for permanent residence: {reasons}."
)
ERR_MONTHS = N_(
    "Enter the months this person has worked in the district, as their social-insurance "
    "record shows."
)
ERR_NOT_REVIEWED = N_(
    "A reviewer of the talent office recommends this letter first; another officer then "
    "issues it (four-eyes principle)."
)
ERR_OTHER_MONTHS = N_(
    "The reviewer recommended this letter on {months} months of work in the district; decide it "
    "on those, or ask for a new review."
)
ERR_SAME_OFFICER = N_(
    "You reviewed this letter, so another officer of the talent office must decide it "
    "(four-eyes principle)."
)
ERR_ISSUED = N_("This letter has already been issued.")
ERR_REVIEWED = N_(
    "This letter has already been reviewed; an approver of the talent office decides it now."
)
ERR_NOT_APPROVER = N_("Only an approver of the district's talent office issues this letter.")
ERR_NOT_REVIEWER = N_("Only a reviewer of the district's talent office reviews this letter.")
_OPEN_OR_DONE = frozenset({CaseStatus.IN_PROGRESS}) | CaseStatus.APPROVAL_STANDS
DOCUMENT_KINDS: dict[LetterKind, DocumentKind] = {
    LetterKind.R_VISA_INVITATION: onboarding_letters.R_VISA_INVITATION,
    LetterKind.PR_RECOMMENDATION: onboarding_letters.PR_RECOMMENDATION,
}


@dataclass(frozen=True)
class Eligibility:
    """Whether the letter may be issued now, and why not, in one language."""

    refusals: list[str]
    criteria: list[str] = field(default_factory=list)  # every criterion, met or not
    met: list[str] = field(default_factory=list)  # the grounds a recommendation states
    needs_months: bool = False
    assumed: bool = False
    receipt: dict[str, object] = field(default_factory=dict)


async def eligibility(
    session: AsyncSession,
    case: Case,
    record: OnboardingRecord,
    kind: LetterKind,
    months: int | None,
    lang: str,
) -> Eligibility:
    if CaseStatus(case.status) not in _OPEN_OR_DONE:
        return Eligibility([gettext(lang, ERR_ENDED)])
    if kind is LetterKind.R_VISA_INVITATION:
        if record.permit_class != PermitClass.A.value:
            klass = record.permit_class or "–"
            return Eligibility([gettext(lang, ERR_NOT_CLASS_A, {"klass": klass})])
        return Eligibility([])
    today = local_date(utcnow())
    vouched = await verified_facts.for_person(session, case.applicant_id, today)
    facts = {
        **vouched,
        "work_permit_class": record.permit_class,
        "social_insurance_months_in_district": months,
    }
    policy = pr_policy_id(case.district)
    result = load_library().evaluate(facts, today, policy_ids=[policy], lang=lang)[0]
    criteria = [c.message for c in result.criteria if c.message]
    assumed = Provenance(result.version_status) is Provenance.ASSUMED or any(
        c.assumed for c in result.criteria
    )
    status = DecisionStatus(result.status)
    refusals: list[str] = []
    if months is None:
        refusals = [gettext(lang, ERR_MONTHS)] if status is not DecisionStatus.INELIGIBLE else []
    if status is DecisionStatus.INELIGIBLE:
        refusals = [
            gettext(lang, ERR_NOT_ELIGIBLE, {"reasons": "; ".join(_failing(result.criteria))})
        ]
    return Eligibility(
        refusals,
        criteria,
        met=[c.message for c in result.criteria if c.message and c.result == "true"],
        needs_months=True,
        assumed=assumed,
        receipt=result.receipt.model_dump(mode="json"),
    )


def _failing(criteria: Sequence[Criterion]) -> list[str]:
    """The criteria that failed, leaving out those of an ``any`` group another member met
    (the policy's only named group is ``any``: class A or a registered programme)."""
    met = {g for c in criteria if c.result == "true" for g in c.groups}
    return [c.message for c in criteria if c.result == "false" and not met & set(c.groups)]


async def review(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    kind: LetterKind,
    data: LetterReview,
    lang: str,
) -> None:
    """A talent-office reviewer recommends issuing the letter; an approver decides."""
    if not in_talent_office(principal, Permission.REVIEW_CASES):
        raise PermissionDenied(ERR_NOT_REVIEWER)
    case, _service, record = await bundle(session, principal, case_id)
    letter = await repo.letter_of(session, case.id, kind.value)
    if letter is not None:
        raise Conflict(ERR_ISSUED if letter.state == LetterState.ISSUED else ERR_REVIEWED)
    found = await eligibility(session, case, record, kind, data.months_in_district, lang)
    if found.refusals:
        raise Conflict("; ".join(found.refusals))
    now = utcnow()
    letter = OnboardingLetter(
        case_id=case.id,
        kind=kind.value,
        state=LetterState.REVIEWED.value,
        reviewed_by=principal.user_id,
        reviewed_at=now,
        review_note=data.note or None,
        facts={"months_in_district": data.months_in_district},
    )
    await repo.add(session, letter)
    await audit.record(
        session,
        "onboarding.letter_reviewed",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"kind": kind.value, "months_in_district": data.months_in_district},
        district=case.district,
    )


async def issue(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    kind: LetterKind,
    data: LetterDecision,
    lang: str,
) -> None:
    """A talent-office approver issues the letter (not the officer who reviewed it)."""
    if not in_talent_office(principal, Permission.APPROVE_CASES):
        raise PermissionDenied(ERR_NOT_APPROVER)
    case, service, record = await bundle(session, principal, case_id)
    letter = await repo.letter_of(session, case.id, kind.value)
    if letter is not None and letter.state == LetterState.ISSUED:
        raise Conflict(ERR_ISSUED)
    if letter is not None and letter.reviewed_by == principal.user_id:
        raise PermissionDenied(ERR_SAME_OFFICER)
    reviewed_months = letter.facts.get("months_in_district") if letter is not None else None
    if data.months_in_district is None and isinstance(reviewed_months, int):
        # The approver decides on the months the reviewer recorded (the page checks the rule
        # with them and asks for none).
        data = data.model_copy(update={"months_in_district": reviewed_months})
    elif (
        kind in NEEDS_REVIEW
        and isinstance(reviewed_months, int)
        and data.months_in_district != reviewed_months
    ):
        # The second officer decides what the first one checked, not other figures.
        raise Conflict(ERR_OTHER_MONTHS, params={"months": str(reviewed_months)})
    found = await eligibility(session, case, record, kind, data.months_in_district, lang)
    if found.refusals:
        raise Conflict("; ".join(found.refusals))
    if kind in NEEDS_REVIEW and (letter is None or letter.state != LetterState.REVIEWED.value):
        raise Conflict(ERR_NOT_REVIEWED)
    now = utcnow()
    doc = await issue_onboarding_letter(
        session, await _facts(session, case, service, record, kind, data, now)
    )
    if doc is None:
        raise Conflict(ERR_ISSUED)
    if letter is None:
        letter = OnboardingLetter(case_id=case.id, kind=kind.value, facts={})
        session.add(letter)
    letter.state = LetterState.ISSUED.value
    letter.decided_by = principal.user_id
    letter.decided_at = now
    letter.document_id = doc.id
    letter.facts = {
        **letter.facts,
        "months_in_district": data.months_in_district,
        "permit_class": record.permit_class,
        "receipt": found.receipt,
    }
    await session.flush()
    await audit.record(
        session,
        "onboarding.letter_issued",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={
            "kind": kind.value,
            "document": str(doc.id),
            "reviewed": letter.reviewed_by is not None,
        },
        district=case.district,
    )
    on_timeline(
        session,
        case,
        principal,
        action=f"{kind.value}_issued",
        role=ActorRole.APPROVER,
        reason=LETTER_TIMELINE[kind],
        now=now,
        detail={"document": str(doc.id)},
    )
    label = LETTER_LABELS[kind]
    letters_languages = ("zh", "en")
    await tell(
        session,
        case,
        service,
        template="onboarding.letter_issued",
        values={"letter_name": {lang: gettext(lang, label) for lang in letters_languages}},
        key=f"{kind.value}:issued",
        # The employer sends the visa invitation on; the recommendation is the person's.
        employer_template=(
            "onboarding.letter_issued_employer" if DOCUMENT_KINDS[kind].employer_reads else None
        ),
    )


async def _facts(
    session: AsyncSession,
    case: Case,
    service: Service,
    record: OnboardingRecord,
    kind: LetterKind,
    data: LetterDecision,
    now: datetime,
) -> onboarding_letters.OnboardingLetterFacts:
    assert case.applicant_id is not None
    person = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
    assert person is not None
    employer = await accounts_repo.get_employer(session, case.employer_id)
    grounds: dict[str, list[str]] = {}
    if kind is LetterKind.PR_RECOMMENDATION:
        for lang in ("zh", "en"):
            found = await eligibility(session, case, record, kind, data.months_in_district, lang)
            grounds[lang] = found.met
    return onboarding_letters.OnboardingLetterFacts(
        case=case,
        service=service,
        person_name=person.full_name,
        nationality=person.nationality,
        permit_class=record.permit_class or "–",
        employer_name=employer.name if employer else None,
        decided_at=now,
        staff_name="",
        kind=DOCUMENT_KINDS[kind],
        months_in_district=data.months_in_district
        if kind is LetterKind.PR_RECOMMENDATION
        else None,
        grounds=grounds,
    )
