"""Issuing a document: its row (token, public facts, the words) is written in the transaction
of what it records, so a decision that commits always has its document and one that rolls
back never has; the PDF is rendered after, by the worker's round or by the first download,
stored once with its SHA-256 (in the applicant's wallet; an organisation, which has no wallet,
keeps it on the row and reaches it from the case page), and never rendered again.

Rendering takes about half a second (the CJK font is parsed and subset each time), too long
to hold a decision's row locks and its request for, hence the split."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable

from app.config import get_settings
from app.models import Case, CaseEvent, Document, IssuedDocument, Service
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import claims as claims_repo
from app.repositories import issued_documents as issued_repo
from app.repositories import organisations as organisations_repo
from app.repositories.unit_of_work import AsyncSession, async_sessionmaker
from app.services import audit
from app.services import documents as wallet
from app.services.issued_documents import decisions, letters, onboarding_letters
from app.services.issued_documents.kinds import DocumentKind
from app.services.issued_documents.sheet import Font, Sheet, Wording, render
from app.workflow.states import CaseAction

log = logging.getLogger(__name__)

PENDING = "pending"
ISSUED = "issued"
KINDS: dict[str, DocumentKind] = {
    k.code: k
    for k in (
        decisions.RESULT_DECISION,
        letters.CONFIRMATION_LETTER,
        onboarding_letters.R_VISA_INVITATION,
        onboarding_letters.PR_RECOMMENDATION,
    )
}
# A document whose rendering failed this often waits for its first download instead.
_MAX_ATTEMPTS = 5
_ROUND_LIMIT = 20
# A round renders for about this long (at least one document), so the other work of the
# worker's round (reminders, the outbox) is never held up behind a backlog; the rest waits.
_ROUND_SECONDS = 1.5
_BACKFILL_PAGE = 200


def verify_url(token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/verify/{token}"


def font() -> Font:
    settings = get_settings()
    return Font(settings.document_font_path, settings.document_font_face)


def _new_token() -> str:
    # 144 random bits: the page it opens is public, so the token must not be guessable.
    return secrets.token_urlsafe(18)


async def issue_decision(
    session: AsyncSession, case: Case, service: Service, action: CaseAction
) -> IssuedDocument | None:
    """The written decision of the event ``action`` just wrote on ``case``; None for what gets
    none (not a decision, a bundle's part: the bundle's own decision carries the result)."""
    if action not in decisions.DECIDING:
        return None
    events = await cases_repo.events(session, case.id)
    decision = next((e for e in reversed(events) if e.action == action.value), None)
    if decision is None:
        return None
    return await _issue_for_event(session, case, service, events, decision)


async def _issue_for_event(
    session: AsyncSession,
    case: Case,
    service: Service,
    events: list[CaseEvent],
    decision: CaseEvent,
) -> IssuedDocument | None:
    if case.parent_id is not None:
        return None
    kind = decisions.RESULT_DECISION
    ref = decisions.subject_ref(decision)
    existing = await issued_repo.by_subject(session, kind.code, ref)
    if existing is not None:
        return existing
    upto = events[: events.index(decision) + 1]
    facts = await _party_facts(session, case, service, upto, decision)
    if facts is None:
        return None
    token = _new_token()
    words = decisions.wording(facts, token, verify_url(token))
    doc = IssuedDocument(
        kind=kind.code,
        subject_ref=ref,
        token=token,
        status=PENDING,
        case_id=case.id,
        applicant_id=case.applicant_id,
        issued_at=decision.occurred_at,
        public=decisions.public_facts(facts),
        content=words.to_json(),
        languages=decisions.languages_for(facts.applicant_language),
    )
    session.add(doc)
    await session.flush()
    await audit.record(
        session,
        "issued_document.created",
        object_type="case",
        object_id=case.id,
        detail={"kind": kind.code, "document": str(doc.id), "decision": decision.to_status},
        district=case.district,
    )
    return doc


async def _party_facts(
    session: AsyncSession,
    case: Case,
    service: Service,
    events: list[CaseEvent],
    decision: CaseEvent,
) -> decisions.DecisionFacts | None:
    """The decision's facts addressed to its party: the person, or the organisation by its
    registered name with the persons of its claim masked."""
    if case.applicant_id is not None:
        applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
        if applicant is None:
            return None
        return decisions.DecisionFacts(
            case=case,
            service=service,
            events=events,
            decision=decision,
            applicant_name=applicant.full_name,
            applicant_language=applicant.user.language,
        )
    organisation = await accounts_repo.get_employer(session, case.organisation_id)
    if organisation is None:
        return None
    members = await organisations_repo.members(session, organisation.id)
    lines = await claims_repo.lines_of(session, case.id)
    return decisions.DecisionFacts(
        case=case,
        service=service,
        events=events,
        decision=decision,
        applicant_name=organisation.name,
        applicant_language=decisions.organisation_language([m.language for m in members]),
        organisation=True,
        persons=tuple(
            decisions.masked_line(ln.line_no, ln.person_name, ln.person_id_masked, ln.amount_cny)
            for ln in lines
            if ln.line_no > 0
        ),
    )


async def issue_letter(session: AsyncSession, facts: letters.LetterFacts) -> IssuedDocument | None:
    """The talent confirmation letter of an onboarding bundle, written in the transaction of
    the staff member's decision; None when the bundle already has one."""
    kind = letters.CONFIRMATION_LETTER
    return await _issue_letter_row(
        session,
        kind,
        letters.subject_ref(facts.case),
        facts,
        lambda t: letters.wording(facts, t, verify_url(t)),
    )


async def issue_onboarding_letter(
    session: AsyncSession, facts: onboarding_letters.OnboardingLetterFacts
) -> IssuedDocument | None:
    """An onboarding bundle's R-visa invitation or permanent-residence recommendation, in the
    transaction of the approver's decision; None when the bundle already has one."""
    return await _issue_letter_row(
        session,
        facts.kind,
        onboarding_letters.subject_ref(facts.kind, facts.case),
        facts,
        lambda t: onboarding_letters.wording(facts, t, verify_url(t)),
    )


async def _issue_letter_row(
    session: AsyncSession,
    kind: DocumentKind,
    ref: str,
    facts: letters.LetterFacts,
    words: Callable[[str], Wording],
) -> IssuedDocument | None:
    case = facts.case
    assert case.applicant_id is not None
    if await issued_repo.by_subject(session, kind.code, ref) is not None:
        return None
    token = _new_token()
    doc = IssuedDocument(
        kind=kind.code,
        subject_ref=ref,
        token=token,
        status=PENDING,
        case_id=case.id,
        applicant_id=case.applicant_id,
        issued_at=facts.decided_at,
        public=letters.public_facts(facts),
        content=words(token).to_json(),
        languages=list(letters.LANGUAGES),
    )
    session.add(doc)
    await session.flush()
    await audit.record(
        session,
        "issued_document.created",
        object_type="case",
        object_id=case.id,
        detail={"kind": kind.code, "document": str(doc.id), "decision": letters.DECISION},
        district=case.district,
    )
    return doc


async def render_now(session: AsyncSession, doc_id: uuid.UUID) -> IssuedDocument | None:
    """Renders a pending document in the caller's transaction (the worker's, or a download's)
    and puts the PDF in the applicant's wallet (an organisation's stays on the row); an issued
    one is returned as it is."""
    doc = await issued_repo.get_for_update(session, doc_id)
    if doc is None or doc.status == ISSUED:
        return doc
    sheet = Sheet(
        wording=Wording.from_json(doc.content),
        verify_url=verify_url(doc.token),
        issued_at=doc.issued_at,
        keywords=(doc.kind, str(doc.public.get("case_number", ""))),
    )
    # CPU-bound for about half a second: off the event loop, so other requests go on.
    pdf = await asyncio.to_thread(render, sheet, font())
    stored = await wallet.save_file(session, filename(doc), _one_chunk(pdf), len(pdf) + 1)
    kept: tuple[str, uuid.UUID] = ("issued_document", doc.id)
    if doc.applicant_id is not None:
        wallet_doc = Document(
            owner_applicant_id=doc.applicant_id,
            kind=doc.kind,
            original_name=stored.name,
            content_type=stored.content_type,
            size_bytes=stored.size,
            sha256=stored.sha256,
            storage_key=stored.key,
            uploaded_by_user_id=None,
        )
        session.add(wallet_doc)
        await session.flush()
        doc.document_id = wallet_doc.id
        kept = ("document", wallet_doc.id)
    else:
        doc.storage_key = stored.key
    doc.sha256 = stored.sha256
    doc.status = ISSUED
    doc.rendered_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        "issued_document.issued",
        object_type=kept[0],
        object_id=kept[1],
        detail={"kind": doc.kind, "sha256": stored.sha256, "bytes": stored.size},
        district=str(doc.public.get("district") or "") or None,
    )
    return doc


def filename(doc: IssuedDocument) -> str:
    number = str(doc.public.get("case_number") or "document")
    return f"{number}-{doc.kind.replace('_', '-')}.pdf"


async def _one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def render_pending(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """The worker's round: each pending document in a transaction of its own, for about
    ``_ROUND_SECONDS``."""
    async with sessionmaker() as session:
        due = await issued_repo.pending(session, PENDING, _MAX_ATTEMPTS, _ROUND_LIMIT)
    done = 0
    until = time.monotonic() + _ROUND_SECONDS
    for doc_id in due:
        if done and time.monotonic() >= until:
            break
        try:
            async with sessionmaker() as session, session.begin():
                rendered = await render_now(session, doc_id)
            done += 1 if rendered is not None else 0
        except Exception:
            log.exception("issued document rendering failed", extra={"document": str(doc_id)})
            async with sessionmaker() as session, session.begin():
                await issued_repo.count_attempt(session, doc_id)
    return done


async def backfill(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Written decisions for the decisions made before documents were issued (the demo's,
    an upgraded installation's): the rows only, in pages; the worker's round renders them.
    Running it twice adds nothing."""
    added, after = 0, None
    actions = [a.value for a in decisions.DECIDING]
    while True:
        async with sessionmaker() as session, session.begin():
            page = await issued_repo.decision_events(session, actions, after, _BACKFILL_PAGE)
            if not page:
                return added
            after = page[-1][0].id
            refs = {decisions.subject_ref(e): e for e, _ in page}
            have = await issued_repo.subject_refs(
                session, decisions.RESULT_DECISION.code, refs.keys()
            )
            for event, case in page:
                if decisions.subject_ref(event) in have:
                    continue
                service = await catalog_repo.get(session, case.service_id)
                if service is None:
                    continue
                events = await cases_repo.events(session, case.id)
                if await _issue_for_event(session, case, service, events, event) is not None:
                    added += 1
