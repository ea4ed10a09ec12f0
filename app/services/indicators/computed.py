"""Computed figures: the named queries on the portal's records, worked out per year and per
quarter, and the refresh that writes them (by the worker's round and on demand).

A query yields the moments its events happened (a unit added, a settlement completed); a
*stock* counts those before a period's end (apartments held), a *flow* those within it
(settlements completed in the year). Figures start with the first period the portal holds data
for, so an empty register writes nothing rather than a row of zeros before the portal existed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from app.domain.principal import Principal
from app.models import IndicatorRefresh, IndicatorValue
from app.models.base import utcnow
from app.repositories import indicators as repo
from app.repositories.unit_of_work import AsyncSession, async_sessionmaker
from app.services import audit
from app.services.indicators.definitions import DISTRICTS, INDICATORS
from app.workflow.indicators import ValueOrigin, ValueStatus
from app.workflow.values import SHANGHAI, local_date

Events = Callable[[AsyncSession, str], Awaitable[list[datetime]]]


@dataclass(frozen=True, slots=True)
class Query:
    events: Events
    stock: bool  # True: count up to the period's end; False: count within the period


QUERIES: dict[str, Query] = {
    "apartment_units_held": Query(repo.apartment_units_added, stock=True),
    "returnee_settlements_completed": Query(repo.returnee_settlements_completed, stock=False),
    "high_skill_certifications": Query(repo.high_skill_certifications, stock=False),
}


def _bounds(year: int, quarter: int | None) -> tuple[datetime, datetime]:
    """A period's start and end (exclusive) as Shanghai midnights."""
    if quarter is None:
        first, last = date(year, 1, 1), date(year + 1, 1, 1)
    else:
        first = date(year, 3 * quarter - 2, 1)
        last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return (datetime.combine(first, time(), SHANGHAI), datetime.combine(last, time(), SHANGHAI))


def periods(first: date, today: date) -> list[tuple[int, int | None]]:
    """Every year and quarter from the one holding ``first`` to the one holding ``today``."""
    out: list[tuple[int, int | None]] = []
    for year in range(first.year, today.year + 1):
        out.append((year, None))
        for quarter in range(1, 5):
            start, _end = _bounds(year, quarter)
            if (year, quarter) < (first.year, (first.month - 1) // 3 + 1):
                continue
            if start.date() > today:
                break
            out.append((year, quarter))
    return out


def figure(events: list[datetime], query: Query, year: int, quarter: int | None) -> int:
    start, end = _bounds(year, quarter)
    return sum(1 for at in events if at < end and (query.stock or at >= start))


async def refresh(
    session: AsyncSession,
    district: str,
    *,
    trigger: str,
    principal: Principal | None = None,
    today: date | None = None,
) -> IndicatorRefresh:
    """Works out every computed figure of the district and writes it in place."""
    now = utcnow()
    day = today or local_date(now)
    written = 0
    for indicator in INDICATORS:
        if indicator.district != district or indicator.query is None:
            continue
        query = QUERIES[indicator.query]
        events = await query.events(session, district)
        if not events:
            continue
        first = min(local_date(at) for at in events)
        for year, quarter in periods(first, day):
            value = float(figure(events, query, year, quarter))
            row = await repo.computed_value(session, indicator.code, year, quarter)
            if row is None:
                row = IndicatorValue(
                    indicator=indicator.code,
                    district=district,
                    year=year,
                    quarter=quarter,
                    quarter_key=quarter or 0,
                    origin=ValueOrigin.COMPUTED,
                    status=ValueStatus.CONFIRMED,
                    source=f"portal query: {indicator.query}",
                    value=value,
                )
                session.add(row)
            row.value = value
            row.entered_at = now
            written += 1
    done = IndicatorRefresh(
        district=district,
        refreshed_at=now,
        trigger=trigger,
        by_user=principal.user_id if principal else None,
        values_written=written,
    )
    session.add(done)
    await session.flush()
    await audit.record(
        session,
        "indicators.refreshed",
        actor=principal,
        object_type="indicator_refresh",
        object_id=done.id,
        detail={"trigger": trigger, "values_written": written},
        district=district,
    )
    return done


async def run_scheduled(sessionmaker: async_sessionmaker[AsyncSession], today: date) -> None:
    """The worker's round: each district in a transaction of its own."""
    for district in DISTRICTS:
        async with sessionmaker() as session, session.begin():
            await refresh(session, district, trigger="schedule", today=today)
