"""The public check of an issued document: its token (from the QR code) opens what was issued,
and a copy uploaded there is compared with the stored SHA-256. Anyone may ask, signed in or
not; nothing about a person beyond the masked name is shown (an organisation's registered
name is shown in full), and the copy is hashed as it streams in and never kept."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

from app.config import get_settings
from app.core.times import local_text
from app.errors import NotFound, PayloadTooLarge
from app.i18n import gettext
from app.models import IssuedDocument
from app.repositories import issued_documents as issued_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.issued_documents import VerificationCheck, VerificationRead
from app.services.issued_documents.issuing import KINDS
from app.workflow.states import CaseStatus, status_label


async def _issued(session: AsyncSession, token: str) -> IssuedDocument:
    # A malformed token is as unknown as a wrong one; no hint which part was wrong.
    doc = await issued_repo.by_token(session, token) if 8 <= len(token) <= 40 else None
    if doc is None:
        raise NotFound()
    return doc


def _view(doc: IssuedDocument, lang: str) -> VerificationRead:
    public = doc.public
    kind = KINDS.get(doc.kind)
    decision = str(public.get("decision") or "")
    try:
        decision_label = gettext(lang, status_label(CaseStatus(decision)))
    except ValueError:
        decision_label = decision
    service_name = public.get("service_name_en" if lang == "en" else "service_name_zh")
    return VerificationRead(
        kind=doc.kind,
        kind_label=gettext(lang, kind.label) if kind else doc.kind,
        case_number=str(public.get("case_number") or ""),
        decision=decision,
        decision_label=decision_label,
        service_name=str(service_name or ""),
        issued_at=doc.issued_at,
        issued_at_text=local_text(doc.issued_at),
        masked_name=str(public.get("masked_name") or ""),
        organisation_name=str(public.get("organisation_name") or "") or None,
        sha256=doc.sha256,
    )


async def verification_view(session: AsyncSession, token: str, lang: str) -> VerificationRead:
    return _view(await _issued(session, token), lang)


async def check_copy(
    session: AsyncSession, token: str, chunks: AsyncIterator[bytes]
) -> VerificationCheck:
    """Whether the uploaded bytes are exactly the document issued: one changed byte (an
    edited name, decision or date) gives another fingerprint."""
    doc = await _issued(session, token)
    limit = get_settings().verify_upload_max_bytes
    digest, size = hashlib.sha256(), 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(params={"max_mb": max(1, limit // (1024 * 1024))})
        digest.update(chunk)
    uploaded = digest.hexdigest()
    return VerificationCheck(
        matches=doc.sha256 is not None and uploaded == doc.sha256,
        uploaded_sha256=uploaded,
        stored_sha256=doc.sha256,
    )
