"""What an issued document and a video check are on their case: the case page's list, the
download (which renders a document still waiting for the worker), and the video appointments
the case's responsible staff schedule and record (不见面: the call is outside the portal)."""

from __future__ import annotations

import uuid

from app.core.times import local_text
from app.domain.enums import Permission, permissions_for
from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_, gettext
from app.models import Case, IssuedDocument, VideoCheck
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import issued_documents as issued_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import TimelineEntry
from app.schemas.issued_documents import (
    IssuedDocumentRead,
    VideoCheckCreate,
    VideoCheckRead,
    VideoCheckRecord,
    VideoOutcome,
)
from app.services import audit, notifications
from app.services import documents as wallet
from app.services.cases.context import load_case, message_payload
from app.services.issued_documents.issuing import (
    ISSUED,
    KINDS,
    filename,
    render_now,
    verify_url,
)

OUTCOME_LABELS: dict[VideoOutcome | None, str] = {
    None: N_("Scheduled"),
    VideoOutcome.VERIFIED: N_("Originals verified"),
    VideoOutcome.FAILED: N_("Originals not accepted"),
    VideoOutcome.NO_SHOW: N_("Applicant did not join"),
}
VIDEO_CHECK_ACTION = "video_check"
ERR_NOT_RESPONSIBLE = N_(
    "Only the staff member responsible for this case can schedule a video appointment."
)
ERR_STAFF = N_("Choose a colleague of the case's department.")
ERR_RECORDED = N_("The outcome of this video appointment has already been recorded.")


def _read(doc: IssuedDocument, lang: str) -> IssuedDocumentRead:
    kind = KINDS.get(doc.kind)
    return IssuedDocumentRead(
        id=doc.id,
        kind=doc.kind,
        kind_label=gettext(lang, kind.label) if kind else doc.kind,
        ready=doc.status == ISSUED,
        issued_at=doc.issued_at,
        languages=list(doc.languages),
        sha256=doc.sha256,
        wallet_document_id=doc.document_id,
        download_url=f"/cases/{doc.case_id}/issued/{doc.id}.pdf",
        verify_url=verify_url(doc.token),
        verify_path=f"/verify/{doc.token}",
    )


async def documents_for(
    session: AsyncSession, case: Case, lang: str, *, employer: bool = False
) -> list[IssuedDocumentRead]:
    """The case's documents; ``employer``: only those the employer named on it may read."""
    docs = await issued_repo.for_case(session, case.id)
    return [_read(d, lang) for d in docs if not employer or _employer_reads(d)]


def _employer_reads(doc: IssuedDocument) -> bool:
    kind = KINDS.get(doc.kind)
    return kind is not None and kind.employer_reads


def may_read_documents(principal: Principal, case: Case) -> bool:
    """The decision is its party's and the department's: the applicant, the organisation that
    filed its own application, the case's staff. An employer named on a person's case reads
    the case's status, not the person's written decision (``is_named_employer`` reads the
    kinds addressed to it as well, such as an R-visa invitation)."""
    if principal.applicant_id is not None or principal.staff_id is not None:
        return True
    return principal.employer_id is not None and principal.employer_id == case.organisation_id


def is_named_employer(principal: Principal, case: Case) -> bool:
    return principal.employer_id is not None and principal.employer_id == case.employer_id


async def _readable_case(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> tuple[Case, bool]:
    """The case, and whether the caller reads only what its employer may (not the party)."""
    if principal.applicant_id is None and principal.staff_id is None and not principal.employer_id:
        raise PermissionDenied()
    # Scoped first: another organisation's case is unknown (404), as for anyone else.
    case, _ = await load_case(session, principal, case_id)
    if may_read_documents(principal, case):
        return case, False
    if is_named_employer(principal, case):
        return case, True
    raise PermissionDenied()


async def list_for_case(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, lang: str
) -> list[IssuedDocumentRead]:
    case, employer = await _readable_case(session, principal, case_id)
    return await documents_for(session, case, lang, employer=employer)


async def video_checks_of(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, lang: str
) -> list[VideoCheckRead]:
    case, employer = await _readable_case(session, principal, case_id)
    if employer:
        raise PermissionDenied()
    return await video_checks_for(session, principal, case, lang)


async def download(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, doc_id: uuid.UUID
) -> wallet.Download:
    """The PDF for whoever may read the case's documents (the applicant or the organisation,
    its staff); rendered here first if the worker has not come to it yet, so the link on the
    case page always works."""
    case, employer = await _readable_case(session, principal, case_id)
    listed = {
        d.id
        for d in await issued_repo.for_case(session, case.id)
        if not employer or _employer_reads(d)
    }
    if doc_id not in listed:
        raise NotFound()
    return await deliver(session, principal, case, doc_id)


async def deliver(
    session: AsyncSession, principal: Principal, case: Case, doc_id: uuid.UUID
) -> wallet.Download:
    """The document's PDF (rendered first if need be), its download audited; the caller has
    checked that ``principal`` may read it."""
    doc = await render_now(session, doc_id)
    if doc is None:
        raise NotFound()
    if doc.document_id is not None:
        stored = await wallet.stored_document(session, doc.document_id)
    elif doc.storage_key is not None:
        # An organisation's: no wallet, the file is the row's.
        stored = wallet.stored_file(doc.storage_key, filename(doc), "application/pdf")
    else:
        raise NotFound()
    await audit.record(
        session,
        "issued_document.downloaded",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"document": str(doc.id), "kind": doc.kind},
    )
    return stored


def _responsible(case: Case) -> uuid.UUID | None:
    return case.assignee_staff_id or case.first_responsible_staff_id


def may_schedule(principal: Principal, case: Case) -> bool:
    return principal.staff_id is not None and principal.staff_id == _responsible(case)


async def video_checks_for(
    session: AsyncSession, principal: Principal, case: Case, lang: str
) -> list[VideoCheckRead]:
    checks = await issued_repo.video_checks(session, case.id)
    names = await issued_repo.staff_names(session, {c.staff_id for c in checks})
    return [_check_read(c, names, principal, case, lang) for c in checks]


def _check_read(
    check: VideoCheck,
    names: dict[uuid.UUID, str],
    principal: Principal,
    case: Case,
    lang: str,
) -> VideoCheckRead:
    outcome = VideoOutcome(check.outcome) if check.outcome else None
    return VideoCheckRead(
        id=check.id,
        scheduled_at=check.scheduled_at,
        staff_name=names.get(check.staff_id, ""),
        outcome=outcome,
        outcome_label=gettext(lang, OUTCOME_LABELS[outcome]),
        note=check.note,
        recorded_at=check.recorded_at,
        can_record=outcome is None
        and principal.staff_id is not None
        and principal.staff_id in (check.staff_id, _responsible(case)),
    )


async def _one(
    session: AsyncSession, principal: Principal, case: Case, check: VideoCheck
) -> VideoCheckRead:
    names = await issued_repo.staff_names(session, {check.staff_id})
    return _check_read(check, names, principal, case, principal.language)


def timeline_entries(checks: list[VideoCheckRead], status: str, lang: str) -> list[TimelineEntry]:
    """The video appointments as lines of the case's history, at their scheduled time."""
    return [
        TimelineEntry(
            at=c.scheduled_at,
            status=status,
            label=gettext(
                lang,
                N_("Video identity check with {staff}: {outcome}"),
                {"staff": c.staff_name, "outcome": c.outcome_label},
            ),
            action=VIDEO_CHECK_ACTION,
            reason=c.note,
        )
        for c in checks
    ]


async def schedule_video_check(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, data: VideoCheckCreate
) -> VideoCheckRead:
    case, service = await load_case(session, principal, case_id)
    if not may_schedule(principal, case):
        raise PermissionDenied(ERR_NOT_RESPONSIBLE)
    assert principal.staff_id is not None and data.scheduled_at is not None
    staff_id = data.staff_id or principal.staff_id
    if staff_id != principal.staff_id:
        colleague = await accounts_repo.get_staff(session, staff_id)
        if (
            colleague is None
            or colleague.district != case.district
            or colleague.department != case.department
            or Permission.HANDLE_CASES not in permissions_for(colleague.roles)
        ):
            raise ValidationFailed(
                field_errors=[FieldError("staff_id", "invalid_staff", ERR_STAFF)]
            )
    check = VideoCheck(
        case_id=case.id,
        scheduled_at=data.scheduled_at,
        staff_id=staff_id,
        scheduled_by_user_id=principal.user_id,
        note=data.note or None,
    )
    session.add(check)
    await session.flush()
    applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
    if applicant is not None:
        language = applicant.user.language
        await notifications.enqueue(
            session,
            recipient_user_id=applicant.user_id,
            template="case.video_check",
            payload={
                **message_payload(case, service, language),
                "time": local_text(check.scheduled_at),
            },
            language=language,
            dedup_key=f"video_check:{check.id}",
            case_id=case.id,
            read_back=False,
        )
    await audit.record(
        session,
        "case.video_check_scheduled",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={
            "video_check": str(check.id),
            "scheduled_at": check.scheduled_at.isoformat(),
            "staff_id": str(staff_id),
        },
    )
    return await _one(session, principal, case, check)


async def record_video_check(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    check_id: uuid.UUID,
    data: VideoCheckRecord,
) -> VideoCheckRead:
    case, _ = await load_case(session, principal, case_id)
    check = await issued_repo.video_check_for_update(session, case.id, check_id)
    if check is None:
        raise NotFound()
    if principal.staff_id is None or principal.staff_id not in (check.staff_id, _responsible(case)):
        raise PermissionDenied()
    if check.outcome is not None:
        raise Conflict(ERR_RECORDED)
    check.outcome = data.outcome.value
    check.note = data.note or check.note
    check.recorded_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        "case.video_check_recorded",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"video_check": str(check.id), "outcome": data.outcome.value},
    )
    return await _one(session, principal, case, check)
