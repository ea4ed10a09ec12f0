"""Drafts, answers, documents and submission: the journey every service shares, on the web, in
the apps and at the window. A submission opens the case in one statement (PostgreSQL)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from app.config import get_settings
from app.domain.fields import EXTRA_FIELDS, SPOUSE_FIELD, field_error
from app.domain.identity import normalize_uscc
from app.domain.principal import Principal
from app.errors import BenefitAlreadyHeld, Conflict, FieldError, NotFound, ValidationFailed
from app.i18n import N_, localized
from app.models import (
    Application,
    Case,
    Service,
)
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import documents as documents_repo
from app.repositories import submissions as submissions_repo
from app.repositories.unit_of_work import AsyncSession, IntegrityError, violates
from app.rules import validate_facts
from app.schemas.cases import (
    ApplicationRead,
    SubmitResult,
)
from app.services import audit, notifications, protection, service_types, verified_facts
from app.services.applications.household import store_spouse_id
from app.services.applications.known_facts import identity_facts
from app.services.applications.questions import (
    asked_fields,
    evaluate,
    fact_answers,
    material_statuses,
    missing_material_error,
    questions_for,
    still_needed,
    unanswered_error,
)
from app.services.calendar import work_calendar
from app.services.cases import numbers as case_numbers
from app.services.cases.context import employer_for, message_payload, named_uscc
from app.services.cases.views import case_view, new_case_view
from app.services.eligibility import fact_field_errors
from app.workflow.applications import APPLICATIONS, ApplicationEvent, ApplicationStatus
from app.workflow.states import CaseStatus
from app.workflow.values import local_date

_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud at windows


def _lookup_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


async def _service(session: AsyncSession, service_id: uuid.UUID) -> Service:
    service = await catalog_repo.get(session, service_id)
    if service is None:
        raise NotFound(N_("This service is not available."))
    _check_available(service)
    return service


def _check_available(service: Service) -> None:
    # A bundle's department steps are applied for through the bundle only; an organisation's
    # services are filed from the employer workspace.
    if not service.is_active or service.part_of is not None or service.for_organisations:
        raise NotFound(N_("This service is not available."))


async def _evaluate(
    session: AsyncSession, service: Service, app: Application, lang: str
) -> dict[str, Any] | None:
    """The rules' verdict on the answers with what the portal vouches for beside them (the
    talent register's memberships on the day): a declared membership is not a verified one."""
    day = local_date(utcnow())
    vouched = await verified_facts.for_person(session, app.applicant_id, day)
    return evaluate(service, {**app.answers, **vouched}, day, lang)


async def application_view(session: AsyncSession, app: Application, lang: str) -> ApplicationRead:
    service = await _service(session, app.service_id)
    service_type = service_types.for_service(service)
    records = await service_type.verified_records(session, service, app)
    # What the registration says (birth date, nationality) is filled in and not asked.
    known = identity_facts(await accounts_repo.get_applicant_by_id(session, app.applicant_id))
    hidden = records.hidden | {k for k, v in known.items() if app.answers.get(k) == v}
    questions = questions_for(service, app.answers, lang, hidden)
    service_type.explain_questions(questions, app.answers, lang)
    result = await _evaluate(session, service, app, lang)
    deferred = set(app.answer_later or [])
    for q in questions:
        q.later = q.fact in deferred and q.answer is None
    needed = still_needed(questions, app.answers, result)
    case = await cases_repo.get_case_by_application(session, app.id)
    return ApplicationRead(
        id=app.id,
        status=app.status,
        service_id=service.id,
        service_code=service.code,
        service_name=localized(service, "name", lang),
        district=service.district,
        questions=questions,
        # Only what submitting needs is counted; "I don't know yet" ones are listed apart.
        unanswered=[f for f in needed if f not in deferred],
        answer_later=[f for f in needed if f in deferred],
        materials=material_statuses(service, app, lang, records.covered),
        eligibility_status=str(result["status"]) if result else None,
        eligibility=result,
        case_id=case.id if case else None,
        updated_at=app.updated_at,
        verifications=records.views(lang),
    )


async def start(
    session: AsyncSession, principal: Principal, service_id: uuid.UUID, *, channel: str = "web"
) -> Application:
    """A new draft, or the applicant's existing draft for the same service (save and return)."""
    assert principal.applicant_id is not None
    service = await _service(session, service_id)
    service_type = service_types.for_service(service)
    applicant = await accounts_repo.get_applicant_readable(
        session, principal, principal.applicant_id
    )
    wanted = set(asked_fields(service))
    known = {k: v for k, v in identity_facts(applicant).items() if k in wanted}
    for draft in await cases_repo.list_drafts(session, principal):
        if draft.service_id == service.id:
            await service_type.on_draft_opened(session, draft)
            return draft
    # Profile facts pre-fill the answers the service asks for; the registration's own facts
    # (birth date, nationality) are filled in and not asked.
    profile = dict(applicant.profile_facts) if applicant else {}
    app = Application(
        applicant_id=principal.applicant_id,
        service_id=service.id,
        status=ApplicationStatus.DRAFT,
        answers={**{k: v for k, v in profile.items() if k in wanted}, **known},
        documents={},
        channel=channel,
    )
    session.add(app)
    await session.flush()
    await service_type.on_draft_opened(session, app)
    return app


async def start_fresh(
    session: AsyncSession,
    principal: Principal,
    service_id: uuid.UUID,
    *,
    channel: str,
    idempotency_key: str,
) -> Application:
    """A new application carrying its idempotency key from the start, so two simultaneous
    filings with the same key cannot both proceed (the unique key constraint stops one)."""
    assert principal.applicant_id is not None
    service = await _service(session, service_id)
    applicant = await accounts_repo.get_applicant_by_id(session, principal.applicant_id)
    wanted = set(asked_fields(service))
    app = Application(
        applicant_id=principal.applicant_id,
        service_id=service.id,
        status=ApplicationStatus.DRAFT,
        answers={k: v for k, v in identity_facts(applicant).items() if k in wanted},
        documents={},
        channel=channel,
        idempotency_key=idempotency_key,
    )
    session.add(app)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            N_("This filing is already being processed. Reload the page in a moment.")
        ) from exc
    await service_types.for_service(service).on_draft_opened(session, app)
    return app


async def get_owned(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> Application:
    app = await cases_repo.get_application(session, principal, application_id)
    if app is None:
        raise NotFound()
    return app


async def save(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    answers: Mapping[str, Any],
    documents: Mapping[str, uuid.UUID | None],
    *,
    later: Mapping[str, bool] | None = None,
) -> Application:
    """Merges the answers into the draft; only facts the service asks for are accepted.

    ``later``: questions the applicant marks "I don't know yet" (True) or no longer (False);
    an answer given takes a question off that list."""
    app = await cases_repo.get_application(session, principal, application_id, for_update=True)
    if app is None:
        raise NotFound()
    if app.status != ApplicationStatus.DRAFT:
        raise Conflict(N_("This application has been submitted and can no longer be changed."))
    service = await _service(session, app.service_id)
    asked = set(asked_fields(service))
    problems = [
        FieldError(name, "not_asked", N_("This service does not ask for this information."))
        for name in answers
        if name not in asked
    ]
    spouse = answers.get(SPOUSE_FIELD)
    if isinstance(spouse, str) and "*" in spouse and spouse == app.answers.get(SPOUSE_FIELD):
        # The page shows the stored number masked; sent back unchanged, it stays as it is.
        answers = {k: v for k, v in answers.items() if k != SPOUSE_FIELD}
    for name, value in answers.items():
        if name in EXTRA_FIELDS and name in asked and value is not None:
            message = field_error(name, value, local_date(utcnow()))
            if message is not None:
                code = "invalid_uscc" if name == "employer_uscc" else "invalid"
                problems.append(FieldError(name, code, message))
    # 免提交: what an outside system confirmed is not the applicant's to change.
    hidden = (
        await service_types.for_service(service).verified_records(session, service, app)
    ).hidden
    problems += [
        FieldError(
            name,
            "verified",
            N_("This was confirmed by another government system and cannot be changed here."),
        )
        for name in answers
        if name in hidden
    ]
    given = {
        k: v for k, v in answers.items() if k in asked and v is not None and k not in EXTRA_FIELDS
    }
    # Checked with the answers kept, on today's date: a birth date next year, or insured years
    # beyond the permit years already given, is refused. Problems of kept answers alone are not
    # this save's to report.
    kept = {k: v for k, v in fact_answers(app.answers).items() if k not in answers}
    checked = validate_facts({**kept, **given}, local_date(utcnow()), entered=True)
    problems += fact_field_errors(e for e in checked.errors if e.field in given)
    material_codes = {str(m["code"]) for m in service.materials}
    for code, doc_id in documents.items():
        if code not in material_codes:
            problems.append(
                FieldError(
                    code, "unknown_material", N_("This service does not ask for this document.")
                )
            )
        elif (
            doc_id is not None
            and await documents_repo.get_readable(session, principal, doc_id) is None
        ):
            problems.append(
                FieldError(code, "unknown_document", N_("Choose a document from your wallet."))
            )
    if problems:
        raise ValidationFailed(field_errors=problems)
    if SPOUSE_FIELD in answers:
        # Never kept in the answers as typed: encrypted beside them, the answer is the mask.
        masked = await store_spouse_id(session, app, answers[SPOUSE_FIELD])
        answers = {**answers, SPOUSE_FIELD: masked}
    merged = dict(app.answers)
    for name, value in answers.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = normalize_uscc(value) if name == "employer_uscc" else value
    app.answers = merged
    deferred = [f for f in app.answer_later or [] if merged.get(f) is None]
    for name, chosen in (later or {}).items():
        if name not in asked:
            continue
        if chosen and merged.get(name) is None and name not in deferred:
            deferred.append(name)
        elif not chosen and name in deferred:
            deferred.remove(name)
    app.answer_later = deferred
    docs = dict(app.documents)
    for code, doc_id in documents.items():
        if doc_id is None:
            docs.pop(code, None)
        else:
            docs[code] = str(doc_id)
    app.documents = docs
    app.updated_at = utcnow()
    await session.flush()
    return app


async def submit(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    *,
    idempotency_key: str,
    declaration: bool,
    sensitive_consent: bool,
    lang: str,
    filed_by: Principal | None = None,
) -> SubmitResult:
    """Opens the case. The same Idempotency-Key (or a second click) returns the same case."""
    assert principal.applicant_id is not None
    found, replay, calendar_revision = await submissions_repo.applications_for_submit(
        session, principal, application_id, idempotency_key
    )
    if replay is not None and replay.id != application_id:
        raise Conflict(N_("This Idempotency-Key was already used for another application."))
    if replay is not None and replay.status == ApplicationStatus.SUBMITTED:
        case = await cases_repo.get_case_by_application(session, replay.id)
        assert case is not None
        return await _result(session, principal, case, lang, replayed=True, staff=filed_by)
    if found is None:
        raise NotFound()
    app, service = found
    if app.status == ApplicationStatus.SUBMITTED:
        # A double click with a fresh key: still one case.
        case = await cases_repo.get_case_by_application(session, app.id)
        assert case is not None
        return await _result(session, principal, case, lang, replayed=True, staff=filed_by)
    _check_available(service)
    if service.benefit is not None:
        # One benefit, one open application or current enrolment per person (in any
        # district); the unique index on open cases stops what races past this check.
        held = await submissions_repo.benefit_held(session, principal.applicant_id, service.benefit)
        if held is not None:
            raise BenefitAlreadyHeld(params={"case": held})
    problems: list[FieldError] = []
    if not declaration:
        problems.append(
            FieldError(
                "declaration", "required", N_("You must declare that the information is true.")
            )
        )
    if not sensitive_consent:
        problems.append(
            FieldError(
                "sensitive_consent",
                "required",
                N_("You must agree to the processing of sensitive personal information."),
            )
        )
    # Only what can still change the decision is required: questions the rules no longer need
    # (the result is decided either way) may stay empty; party fields are always needed.
    result = await _evaluate(session, service, app, lang)
    records = await service_types.for_service(service).verified_records(session, service, app)
    hidden, covered = records.hidden, records.covered
    shown = questions_for(service, app.answers, lang, hidden)
    problems += [unanswered_error(fact) for fact in still_needed(shown, app.answers, result)]
    specs = {str(m["code"]): m for m in service.materials}
    for m in material_statuses(service, app, lang, covered):
        if m.needed and m.key and m.document_id is None and not service.allows_missing_materials:
            problems.append(missing_material_error(specs.get(m.code, {"code": m.code})))
    if problems:
        raise ValidationFailed(field_errors=problems)

    now = utcnow()
    today = local_date(now)
    code = _lookup_code()
    calendar = await work_calendar(session, known_revision=calendar_revision)
    employer_id = await employer_for(session, app.answers, service)
    time_limit = service_types.for_service(service).time_limit_days(service, app.answers, today)
    case = Case(
        id=uuid.uuid4(),  # set here: the notice written with the case links to it
        lookup_code_enc=protection.cipher().encrypt(code, "case.lookup_code"),
        application_id=app.id,
        applicant_id=principal.applicant_id,
        service_id=service.id,
        district=service.district,
        department=service.department,
        status=CaseStatus.SUBMITTED.value,
        version=1,
        channel=app.channel if filed_by is None else "window",
        submitted_at=now,
        time_limit_days=time_limit,
        deadline_date=calendar.add_working_days(today, time_limit),
        eligibility_status=str(result["status"]) if result else None,
        eligibility_result=result,
        eligibility_receipt=result["receipt"] if result else None,
        employer_id=employer_id,
        employer_uscc=named_uscc(app.answers),
        first_responsible_staff_id=filed_by.staff_id if filed_by else None,
        assignee_staff_id=filed_by.staff_id if filed_by else None,
        benefit=service.benefit,
    )
    # Recorded first, so the submission's own statement can append it (on PostgreSQL).
    audit_entry = await audit.record_in_statement(
        session,
        "case.submitted",
        actor=filed_by or principal,
        object_type="case",
        object_id=case.id,
        detail={"service": service.code, "channel": case.channel},
        district=service.district,
    )
    notice = await notifications.outbox_rows(
        session,
        recipient_user_id=principal.user_id,
        template="case.submitted",
        payload=message_payload(case, service, principal.language),
        language=principal.language,
        dedup_key=f"case:{case.id}:submitted",
        case_id=case.id,
        contact=notifications.Contact("applicant", principal.email, principal.mobile),
    )
    try:
        await submissions_repo.open_case(
            session,
            case,
            app,
            number_prefix=case_numbers.prefix(service.district, today),
            year=today.year,
            application={
                # A draft: a submitted one returned above.
                "status": APPLICATIONS.advance(app.status, ApplicationEvent.SUBMIT),
                "submitted_at": now,
                "idempotency_key": idempotency_key,
                "declaration_at": now,
                "sensitive_consent_at": now,
                "updated_at": now,
            },
            consent={
                "user_id": principal.user_id,
                "purpose": "sensitive_info",
                "notice_version": get_settings().privacy_notice_version,
                "channel": "window" if filed_by else app.channel,
                "given_at": now,
            },
            event={
                "occurred_at": now,
                "action": "submit",
                "from_status": None,
                "to_status": CaseStatus.SUBMITTED.value,
                "actor_user_id": (filed_by or principal).user_id,
                "actor_role": "window_clerk" if filed_by else "applicant",
                "detail": {"channel": case.channel},
            },
            documents={req: uuid.UUID(doc_id) for req, doc_id in (app.documents or {}).items()},
            outbox=notice,
            audit_entry=audit_entry,
        )
    except IntegrityError as exc:
        if not violates(exc, submissions_repo.OPEN_BENEFIT_INDEX):
            raise
        # Another submission for the same benefit committed first (a double submission).
        raise BenefitAlreadyHeld(
            N_(
                "You have just submitted another application for this benefit. One person "
                "holds it once at a time: see your applications for its case number."
            )
        ) from exc
    await service_types.for_service(service).on_submitted(session, case)
    return await _result(session, principal, case, lang, replayed=False, staff=filed_by, code=code)


async def submission_result(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, lang: str
) -> SubmitResult:
    """The confirmation of a submitted application, read again (the page after the redirect
    that follows the submission, so a refresh shows it without posting again)."""
    app = await get_owned(session, principal, application_id)
    case = await cases_repo.get_case_by_application(session, app.id)
    if case is None:
        raise NotFound()
    # Read again through the case view (``staff`` is the reader here, not a filing officer).
    return await _result(session, principal, case, lang, replayed=False, staff=principal)


async def _result(
    session: AsyncSession,
    principal: Principal,
    case: Case,
    lang: str,
    *,
    replayed: bool,
    staff: Principal | None,
    code: str | None = None,
) -> SubmitResult:
    if staff is None and not replayed and case.version == 1:
        # Just created in this transaction: everything the view shows is at hand, so the
        # submission answers without re-reading the case it has written.
        service = await _service(session, case.service_id)
        view = await new_case_view(session, principal, case, service, lang)
    else:
        view = await case_view(session, staff or principal, case.id, lang)
    lookup = code or protection.cipher().decrypt(case.lookup_code_enc, "case.lookup_code")
    return SubmitResult(case=view, lookup_code=lookup, replayed=replayed)


async def draft_views(
    session: AsyncSession, principal: Principal, lang: str
) -> list[ApplicationRead]:
    return [
        await application_view(session, a, lang)
        for a in await cases_repo.list_drafts(session, principal)
    ]
