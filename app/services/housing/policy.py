"""The apartment policy's parameters (lease term, longest stay, rent-rise cap, declines) and
the housing staff check."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from app.domain.principal import Principal
from app.errors import Conflict, PermissionDenied
from app.i18n import N_
from app.models.base import utcnow
from app.rules import load_library
from app.workflow.values import local_date

DEPOSIT_MONTHS = 1


@dataclass(frozen=True, slots=True)
class LeaseRules:
    """The apartment policy's lease and offer parameters (``*.talent_apartment``)."""

    lease_term_years: int
    max_lease_years: int
    max_rent_rise_percent: int
    max_declines: int


def lease_rules(district: str, day: date | None = None) -> LeaseRules:
    day = day or local_date(utcnow())
    policy = load_library().version_at(f"{district}.talent_apartment", day)
    if policy is None:
        raise Conflict(N_("No talent apartment policy is in force in this district."))
    params = policy.params_at(day)
    return LeaseRules(**{f.name: int(params[f.name]) for f in fields(LeaseRules)})


def require_housing_staff(principal: Principal) -> str:
    """The officer's district; PermissionDenied for anyone not handling talent apartments."""
    if not principal.handles_housing or principal.district is None:
        raise PermissionDenied()
    return principal.district


def years_after(day: date, years: int) -> date:
    return date(day.year + years, day.month, min(day.day, 28))
