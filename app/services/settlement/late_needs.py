"""The bundle's late-data notice (一次性告知): when an outside system has no record or refuses,
the applicant is asked once for the questions and uploads it had stood for; until they are
all in, 'documents received' is refused."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.i18n import N_, localized
from app.models import Case, CaseDocument
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import documents as documents_repo
from app.repositories import verification as verification_repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import FACTS, validate_facts
from app.schemas.cases import CaseActionRequest, QuestionView
from app.services import cases as cases_service
from app.services.applications import questions as application_questions
from app.services.settlement import records
from app.services.settlement.bundle import LIST_SEPARATOR, S, is_bundle
from app.workflow.applications import FactCheckStatus
from app.workflow.states import CaseAction
from app.workflow.values import local_date

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
        if r.status in FactCheckStatus.REFUSED and (submitted is None or r.updated_at >= submitted)
    ]
    if not failed:
        return None
    systems = tuple(r.system for r in failed)
    facts = {name for r in failed for name in records.fact_names(r.system)}
    hidden = records.hidden_facts(rows)
    questions = [
        q
        for q in application_questions.questions_for(service, app.answers, lang, hidden)
        if q.fact in facts and q.answer is None
    ]
    attached = {cd.requirement for cd in await cases_repo.case_documents(session, case.id)}
    covered = records.covering_systems(rows)
    materials = []
    for m in service.materials:
        code = str(m["code"])
        if m.get("verified_by") not in systems or code in attached:
            continue
        if not application_questions.material_needed(m, app.answers, covered):
            continue
        materials.append(
            {
                "code": code,
                "kind": str(m.get("kind") or "other"),
                "name": str(localized(m, "name", lang)),
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
    if case.status != S.SUPPLEMENT_REQUESTED:
        return
    needs = await late_needs(session, case, lang)
    if needs is None or needs.empty:
        return
    names = [q.label for q in needs.questions] + [str(m["name"]) for m in needs.materials]
    raise Conflict(
        LATE_NEEDS_OPEN,
        params={"missing": LIST_SEPARATOR.get(lang, ", ").join(names)},
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
        application_questions.unanswered_error(q.fact)
        for q in needs.questions
        if q.fact not in given
    ]
    checked = validate_facts(given, local_date(utcnow()), entered=True)
    if not checked.ok:
        problems += [
            FieldError(e.field, e.code, e.message.en, localized=e.message.model_dump())
            for e in checked.errors
        ]
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
    await recheck_eligibility(session, case)
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


async def recheck_eligibility(session: AsyncSession, case: Case) -> None:

    assert case.application_id is not None
    app = await cases_repo.get_application_by_id(session, case.application_id)
    service = await catalog_repo.get(session, case.service_id)
    applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
    if app is None or service is None or applicant is None:
        return
    result = application_questions.evaluate(
        service, app.answers, local_date(utcnow()), applicant.user.language
    )
    if result is not None:
        case.eligibility_status = str(result["status"])
        case.eligibility_result = result
        case.eligibility_receipt = result["receipt"]
        await session.flush()
