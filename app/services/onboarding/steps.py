"""The onboarding bundle's steps on its cases: the district's sub-cases created when the
window accepts the bundle, then started, cancelled and settled through the settlement
bundle's engine (``app.workflow.onboarding.progress``) whenever a step moves: a sub-case
decided, the employer's hand-off recorded, a check-list ticked."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from app.errors import NotFound
from app.i18n import N_
from app.models import Case, CaseEvent, OnboardingRecord
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import onboarding as onboarding_repo
from app.repositories.unit_of_work import AsyncSession, async_sessionmaker
from app.rules import DecisionStatus, load_library
from app.services.applications import questions as application_questions
from app.services.calendar import work_calendar
from app.services.cases import act_as_system
from app.services.onboarding import housing, notices, schooling
from app.workflow.housing import WaitlistStatus
from app.workflow.onboarding import (
    HANDOFF_STEP_STATUS,
    STEP_BY_CODE,
    STEPS,
    HandoffOutcome,
    HousingRoute,
    OnboardingStep,
    Progress,
    StepKind,
    StepOwner,
    StepStatus,
    checklist_status,
    housing_step_status,
    plan,
    progress,
    step_status_of_case,
)
from app.workflow.states import ActorRole, CaseAction, CaseStatus
from app.workflow.values import ActionPayload, local_date

log = logging.getLogger(__name__)

S = CaseStatus


def housing_offered(answers: Mapping[str, Any], district: str, today: date) -> bool:
    """Housing is offered in the flow when the person asked for help and the rules do not
    already rule them out of both the talent apartment and the rent subsidy."""
    if answers.get("wants_housing_help") is not True:
        return False
    policies = [f"{district}.talent_apartment", f"{district}.rent_subsidy"]
    results = load_library().evaluate(
        application_questions.fact_answers(answers), today, policy_ids=policies
    )
    return any(DecisionStatus(r.status) is not DecisionStatus.INELIGIBLE for r in results)


def planned_steps(
    answers: Mapping[str, Any], district: str, today: date
) -> tuple[OnboardingStep, ...]:
    children = answers.get("children_count")
    return plan(
        children=children if isinstance(children, int) else 0,
        housing_offered=housing_offered(answers, district, today),
    )


def steps_of(planned: tuple[OnboardingStep, ...], parts: list[Case]) -> tuple[OnboardingStep, ...]:
    """A dispatched bundle's steps: its planned steps that are not the district's sub-cases,
    and the sub-case steps it has a sub-case for (what was planned when it was dispatched)."""
    made = {p.bundle_part for p in parts}
    return tuple(
        s
        for s in STEPS
        if (s.kind is StepKind.SUB_CASE and s.code in made)
        or (s.kind is not StepKind.SUB_CASE and (s in planned or s.code in made))
    )


def own_states(
    record: OnboardingRecord | None,
    parts: list[Case],
    looked_up: Mapping[str, StepStatus] | None = None,
) -> dict[str, StepStatus]:
    """What each step says of itself, before its dependencies are taken into account;
    ``looked_up``: what the housing and schooling steps say, read from their rooms."""
    own: dict[str, StepStatus] = {}
    if record is not None and record.permit_class:
        own["work_permit_precheck"] = StepStatus.DONE
    if record is not None and record.handoff_outcome:
        own["work_permit_handoff"] = HANDOFF_STEP_STATUS[HandoffOutcome(record.handoff_outcome)]
    for part in parts:
        if part.bundle_part:
            own[part.bundle_part] = step_status_of_case(S(part.status))
    ticked = frozenset(record.ticked if record is not None else [])
    for step in STEPS:
        if step.kind is StepKind.CHECKLIST:
            own[step.code] = checklist_status(step, ticked)
    own.update(looked_up or {})
    return own


async def _looked_up(
    session: AsyncSession, record: OnboardingRecord | None, parts: list[Case]
) -> dict[str, StepStatus]:
    found: dict[str, StepStatus] = {}
    part = housing.housing_part(parts)
    if part is not None:
        route = HousingRoute(record.housing_route) if record and record.housing_route else None
        on_list = await housing.list_status(session, part)
        found[housing.STEP] = housing_step_status(
            route,
            step_status_of_case(S(part.status)),
            housed=on_list is WaitlistStatus.HOUSED,
            declined_out=on_list is WaitlistStatus.REMOVED,
        )
    if not any(p.bundle_part == schooling.STEP for p in parts):
        # Bundles dispatched before the step was the consultation kept a sub-case for it.
        found[schooling.STEP] = schooling.own_state(await schooling.linked_case(session, record))
    return found


async def current(session: AsyncSession, bundle: Case) -> tuple[Progress, list[Case]]:
    record = await onboarding_repo.record_of(session, bundle.id)
    parts = await cases_repo.parts_of(session, bundle.id)
    answers: dict[str, Any] = {}
    if bundle.application_id is not None:
        app = await cases_repo.get_application_by_id(session, bundle.application_id)
        answers = dict(app.answers) if app is not None else {}
    planned = planned_steps(answers, bundle.district, local_date(bundle.submitted_at))
    if parts:
        planned = steps_of(planned, parts)
    own = own_states(record, parts, await _looked_up(session, record, parts))
    return progress(planned, own), parts


async def dispatch(session: AsyncSession, bundle: Case, now: datetime) -> None:
    """The window accepted the bundle: one sub-case per district step, each waiting in its
    department's queue until the steps before it are done."""
    assert bundle.application_id is not None
    app = await cases_repo.get_application_by_id(session, bundle.application_id)
    assert app is not None
    today = local_date(now)
    calendar = await work_calendar(session)
    steps = [
        s for s in planned_steps(app.answers, bundle.district, today) if s.kind is StepKind.SUB_CASE
    ]
    for index, step in enumerate(steps, start=1):
        assert step.service is not None
        service = await catalog_repo.get_by_code(session, bundle.district, step.service)
        if service is None:
            raise NotFound(N_("This service is not available."))
        part = Case(
            number=f"{bundle.number}-{index}",
            lookup_code_enc=bundle.lookup_code_enc,
            application_id=None,
            applicant_id=bundle.applicant_id,
            service_id=service.id,
            district=bundle.district,
            department=service.department,
            status=S.WAITING.value,
            version=1,
            channel=bundle.channel,
            submitted_at=now,
            accepted_on=None,
            time_limit_days=service.time_limit_days,
            deadline_date=calendar.add_working_days(today, service.time_limit_days),
            parent_id=bundle.id,
            bundle_part=step.code,
            employer_id=bundle.employer_id,
            employer_uscc=bundle.employer_uscc,
            first_responsible_staff_id=bundle.first_responsible_staff_id,
        )
        session.add(part)
        await session.flush()
        session.add(
            CaseEvent(
                case_id=part.id,
                occurred_at=now,
                action=CaseAction.DISPATCH.value,
                from_status=None,
                to_status=part.status,
                actor_user_id=None,
                actor_role=ActorRole.SYSTEM.value,
                detail={"bundle": str(bundle.id), "depends_on": list(step.depends_on)},
            )
        )
    await act_as_system(session, bundle.id, CaseAction.DISPATCH, now=now)
    await advance(session, bundle, now)


_CANCELLED_BECAUSE = (
    "前一步骤未成功，本步骤不再办理 / An earlier step did not succeed, so this step is not done"
)


# Bundles moved on per daily round at most (each in a transaction of its own).
SWEEP_LIMIT = 1000


async def run_due(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """The daily round's catch-up: a housing step settled outside the bundle's own pages (an
    offer that lapsed, or one accepted or declined on the housing pages) moves its bundle on,
    as an answer on the bundle's page does. One bundle that fails is logged and skipped; the
    others still move. Returns how many were looked at."""
    async with sessionmaker() as session:
        ids = await onboarding_repo.bundles_with_settled_housing(session, SWEEP_LIMIT)
    for bundle_id in ids:
        try:
            async with sessionmaker() as session, session.begin():
                bundle = await cases_repo.get_case_fresh(session, bundle_id)
                if bundle is not None:
                    await advance(session, bundle, now)
        except Exception:
            log.exception("onboarding bundle %s did not move on", bundle_id)
    return len(ids)


async def advance(session: AsyncSession, bundle: Case, now: datetime) -> None:
    """After any step moved: start the sub-cases whose steps before are done, cancel those
    behind a failed step, and complete or fail the bundle when its steps say so."""
    bundle = await cases_repo.get_case_fresh(session, bundle.id) or bundle
    if S(bundle.status) is not S.IN_PROGRESS:
        return
    state, parts = await current(session, bundle)
    by_code = {p.bundle_part: p for p in parts}
    for code in state.release:
        await act_as_system(session, by_code[code].id, CaseAction.RELEASE, now=now)
    for code in state.cancel:
        if S(by_code[code].status) not in _CANCELLABLE:
            continue  # decided already (an approved housing step waiting for the answer)
        await act_as_system(
            session,
            by_code[code].id,
            CaseAction.CANCEL,
            now=now,
            payload=ActionPayload(reason=_CANCELLED_BECAUSE),
        )
    for code, status in state.statuses.items():
        if status is StepStatus.DONE and STEP_BY_CODE[code].owner is StepOwner.DISTRICT:
            await notices.step_done(session, bundle, STEP_BY_CODE[code])
    if state.failed_step is not None:
        await act_as_system(
            session,
            bundle.id,
            CaseAction.FAIL_PART,
            now=now,
            payload=ActionPayload(
                reason=_FAILED_BECAUSE.get(state.failed_step, _CANCELLED_BECAUSE)
            ),
        )
    elif state.complete:
        await act_as_system(session, bundle.id, CaseAction.COMPLETE_PARTS, now=now)
        await notices.completed(session, bundle)


_FAILED_BECAUSE = {
    "work_permit_handoff": "工作许可申请未获批准 / The work permit was refused",
    "residence_permit": "工作类居留许可未获批准 / The residence permit for work was refused",
}


# Open sub-cases a withdrawn bundle stops (the case table allows CANCEL from these).
_CANCELLABLE = frozenset({S.WAITING, S.ACCEPTED, S.IN_REVIEW, S.REVIEW_SUPPLEMENT_REQUESTED})


async def cancel_open_parts(session: AsyncSession, bundle: Case, now: datetime) -> None:
    """The person withdrew the bundle: none of its district steps is worked on any more."""
    for part in await cases_repo.parts_of(session, bundle.id):
        if S(part.status) in _CANCELLABLE:
            await act_as_system(
                session,
                part.id,
                CaseAction.CANCEL,
                now=now,
                payload=ActionPayload(
                    reason="申请人已撤回本事项 / The applicant withdrew the application"
                ),
            )
