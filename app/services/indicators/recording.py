"""Figures from outside sources (statistics bureau, patent office...): one district admin
records the figure with its source, another confirms or rejects it. Until confirmed a figure is
shown nowhere but the staff page."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import TypeVar

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import IndicatorValue
from app.models.base import utcnow
from app.repositories import indicators as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.indicators import ValueDecision, ValueRecord
from app.services import audit
from app.services.indicators.definitions import BY_CODE, Indicator
from app.workflow.errors import InvalidStatusChange
from app.workflow.indicators import VALUES, ValueEvent, ValueOrigin, ValueStatus
from app.workflow.lifecycle import Lifecycle

S = TypeVar("S", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)

SAME_PERSON = N_(
    "You recorded this figure yourself; another district administrator must confirm it."
)


def require_evaluator(principal: Principal) -> str:
    """District admins of a district; returns the district."""
    if (
        principal.staff_id is None
        or principal.district is None
        or not principal.can(Permission.EVALUATE_INDICATORS)
    ):
        raise PermissionDenied()
    return principal.district


def advance(lifecycle: Lifecycle[S, E], status: str, event: E) -> S:
    """The lifecycle's move, its refusal told to the person as a conflict."""
    try:
        return lifecycle.advance(status, event)
    except InvalidStatusChange as exc:
        raise Conflict(exc.message) from exc


def district_indicator(district: str, code: str, field: str = "indicator") -> Indicator:
    indicator = BY_CODE.get(code)
    if indicator is None or indicator.district != district:
        raise ValidationFailed(
            field_errors=[
                FieldError(field, "unknown", N_("Choose one of your district's indicators."))
            ]
        )
    return indicator


async def record_value(
    session: AsyncSession, principal: Principal, data: ValueRecord
) -> IndicatorValue:
    district = require_evaluator(principal)
    indicator = district_indicator(district, data.indicator)
    row = IndicatorValue(
        indicator=indicator.code,
        district=district,
        year=data.year,
        quarter=data.quarter,
        quarter_key=data.quarter or 0,
        value=data.value,
        origin=ValueOrigin.RECORDED,
        status=ValueStatus.PENDING,
        source=data.source,
        source_url=data.source_url,
        entered_by=principal.user_id,
        entered_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        "indicators.value_recorded",
        actor=principal,
        object_type="indicator_value",
        object_id=row.id,
        detail={
            "indicator": indicator.code,
            "year": data.year,
            "quarter": data.quarter,
            "value": data.value,
            "source": data.source,
            "source_url": data.source_url,
        },
        district=district,
    )
    return row


async def _pending(
    session: AsyncSession, principal: Principal, value_id: uuid.UUID
) -> IndicatorValue:
    district = require_evaluator(principal)
    row = await repo.get_value(session, value_id)
    if row is None or row.district != district:
        raise NotFound()
    if row.entered_by == principal.user_id:
        raise PermissionDenied(SAME_PERSON)
    return row


async def decide_value(
    session: AsyncSession,
    principal: Principal,
    value_id: uuid.UUID,
    event: ValueEvent,
    data: ValueDecision | None = None,
) -> IndicatorValue:
    """A second admin confirms the figure (it is then published) or rejects it."""
    row = await _pending(session, principal, value_id)
    row.status = advance(VALUES, row.status, event)
    row.decided_by = principal.user_id
    row.decided_at = utcnow()
    if data is not None and data.note:
        row.note = data.note
    await session.flush()
    await audit.record(
        session,
        f"indicators.value_{'confirmed' if event is ValueEvent.CONFIRM else 'rejected'}",
        actor=principal,
        object_type="indicator_value",
        object_id=row.id,
        detail={"indicator": row.indicator, "value": row.value, "note": row.note},
        district=row.district,
    )
    return row
