"""The worker's periodic round: the case schedules due, then each domain's own daily work.
Like ``wiring``, it sits above the rooms and may name them all; the case engine names none."""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from app.models.base import utcnow
from app.repositories.unit_of_work import AsyncSession, async_sessionmaker
from app.services.cases import schedules
from app.services.eligibility import qualifying
from app.services.housing import leases, offers
from app.services.indicators import computed as indicator_figures
from app.services.issued_documents import issuing as issued_documents
from app.services.log_retention import prune_rotated_logs
from app.services.onboarding import steps as onboarding_steps
from app.services.retention import lists as retention_lists
from app.services.rights import deletion, exports
from app.services.service_cards import cards as service_cards
from app.services.service_points import booking as appointments
from app.services.settlement import verification
from app.services.talent_register import expiry as register_expiry
from app.services.youth_stations import desk as youth_station_desk
from app.workflow.values import SHANGHAI, local_date

log = logging.getLogger(__name__)


async def run_due(sessionmaker: async_sessionmaker[AsyncSession], today: date | None = None) -> int:
    """``today`` lets tests (and catch-up runs) act as of a given Shanghai day. Returns how many
    case schedules were carried out."""
    day = today or local_date(utcnow())
    now = utcnow() if today is None else datetime.combine(day, time(12), SHANGHAI)
    done = await schedules.run_due(sessionmaker, day, now)
    # 免提交: ask the outside systems whose answers are due (retries after an outage).
    try:
        await verification.run_due(sessionmaker)
    except Exception:
        log.exception("verification round failed")
    # Housing: lapsed apartment offers and lease renewal reminders, in one transaction each.
    async with sessionmaker() as session, session.begin():
        await offers.expire_offers(session, day)
    # Onboarding bundles whose housing step was settled by a lapse or on the housing pages.
    try:
        await onboarding_steps.run_due(sessionmaker, now)
    except Exception:
        log.exception("onboarding round failed")
    async with sessionmaker() as session, session.begin():
        await leases.remind_renewals(session, day)
    # Appointments at service points: tomorrow's, reminded the day before.
    async with sessionmaker() as session, session.begin():
        await appointments.remind_day_before(session, day)
    # Notices of newly qualifying: consenting people whose stored facts meet a policy today
    # that they did not meet on the day of their last check (a waiting period ended).
    try:
        await qualifying.run_time_checks(sessionmaker, day)
    except Exception:
        log.exception("qualifying round failed")
    # Youth stations: stays not checked in by their first day's cut-off release their beds.
    async with sessionmaker() as session, session.begin():
        await youth_station_desk.release_no_shows(session, now)
    # Yangpu talent service cards ending soon: their holders are told once per term.
    async with sessionmaker() as session, session.begin():
        await service_cards.remind_renewals(session, day)
    # Talent programme memberships ending: warned of before, their benefits ended after.
    try:
        await register_expiry.run_due(sessionmaker, day)
    except Exception:
        log.exception("talent register expiry round failed")
    # Written decisions issued since the last round (不见面), rendered into the wallet.
    try:
        await issued_documents.render_pending(sessionmaker)
    except Exception:
        log.exception("issued documents round failed")
    # The plans' computed indicators, so the public page is never more than a round behind.
    try:
        await indicator_figures.run_scheduled(sessionmaker, day)
    except Exception:
        log.exception("indicator refresh failed")
    # Records retention: each district's cases whose retention has ended, onto its draft
    # destruction list for the records officers (each district in a transaction of its own).
    await retention_lists.run_due(sessionmaker, day)
    # A person's rights: copies of their data waiting to be prepared (or expiring), and the
    # e-mail addresses of deleted accounts whose confirmation has gone out.
    try:
        await exports.run_pending(sessionmaker)
        await deletion.erase_confirmed_emails(sessionmaker)
    except Exception:
        log.exception("rights round failed")
    # Log files: rotated files older than the retention setting are deleted.
    prune_rotated_logs()
    return done
