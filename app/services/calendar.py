"""Working-day calendar: seeded from ``chinese_calendar``, edited by admins, read per request."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from app.models import CalendarDay
from app.models.base import utcnow
from app.repositories import calendar as calendar_repo
from app.repositories import cases as cases_repo
from app.repositories.unit_of_work import AsyncSession
from app.workflow.calendar import WorkCalendar, chinese_calendar_days, chinese_calendar_years
from app.workflow.deadlines import Deadline, Pause
from app.workflow.states import CaseStatus
from app.workflow.values import local_date


async def sync_from_package(session: AsyncSession) -> int:
    """Adds the package's days the table lacks. Rows already there (admin edits included) win."""
    existing = await calendar_repo.known_days(session)
    added = 0
    for row in chinese_calendar_days(chinese_calendar_years()):
        if row.day in existing:
            continue
        session.add(
            CalendarDay(day=row.day, is_workday=row.is_workday, source="package", note=row.name_zh)
        )
        added += 1
    await session.flush()
    return added


# Deadlines are at most 20 working days after acceptance, and acceptance is recent; a window
# of a little over a year either side covers every computation while reading ~80 rows.
_WINDOW = timedelta(days=400)
_CACHE_KEY = "work_calendar"
_REVISION_KEY = "work_calendar_revision"

# Calendars this worker has read, by (revision, day read on). Not shared state: an entry is used
# only when the database names its revision as current (``known_revision``), and triggers bump
# the revision on any change to the days, so a stale entry is never used; it is only dropped.
_READ: dict[tuple[int, date], WorkCalendar] = {}


async def work_calendar(
    session: AsyncSession, *, known_revision: int | None = None
) -> WorkCalendar:
    """Read once per transaction (cached on the session). ``known_revision`` is the calendar's
    revision as this transaction read it along with another query: a calendar this worker
    already read at that revision is reused without a query (every submission does this)."""
    cached = session.sync_session.info.get(_CACHE_KEY)
    if isinstance(cached, WorkCalendar):
        return cached
    if known_revision is None:
        known_revision = session.sync_session.info.get(_REVISION_KEY)
    today = local_date(utcnow())
    calendar = _READ.get((known_revision, today)) if known_revision is not None else None
    if calendar is None:
        revision, overrides = await calendar_repo.overrides(
            session, today - _WINDOW, today + _WINDOW
        )
        calendar = WorkCalendar(overrides, known_years={d.year for d in overrides})
        if (revision, today) not in _READ:
            _READ.clear()  # only the current revision and day are worth keeping
            _READ[(revision, today)] = calendar
    session.sync_session.info[_CACHE_KEY] = calendar
    return calendar


# Of the statuses whose clock runs (``CaseStatus.RUNNING_CLOCK``), the bundle's: its own
# deadline is the latest of its parts' and follows from them. Paused cases get theirs when the
# clock resumes.
_BUNDLE_RUNNING = CaseStatus.IN_PROGRESS


def note_revision(session: AsyncSession, revision: int) -> None:
    """The calendar's revision as a statement of this transaction read it along with something
    else (the case pages: app.services.cases.context.load_case); ``work_calendar`` then reuses
    the calendar this worker read at that revision instead of reading the days again."""
    session.sync_session.info[_REVISION_KEY] = revision


def forget_cached_calendar(session: AsyncSession) -> None:
    session.sync_session.info.pop(_CACHE_KEY, None)
    # After an edit in this transaction the revision noted before it is not current any more.
    session.sync_session.info.pop(_REVISION_KEY, None)


async def recompute_open_deadlines(session: AsyncSession) -> int:
    """After a calendar edit, moves the stored deadline of every case whose clock runs, with
    the same computation acceptance uses (``Deadline``). Returns how many deadlines moved."""
    return sum((await recompute_open_deadlines_by_district(session)).values())


async def recompute_open_deadlines_by_district(session: AsyncSession) -> Counter[str]:
    """As ``recompute_open_deadlines``, counting the moved deadlines per district."""
    forget_cached_calendar(session)
    calendar = await work_calendar(session)
    cases = await calendar_repo.cases_with_running_clock(session, sorted(CaseStatus.RUNNING_CLOCK))
    pauses = await calendar_repo.pauses_of(session, [c.id for c in cases])
    moved: Counter[str] = Counter()
    for case in cases:
        if case.status == _BUNDLE_RUNNING or case.accepted_on is None:
            continue
        due = Deadline(
            calendar,
            case.accepted_on,
            case.time_limit_days,
            tuple(Pause(p.started_on, p.ended_on) for p in pauses.get(case.id, [])),
        ).due_on
        if due is not None and due != case.deadline_date:
            case.deadline_date = due
            moved[case.district] += 1
    await session.flush()
    for case in cases:
        if case.status != _BUNDLE_RUNNING:
            continue
        # As at dispatch: the bundle is due when its last part is.
        parts = await cases_repo.parts_of(session, case.id)
        if parts and max(p.deadline_date for p in parts) != case.deadline_date:
            case.deadline_date = max(p.deadline_date for p in parts)
            moved[case.district] += 1
    await session.flush()
    return moved
