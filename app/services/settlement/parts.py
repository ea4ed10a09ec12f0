"""The bundle's department parts: created on acceptance, started in order as the step before
is approved, cancelled when a core step fails; the bundle settles from its parts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from app.domain.labels import DEPARTMENT
from app.errors import NotFound
from app.i18n import N_, gettext
from app.models import Case, CaseEvent
from app.models.base import utcnow
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import verification as verification_repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import DecisionStatus, load_library
from app.schemas.cases import BundlePart, BundleRef, VerificationView
from app.services.applications import questions as application_questions
from app.services.calendar import work_calendar
from app.services.cases import act_as_system
from app.services.settlement import records
from app.services.settlement.bundle import S
from app.workflow.bundle import (
    CANCELLABLE,
    PART_BY_CODE,
    PartSpec,
    critical_path_days,
    expected_due_dates,
    moves,
    outcome,
    plan,
)
from app.workflow.states import ActorRole, CaseAction, status_label
from app.workflow.values import ActionPayload, local_date


def _housing_recommended(answers: dict[str, Any], district: str, today: Any) -> bool:
    """Whether the housing department should look at the applicant: unless the rules already
    rule them out of both the talent apartment and the rent subsidy. The bundle does not ask
    the housing questions; the department does, and not recommending fails nothing."""

    policies = [f"{district}.talent_apartment", f"{district}.rent_subsidy"]
    results = load_library().evaluate(
        application_questions.fact_answers(answers), today, policy_ids=policies
    )
    return any(DecisionStatus(r.status) is not DecisionStatus.INELIGIBLE for r in results)


def planned_parts(answers: dict[str, Any], district: str, today: date) -> tuple[PartSpec, ...]:
    """The department steps an application's answers lead to."""
    return plan(answers, housing_recommended=_housing_recommended(answers, district, today))


def planned_time_limit(answers: dict[str, Any], district: str, today: date) -> int:
    """The working days the bundle promises: its longest chain of steps. Submission promises
    this (not the catalog's figure), so the confirmation, the case page and the acceptance
    e-mail name one date."""
    return critical_path_days(planned_parts(answers, district, today))


async def dispatch(session: AsyncSession, parent: Case, now: datetime) -> None:
    """Creates the parts of an accepted bundle and sends it to the departments."""
    assert parent.application_id is not None
    app = await cases_repo.get_application_by_id(session, parent.application_id)
    assert app is not None
    today = local_date(now)
    specs = planned_parts(app.answers, parent.district, today)
    calendar = await work_calendar(session)
    due = expected_due_dates(specs, {}, today, calendar)
    for index, spec in enumerate(specs, start=1):
        service = await catalog_repo.get_by_code(session, parent.district, spec.code)
        if service is None:
            raise NotFound(N_("This service is not available."))
        ready = not spec.depends_on
        part = Case(
            number=f"{parent.number}-{index}",
            lookup_code_enc=parent.lookup_code_enc,
            application_id=None,
            applicant_id=parent.applicant_id,
            service_id=service.id,
            district=parent.district,
            department=service.department,
            status=(S.ACCEPTED if ready else S.WAITING).value,
            version=1,
            channel=parent.channel,
            submitted_at=now,
            accepted_on=today if ready else None,
            time_limit_days=service.time_limit_days,
            deadline_date=due[spec.code],
            # The settlement decision rests on the route's policy; the bundle's pre-check is it.
            eligibility_status=parent.eligibility_status if spec.core else None,
            eligibility_result=parent.eligibility_result if spec.core else None,
            eligibility_receipt=parent.eligibility_receipt if spec.core else None,
            parent_id=parent.id,
            bundle_part=spec.code,
            first_responsible_staff_id=parent.first_responsible_staff_id,
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
                detail={"bundle": str(parent.id), "depends_on": list(spec.depends_on)},
            )
        )
    parent.time_limit_days = critical_path_days(specs)
    parent.deadline_date = max(due.values())
    await session.flush()
    await act_as_system(session, parent.id, CaseAction.DISPATCH, now=now)


async def on_part_changed(session: AsyncSession, part: Case, now: datetime) -> None:
    """After a department acted on a part: start what may start, cancel what cannot happen any
    more, and finish or fail the bundle when the parts say so."""
    assert part.parent_id is not None
    parent = await cases_repo.get_case_fresh(session, part.parent_id)
    if parent is None:
        return
    names = await _part_names(session, parent.district)
    # Each round may unblock or cancel the next link of the chain; at most one per part.
    for _ in range(len(PART_BY_CODE) + 1):
        parts = await cases_repo.parts_of(session, parent.id)
        statuses = {p.bundle_part: S(p.status) for p in parts if p.bundle_part}
        todo = moves(statuses)
        if not todo:
            break
        by_code = {p.bundle_part: p for p in parts}
        for move in todo:
            reason = None
            if move.because_of is not None:
                failed = names.get(move.because_of, {})
                reason = (
                    f"前一步骤“{failed.get('zh', move.because_of)}”未完成 / "
                    f"The earlier step “{failed.get('en', move.because_of)}” did not succeed"
                )
            await act_as_system(
                session,
                by_code[move.part].id,
                move.action,
                now=now,
                payload=ActionPayload(reason=reason),
            )
    await _settle_parent(session, parent, now, names)


async def _settle_parent(
    session: AsyncSession, parent: Case, now: datetime, names: dict[str, dict[str, str]]
) -> None:
    parent = await cases_repo.get_case_fresh(session, parent.id) or parent
    if parent.status != S.IN_PROGRESS:
        return
    parts = await cases_repo.parts_of(session, parent.id)
    statuses = {p.bundle_part: S(p.status) for p in parts if p.bundle_part}
    result = outcome(statuses)
    if result is None:
        await _refresh_parent_deadline(session, parent, parts)
        return
    payload = ActionPayload()
    if result.action is CaseAction.FAIL_PART and result.failed_part is not None:
        failed = next(p for p in parts if p.bundle_part == result.failed_part)
        label = names.get(result.failed_part, {})
        # The bundle's written decision rests on the clause the failed part's refusal named.
        refusal = next(
            (
                e
                for e in reversed(await cases_repo.events(session, failed.id))
                if e.to_status == failed.status
            ),
            None,
        )
        clause = (refusal.detail or {}).get("clause") if refusal is not None else None
        payload = ActionPayload(
            reason=(
                f"{label.get('zh', '')} / {label.get('en', '')}: "
                f"{failed.decision_reason or status_label(S(failed.status))}"
            ),
            clause=str(clause) if clause else None,
        )
    await act_as_system(session, parent.id, result.action, now=now, payload=payload)


async def _refresh_parent_deadline(session: AsyncSession, parent: Case, parts: list[Case]) -> None:
    """The bundle's one deadline: the latest expected end among its parts."""
    calendar = await work_calendar(session)
    specs = tuple(PART_BY_CODE[p.bundle_part] for p in parts if p.bundle_part)
    known = {
        p.bundle_part: p.deadline_date for p in parts if p.bundle_part and p.status != S.WAITING
    }
    start = parent.accepted_on or local_date(utcnow())
    due = expected_due_dates(specs, known, start, calendar)
    if due:
        parent.deadline_date = max(due.values())
        await session.flush()


async def cancel_open_parts(session: AsyncSession, parent: Case, now: datetime) -> None:
    """The bundle was withdrawn: nothing of it is worked on any more."""
    for part in await cases_repo.parts_of(session, parent.id):
        if S(part.status) in CANCELLABLE:
            await act_as_system(
                session,
                part.id,
                CaseAction.CANCEL,
                now=now,
                payload=ActionPayload(
                    reason="申请人已撤回本事项 / The applicant withdrew the application"
                ),
            )


async def _part_names(session: AsyncSession, district: str) -> dict[str, dict[str, str]]:
    found = await catalog_repo.names_by_code(session, district, PART_BY_CODE)
    return {code: {"zh": zh, "en": en} for code, (zh, en) in found.items()}


async def parts_view(session: AsyncSession, parent: Case, lang: str) -> list[BundlePart]:
    names = await _part_names(session, parent.district)
    out = []
    for part in await cases_repo.parts_of(session, parent.id):
        code = part.bundle_part or ""
        spec = PART_BY_CODE.get(code)
        label = names.get(code, {})
        out.append(
            BundlePart(
                id=part.id,
                number=part.number,
                code=code,
                name=label.get(lang, code),
                department=part.department,
                department_label=gettext(lang, DEPARTMENT.get(part.department, part.department)),
                status=part.status,
                status_label=gettext(lang, status_label(S(part.status))),
                # Decided or ended (SETTLED): no due date left to keep.
                due_on=None if S(part.status) in S.SETTLED else part.deadline_date,
                depends_on=[
                    names.get(d, {}).get(lang, d) for d in (spec.depends_on if spec else ())
                ],
                decision_reason=part.decision_reason if part.status == S.REJECTED else None,
            )
        )
    return out


async def bundle_ref(session: AsyncSession, part: Case, lang: str) -> BundleRef | None:
    if part.parent_id is None:
        return None
    parent = await cases_repo.get_case_fresh(session, part.parent_id)
    if parent is None:
        return None
    names = await _part_names(session, parent.district)
    return BundleRef(
        id=parent.id,
        number=parent.number,
        status=parent.status,
        status_label=gettext(lang, status_label(S(parent.status))),
        part=part.bundle_part or "",
        part_name=names.get(part.bundle_part or "", {}).get(lang, part.bundle_part or ""),
    )


async def verifications_view(
    session: AsyncSession, application_id: uuid.UUID, lang: str
) -> list[VerificationView]:
    rows = await verification_repo.for_application(session, application_id)
    return [VerificationView(**records.view(r, lang)) for r in rows]
