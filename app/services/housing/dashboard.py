"""The district housing dashboard: inventory against the plan, the waitlist, subsidies paid."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from datetime import date

from app.config import get_settings
from app.domain.principal import Principal
from app.errors import PermissionDenied
from app.models.base import utcnow
from app.repositories import housing_dashboard as dash_repo
from app.repositories.unit_of_work import AsyncSession
from app.workflow.housing import UnitStatus

# Changning's 14th five-year talent plan sets a binding target of 5,000 talent apartment units;
# Yangpu's plan promises more apartments without a number.
PLAN_UNIT_TARGETS: dict[str, int | None] = {"changning": 5000, "yangpu": None}
# Assumed monthly budget for rent subsidies (no published figure), used until the district's
# own is set (TALENT_SUBSIDY_MONTHLY_BUDGET_<DISTRICT>_CNY).
ASSUMED_MONTHLY_BUDGET_CNY: dict[str, int] = {"changning": 2_000_000, "yangpu": 2_000_000}


def monthly_budget(district: str) -> tuple[int, bool]:
    """The district's monthly subsidy budget and whether it is the assumed figure."""
    configured = getattr(get_settings(), f"subsidy_monthly_budget_{district}_cny", None)
    if isinstance(configured, int):
        return configured, False
    return ASSUMED_MONTHLY_BUDGET_CNY.get(district, 0), True


@dataclass
class Dashboard:
    district: str
    units_by_status: dict[str, int]
    units_total: int
    unit_target: int | None
    waitlist_length: int
    median_wait_days: float | None
    active_beneficiaries: int
    paid_by_month: list[tuple[date, int]] = field(default_factory=list)
    monthly_budget_cny: int = 0
    budget_assumed: bool = True


def require_dashboard_viewer(principal: Principal) -> str:
    if not principal.views_housing_dashboard or principal.district is None:
        raise PermissionDenied()
    return principal.district


async def dashboard(session: AsyncSession, principal: Principal) -> Dashboard:
    district = require_dashboard_viewer(principal)
    by_status = await dash_repo.units_by_status(session, district)
    now = utcnow()
    waits = [(now - joined).days for joined in await dash_repo.waiting_since(session, district)]
    budget, assumed = monthly_budget(district)
    return Dashboard(
        district=district,
        units_by_status={s.value: by_status.get(s, 0) for s in UnitStatus},
        units_total=sum(by_status.values()),
        unit_target=PLAN_UNIT_TARGETS.get(district),
        waitlist_length=len(waits),
        median_wait_days=statistics.median(waits) if waits else None,
        active_beneficiaries=await dash_repo.active_beneficiaries(session, district),
        paid_by_month=await dash_repo.paid_by_month(session, district),
        monthly_budget_cny=budget,
        budget_assumed=assumed,
    )


def as_csv(d: Dashboard) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["measure", "value"])
    for status, count in d.units_by_status.items():
        writer.writerow([f"units_{status}", count])
    writer.writerow(["units_total", d.units_total])
    writer.writerow(["unit_target", d.unit_target if d.unit_target is not None else ""])
    writer.writerow(["waitlist_length", d.waitlist_length])
    writer.writerow(
        ["median_wait_days", d.median_wait_days if d.median_wait_days is not None else ""]
    )
    writer.writerow(["active_subsidy_beneficiaries", d.active_beneficiaries])
    writer.writerow(
        [
            "monthly_budget_cny_assumed" if d.budget_assumed else "monthly_budget_cny",
            d.monthly_budget_cny,
        ]
    )
    for month, amount in d.paid_by_month:
        writer.writerow([f"paid_{month.isoformat()[:7]}", amount])
    return out.getvalue()
