"""人才落户一件事: one form and one window; the departments' parts; one result.

The applicant starts a bundle (the outside systems are asked for their records at once), picks
the route the rules recommend, answers the one form and submits. The window accepts the bundle
once (一口受理); acceptance dispatches it: one part per department step, each an ordinary case
in that department's queue with its own deadline, waiting while an earlier step is open. As the
parts move, ``on_part_changed`` starts the waiting ones, cancels those behind a failed step and
finishes or fails the bundle; the result is handed out once, on the bundle.

Every move goes through the workflow with a version check, so two workers or two clerks acting
at once cannot dispatch twice (the (parent, part) unique key backs that up in the database).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.enums import District
from app.domain.labels import DEPARTMENT
from app.domain.principal import Principal
from app.errors import NotFound, ValidationFailed
from app.i18n import N_, gettext
from app.models import Application, Case, CaseEvent, Service
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import verification as verification_repo
from app.rules import load_library
from app.schemas.cases import BundlePart, BundleRef, QuestionView, VerificationView
from app.services import verification
from app.services.calendar import work_calendar
from app.workflow.bundle import (
    BUNDLE_SERVICE,
    PART_BY_CODE,
    ROUTE_LABELS,
    SettlementRoute,
    critical_path_days,
    expected_due_dates,
    moves,
    outcome,
    plan,
)
from app.workflow.states import CaseAction, CaseStatus, status_label
from app.workflow.values import ActionPayload, local_date

S = CaseStatus


def is_bundle(service: Service) -> bool:
    return service.code == BUNDLE_SERVICE and service.part_of is None


def is_bundle_code(code: str) -> bool:
    return code == BUNDLE_SERVICE


async def bundle_service(session: AsyncSession, district: str) -> Service:
    service = await catalog_repo.get_by_code(session, district, BUNDLE_SERVICE)
    if service is None or not service.is_active:
        raise NotFound(N_("This service is not available."))
    return service


async def start(
    session: AsyncSession, principal: Principal, district: District, *, channel: str = "web"
) -> Application:
    """The applicant's bundle draft (a new one, or the one they left), with the outside systems
    asked for their records."""
    from app.services import applications

    service = await bundle_service(session, district.value)
    return await applications.start(session, principal, service.id, channel=channel)


# --- data from the outside systems ----------------------------------------------------------


async def after_submit(session: AsyncSession, case: Case) -> None:
    """A bundle submitted while a system has not answered waits at intake for its data."""
    assert case.application_id is not None
    rows = await verification_repo.for_application(session, case.application_id)
    waiting = verification.outstanding(rows)
    if waiting:
        from app.services.cases import act_as_system

        await act_as_system(
            session,
            case.id,
            CaseAction.WAIT_FOR_DATA,
            payload=ActionPayload(reason=waiting_reason([r.system for r in waiting])),
        )


WAITING_FOR = N_("Waiting for data from: {systems}")
_LIST_SEPARATOR = {"zh": "、", "en": ", "}


def both_languages(msgid: str, params: Callable[[str], dict[str, str]] | None = None) -> str:
    """A text the system writes on a case (an event's reason, a notice's item) in Chinese and
    English at once: the event is read by the applicant and by staff, each in their language."""
    return " / ".join(
        gettext(lang, msgid, params(lang) if params else None) for lang in ("zh", "en")
    )


def waiting_reason(systems: list[str]) -> str:
    return both_languages(
        WAITING_FOR,
        lambda lang: {
            "systems": _LIST_SEPARATOR[lang].join(
                verification.system_label(s, lang) for s in systems
            )
        },
    )


async def after_verification(session: AsyncSession, application_id: uuid.UUID) -> None:
    """A bundle waiting for data goes back to intake once no system is outstanding, with the
    eligibility pre-check redone on the completed facts. When a system answered "no record" or
    refused meanwhile, what it was to provide is now the applicant's to give: the facts it hid
    from the form and the uploads it stood for are asked in one notice (一次性告知)."""
    case = await cases_repo.get_case_by_application(session, application_id)
    if case is None or case.status != S.AWAITING_DATA:
        return
    rows = await verification_repo.for_application(session, application_id)
    if verification.outstanding(rows):
        return
    await _recheck_eligibility(session, case)
    from app.services.cases import act_as_system

    needs = await late_needs(session, case, "en")
    if needs is None or needs.empty:
        await act_as_system(session, case.id, CaseAction.RECEIVE_DATA)
        return
    # Straight from waiting to the one notice: no "on to the window" message before it.
    calendar = await work_calendar(session)
    due_on = calendar.add_working_days(local_date(utcnow()), LATE_NEEDS_WORKING_DAYS)
    await act_as_system(
        session,
        case.id,
        CaseAction.REQUEST_SUPPLEMENT,
        payload=ActionPayload(
            reason=both_languages(LATE_NEEDS_NOTICE),
            items=needs.items,
            due_on=due_on,
        ),
    )


# --- what a late "no" from an outside system leaves to the applicant ------------------------

LATE_NEEDS_NOTICE = N_(
    "Another government system could not confirm some of your details. Please answer the "
    "questions and provide the documents listed, all at once, on your application page."
)
# The applicant's time to answer; the clock of the case has not started (not yet accepted).
LATE_NEEDS_WORKING_DAYS = 10


@dataclass(frozen=True)
class LateNeeds:
    """The questions and uploads a system's "no record" or refusal, arriving after submission,
    left for the applicant (those already answered or attached are not asked again)."""

    systems: tuple[str, ...]
    questions: list[QuestionView]
    materials: list[dict[str, Any]]  # code, kind, name, document_id
    items: tuple[str, ...]  # the notice's lines, Chinese and English

    @property
    def empty(self) -> bool:
        return not self.questions and not self.materials


async def late_needs(session: AsyncSession, case: Case, lang: str) -> LateNeeds | None:
    from app.rules import FACTS
    from app.services import applications

    if case.application_id is None or case.parent_id is not None:
        return None
    service = await catalog_repo.get(session, case.service_id)
    app = await cases_repo.get_application_by_id(session, case.application_id)
    if service is None or app is None or not is_bundle(service):
        return None
    rows = await verification_repo.for_application(session, app.id)
    submitted = case.submitted_at
    # Only answers that came after submission: before it, the form asked these itself.
    failed = [
        r
        for r in rows
        if r.status in (verification.NO_RECORD, verification.REJECTED)
        and (submitted is None or r.updated_at >= submitted)
    ]
    if not failed:
        return None
    systems = tuple(r.system for r in failed)
    facts = {name for r in failed for name in verification.fact_names(r.system)}
    hidden = verification.hidden_facts(rows)
    questions = [
        q
        for q in applications.questions_for(service, app.answers, lang, hidden)
        if q.fact in facts and q.answer is None
    ]
    attached = {cd.requirement for cd in await cases_repo.case_documents(session, case.id)}
    covered = verification.covering_systems(rows)
    materials = []
    for m in service.materials:
        code = str(m["code"])
        if m.get("verified_by") not in systems or code in attached:
            continue
        if not applications._material_needed(m, app.answers, covered):
            continue
        materials.append(
            {
                "code": code,
                "kind": str(m.get("kind") or "other"),
                "name": str(m["name_zh"] if lang == "zh" else m["name_en"]),
                "name_zh": str(m["name_zh"]),
                "name_en": str(m["name_en"]),
                # Chosen (just uploaded) but not yet sent with the answers.
                "document_id": app.documents.get(code),
            }
        )
    items = tuple(
        f"{FACTS[q.fact].label.zh} / {FACTS[q.fact].label.en}" for q in questions
    ) + tuple(f"{m['name_zh']} / {m['name_en']}" for m in materials)
    return LateNeeds(systems, questions, materials, items)


async def _owned_bundle_case(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> Case:
    case = await cases_repo.get_case(session, principal, case_id)
    if (
        case is None
        or principal.applicant_id is None
        or case.applicant_id != principal.applicant_id
    ):
        raise NotFound()
    return case


async def late_needs_for(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, lang: str
) -> LateNeeds | None:
    """The applicant's own bundle: what they are asked for, while the request stands."""
    case = await _owned_bundle_case(session, principal, case_id)
    if case.status != S.SUPPLEMENT_REQUESTED:
        return None
    needs = await late_needs(session, case, lang)
    return None if needs is None or needs.empty else needs


async def choose_late_document(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    code: str,
    document_id: uuid.UUID,
) -> None:
    """A file just uploaded into the wallet for one of the asked-for documents: it is chosen for
    that line of the notice, and sent with the answers."""
    from app.errors import Conflict, FieldError
    from app.repositories import documents as documents_repo

    case = await _owned_bundle_case(session, principal, case_id)
    if case.status != S.SUPPLEMENT_REQUESTED:
        raise Conflict(NOTHING_ASKED)
    needs = await late_needs(session, case, "en")
    if needs is None or code not in {m["code"] for m in needs.materials}:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    code, "unknown_material", N_("This service does not ask for this document.")
                )
            ]
        )
    if await documents_repo.get_readable(session, principal, document_id) is None:
        raise ValidationFailed(
            field_errors=[
                FieldError(code, "unknown_document", N_("Choose a document from your wallet."))
            ]
        )
    assert case.application_id is not None
    app = await cases_repo.get_application_by_id(session, case.application_id)
    assert app is not None
    app.documents = {**app.documents, code: str(document_id)}
    await session.flush()


NOTHING_ASKED = N_("Nothing is asked of you on this application at the moment.")

LATE_NEEDS_OPEN = N_(
    "The notice sent after another government system could not confirm the applicant's "
    "details is not answered yet. Still missing: {missing}. The applicant answers it on the "
    "application page; then the documents count as received."
)


async def refuse_unanswered_late_needs(session: AsyncSession, case: Case, lang: str) -> None:
    """Recording the supplement as received closes the notice: while it still lacks an asked
    fact or upload the bundle would reach the window without them, so that is refused."""
    from app.errors import Conflict

    if case.status != S.SUPPLEMENT_REQUESTED:
        return
    needs = await late_needs(session, case, lang)
    if needs is None or needs.empty:
        return
    names = [q.label for q in needs.questions] + [str(m["name"]) for m in needs.materials]
    raise Conflict(
        LATE_NEEDS_OPEN,
        params={"missing": _LIST_SEPARATOR.get(lang, ", ").join(names)},
        extra={
            "missing": {
                "facts": [q.fact for q in needs.questions],
                "documents": [str(m["code"]) for m in needs.materials],
            }
        },
    )


async def answer_late_needs(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    answers: Mapping[str, Any],
    documents: Mapping[str, uuid.UUID],
    *,
    expected_version: int,
    lang: str,
) -> None:
    """The applicant answers the notice: every asked fact, every asked upload, at once; then the
    bundle goes back to the window with the eligibility pre-check redone. Anything missing or
    invalid changes nothing."""
    from app.errors import Conflict, FieldError
    from app.rules import validate_facts
    from app.schemas.cases import CaseActionRequest
    from app.services import cases as cases_service

    case = await _owned_bundle_case(session, principal, case_id)
    if case.status != S.SUPPLEMENT_REQUESTED:
        raise Conflict(NOTHING_ASKED)
    needs = await late_needs(session, case, lang)
    if needs is None or needs.empty:
        raise Conflict(NOTHING_ASKED)
    asked = {q.fact for q in needs.questions}
    problems = [
        FieldError(name, "not_asked", N_("This service does not ask for this information."))
        for name in answers
        if name not in asked
    ]
    given = {k: v for k, v in answers.items() if k in asked and v is not None}
    problems += [
        FieldError(q.fact, "required", N_("Answer this question."))
        for q in needs.questions
        if q.fact not in given
    ]
    checked = validate_facts(given)
    if not checked.ok:
        problems += [
            FieldError(e.field, e.code, e.message.en, localized=e.message.model_dump())
            for e in checked.errors
        ]
    from app.repositories import documents as documents_repo

    linked = {cd.document_id for cd in await cases_repo.case_documents(session, case.id)}
    for m in needs.materials:
        chosen = documents.get(m["code"])
        if chosen in linked:
            problems.append(
                FieldError(
                    m["code"],
                    "already_attached",
                    N_("This document is already on your application for another item."),
                )
            )
        elif chosen is None:
            problems.append(FieldError(m["code"], "required", N_("Provide this document.")))
        elif await documents_repo.get_readable(session, principal, chosen) is None:
            problems.append(
                FieldError(m["code"], "unknown_document", N_("Choose a document from your wallet."))
            )
    if problems:
        raise ValidationFailed(field_errors=problems)
    from app.models import CaseDocument

    assert case.application_id is not None
    app = await cases_repo.get_application_by_id(session, case.application_id)
    assert app is not None
    for m in needs.materials:
        session.add(
            CaseDocument(case_id=case.id, document_id=documents[m["code"]], requirement=m["code"])
        )
    app.documents = {
        **app.documents,
        **{m["code"]: str(documents[m["code"]]) for m in needs.materials},
    }
    app.answers = {**app.answers, **given}
    app.updated_at = utcnow()
    await session.flush()
    await _recheck_eligibility(session, case)
    await cases_service.act(
        session,
        principal,
        case.id,
        CaseActionRequest(
            action=CaseAction.RECEIVE_SUPPLEMENT,
            expected_version=expected_version,
            items=list(needs.items),
        ),
        lang,
    )


async def _recheck_eligibility(session: AsyncSession, case: Case) -> None:
    from app.services import applications

    assert case.application_id is not None
    app = await cases_repo.get_application_by_id(session, case.application_id)
    service = await catalog_repo.get(session, case.service_id)
    applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
    if app is None or service is None or applicant is None:
        return
    result = applications.evaluate(
        service, app.answers, local_date(utcnow()), applicant.user.language
    )
    if result is not None:
        case.eligibility_status = str(result["status"])
        case.eligibility_result = result
        case.eligibility_receipt = result["receipt"]
        await session.flush()


# --- dispatch to the departments ------------------------------------------------------------


def _housing_recommended(answers: dict[str, Any], district: str, today: Any) -> bool:
    """Whether the housing department should look at the applicant: unless the rules already
    rule them out of both the talent apartment and the rent subsidy. The bundle does not ask
    the housing questions; the department does, and not recommending fails nothing."""
    from app.services import applications

    policies = [f"{district}.talent_apartment", f"{district}.rent_subsidy"]
    results = load_library().evaluate(
        applications.fact_answers(answers), today, policy_ids=policies
    )
    return any(r.status != "ineligible" for r in results)


async def dispatch(session: AsyncSession, parent: Case, now: datetime) -> None:
    """Creates the parts of an accepted bundle and sends it to the departments."""
    assert parent.application_id is not None
    app = await cases_repo.get_application_by_id(session, parent.application_id)
    assert app is not None
    today = local_date(now)
    specs = plan(
        app.answers,
        housing_recommended=_housing_recommended(app.answers, parent.district, today),
    )
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
                actor_role="system",
                detail={"bundle": str(parent.id), "depends_on": list(spec.depends_on)},
            )
        )
    from app.services.cases import act_as_system

    parent.time_limit_days = critical_path_days(specs)
    parent.deadline_date = max(due.values())
    await session.flush()
    await act_as_system(session, parent.id, CaseAction.DISPATCH, now=now)


# --- the parts moving ----------------------------------------------------------------------


def _part_name(service: Service | None, code: str, lang: str) -> str:
    if service is None:
        return code
    return service.name_zh if lang == "zh" else service.name_en


async def on_part_changed(session: AsyncSession, part: Case, now: datetime) -> None:
    """After a department acted on a part: start what may start, cancel what cannot happen any
    more, and finish or fail the bundle when the parts say so."""
    from app.services.cases import act_as_system

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
    from app.services.cases import act_as_system

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
        payload = ActionPayload(
            reason=(
                f"{label.get('zh', '')} / {label.get('en', '')}: "
                f"{failed.decision_reason or status_label(S(failed.status))}"
            ),
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
    from app.services.cases import act_as_system
    from app.workflow.bundle import CANCELLABLE

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
    out: dict[str, dict[str, str]] = {}
    for code in PART_BY_CODE:
        service = await catalog_repo.get_by_code(session, district, code)
        if service is not None:
            out[code] = {"zh": service.name_zh, "en": service.name_en}
    return out


# --- views ---------------------------------------------------------------------------------


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
                due_on=None if S(part.status) in _ENDED_PART else part.deadline_date,
                depends_on=[
                    names.get(d, {}).get(lang, d) for d in (spec.depends_on if spec else ())
                ],
                decision_reason=part.decision_reason if part.status == S.REJECTED else None,
            )
        )
    return out


_ENDED_PART = frozenset(
    {S.APPROVED, S.REJECTED, S.CANCELLED, S.WITHDRAWN, S.NOT_ACCEPTED, S.CLOSED, S.RESULT_ISSUED}
)


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
    return [VerificationView(**verification.view(r, lang)) for r in rows]


def route_label(route: str | None, lang: str) -> str | None:
    try:
        return gettext(lang, ROUTE_LABELS[SettlementRoute(route)]) if route else None
    except ValueError:
        return None


def route_options(lang: str) -> list[tuple[str, str, None]]:
    return [(r.value, gettext(lang, ROUTE_LABELS[r]), None) for r in SettlementRoute]


def check_route(route: str) -> SettlementRoute:
    try:
        return SettlementRoute(route)
    except ValueError as exc:
        raise ValidationFailed(N_("Choose one of the options.")) from exc


# --- route finding on the applicant's own draft, and staff changing the route ---------------


async def routes_for(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, lang: str
) -> Any:
    """The route finder on the draft's answers, verified records included."""
    from app.services import applications, settlement

    app = await applications.get_owned(session, principal, application_id)
    service = await catalog_repo.get(session, app.service_id)
    if service is None or not is_bundle(service):
        raise NotFound()
    return settlement.find_routes(applications.fact_answers(app.answers), lang)


async def change_route(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    route: str,
    reason: str,
    lang: str,
) -> None:
    """A window clerk corrects the route before the bundle is accepted, saying why."""
    from app.domain.enums import Permission
    from app.errors import Conflict, FieldError, PermissionDenied

    if principal.staff_id is None or not principal.can(Permission.HANDLE_WINDOW):
        raise PermissionDenied()
    case = await cases_repo.get_case(session, principal, case_id)
    if case is None or case.application_id is None:
        raise NotFound()
    service = await catalog_repo.get(session, case.service_id)
    if service is None or not is_bundle(service):
        raise NotFound()
    if case.status not in (S.SUBMITTED, S.AWAITING_DATA, S.SUPPLEMENT_REQUESTED):
        raise Conflict(N_("The route can only be changed before the bundle is accepted."))
    problems = []
    chosen = None
    try:
        chosen = SettlementRoute(route)
    except ValueError:
        problems.append(FieldError("route", "invalid", N_("Choose one of the options.")))
    if not reason.strip():
        problems.append(FieldError("reason", "required", N_("Say why the route changes.")))
    if problems or chosen is None:
        raise ValidationFailed(field_errors=problems)
    app = await cases_repo.get_application_by_id(session, case.application_id)
    assert app is not None
    before = app.answers.get("settlement_route")
    app.answers = {**app.answers, "settlement_route": chosen.value}
    await session.flush()
    await _recheck_eligibility(session, case)
    session.add(
        CaseEvent(
            case_id=case.id,
            occurred_at=utcnow(),
            action="change_route",
            from_status=case.status,
            to_status=case.status,
            actor_user_id=principal.user_id,
            actor_role="window_clerk",
            reason=reason.strip()[:2000],
            detail={"from": before, "to": chosen.value},
        )
    )
    from app.services import audit

    await audit.record(
        session,
        "bundle.route_changed",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"from": before, "to": chosen.value},
    )
    await session.flush()
