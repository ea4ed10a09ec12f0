"""Destroying an approved list: each listed case and everything personal that hangs off it is
deleted, its files too (once the transaction has committed), the list item stays as the
minimal record, and a destruction certificate is written to the audit chain.

The audit chain itself is never edited (its hashes would break): audit details hold ids,
codes, counts and dates, never a person's values (``tests/integration/test_retention.py``
searches every table for the person after a destruction), so what names the person in the
chain is a pseudonymous id whose row no longer says who it was.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from app.domain.principal import Principal
from app.models import DestructionList, DestructionListItem
from app.repositories import erasure
from app.repositories import retention as retention_repo
from app.repositories.unit_of_work import AsyncSession, SyncSession, after_commit, after_rollback
from app.services import audit
from app.services.documents import storage
from app.storage import DocumentStore
from app.workflow.retention import DestructionItemStatus, result_of
from app.workflow.states import CaseStatus

_FILES = "retention_files_to_delete"


def _queue_files(session: AsyncSession, keys: list[str]) -> None:
    session.sync_session.info.setdefault(_FILES, []).extend(keys)


@after_commit
def _delete_files(session: SyncSession) -> None:
    # Only now: a destruction rolled back must still find its documents' files.
    keys: list[str] = session.info.pop(_FILES, [])
    if keys:
        # Through the store's interface, so an object-storage backend deletes its objects too.
        store: DocumentStore = storage()
        for key in keys:
            store.delete(key)


@after_rollback
def _keep_files(session: SyncSession) -> None:
    session.info.pop(_FILES, None)


async def _destroy_item(
    session: AsyncSession, item: DestructionListItem, number: str, now: datetime
) -> dict[str, Any] | None:
    """Destroys the item's case, or None when it may no longer be (gone, reopened, on hold)."""
    case = await retention_repo.case_in_district(session, item.district, case_id=item.case_id)
    if case is None or result_of(case.status) is None or case.status not in CaseStatus.FINAL:
        return None
    if await retention_repo.active_hold(session, case.id) is not None:
        return None
    applicant_id = case.applicant_id
    decided = datetime.combine(item.decided_on, datetime.max.time(), tzinfo=now.tzinfo)
    erased = await erasure.erase_case(session, case.id)
    # An organisation's case has no person to erase.
    if applicant_id is not None and await erasure.person_may_be_erased(
        session, applicant_id, decided
    ):
        await erasure.erase_person(session, applicant_id, erased)
    _queue_files(session, erased.storage_keys)
    item.status = DestructionItemStatus.DESTROYED.value
    item.destroyed_at = now
    item.destroyed = {"rows": erased.rows, "files": len(erased.storage_keys)}
    await audit.record(
        session,
        "case.destroyed",
        object_type="case",
        object_id=item.case_id,
        district=item.district,
        detail={"list": number, "number": item.case_number, "service": item.service_code},
    )
    return {
        "number": item.case_number,
        "service": item.service_code,
        "result": item.result,
        "submitted_on": item.submitted_on.isoformat(),
        "decided_on": item.decided_on.isoformat(),
        "retention_until": item.retention_until.isoformat(),
        "rows": sum(erased.rows.values()),
        "files": len(erased.storage_keys),
    }


async def destroy_list(
    session: AsyncSession,
    principal: Principal,
    listing: DestructionList,
    items: list[DestructionListItem],
    now: datetime,
) -> None:
    """Destroys the listed items of an approved list and certifies it in the audit chain."""
    destroyed: list[dict[str, Any]] = []
    for item in items:
        if item.status != DestructionItemStatus.LISTED.value:
            continue
        done = await _destroy_item(session, item, listing.number, now)
        if done is None:
            item.status = DestructionItemStatus.REMOVED.value
            item.removed_reason = "no longer destroyable at approval (reopened, held or gone)"
            item.removed_at = now
            continue
        destroyed.append(done)
    certificate = {
        "list": listing.number,
        "district": listing.district,
        "proposed_at": listing.proposed_at.isoformat(),
        "submitted_by": str(listing.submitted_by) if listing.submitted_by else None,
        "approved_by": str(principal.user_id),
        "destroyed_at": now.isoformat(),
        "cases": destroyed,
    }
    payload = json.dumps(certificate, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    listing.certificate_sha256 = hashlib.sha256(payload.encode()).hexdigest()
    listing.destroyed_at = now
    await audit.record(
        session,
        "records.destruction_certificate",
        actor=principal,
        object_type="destruction_list",
        object_id=listing.id,
        district=listing.district,
        detail={**certificate, "sha256": listing.certificate_sha256},
    )
    await session.flush()
