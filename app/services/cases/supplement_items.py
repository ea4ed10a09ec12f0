"""补正 as the case pages read it: the items of the latest request, the files sent for each, and
what the applicant said of an item they could not send. Each item has its own files
(``CaseDocument.requirement`` = ``supplement:<request event>:<item number>``); the record written
when the applicant sends (``SupplementRequest``) keeps the explanations."""

from __future__ import annotations

from datetime import date

from app.models import Case, CaseEvent, SupplementRequest
from app.repositories import cases as cases_repo
from app.repositories import supplements as supplements_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.case_steps import SupplementFile, SupplementItem, SupplementView
from app.schemas.cases import CaseRead
from app.workflow.states import CaseAction


def item_prefix(event: CaseEvent) -> str:
    return f"supplement:{event.id.hex}:"


def requested_items(event: CaseEvent) -> list[str]:
    items = (event.detail or {}).get("items")
    return [str(i) for i in items] if isinstance(items, list) else []


async def request_event(session: AsyncSession, case: Case) -> CaseEvent | None:
    """The latest supplement request of the case (None when none was made)."""
    return await cases_repo.last_event_of(session, case.id, CaseAction.REQUEST_SUPPLEMENT.value)


def last_request(events: list[CaseEvent]) -> CaseEvent | None:
    """``request_event`` from the case's events in time order, when the caller has them."""
    action = CaseAction.REQUEST_SUPPLEMENT.value
    return next((e for e in reversed(events) if e.action == action), None)


def sent_record(records: list[SupplementRequest], event: CaseEvent) -> SupplementRequest | None:
    key = event.id.hex
    for record in records:
        if record.items and record.items[0].get("request") == key:
            return record
    return None


async def supplement_view(
    session: AsyncSession, case: Case, event: CaseEvent | None = None
) -> SupplementView | None:
    """The latest request with each item's files and explanation, or None."""
    event = event or await request_event(session, case)
    if event is None:
        return None
    names = requested_items(event)
    if not names:
        return None
    prefix = item_prefix(event)
    files = await supplements_repo.item_files(session, case.id, prefix)
    record = sent_record(await supplements_repo.sent_records(session, case.id), event)
    explained = {
        str(i.get("index")): str(i.get("explanation") or "")
        for i in (record.items if record else [])
    }
    due = (event.detail or {}).get("due_on")
    return SupplementView(
        requested_at=event.occurred_at,
        due_on=date.fromisoformat(due) if isinstance(due, str) else None,
        reason=event.reason,
        items=[
            SupplementItem(
                index=n,
                name=name,
                files=[
                    SupplementFile(id=doc.id, name=doc.original_name)
                    for cd, doc in files
                    if cd.requirement == f"{prefix}{n}"
                ],
                explanation=explained.get(str(n)) or None,
            )
            for n, name in enumerate(names)
        ],
        sent=record is not None and record.fulfilled_at is not None,
        sent_at=record.fulfilled_at if record else None,
    )


def name_supplement_files(view: CaseRead) -> None:
    """A case document sent for a requested item is listed under the item's name."""
    if view.supplement is None:
        return
    names = {str(f.id): item.name for item in view.supplement.items for f in item.files}
    for doc in view.documents:
        if str(doc.get("requirement", "")).startswith("supplement:") and doc["id"] in names:
            doc["name"] = names[doc["id"]]
