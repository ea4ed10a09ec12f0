"""What the person and their employer do on the onboarding bundle outside the case table,
and the one view of its steps they both see (staff see it too, on the case page).

The employer records its application in the national work-permit system (the portal files
nothing there): its number and the outcome. The person ticks the check-lists of the steps done
elsewhere (bank, social and medical insurance). Each is audited and moves the bundle on."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.i18n import N_, gettext, localized
from app.models import Case, OnboardingRecord
from app.models.base import utcnow
from app.repositories import catalog as catalog_repo
from app.repositories import onboarding as onboarding_repo
from app.repositories import service_points as points_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.onboarding import (
    ChecklistItem,
    ChecklistTick,
    HandoffRecord,
    HousingAnswer,
    OnboardingStepView,
    OnboardingView,
    StepAppointments,
)
from app.schemas.schooling import SessionPoint
from app.services import audit
from app.services import documents as wallet
from app.services.onboarding import (
    decision_records,
    fast_track_view,
    housing,
    letter,
    notices,
    precheck,
    schooling,
)
from app.services.onboarding.steps import advance, current
from app.services.service_points.views import appointment_views
from app.workflow.onboarding import (
    CHECKLIST_LABELS,
    HANDOFF_LABELS,
    HOUSING_ROUTE_LABELS,
    OWNER_LABELS,
    STEP_BY_CODE,
    STEP_STATUS_LABELS,
    HandoffOutcome,
    HousingRoute,
    StepKind,
    StepStatus,
)
from app.workflow.states import CaseStatus, status_label

# Staff see the language the person reads the portal in (English first for these users).
LANGUAGE_LABELS = {"en": N_("English"), "zh": N_("Chinese")}


def is_employer_of(principal: Principal, case: Case) -> bool:
    """The verified organisation named on the bundle, through a member who answers for it."""
    return (
        principal.employer_id is not None
        and principal.employer_id == case.employer_id
        and principal.can(Permission.CONFIRM_EMPLOYMENT)
    )


def is_person_of(principal: Principal, case: Case) -> bool:
    return principal.applicant_id is not None and principal.applicant_id == case.applicant_id


def _sees_private(principal: Principal, case: Case) -> bool:
    """The person and the district's staff; the employer sees the steps and their status."""
    return is_person_of(principal, case) or principal.staff_id is not None


async def _bundle(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, *, lock: bool = True
) -> tuple[Case, OnboardingRecord]:
    case, _service, record = await decision_records.bundle(session, principal, case_id, lock=lock)
    return case, record


async def _step_status(session: AsyncSession, case: Case, code: str) -> StepStatus | None:
    state, _parts = await current(session, case)
    return state.statuses.get(code)


async def read(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, lang: str
) -> OnboardingView:
    """The bundle's steps for the person, their employer or staff of the case (scoped)."""
    case, record = await _bundle(session, principal, case_id, lock=False)
    found = await view(session, case, principal, lang)
    assert found is not None
    return found


async def record_handoff(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, data: HandoffRecord
) -> None:
    case, record = await _bundle(session, principal, case_id)
    if not is_employer_of(principal, case):
        raise PermissionDenied(N_("Only the employer named on the application records this."))
    status = await _step_status(session, case, "work_permit_handoff")
    if status is not StepStatus.OPEN:
        raise Conflict(N_("The work-permit application cannot be recorded at this step."))
    now = utcnow()
    record.handoff_number = data.application_number.upper()
    record.handoff_outcome = HandoffOutcome(data.outcome).value
    record.handoff_recorded_at = now
    record.handoff_recorded_by = principal.user_id
    await session.flush()
    await audit.record(
        session,
        "onboarding.handoff_recorded",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"number": record.handoff_number, "outcome": record.handoff_outcome},
        district=case.district,
    )
    outcome = HandoffOutcome(record.handoff_outcome)
    await notices.handoff_recorded(session, case, record.handoff_number, HANDOFF_LABELS[outcome])
    await advance(session, case, now)


async def answer_offer(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    data: HousingAnswer,
    accept: bool,
) -> None:
    """The person accepts or declines the apartment offered on the housing step."""
    case, _record = await _bundle(session, principal, case_id)
    await housing.answer(session, principal, case, data.offer_id, accept)
    await advance(session, case, utcnow())


async def offer_apartment(session: AsyncSession, principal: Principal, case_id: uuid.UUID) -> None:
    """The housing office offers (another) apartment on the housing step."""
    case, record = await _bundle(session, principal, case_id)
    await housing.offer_again(session, principal, case, record)


async def request_consultation(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> uuid.UUID:
    """The person requests the schooling consultation from the step: its form, linked."""
    case, record = await _bundle(session, principal, case_id)
    status = await _step_status(session, case, schooling.STEP)
    return await schooling.request(session, principal, case, record, status)


async def tick(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, data: ChecklistTick
) -> None:
    case, record = await _bundle(session, principal, case_id)
    if not is_person_of(principal, case):
        raise PermissionDenied(N_("Only the person themselves ticks their check-list."))
    step = next(
        (s for s in STEP_BY_CODE.values() if data.item in s.checklist),
        None,
    )
    if step is None:
        raise ValidationFailed.on_field("item", N_("Choose one of the options."))
    if await _step_status(session, case, step.code) not in (StepStatus.OPEN, StepStatus.DONE):
        raise Conflict(N_("This step opens once the steps before it are done."))
    ticked = set(record.ticked)
    (ticked.add if data.ticked else ticked.discard)(data.item)
    # A new list, so the JSON column sees the change.
    record.ticked = sorted(ticked)
    await session.flush()
    await audit.record(
        session,
        "onboarding.checklist_ticked",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"item": data.item, "ticked": data.ticked},
        district=case.district,
    )
    await advance(session, case, utcnow())


async def view(
    session: AsyncSession, case: Case, principal: Principal, lang: str
) -> OnboardingView | None:
    record = await onboarding_repo.record_of(session, case.id)
    if record is None:
        return None
    state, parts = await current(session, case)
    by_code = {p.bundle_part: p for p in parts}
    pre = _precheck(record, lang)
    in_progress = CaseStatus(case.status) is CaseStatus.IN_PROGRESS
    ticked = set(record.ticked)
    # The district's endorsement of the fast track goes with the employer's hand-off.
    fast_track_note = await fast_track_view.handoff_note(session, case, lang)
    steps = []
    for code, status in state.statuses.items():
        step = STEP_BY_CODE[code]
        part = by_code.get(code)
        outcome = HandoffOutcome(record.handoff_outcome) if record.handoff_outcome else None
        steps.append(
            OnboardingStepView(
                code=code,
                title=gettext(lang, step.title),
                owner=step.owner.value,
                owner_label=gettext(lang, OWNER_LABELS[step.owner]),
                kind=step.kind.value,
                status=status.value,
                status_label=gettext(lang, STEP_STATUS_LABELS[status]),
                bring=[gettext(lang, b) for b in step.bring],
                checklist=[
                    ChecklistItem(
                        code=item,
                        label=gettext(lang, CHECKLIST_LABELS[item]),
                        ticked=item in ticked,
                    )
                    for item in step.checklist
                ],
                case_id=part.id if part is not None else None,
                case_number=part.number if part is not None else None,
                handoff_number=record.handoff_number if step.kind is StepKind.RECORD else None,
                handoff_outcome=outcome.value if outcome and step.kind is StepKind.RECORD else None,
                handoff_outcome_label=(
                    gettext(lang, HANDOFF_LABELS[outcome])
                    if outcome and step.kind is StepKind.RECORD
                    else None
                ),
                appointments=(
                    await _appointments(session, part, principal, status, lang)
                    if step.by_appointment and part is not None
                    else None
                ),
                **(
                    await _housing_fields(session, case, record, part, principal, lang)
                    if code == housing.STEP
                    else {}
                ),
                **(
                    await _schooling_fields(session, case, record, principal, status, lang)
                    if code == schooling.STEP and part is None
                    else {}
                ),
                fast_track_note=fast_track_note if step.kind is StepKind.RECORD else None,
                can_tick=(
                    step.kind is StepKind.CHECKLIST
                    and in_progress
                    and status in (StepStatus.OPEN, StepStatus.DONE)
                    and is_person_of(principal, case)
                ),
                can_record=(
                    step.kind is StepKind.RECORD
                    and status is StepStatus.OPEN
                    and CaseStatus(case.status) not in CaseStatus.SETTLED
                    and is_employer_of(principal, case)
                ),
            )
        )
    person = (
        await onboarding_repo.person_of(session, case.applicant_id) if case.applicant_id else None
    )
    letter_issued, letter_possible = await letter.letter_state(session, case)
    links = (
        await letter.links(session, case)
        if is_person_of(principal, case) or is_employer_of(principal, case)
        else None
    )
    return OnboardingView(
        case_id=case.id,
        case_number=case.number,
        case_status_label=gettext(lang, status_label(CaseStatus(case.status))),
        person_name=person[0] if person else "",
        person_language=gettext(lang, LANGUAGE_LABELS.get(person[1], person[1]))
        if person
        else None,
        permit_class=record.permit_class,
        points=record.points,
        class_meaning=pre.meaning if pre else None,
        reasons=pre.reasons if pre else [],
        to_reach_b=pre.to_reach_b if pre else [],
        changes_for_b=pre.changes_for_b if pre else [],
        steps=steps,
        complete=CaseStatus(case.status) in CaseStatus.APPROVAL_STANDS,
        letter_issued=letter_issued,
        can_issue_letter=letter_possible and letter.may_decide(principal),
        letter_download_url=links[0] if links else None,
        letter_verify_path=links[1] if links else None,
    )


async def _housing_fields(
    session: AsyncSession,
    case: Case,
    record: OnboardingRecord,
    part: Case | None,
    principal: Principal,
    lang: str,
) -> dict[str, Any]:
    route = HousingRoute(record.housing_route) if record.housing_route else None
    return {
        "housing_route": route.value if route else None,
        "housing_route_label": gettext(lang, HOUSING_ROUTE_LABELS[route]) if route else None,
        # The apartment offered (building, unit, rent) is the person's; the employer follows
        # the step's status only.
        "offer": (
            await housing.offer_view(session, part, principal, lang)
            if _sees_private(principal, case)
            else None
        ),
        "can_offer": await housing.may_offer(session, principal, case, part),
        "rent_subsidy_service_id": (
            await housing.rent_subsidy_service(session, case.district, principal.applicant_id)
            if route is HousingRoute.RENT_SUBSIDY
            and principal.applicant_id is not None
            and principal.applicant_id == case.applicant_id
            else None
        ),
    }


async def _schooling_fields(
    session: AsyncSession,
    case: Case,
    record: OnboardingRecord,
    principal: Principal,
    status: StepStatus,
    lang: str,
) -> dict[str, Any]:
    return {
        # Their child's consultation and its sessions are the family's, not the employer's.
        "consultation": (
            await schooling.linked_view(
                session, record, principal, is_person_of(principal, case), lang
            )
            if _sees_private(principal, case)
            else None
        ),
        "can_request_consultation": (
            status is StepStatus.OPEN
            and record.schooling_application_id is None
            and is_person_of(principal, case)
        ),
        "schools": schooling.schools_for(case.district, lang),
    }


async def _appointments(
    session: AsyncSession, part: Case, principal: Principal, status: StepStatus, lang: str
) -> StepAppointments:
    """The sub-case's appointments (booked through the service points, linked to it) and the
    points of its district offering its service, to book one while the step is open."""
    service = await catalog_repo.get(session, part.service_id)
    code = service.code if service is not None else ""
    points = await points_repo.points_offering(session, part.district, code)
    booked = await points_repo.appointments_of_case(session, part.id)
    return StepAppointments(
        points=[
            SessionPoint(
                code=p.code, name=localized(p, "name", lang), address=localized(p, "address", lang)
            )
            for p in points
        ],
        appointments=await appointment_views(session, booked, lang),
        can_book=status is StepStatus.OPEN and is_person_of(principal, part),
        service_code=code,
    )


def _precheck(record: OnboardingRecord, lang: str) -> precheck.Precheck | None:
    """The pre-check again from the facts and the day its receipt kept: the same class, its
    reasons in the reader's language."""
    receipt = record.precheck_receipt
    facts = receipt.get("facts")
    as_of = receipt.get("as_of")
    if not isinstance(facts, dict) or not isinstance(as_of, str):
        return None
    return precheck.run(facts, date.fromisoformat(as_of), lang)


async def letter_pdf(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> wallet.Download:
    """The talent confirmation letter for the person or the employer named on the bundle."""
    case, _record = await _bundle(session, principal, case_id, lock=False)
    if not (is_person_of(principal, case) or is_employer_of(principal, case)):
        raise PermissionDenied()
    return await letter.download(session, principal, case)
