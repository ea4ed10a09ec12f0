"""Applying: drafts saved at every step, then one idempotent submission that opens a case."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.fields import EXTRA_FIELDS, SPOUSE_FIELD, field_error
from app.domain.identity import normalize_uscc
from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.i18n import N_, gettext
from app.models import (
    Application,
    Case,
    FactVerification,
    Service,
)
from app.models.base import utcnow
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import documents as documents_repo
from app.repositories import verification as verification_repo
from app.rules import FACTS, load_library, validate_facts
from app.schemas.cases import (
    ApplicationRead,
    MaterialStatus,
    QuestionView,
    SubmitResult,
    VerificationView,
)
from app.services import audit, notifications, protection, verification
from app.services.calendar import work_calendar
from app.services.eligibility import fact_field_errors
from app.workflow.bundle import BUNDLE_SERVICE, ROUTE_POLICIES, SettlementRoute
from app.workflow.states import CaseStatus
from app.workflow.values import local_date

_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud at windows
_DISTRICT_PREFIX = {"yangpu": "YP", "changning": "CN"}


def _lookup_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def _material_needed(
    material: Mapping[str, Any],
    answers: Mapping[str, Any],
    covered: frozenset[str] = frozenset(),
) -> bool:
    """Conditional materials (``when``) are asked only when the answers make them apply.

    The conditions are simple comparisons on one fact (``fact != 'value'``/``==``); an
    unanswered fact keeps the material on the list, so nothing is skipped by mistake. A bundle's
    material tagged with routes is asked only on those routes; a material an outside system
    stands for (``verified_by``, 免提交) is not asked while that system's answer holds.
    """
    routes = material.get("routes")
    if routes is not None and answers.get("settlement_route") not in routes:
        return False
    if material.get("verified_by") in covered:
        return False
    when = material.get("when")
    if not when:
        return True
    for op in ("!=", "=="):
        if op in str(when):
            fact, value = (part.strip() for part in str(when).split(op, 1))
            answer = answers.get(fact)
            if answer is None:
                return True
            expected = value.strip("'\"").lower()
            given = str(answer).lower()
            return (given != expected) if op == "!=" else (given == expected)
    return True


def _asked(service: Service) -> list[str]:
    return [
        str(q.get("fact") or q.get("field"))
        for q in service.form
        if q.get("fact") or q.get("field")
    ]


def questions_for(
    service: Service,
    answers: Mapping[str, Any],
    lang: str,
    hidden: frozenset[str] = frozenset(),
) -> list[QuestionView]:
    """The questions to show: on a bundle only the chosen route's, and never a fact an outside
    system has confirmed or is still expected to provide (``hidden``)."""
    out = []
    for entry in service.form:
        if entry.get("field") in EXTRA_FIELDS:
            name = str(entry["field"])
            extra = EXTRA_FIELDS[name]
            out.append(
                QuestionView(
                    fact=name,
                    label=gettext(lang, extra.label),
                    help=gettext(lang, extra.help),
                    type=extra.type,
                    values=[
                        {"value": code, "label": gettext(lang, label)}
                        for code, label in extra.values
                    ],
                    answer=answers.get(name),
                )
            )
            continue
        fact = str(entry.get("fact", ""))
        spec = FACTS.get(fact)
        if spec is None or fact in hidden:
            continue
        routes = entry.get("routes")
        if isinstance(routes, list) and answers.get("settlement_route") not in routes:
            continue
        out.append(
            QuestionView(
                fact=fact,
                label=spec.label.zh if lang == "zh" else spec.label.en,
                help=spec.help.zh if lang == "zh" else spec.help.en,
                type=spec.type,
                values=[
                    {"value": v.code, "label": v.label.zh if lang == "zh" else v.label.en}
                    for v in spec.values
                ],
                answer=answers.get(fact),
            )
        )
    return out


def _materials(
    service: Service, app: Application, lang: str, covered: frozenset[str] = frozenset()
) -> list[MaterialStatus]:
    out = []
    for m in service.materials:
        code = str(m["code"])
        doc = app.documents.get(code)
        out.append(
            MaterialStatus(
                code=code,
                kind=str(m.get("kind") or "other"),
                name=str(m["name_zh"] if lang == "zh" else m["name_en"]),
                key=bool(m.get("key")),
                needed=_material_needed(m, app.answers, covered),
                document_id=uuid.UUID(doc) if doc else None,
            )
        )
    return out


def evaluate(
    service: Service, answers: Mapping[str, Any], as_of: date, lang: str
) -> dict[str, Any] | None:
    """The rules' verdict on the answers so far, or None for services without a policy. A
    bundle is decided by the policy of the route the applicant chose."""
    policy_id = service.policy_id or route_policy(service, answers)
    if not policy_id:
        return None
    results = load_library().evaluate(
        fact_answers(answers), as_of, policy_ids=[policy_id], lang=lang
    )
    return results[0].model_dump(mode="json") if results else None


_ROUTE_HINTS = {
    "eligible": N_("Open to you on what we know so far."),
    "unknown": N_("May be open to you: the questions of this route decide."),
    "ineligible": N_("Not open to you: {reason}"),
}


def _explain_routes(questions: list[QuestionView], answers: Mapping[str, Any], lang: str) -> None:
    """Each route option carries the route finder's verdict on the answers and verified
    records so far, so the applicant chooses knowing why."""
    from app.services.settlement import find_routes

    question = next((q for q in questions if q.fact == "settlement_route"), None)
    if question is None:
        return
    found = find_routes(fact_answers(answers), lang)
    by_policy = {r["policy_id"]: r for r in found.routes}
    for option in question.values:
        verdict = by_policy.get(ROUTE_POLICIES[SettlementRoute(option["value"])])
        if verdict is None:
            continue
        status = str(verdict["status"])
        failed = [c for c in verdict["criteria"] if c.get("result") == "false"]
        reason = str(failed[0]["message"]) if failed else ""
        option["hint"] = gettext(lang, _ROUTE_HINTS[status]).format(reason=reason)
        option["status"] = status


def route_policy(service: Service, answers: Mapping[str, Any]) -> str | None:
    if service.code != BUNDLE_SERVICE:
        return None
    try:
        return ROUTE_POLICIES[SettlementRoute(str(answers.get("settlement_route")))]
    except ValueError:
        return None


def fact_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The talent facts among the answers (party and household fields left out)."""
    return {k: v for k, v in answers.items() if k not in EXTRA_FIELDS}


async def _verified(
    session: AsyncSession, service: Service, app: Application
) -> tuple[list[FactVerification], frozenset[str], frozenset[str]]:
    """Outside-system answers for a bundle: the rows, the facts not to ask, the systems whose
    answer stands in for their uploads."""
    if service.code != BUNDLE_SERVICE:
        return [], frozenset(), frozenset()
    rows = await verification_repo.for_application(session, app.id)
    return rows, verification.hidden_facts(rows), verification.covering_systems(rows)


async def _service(session: AsyncSession, service_id: uuid.UUID) -> Service:
    service = await catalog_repo.get(session, service_id)
    if service is None:
        raise NotFound(N_("This service is not available."))
    _check_available(service)
    return service


def _check_available(service: Service) -> None:
    # A bundle's department steps are applied for through the bundle only.
    if not service.is_active or service.part_of is not None:
        raise NotFound(N_("This service is not available."))


async def application_view(session: AsyncSession, app: Application, lang: str) -> ApplicationRead:
    service = await _service(session, app.service_id)
    rows, hidden, covered = await _verified(session, service, app)
    questions = questions_for(service, app.answers, lang, hidden)
    if service.code == BUNDLE_SERVICE:
        _explain_routes(questions, app.answers, lang)
    result = evaluate(service, app.answers, local_date(utcnow()), lang)
    case = await cases_repo.get_case_by_application(session, app.id)
    return ApplicationRead(
        id=app.id,
        status=app.status,
        service_id=service.id,
        service_code=service.code,
        service_name=service.name_zh if lang == "zh" else service.name_en,
        district=service.district,
        questions=questions,
        unanswered=[
            q.fact
            for q in questions
            if q.answer is None and not (q.fact in EXTRA_FIELDS and EXTRA_FIELDS[q.fact].optional)
        ],
        materials=_materials(service, app, lang, covered),
        eligibility_status=str(result["status"]) if result else None,
        eligibility=result,
        case_id=case.id if case else None,
        updated_at=app.updated_at,
        verifications=[VerificationView(**verification.view(r, lang)) for r in rows],
    )


async def start(
    session: AsyncSession, principal: Principal, service_id: uuid.UUID, *, channel: str = "web"
) -> Application:
    """A new draft, or the applicant's existing draft for the same service (save and return)."""
    assert principal.applicant_id is not None
    service = await _service(session, service_id)
    from app.repositories import accounts as accounts_repo

    applicant = await accounts_repo.get_applicant_readable(
        session, principal, principal.applicant_id
    )
    for draft in await cases_repo.list_drafts(session, principal):
        if draft.service_id == service.id:
            if applicant is not None and service.code == BUNDLE_SERVICE:
                await verification.request_all(session, draft, applicant)
            return draft
    # Profile facts pre-fill the answers the service asks for.
    profile = dict(applicant.profile_facts) if applicant else {}
    wanted = set(_asked(service))
    app = Application(
        applicant_id=principal.applicant_id,
        service_id=service.id,
        status="draft",
        answers={k: v for k, v in profile.items() if k in wanted},
        documents={},
        channel=channel,
    )
    session.add(app)
    await session.flush()
    if applicant is not None and service.code == BUNDLE_SERVICE:
        # 免提交: the outside systems are asked for the records this bundle would need.
        await verification.request_all(session, app, applicant)
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
    app = Application(
        applicant_id=principal.applicant_id,
        service_id=service.id,
        status="draft",
        answers={},
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
    if service.code == BUNDLE_SERVICE:
        from app.repositories import accounts as accounts_repo

        applicant = await accounts_repo.get_applicant_by_id(session, principal.applicant_id)
        if applicant is not None:
            await verification.request_all(session, app, applicant)
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
) -> Application:
    """Merges the answers into the draft; only facts the service asks for are accepted."""
    app = await cases_repo.get_application(session, principal, application_id, for_update=True)
    if app is None:
        raise NotFound()
    if app.status != "draft":
        raise Conflict(N_("This application has been submitted and can no longer be changed."))
    service = await _service(session, app.service_id)
    asked = set(_asked(service))
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
            message = field_error(name, value)
            if message is not None:
                code = "invalid_uscc" if name == "employer_uscc" else "invalid"
                problems.append(FieldError(name, code, message))
    # 免提交: what an outside system confirmed is not the applicant's to change.
    _rows, hidden, _covered = await _verified(session, service, app)
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
    checked = validate_facts(given)
    if not checked.ok:
        problems += fact_field_errors(checked.errors)
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
        from app.services import housing

        # Never kept in the answers as typed: encrypted beside them, the answer is the mask.
        masked = await housing.store_spouse_id(session, app, answers[SPOUSE_FIELD])
        answers = {**answers, SPOUSE_FIELD: masked}
    merged = dict(app.answers)
    for name, value in answers.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = normalize_uscc(value) if name == "employer_uscc" else value
    app.answers = merged
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
    from app.services import cases as case_service

    assert principal.applicant_id is not None
    found, replay, calendar_revision = await cases_repo.applications_for_submit(
        session, principal, application_id, idempotency_key
    )
    if replay is not None and replay.id != application_id:
        raise Conflict(N_("This Idempotency-Key was already used for another application."))
    if replay is not None and replay.status == "submitted":
        case = await cases_repo.get_case_by_application(session, replay.id)
        assert case is not None
        return await _result(session, principal, case, lang, replayed=True, staff=filed_by)
    if found is None:
        raise NotFound()
    app, service = found
    if app.status == "submitted":
        # A double click with a fresh key: still one case.
        case = await cases_repo.get_case_by_application(session, app.id)
        assert case is not None
        return await _result(session, principal, case, lang, replayed=True, staff=filed_by)
    _check_available(service)
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
    result = evaluate(service, app.answers, local_date(utcnow()), lang)
    _rows, hidden, covered = await _verified(session, service, app)
    shown = [q.fact for q in questions_for(service, app.answers, lang, hidden)]
    decisive = set(result["missing_facts"]) if result else set(shown)
    unanswered = [
        name
        for name in shown
        if app.answers.get(name) is None
        and (name in decisive or (name in EXTRA_FIELDS and not EXTRA_FIELDS[name].optional))
    ]
    for fact in unanswered:
        problems.append(FieldError(fact, "required", N_("Answer this question.")))
    for m in _materials(service, app, lang, covered):
        if m.needed and m.key and m.document_id is None and not service.allows_missing_materials:
            problems.append(FieldError(m.code, "material_missing", N_("Add this document.")))
    if problems:
        raise ValidationFailed(field_errors=problems)

    now = utcnow()
    today = local_date(now)
    code = _lookup_code()
    calendar = await work_calendar(session, known_revision=calendar_revision)
    employer_id = await case_service.employer_for(session, app.answers, service)
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
        time_limit_days=service.time_limit_days,
        deadline_date=calendar.add_working_days(today, service.time_limit_days),
        eligibility_status=str(result["status"]) if result else None,
        eligibility_result=result,
        eligibility_receipt=result["receipt"] if result else None,
        employer_id=employer_id,
        first_responsible_staff_id=filed_by.staff_id if filed_by else None,
        assignee_staff_id=filed_by.staff_id if filed_by else None,
    )
    from app.config import get_settings

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
        payload=case_service.message_payload(case, service, principal.language),
        language=principal.language,
        dedup_key=f"case:{case.id}:submitted",
        case_id=case.id,
        contact=notifications.Contact("applicant", principal.email, principal.mobile),
    )
    await cases_repo.open_case(
        session,
        case,
        app,
        number_prefix=f"{_DISTRICT_PREFIX[service.district]}-{today.year}-",
        year=today.year,
        application={
            "status": "submitted",
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
    if service.code == BUNDLE_SERVICE:
        from app.services import bundles

        await bundles.after_submit(session, case)
    return await _result(session, principal, case, lang, replayed=False, staff=filed_by, code=code)


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
    from app.services import cases as case_service

    if staff is None and not replayed and case.version == 1:
        # Just created in this transaction: everything the view shows is at hand, so the
        # submission answers without re-reading the case it has written.
        service = await _service(session, case.service_id)
        view = await case_service.new_case_view(session, principal, case, service, lang)
    else:
        view = await case_service.case_view(session, staff or principal, case.id, lang)
    lookup = code or protection.cipher().decrypt(case.lookup_code_enc, "case.lookup_code")
    return SubmitResult(case=view, lookup_code=lookup, replayed=replayed)


async def draft_views(
    session: AsyncSession, principal: Principal, lang: str
) -> list[ApplicationRead]:
    return [
        await application_view(session, a, lang)
        for a in await cases_repo.list_drafts(session, principal)
    ]


def display_answers(
    service: Service, answers: Mapping[str, Any], lang: str
) -> list[dict[str, str]]:
    """Question labels and readable answers, for staff pages and receipts."""
    yes, no = gettext(lang, "Yes"), gettext(lang, "No")
    out = []
    for q in questions_for(service, answers, lang):
        value = q.answer
        labels = {v["value"]: v["label"] for v in q.values}
        if value is None:
            text = "–"
        elif isinstance(value, bool):
            text = yes if value else no
        elif isinstance(value, list):
            text = ", ".join(labels.get(str(v), str(v)) for v in value) or "–"
        else:
            text = labels.get(str(value), str(value))
        out.append({"label": q.label, "value": text})
    return out
