"""补正 answered by the applicant: files added to each requested item (several each), then sent
at once when every item has a file or a reason why it cannot be sent. Only sending returns the
case to the office (``RECEIVE_SUPPLEMENT``); staff then see which items arrived and which were
explained."""

from __future__ import annotations

import uuid

from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.i18n import N_
from app.models import Case, CaseDocument, SupplementRequest
from app.models.base import utcnow
from app.repositories import documents as documents_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.case_steps import SupplementSend, SupplementView
from app.schemas.cases import CaseActionRequest, CaseRead
from app.services.cases.actions import act
from app.services.cases.context import load_case
from app.services.cases.supplement_items import (
    item_prefix,
    request_event,
    requested_items,
    supplement_view,
)
from app.workflow.states import CaseAction, CaseStatus

ERR_NOTHING_ASKED = N_("No documents are asked for on this case now.")


async def _own_open_case(session: AsyncSession, principal: Principal, case_id: uuid.UUID) -> Case:
    case, _service = await load_case(session, principal, case_id)
    if principal.applicant_id is None or principal.applicant_id != case.applicant_id:
        raise NotFound()
    if CaseStatus(case.status) not in CaseStatus.PAUSED:
        raise Conflict(ERR_NOTHING_ASKED)
    return case


async def view(session: AsyncSession, principal: Principal, case_id: uuid.UUID) -> SupplementView:
    case, _service = await load_case(session, principal, case_id)
    found = await supplement_view(session, case)
    if found is None:
        raise NotFound(ERR_NOTHING_ASKED)
    return found


async def add_file(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    index: int,
    document_id: uuid.UUID,
) -> SupplementView:
    """One more file (already in the applicant's wallet) for requested item ``index``."""
    case = await _own_open_case(session, principal, case_id)
    event = await request_event(session, case)
    if event is None or not 0 <= index < len(requested_items(event)):
        raise NotFound(ERR_NOTHING_ASKED)
    if await documents_repo.get_readable(session, principal, document_id) is None:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "document_id", "unknown_document", N_("Choose a document from your wallet.")
                )
            ]
        )
    session.add(
        CaseDocument(
            case_id=case.id, document_id=document_id, requirement=f"{item_prefix(event)}{index}"
        )
    )
    await session.flush()
    found = await supplement_view(session, case, event)
    assert found is not None
    return found


async def send(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    data: SupplementSend,
    lang: str,
) -> CaseRead:
    """Sends the supplement: each item has a file or says why not; nothing changes otherwise."""
    case = await _own_open_case(session, principal, case_id)
    event = await request_event(session, case)
    current = await supplement_view(session, case, event) if event else None
    if event is None or current is None:
        raise Conflict(ERR_NOTHING_ASKED)
    explanations = {n: text.strip() for n, text in data.explanations.items() if text.strip()}
    problems = [
        FieldError(
            f"explain-{item.index}",
            "missing_item",
            N_("Add a file for “{item}” or say why you cannot send it."),
            {"item": item.name},
        )
        for item in current.items
        if not item.files and item.index not in explanations
    ]
    if problems:
        raise ValidationFailed(field_errors=problems)
    result = await act(
        session,
        principal,
        case.id,
        CaseActionRequest(
            action=CaseAction.RECEIVE_SUPPLEMENT,
            expected_version=data.expected_version,
            items=[item.name for item in current.items if item.files],
        ),
        lang,
    )
    session.add(
        SupplementRequest(
            case_id=case.id,
            items=[
                {
                    "request": event.id.hex,
                    "index": str(item.index),
                    "name": item.name,
                    "files": str(len(item.files)),
                    "explanation": "" if item.files else explanations.get(item.index, ""),
                }
                for item in current.items
            ],
            note=event.reason,
            requested_at=event.occurred_at,
            requested_by_user_id=event.actor_user_id or principal.user_id,
            fulfilled_at=utcnow(),
        )
    )
    await session.flush()
    result.supplement = await supplement_view(session, case, event)
    return result
