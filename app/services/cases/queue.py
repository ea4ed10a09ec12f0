"""The staff queue: the district's cases by deadline, with filters, the escalation lights and
我的办件 (the caller's open cases)."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import date, timedelta

from app.domain.enums import PRIORITY_WINDOW_DISTRICTS, Permission
from app.domain.principal import Principal
from app.errors import (
    PermissionDenied,
    ValidationFailed,
)
from app.i18n import N_, gettext, localized
from app.models import (
    Case,
)
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import (
    CaseRead,
    QueueItem,
    QueuePage,
)
from app.schemas.forms import QueueFilters
from app.services.calendar import work_calendar
from app.services.cases.deadlines import stored_deadline, translated_deadline
from app.services.cases.views import case_view
from app.workflow.states import CaseStatus, status_label
from app.workflow.values import (
    local_date,
)


def _encode_cursor(case: Case) -> str:
    raw = f"{case.deadline_date.isoformat()}|{case.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


_CASE_NUMBER = re.compile(r"[A-Z]{2}(-[A-Z0-9]+)+")


def _search(term: str | None) -> cases_repo.CaseSearch | None:
    """What the staff typed: a case number (CN-2026-000123), a masked ID number as lists show
    it (310***********1234), or otherwise the start of the applicant's name."""
    if not term:
        return None
    upper = term.upper()
    if "*" in term:
        return ("masked_id", upper)
    if _CASE_NUMBER.fullmatch(upper) and any(ch.isdigit() for ch in upper):
        return ("number", upper)
    return ("name", term)


def _decode_cursor(cursor: str | None) -> tuple[date, uuid.UUID] | None:
    if not cursor:
        return None
    try:
        day, ident = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return date.fromisoformat(day), uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            N_("The page link is not valid. Start from the first page.")
        ) from exc


async def queue(
    session: AsyncSession,
    principal: Principal,
    lang: str,
    filters: QueueFilters,
) -> QueuePage:
    """The district's cases by deadline. ``mine``: the caller's open cases, those they are
    first responsible for (首问负责) or assigned to; ``light`` (amber, red): the escalation list,
    cases whose running clock is near or past its deadline."""
    if principal.staff_id is None or not principal.can(Permission.HANDLE_CASES):
        raise PermissionDenied()
    calendar = await work_calendar(session)
    today = local_date(utcnow())
    light, mine, limit = filters.light, filters.mine, filters.limit
    due_before = None
    wanted: set[str] | None = {s.value for s in filters.status} or None
    if light is not None:
        due_before = (
            today - timedelta(days=1) if light == "red" else calendar.add_working_days(today, 2)
        )
        # A decided, ended, paused or not yet accepted case has no running clock to be late on.
        running = {s.value for s in CaseStatus.RUNNING_CLOCK}
        wanted = running if wanted is None else wanted & running
    where = {
        "department": filters.department.value if filters.department else None,
        "statuses": wanted,
        "service_id": filters.service_id,
        "due_before": due_before,
        "exclude_statuses": {s.value for s in CaseStatus.FINAL} if mine else (),
        "handled_by": principal.staff_id if mine else None,
        "unpaused": light is not None,
        "search": _search(filters.q),
    }
    after = _decode_cursor(filters.cursor)
    first: list[Case] = []
    split = principal.district in PRIORITY_WINDOW_DISTRICTS
    if split and after is None:
        # 高层次人才服务专窗: the flagged cases head the first page (they are few), and the
        # pages that follow are the other cases by deadline, so the cursor stays one order.
        first = await cases_repo.queue(
            session, principal, **where, after=None, limit=limit, priority=True
        )
    rows = await cases_repo.queue(
        session, principal, **where, after=after, limit=limit + 1, priority=False if split else None
    )
    services = {s.id: s for s in await catalog_repo.list_active(session, principal.district)}
    names = await cases_repo.staff_names(
        session, {r.assignee_staff_id for r in [*first, *rows] if r.assignee_staff_id}
    )
    shown = [*first, *rows[:limit]]
    languages = await accounts_repo.languages_of(
        session, {c.applicant_id for c in shown if c.applicant_id and c.organisation_id is None}
    )
    items = []
    for case in shown:
        service = services.get(case.service_id)
        deadline = stored_deadline(case, calendar, today, provisional=case.accepted_on is None)
        items.append(
            QueueItem(
                id=case.id,
                number=case.number,
                service_name=(localized(service, "name", lang)) if service else "",
                status=case.status,
                status_label=gettext(lang, status_label(CaseStatus(case.status))),
                deadline=translated_deadline(deadline, lang),
                assignee=names.get(case.assignee_staff_id) if case.assignee_staff_id else None,
                submitted_at=case.submitted_at,
                priority=case.priority,
                applicant_language=languages.get(case.applicant_id) if case.applicant_id else None,
            )
        )
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return QueuePage(items=items, next_cursor=next_cursor)


async def queue_services(
    session: AsyncSession, principal: Principal, lang: str
) -> list[tuple[str, str]]:
    """(id, name) of the district's services, for the queue's service filter."""
    if principal.district is None:
        return []
    return [
        (str(s.id), localized(s, "name", lang))
        for s in await catalog_repo.list_active(session, principal.district)
    ]


async def my_cases(session: AsyncSession, principal: Principal, lang: str) -> list[CaseRead]:
    """The caller's own cases (applicants) or the cases naming their organisation (employers)."""
    rows = await cases_repo.list_cases_for_applicant(session, principal)
    return [await case_view(session, principal, c.id, lang) for c in rows]
