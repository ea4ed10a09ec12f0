"""A case's deadline in working days: the exact one on case pages (pauses included) and the
stored one queues sort by; decided and ended cases have none."""

from __future__ import annotations

from datetime import date

from app.i18n import gettext
from app.models import (
    Case,
)
from app.repositories import cases as cases_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import (
    DeadlineView,
)
from app.workflow.calendar import WorkCalendar
from app.workflow.deadlines import (
    AMBER_DAYS,
    LIGHT_LABELS,
    Deadline,
    Light,
    Pause,
)
from app.workflow.states import CaseStatus


async def pauses_of(session: AsyncSession, case: Case) -> tuple[Pause, ...]:
    return tuple(Pause(p.started_on, p.ended_on) for p in await cases_repo.pauses(session, case.id))


def stored_deadline(
    case: Case, calendar: WorkCalendar, today: date, *, provisional: bool
) -> DeadlineView | None:
    """From the stored deadline date: what queues show (pauses count once they end)."""
    # Decided or ended (SETTLED): the clock has stopped for good, so there is no deadline.
    if CaseStatus(case.status) in CaseStatus.SETTLED:
        return None
    remaining = calendar.working_days_between(today, case.deadline_date)
    light = (
        Light.RED if remaining < 0 else Light.AMBER if remaining <= AMBER_DAYS else Light.ON_TRACK
    )
    return DeadlineView(
        due_on=case.deadline_date,
        provisional=provisional,
        remaining_working_days=remaining,
        light=light.value,
        light_label=LIGHT_LABELS[light],
        paused=case.paused_since is not None,
    )


def exact_deadline(
    case: Case, calendar: WorkCalendar, pauses: tuple[Pause, ...], today: date
) -> DeadlineView | None:
    """The exact deadline, pauses included (case pages)."""
    if CaseStatus(case.status) in CaseStatus.SETTLED:
        return None
    if case.accepted_on is None:
        return stored_deadline(case, calendar, today, provisional=True)
    status = Deadline(calendar, case.accepted_on, case.time_limit_days, pauses).status(today)
    return DeadlineView(
        due_on=status.due_on or case.deadline_date,
        provisional=False,
        remaining_working_days=status.remaining,
        light=status.light.value,
        light_label=LIGHT_LABELS[status.light],
        paused=status.paused,
    )


def translated_deadline(view: DeadlineView | None, lang: str) -> DeadlineView | None:
    if view is None:
        return None
    return view.model_copy(update={"light_label": gettext(lang, view.light_label)})
