"""The onboarding bundle's further decisions on one view (issue 18, points 2 and 3): each
letter's state, why it cannot be issued yet and who may act on it, its document for those who
may read it (the visa invitation for the employer too), and the fast track."""

from __future__ import annotations

import uuid

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.i18n import N_, gettext
from app.models import Case, OnboardingLetter, OnboardingRecord
from app.repositories import onboarding as onboarding_repo
from app.repositories import onboarding_decisions as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.onboarding_decisions import FurtherView, LetterView
from app.services.issued_documents import on_case
from app.services.onboarding import fast_track_view
from app.services.onboarding.decision_records import bundle, in_talent_office
from app.services.onboarding.further_letters import DOCUMENT_KINDS, eligibility
from app.services.onboarding.progress import is_employer_of
from app.workflow.onboarding_decisions import (
    LETTER_LABELS,
    NEEDS_REVIEW,
    FastTrackStatus,
    LetterKind,
    LetterState,
    may_decide_fast_track,
)
from app.workflow.states import CaseStatus

_STATE_LABELS: dict[LetterState | None, str] = {
    None: N_("Not issued"),
    LetterState.REVIEWED: N_("Reviewed: recommended for issue, awaiting an approver"),
    LetterState.ISSUED: N_("Issued"),
}


async def read(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    lang: str,
    months: int | None = None,
) -> FurtherView:
    """For the person, their employer and staff of the case (scoped: another district's or
    organisation's bundle is unknown). ``months``: the months in the district staff are
    checking the recommendation with."""
    case, _service, record = await bundle(session, principal, case_id, lock=False)
    person = (
        await onboarding_repo.person_of(session, case.applicant_id) if case.applicant_id else None
    )
    staff = principal.staff_id is not None
    letters = {row.kind: row for row in await repo.letters_of(session, case.id)}
    documents = {d.id: d for d in await on_case.documents_for(session, case, lang)}
    employer = not staff and is_employer_of(principal, case)
    views = []
    for kind in LetterKind:
        # The person and staff see every letter; the employer the one addressed to it as well.
        if employer and not DOCUMENT_KINDS[kind].employer_reads:
            continue
        letter = letters.get(kind.value)
        view = await _letter(session, principal, case, record, kind, letter, months, lang)
        doc = documents.get(letter.document_id) if letter and letter.document_id else None
        if doc is not None:
            # Each reader downloads through the pages of their own kind of account.
            prefix = "/staff" if staff else "/employer" if employer else ""
            path = f"{prefix}/cases/{case.id}/issued/{doc.id}.pdf"
            view.document = doc.model_copy(update={"download_url": path})
        views.append(view)
    ft = await fast_track_view.fast_track(session, case, lang)
    ft.can_nominate = (
        ft.offered
        and ft.status is None
        and is_employer_of(principal, case)
        and CaseStatus(case.status) not in CaseStatus.FINAL
    )
    ft.can_decide = (
        ft.status is not None
        and may_decide_fast_track(FastTrackStatus(ft.status))
        and in_talent_office(principal, Permission.APPROVE_CASES)
    )
    return FurtherView(
        case_id=case.id,
        case_number=case.number,
        person_name=person[0] if person else "",
        letters=views,
        fast_track=ft,
    )


async def _letter(
    session: AsyncSession,
    principal: Principal,
    case: Case,
    record: OnboardingRecord,
    kind: LetterKind,
    letter: OnboardingLetter | None,
    months: int | None,
    lang: str,
) -> LetterView:
    state = LetterState(letter.state) if letter is not None else None
    staff = principal.staff_id is not None
    reviewed_months = letter.facts.get("months_in_district") if letter is not None else None
    if months is None and isinstance(reviewed_months, int):
        months = reviewed_months
    found = (
        await eligibility(session, case, record, kind, months, lang)
        if staff and state is not LetterState.ISSUED
        else None
    )
    refusals = found.refusals if found else []
    return LetterView(
        kind=kind.value,
        label=gettext(lang, LETTER_LABELS[kind]),
        state=state.value if state else None,
        state_label=gettext(lang, _STATE_LABELS[state]),
        reviewed_at=letter.reviewed_at if letter else None,
        decided_at=letter.decided_at if letter else None,
        refusals=refusals,
        criteria=found.criteria if found else [],
        needs_months=found.needs_months if found else False,
        assumed=found.assumed if found else False,
        can_review=state is None and in_talent_office(principal, Permission.REVIEW_CASES),
        reviewed_by_viewer=(
            state is LetterState.REVIEWED
            and letter is not None
            and letter.reviewed_by == principal.user_id
        ),
        can_issue=(
            state is not LetterState.ISSUED
            and in_talent_office(principal, Permission.APPROVE_CASES)
            and (letter is None or letter.reviewed_by != principal.user_id)
            and (kind not in NEEDS_REVIEW or state is LetterState.REVIEWED)
        ),
        awaits_review=(
            state is None
            and kind in NEEDS_REVIEW
            and in_talent_office(principal, Permission.APPROVE_CASES)
        ),
    )
