"""How the fast track for urgently needed talent shows on the bundle (issue 18, point 3): its
state for the page, and the line beside the employer's work-permit hand-off, which the person,
the employer and staff all see (the employer cites the endorsement in the national system)."""

from __future__ import annotations

from app.core.times import local_day
from app.i18n import N_, gettext
from app.models import Case
from app.repositories import onboarding_decisions as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.onboarding_decisions import FastTrackView
from app.services.cases.outcome import remedies
from app.workflow.onboarding_decisions import (
    FAST_TRACK_DISTRICTS,
    FAST_TRACK_LABELS,
    SHORTAGE_FIELDS,
    FastTrackStatus,
)

ENDORSED_NOTE = N_(
    "Endorsed by the district on {date} as urgently needed talent ({field}): cite this "
    "endorsement in the national work-permit application."
)


async def fast_track(session: AsyncSession, case: Case, lang: str) -> FastTrackView:
    row = await repo.fast_track_of(session, case.id)
    view = FastTrackView(offered=case.district in FAST_TRACK_DISTRICTS)
    if row is None:
        return view
    status = FastTrackStatus(row.status)
    return view.model_copy(
        update={
            "status": status.value,
            "status_label": gettext(lang, FAST_TRACK_LABELS[status]),
            "shortage_field": row.shortage_field,
            "shortage_field_label": gettext(lang, SHORTAGE_FIELDS[row.shortage_field]),
            "reason": row.reason,
            "nominated_at": row.nominated_at,
            "decided_at": row.decided_at,
            "decision_reason": row.decision_reason,
            "remedies": (
                remedies(case.district, lang) if status is FastTrackStatus.DECLINED else []
            ),
        }
    )


async def handoff_note(session: AsyncSession, case: Case, lang: str) -> str | None:
    """The endorsement as the hand-off step shows it; None unless endorsed."""
    row = await repo.fast_track_of(session, case.id)
    if row is None or FastTrackStatus(row.status) is not FastTrackStatus.ENDORSED:
        return None
    assert row.decided_at is not None
    return gettext(
        lang,
        ENDORSED_NOTE,
        {
            "date": local_day(row.decided_at),
            "field": gettext(lang, SHORTAGE_FIELDS[row.shortage_field]),
        },
    )
