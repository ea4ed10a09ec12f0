"""A case as its reader sees it: applicant, employer or staff, in their language, with the
actions they may take and what the service type adds."""

from __future__ import annotations

import uuid

from app.domain.principal import Principal
from app.i18n import gettext, localized
from app.models import (
    Case,
    CaseEvent,
    Service,
)
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import follow_ups as follow_ups_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import (
    CaseRead,
    NoteRead,
    TimelineEntry,
)
from app.services import audit, service_types
from app.services.applications.questions import display_answers
from app.services.calendar import work_calendar
from app.services.cases.context import (
    actors_for,
    capabilities,
    handling_departments,
    load_case_with_parts,
    snapshot,
    staff_name,
    waits_for_registration,
)
from app.services.cases.deadlines import exact_deadline, pauses_of, translated_deadline
from app.services.cases.opinions import clause_choices, latest_opinion
from app.services.cases.outcome import in_language, outcome_view
from app.services.cases.supplement_items import (
    last_request,
    name_supplement_files,
    supplement_view,
)
from app.services.retention import rules as retention_rules
from app.workflow.bundle import NOT_ON_PARTS
from app.workflow.states import OPINIONS, CaseAction, CaseStatus, status_label
from app.workflow.transitions import (
    allowed_actions,
)
from app.workflow.values import (
    local_date,
)


def _items(detail: dict[str, object] | None) -> list[str]:
    items = (detail or {}).get("items")
    return [str(i) for i in items] if isinstance(items, list) else []


def timeline(events: list[CaseEvent], lang: str, *, internal: bool = False) -> list[TimelineEntry]:
    """The case's history; ``internal`` (staff) includes the reviewer's opinions."""
    out = []
    opinions = {a.value for a in OPINIONS}
    for e in events:
        if e.action in opinions and not internal:
            continue
        label = status_label(CaseStatus(e.to_status))
        out.append(
            TimelineEntry(
                at=e.occurred_at,
                status=e.to_status,
                label=gettext(lang, label),
                action=e.action,
                reason=e.reason,
                items=_items(e.detail),
            )
        )
    return out


async def case_view(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    lang: str,
    *,
    audit_read: bool = False,
) -> CaseRead:
    """``audit_read``: the caller opens the case to read it (the staff case page, the API's
    case read), so a staff reader is audited; the view an action answers with is not a read
    of its own (the action is audited)."""
    case, service, _revision, has_parts = await load_case_with_parts(session, principal, case_id)
    calendar = await work_calendar(session)
    today = local_date(utcnow())
    pauses = await pauses_of(session, case)
    events = await cases_repo.events(session, case.id)
    caps = capabilities(service)
    actions: list[str] = []
    departments = await handling_departments(session, case, has_parts=has_parts)
    for actor in actors_for(principal, case, departments):
        for a in allowed_actions(snapshot(case), actor, caps):
            if a.value not in actions:
                actions.append(a.value)
    if case.parent_id is not None:
        actions = [a for a in actions if CaseAction(a) not in NOT_ON_PARTS]
    staff_view = principal.staff_id is not None
    docs = []
    material_names = {str(m["code"]): str(localized(m, "name", lang)) for m in service.materials}
    for cd in await cases_repo.case_documents(session, case.id):
        docs.append(
            {
                "id": str(cd.document_id),
                "requirement": cd.requirement,
                "name": material_names.get(cd.requirement, cd.requirement),
                "original_seen": cd.original_seen_at is not None,
            }
        )
    view = CaseRead(
        id=case.id,
        number=case.number,
        status=case.status,
        status_label=gettext(lang, status_label(CaseStatus(case.status))),
        version=case.version,
        service_id=service.id,
        service_code=service.code,
        service_name=localized(service, "name", lang),
        district=case.district,
        department=case.department,
        channel=case.channel,
        submitted_at=case.submitted_at,
        accepted_on=case.accepted_on,
        deadline=translated_deadline(exact_deadline(case, calendar, pauses, today), lang),
        eligibility_status=case.eligibility_status,
        eligibility=in_language(case.eligibility_result, lang)
        if staff_view or principal.applicant_id
        else None,
        pending_materials=list(case.pending_materials),
        pending_due_on=case.pending_due_date,
        timeline=timeline(events, lang, internal=staff_view),
        allowed_actions=actions,
        documents=docs,
        employer_registration_pending=waits_for_registration(case, service),
        priority=case.priority,
    )
    if principal.employer_id is None:
        view.outcome = outcome_view(case, service, events, view.eligibility, lang)
    rating = await follow_ups_repo.rating_for(session, case.id)
    view.rating = rating.score if rating else None
    view.retention = await retention_rules.retention_view(
        session, case, service, lang, decided=retention_rules.decided_from(case, events)
    )
    view.decided_amount_cny = case.decided_amount_cny
    if case.organisation_id is not None:
        organisation = await accounts_repo.get_employer(session, case.organisation_id)
        view.organisation_name = organisation.name if organisation else None
    # The organisation that filed its own application reads it as an applicant reads theirs.
    own_application = (
        principal.employer_id is not None and case.organisation_id == principal.employer_id
    )
    if own_application:
        view.eligibility = in_language(case.eligibility_result, lang)
    # Internal notes stay among staff; applicants see only messages addressed to them.
    if principal.employer_id is None or own_application:
        if principal.employer_id is None:
            request = last_request(events)
            view.supplement = await supplement_view(session, case, request) if request else None
            name_supplement_files(view)
        view.notes = [
            NoteRead(at=n.created_at, body=n.body, to_applicant=n.to_applicant)
            for n in await cases_repo.notes(session, case.id, applicant_only=not staff_view)
        ]
    else:
        # Employers confirm employment; the department's reasoning is not theirs to read.
        view.timeline = [t.model_copy(update={"reason": None, "items": []}) for t in view.timeline]
        view.eligibility = None
    await service_types.for_service(service).extend_view(session, view, case, principal, lang)
    if staff_view:
        if audit_read:
            # Who read whose personal data (PIPL): the case's applicant, named by id.
            await audit.record(
                session,
                "case.viewed",
                actor=principal,
                object_type="case",
                object_id=case.id,
                detail=(
                    {"applicant": str(case.applicant_id)}
                    if case.applicant_id
                    else {"organisation": str(case.organisation_id)}
                ),
            )
        applicant = await accounts_repo.get_applicant_readable(
            session, principal, case.applicant_id
        )
        # A bundle's parts are decided on the bundle's one application.
        application_id = case.application_id
        if application_id is None and case.parent_id is not None:
            parent = await cases_repo.get_case_fresh(session, case.parent_id)
            application_id = parent.application_id if parent else None
        application = (
            await cases_repo.get_application_by_id(session, application_id)
            if application_id
            else None
        )
        view.applicant_name = applicant.full_name if applicant else view.organisation_name
        view.applicant_id_masked = applicant.id_number_masked if applicant else None
        if applicant is not None:
            view.applicant_chinese_name = applicant.chinese_name
            languages = await accounts_repo.languages_of(session, {applicant.id})
            view.applicant_language = languages.get(applicant.id)
        view.facts = dict(application.answers) if application else None
        if application:
            answer_service = await catalog_repo.get(session, application.service_id)
            # A service whose form asks nothing here (a card holder's request) keeps what its
            # type showed instead.
            view.answers_display = (
                display_answers(answer_service or service, application.answers, lang)
                or view.answers_display
            )
        view.first_responsible = await staff_name(session, case.first_responsible_staff_id)
        view.assignee = await staff_name(session, case.assignee_staff_id)
        view.reviewer = await staff_name(session, case.reviewer_staff_id)
        view.opinion = latest_opinion(events, lang, view.reviewer)
        view.clauses = clause_choices(case.eligibility_result, lang)
        view.reviewer_may_decide = service.reviewer_may_decide
        if service.benefit is not None and case.parent_id is None:
            view.benefit_overlaps = await cases_repo.benefit_overlaps(
                session, case, service.benefit
            )
    return view


async def new_case_view(
    session: AsyncSession, principal: Principal, case: Case, service: Service, lang: str
) -> CaseRead:
    """The applicant's view of a case created in this very transaction."""
    calendar = await work_calendar(session)
    today = local_date(utcnow())
    caps = capabilities(service)
    actions: list[str] = []
    for actor in actors_for(principal, case):
        actions += [a.value for a in allowed_actions(snapshot(case), actor, caps)]
    label = gettext(lang, status_label(CaseStatus(case.status)))
    return CaseRead(
        id=case.id,
        number=case.number,
        status=case.status,
        status_label=label,
        version=case.version,
        service_id=service.id,
        service_code=service.code,
        service_name=localized(service, "name", lang),
        district=case.district,
        department=case.department,
        channel=case.channel,
        submitted_at=case.submitted_at,
        accepted_on=None,
        deadline=translated_deadline(exact_deadline(case, calendar, (), today), lang),
        eligibility_status=case.eligibility_status,
        eligibility=case.eligibility_result,
        pending_materials=[],
        pending_due_on=None,
        timeline=[
            TimelineEntry(at=case.submitted_at, status=case.status, label=label, action="submit")
        ],
        allowed_actions=actions,
        documents=[],
    )
