"""Apartment projects and units: CSV import, edits, maintenance, listings for staff."""

from __future__ import annotations

import csv
import io
import uuid

from pydantic import ValidationError

from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.i18n import N_
from app.models import (
    ApartmentProject,
    ApartmentUnit,
)
from app.repositories import housing as housing_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.housing import (
    ImportReport,
    ProjectCreate,
    ProjectRead,
    UnitRead,
    UnitRow,
    UnitUpdate,
)
from app.services import audit
from app.services.housing.policy import require_housing_staff
from app.workflow.housing import UNITS, UnitStatus, staff_unit_event

UNIT_COLUMNS = (
    "building",
    "number",
    "layout",
    "area_sqm",
    "floor",
    "market_rent_cny",
    "talent_rent_cny",
)


def unit_view(unit: ApartmentUnit) -> UnitRead:
    return UnitRead.model_validate(unit, from_attributes=True)


async def create_project(
    session: AsyncSession, principal: Principal, data: ProjectCreate
) -> ProjectRead:
    district = require_housing_staff(principal)
    project = ApartmentProject(district=district, **data.model_dump())
    session.add(project)
    await session.flush()
    await audit.record(
        session,
        "housing.project_created",
        actor=principal,
        object_type="apartment_project",
        object_id=project.id,
    )
    return ProjectRead.model_validate(project, from_attributes=True)


async def import_units(
    session: AsyncSession, principal: Principal, project_id: uuid.UUID, csv_text: str
) -> ImportReport:
    """All rows or none: any bad row refuses the whole file with a report naming row, field and
    reason, so a half-imported inventory never exists."""
    district = require_housing_staff(principal)
    project = await housing_repo.get_project(session, district, project_id)
    if project is None:
        raise NotFound()
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    problems: list[FieldError] = []
    missing = [c for c in UNIT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "file",
                    "missing_columns",
                    N_("The file lacks the columns: {columns}."),
                    {"columns": ", ".join(missing)},
                )
            ]
        )
    rows: list[UnitRow] = []
    seen = await housing_repo.existing_unit_keys(session, project.id)
    for line, raw in enumerate(reader, start=2):
        try:
            row = UnitRow.model_validate({k: (v or "").strip() for k, v in raw.items() if k})
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "row"
                problems.append(
                    FieldError(
                        f"row {line}: {field}",
                        str(err["type"]),
                        N_("Row {row}, {field}: {reason}"),
                        {"row": line, "field": field, "reason": err["msg"]},
                    )
                )
            continue
        key = (row.building, row.number)
        if key in seen:
            problems.append(
                FieldError(
                    f"row {line}: number",
                    "duplicate",
                    N_("Row {row}, {field}: {reason}"),
                    {"row": line, "field": "number", "reason": "duplicate unit"},
                )
            )
        seen.add(key)
        rows.append(row)
    if problems:
        raise ValidationFailed(field_errors=problems)
    for row in rows:
        session.add(
            ApartmentUnit(
                project_id=project.id,
                district=district,
                status=UnitStatus.AVAILABLE,
                **row.model_dump(),
            )
        )
    await session.flush()
    await audit.record(
        session,
        "housing.units_imported",
        actor=principal,
        object_type="apartment_project",
        object_id=project.id,
        detail={"count": len(rows)},
    )
    return ImportReport(imported=len(rows))


async def update_unit(
    session: AsyncSession, principal: Principal, unit_id: uuid.UUID, data: UnitUpdate
) -> UnitRead:
    district = require_housing_staff(principal)
    unit = await housing_repo.lock_unit(session, unit_id)
    if unit is None or unit.district != district:
        raise NotFound()
    if unit.status == UnitStatus.OFFERED and data.model_dump(exclude_none=True):
        raise Conflict(N_("This unit is on offer; change it after the applicant has answered."))
    if data.status is not None and data.status != unit.status and unit.status == UnitStatus.LEASED:
        raise Conflict(N_("This unit is let; it can go into maintenance once the tenant leaves."))
    market = data.market_rent_cny or unit.market_rent_cny
    talent = data.talent_rent_cny or unit.talent_rent_cny
    if talent * 10 > market * 9:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "talent_rent_cny",
                    "above_rent_cap",
                    N_("The talent rent may be at most 90% of the market rent ({cap} yuan)."),
                    {"cap": market * 9 // 10},
                )
            ]
        )
    before = {
        "layout": unit.layout,
        "market": unit.market_rent_cny,
        "talent": unit.talent_rent_cny,
        "status": unit.status,
    }
    unit.market_rent_cny, unit.talent_rent_cny = market, talent
    unit.layout = data.layout or unit.layout
    # After the two checks above only available and maintenance are left, which staff move
    # between freely; the table still names the move.
    event = staff_unit_event(unit.status, data.status) if data.status else None
    if event is not None:
        unit.status = UNITS.advance(unit.status, event)
    await session.flush()
    await audit.record(
        session,
        "housing.unit_updated",
        actor=principal,
        object_type="apartment_unit",
        object_id=unit.id,
        detail={"before": before, "changes": data.model_dump(exclude_none=True)},
    )
    return unit_view(unit)


async def list_units(
    session: AsyncSession, principal: Principal, status: str | None
) -> list[UnitRead]:
    district = require_housing_staff(principal)
    return [unit_view(u) for u in await housing_repo.units(session, district, status)]


async def staff_unit(session: AsyncSession, principal: Principal, unit_id: uuid.UUID) -> UnitRead:
    district = require_housing_staff(principal)
    unit = await housing_repo.get_unit(session, unit_id)
    if unit is None or unit.district != district:
        raise NotFound()
    return unit_view(unit)


async def list_projects(session: AsyncSession, principal: Principal) -> list[ProjectRead]:
    district = require_housing_staff(principal)
    return [
        ProjectRead.model_validate(p, from_attributes=True)
        for p in await housing_repo.projects(session, district)
    ]
