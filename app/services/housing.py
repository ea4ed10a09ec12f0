"""Talent apartments: inventory, the waitlist from approved cases, allocation rounds, offers and
leases. A unit is never offered or leased twice: row locks serialise the decisions and partial
unique indexes make a second open offer or active lease impossible even if code goes wrong."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.enums import Department, IdKind, Role
from app.domain.fields import SPOUSE_FIELD, person_id_kind
from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import (
    ApartmentOffer,
    ApartmentProject,
    ApartmentUnit,
    Application,
    Case,
    HouseholdKey,
    Lease,
    SpouseIdentity,
    WaitlistEntry,
)
from app.models.base import utcnow
from app.repositories import housing as housing_repo
from app.schemas.housing import (
    ImportReport,
    LeaseRead,
    MyHousing,
    OfferRead,
    ProjectCreate,
    ProjectRead,
    UnitRead,
    UnitRow,
    WaitlistRead,
)
from app.services import audit, protection
from app.services.calendar import work_calendar
from app.workflow.values import local_date

# Assumed (not yet sourced): how many declined offers remove an applicant from the list, and
# the lease term when the policy gives none; Shanghai's talent-apartment leases run 1-3 years.
MAX_DECLINES = 2
LEASE_YEARS = 1
DEPOSIT_MONTHS = 1
UNIT_COLUMNS = (
    "building",
    "number",
    "layout",
    "area_sqm",
    "floor",
    "market_rent_cny",
    "talent_rent_cny",
)


def _require_housing_staff(principal: Principal) -> str:
    if principal.staff_id is None or principal.district is None:
        raise PermissionDenied()
    housing_officer = principal.department == Department.HOUSING.value and bool(
        {Role.REVIEWER.value, Role.APPROVER.value} & set(principal.roles)
    )
    if not (housing_officer or Role.DISTRICT_ADMIN.value in principal.roles):
        raise PermissionDenied()
    return principal.district


def _unit_view(unit: ApartmentUnit) -> UnitRead:
    return UnitRead.model_validate(unit, from_attributes=True)


async def create_project(
    session: AsyncSession, principal: Principal, data: ProjectCreate
) -> ProjectRead:
    district = _require_housing_staff(principal)
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
    district = _require_housing_staff(principal)
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
                project_id=project.id, district=district, status="available", **row.model_dump()
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


async def list_units(
    session: AsyncSession, principal: Principal, status: str | None
) -> list[UnitRead]:
    district = _require_housing_staff(principal)
    return [_unit_view(u) for u in await housing_repo.units(session, district, status)]


async def store_spouse_id(
    session: AsyncSession, application: Application, raw: object
) -> str | None:
    """Keeps the spouse's ID number of an application encrypted with its blind index (the same
    index as an applicant's own number); returns the masked form the answers show."""
    existing = await housing_repo.spouse_identity(session, application.id)
    if raw is None:
        if existing is not None:
            await session.delete(existing)
        return None
    number = str(raw)
    kind = IdKind(person_id_kind(number) or "passport")
    index = protection.id_index(kind, number)
    if index == await housing_repo.applicant_key(session, application.applicant_id):
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    SPOUSE_FIELD,
                    "spouse_is_applicant",
                    N_("This is your own ID number. Enter your spouse's number."),
                )
            ]
        )
    normalized = protection.normalize_id(kind, number)
    row = existing or SpouseIdentity(application_id=application.id)
    row.id_kind = kind.value
    row.id_number_enc = protection.encrypt_id(normalized)
    row.id_number_index = index
    row.id_number_masked = protection.mask_id(kind, normalized)
    if existing is None:
        session.add(row)
    await session.flush()
    return row.id_number_masked


async def _household_keys(session: AsyncSession, case: Case) -> dict[str, str]:
    """Person key -> role for the applicant and the spouse named on the case's application."""
    keys: dict[str, str] = {}
    own = await housing_repo.applicant_key(session, case.applicant_id)
    if own:
        keys[own] = "applicant"
    if case.application_id is not None:
        spouse = await housing_repo.spouse_identity(session, case.application_id)
        if spouse is not None and spouse.id_number_index not in keys:
            keys[spouse.id_number_index] = "spouse"
    return keys


_DUPLICATE_HOUSEHOLD = N_(
    "This household already waits for or lives in a talent apartment (case {case}): the "
    "applicant or the spouse named on this application belongs to it. One household holds "
    "one talent apartment."
)


async def join_waitlist(session: AsyncSession, case: Case) -> WaitlistEntry | None:
    """Called when an apartment case is approved. Refuses a second active application or lease
    of the same household (the applicant's or the spouse's ID on another holding) with a
    Conflict, which undoes the approval."""
    if await housing_repo.entry_for_case(session, case.id):
        return None
    keys = await _household_keys(session, case)
    holding = await housing_repo.holding_households(session, list(keys))
    if holding:
        raise Conflict(_DUPLICATE_HOUSEHOLD, params={"case": holding[0][2]})
    if await housing_repo.active_household_entries(session, case.applicant_id):
        # Entries from before household keys existed are known by applicant only.
        raise Conflict(N_("This household already waits for or lives in a talent apartment."))
    outputs = (case.eligibility_result or {}).get("outputs") or {}
    score = float(outputs.get("priority_score") or 0) if isinstance(outputs, dict) else 0.0
    entry = WaitlistEntry(
        case_id=case.id,
        district=case.district,
        applicant_id=case.applicant_id,
        score=score,
        score_reasons={"policy_outputs": outputs, "receipt": case.eligibility_receipt or {}},
        preferences={},
    )
    session.add(entry)
    await session.flush()
    for key, role in keys.items():
        session.add(HouseholdKey(entry_id=entry.id, person_key=key, role=role))
    try:
        await session.flush()
    except IntegrityError as exc:
        # Another approval of the same household won the race; the unique index stopped this.
        raise Conflict(_DUPLICATE_HOUSEHOLD, params={"case": "?"}) from exc
    return entry


async def household_flags(session: AsyncSession, case: Case) -> list[str]:
    """Case numbers of other holdings or open apartment cases of this case's household, for
    the staff case page (whose caller checked access; approval is refused while one holds)."""
    keys = list(await _household_keys(session, case))
    numbers = {n for _k, _e, n in await housing_repo.holding_households(session, keys)}
    numbers |= {
        n
        for cid, n, _k in await housing_repo.open_housing_cases_naming(session, case.district, keys)
        if cid != case.id
    }
    numbers.discard(case.number)
    return sorted(numbers)


async def waitlist(session: AsyncSession, principal: Principal) -> list[WaitlistRead]:
    district = _require_housing_staff(principal)
    entries = await housing_repo.ranked_waitlist(session, district)
    keys = await housing_repo.active_keys_by_entry(session, [e.id for e in entries])
    every_key = [k for ks in keys.values() for k in ks]
    naming = await housing_repo.open_housing_cases_naming(session, district, every_key)
    views = []
    for i, e in enumerate(entries, start=1):
        mine = set(keys.get(e.id, []))
        views.append(
            WaitlistRead(
                id=e.id,
                case_id=e.case_id,
                rank=i,
                score=e.score,
                score_reasons=e.score_reasons,
                joined_at=e.joined_at,
                declines=e.declines,
                status=e.status,
                # Another open application names someone of this household.
                duplicate_household_cases=sorted(
                    {n for cid, n, k in naming if k in mine and cid != e.case_id}
                ),
            )
        )
    return views


async def allocation_round(
    session: AsyncSession, principal: Principal, respond_within_days: int
) -> list[OfferRead]:
    """Offers each available unit to the next applicant in rank order."""
    district = _require_housing_staff(principal)
    calendar = await work_calendar(session)
    respond_by = calendar.add_working_days(local_date(utcnow()), respond_within_days)
    units = await housing_repo.lock_available_units(session, district)
    queue = await housing_repo.ranked_waitlist(session, district, lock=True)
    offers: list[OfferRead] = []
    for unit in units:
        # The best-ranked applicant whose preferences (projects, layouts) this unit meets.
        entry = next((e for e in queue if _wants(e, unit)), None)
        if entry is None:
            continue
        queue.remove(entry)
        offer = ApartmentOffer(unit_id=unit.id, entry_id=entry.id, respond_by=respond_by)
        unit.status = "offered"
        entry.status = "offered"
        session.add(offer)
        await session.flush()
        offers.append(
            OfferRead(
                id=offer.id,
                unit=_unit_view(unit),
                status=offer.status,
                respond_by=respond_by,
                offered_at=offer.offered_at,
            )
        )
    await audit.record(
        session,
        "housing.allocation_round",
        actor=principal,
        detail={"district": district, "offers": len(offers)},
    )
    return offers


def _wants(entry: WaitlistEntry, unit: ApartmentUnit) -> bool:
    raw_projects = entry.preferences.get("projects")
    raw_layouts = entry.preferences.get("layouts")
    projects = [str(p) for p in raw_projects] if isinstance(raw_projects, list) else []
    layouts = [str(x) for x in raw_layouts] if isinstance(raw_layouts, list) else []
    return (not projects or str(unit.project_id) in projects) and (
        not layouts or unit.layout in layouts
    )


async def set_preferences(
    session: AsyncSession, principal: Principal, projects: list[uuid.UUID], layouts: list[str]
) -> None:
    """The applicant's wishes for the allocation rounds (empty lists: anything)."""
    if principal.applicant_id is None:
        raise PermissionDenied()
    entries = await housing_repo.waiting_entries_for_applicant(session, principal.applicant_id)
    if not entries:
        raise NotFound(N_("You are not on a waiting list."))
    for entry in entries:
        entry.preferences = {"projects": [str(p) for p in projects], "layouts": layouts}
    await session.flush()


async def expire_offers(session: AsyncSession, today: date) -> int:
    """Offers not answered in time lapse: the unit goes back, the lapse counts as a decline."""
    expired = 0
    for offer in await housing_repo.lapsed_offers(session, today):
        unit = await housing_repo.lock_unit(session, offer.unit_id)
        entry = await housing_repo.get_entry(session, offer.entry_id)
        if unit is None or entry is None:
            continue
        offer.status, offer.decided_at = "expired", utcnow()
        unit.status = "available"
        entry.declines += 1
        entry.status = "removed" if entry.declines >= MAX_DECLINES else "waiting"
        if entry.status == "removed":
            await housing_repo.release_household(session, entry.id)
        expired += 1
    await session.flush()
    return expired


async def remind_renewals(session: AsyncSession, today: date, days_ahead: int = 30) -> int:
    """One reminder per lease term end (the outbox key makes repeats no-ops)."""
    from app.repositories import accounts as accounts_repo
    from app.services import notifications

    sent = 0
    for lease in await housing_repo.leases_ending_by(session, today + timedelta(days=days_ahead)):
        applicant = await accounts_repo.get_applicant_by_id(session, lease.applicant_id)
        if applicant is None:
            continue
        await notifications.enqueue(
            session,
            recipient_user_id=applicant.user_id,
            template="lease.renewal",
            payload={"deadline": lease.ends_on, "url": "/housing"},
            language=applicant.user.language,
            dedup_key=f"lease:{lease.id}:renewal:{lease.ends_on.isoformat()}",
        )
        sent += 1
    return sent


async def _offer_for_applicant(
    session: AsyncSession, principal: Principal, offer_id: uuid.UUID
) -> tuple[ApartmentOffer, WaitlistEntry]:
    offer = await housing_repo.lock_offer(session, offer_id)
    entry = await housing_repo.get_entry(session, offer.entry_id) if offer else None
    if offer is None or entry is None or entry.applicant_id != principal.applicant_id:
        raise NotFound()
    return offer, entry


async def accept_offer(
    session: AsyncSession, principal: Principal, offer_id: uuid.UUID
) -> LeaseRead:
    offer, entry = await _offer_for_applicant(session, principal, offer_id)
    if offer.status != "open":
        raise Conflict(N_("This offer is no longer open."), extra={"offer_status": offer.status})
    today = local_date(utcnow())
    if offer.respond_by < today:
        raise Conflict(N_("The time to accept this offer has passed."))
    unit = await housing_repo.lock_unit(session, offer.unit_id)
    assert unit is not None
    starts = today + timedelta(days=1)
    lease = Lease(
        unit_id=unit.id,
        applicant_id=entry.applicant_id,
        offer_id=offer.id,
        starts_on=starts,
        ends_on=date(starts.year + LEASE_YEARS, starts.month, min(starts.day, 28)),
        monthly_rent_cny=unit.talent_rent_cny,
        deposit_cny=unit.talent_rent_cny * DEPOSIT_MONTHS,
    )
    session.add(lease)
    offer.status, offer.decided_at = "accepted", utcnow()
    unit.status = "leased"
    entry.status = "housed"
    try:
        await session.flush()
    except IntegrityError as exc:
        # The unique indexes caught a second lease the locks did not (e.g. SQLite replication).
        raise Conflict(N_("This apartment has already been let.")) from exc
    await audit.record(
        session,
        "housing.offer_accepted",
        actor=principal,
        object_type="lease",
        object_id=lease.id,
        detail={"unit": str(unit.id)},
    )
    return LeaseRead(
        id=lease.id,
        unit=_unit_view(unit),
        starts_on=lease.starts_on,
        ends_on=lease.ends_on,
        monthly_rent_cny=lease.monthly_rent_cny,
        deposit_cny=lease.deposit_cny,
        status=lease.status,
    )


async def decline_offer(session: AsyncSession, principal: Principal, offer_id: uuid.UUID) -> None:
    offer, entry = await _offer_for_applicant(session, principal, offer_id)
    if offer.status != "open":
        raise Conflict(N_("This offer is no longer open."), extra={"offer_status": offer.status})
    unit = await housing_repo.lock_unit(session, offer.unit_id)
    assert unit is not None
    offer.status, offer.decided_at = "declined", utcnow()
    unit.status = "available"
    entry.declines += 1
    entry.status = "removed" if entry.declines >= MAX_DECLINES else "waiting"
    if entry.status == "removed":
        await housing_repo.release_household(session, entry.id)
    await session.flush()
    await audit.record(
        session,
        "housing.offer_declined",
        actor=principal,
        object_type="apartment_offer",
        object_id=offer.id,
        detail={"declines": entry.declines},
    )


async def my_housing(session: AsyncSession, principal: Principal) -> MyHousing:
    if principal.applicant_id is None:
        raise PermissionDenied()
    offers = []
    for o in await housing_repo.offers_for_applicant(session, principal.applicant_id):
        unit = await housing_repo.get_unit(session, o.unit_id)
        assert unit is not None
        offers.append(
            OfferRead(
                id=o.id,
                unit=_unit_view(unit),
                status=o.status,
                respond_by=o.respond_by,
                offered_at=o.offered_at,
            )
        )
    leases = []
    for lease in await housing_repo.leases_for_applicant(session, principal.applicant_id):
        unit = await housing_repo.get_unit(session, lease.unit_id)
        assert unit is not None
        leases.append(
            LeaseRead(
                id=lease.id,
                unit=_unit_view(unit),
                starts_on=lease.starts_on,
                ends_on=lease.ends_on,
                monthly_rent_cny=lease.monthly_rent_cny,
                deposit_cny=lease.deposit_cny,
                status=lease.status,
            )
        )
    return MyHousing(offers=offers, leases=leases)


# Lease rules: Shanghai talent-apartment leases run up to 3 years and rent may rise at most 5% a
# year (service-anchors / policy-facts); renewals re-check eligibility.
MAX_LEASE_YEARS = 3
MAX_RENT_RISE = 0.05


async def _lease_for_applicant(
    session: AsyncSession, principal: Principal, lease_id: uuid.UUID
) -> Lease:
    lease = await housing_repo.lock_lease(session, lease_id)
    if lease is None or lease.applicant_id != principal.applicant_id:
        raise NotFound()
    return lease


async def renew_lease(
    session: AsyncSession,
    principal: Principal,
    lease_id: uuid.UUID,
    new_rent_cny: int | None = None,
) -> LeaseRead:
    """Another year at a rent at most 5% higher, within the 3-year maximum, if the applicant
    still qualifies for the apartment policy."""
    lease = await _lease_for_applicant(session, principal, lease_id)
    if lease.status != "active":
        raise Conflict(N_("Only an active lease can be renewed."))
    first = await housing_repo.first_lease_start(session, lease.applicant_id, lease.unit_id)
    new_end = date(lease.ends_on.year + 1, lease.ends_on.month, lease.ends_on.day)
    if first is not None and new_end > date(first.year + MAX_LEASE_YEARS, first.month, first.day):
        raise Conflict(
            N_("The lease cannot run longer than {years} years in total."),
            params={"years": MAX_LEASE_YEARS},
        )
    rent = new_rent_cny if new_rent_cny is not None else lease.monthly_rent_cny
    if rent > lease.monthly_rent_cny * (1 + MAX_RENT_RISE):
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "new_rent_cny",
                    "rent_rise_too_high",
                    N_("The rent may rise by at most 5% a year."),
                )
            ]
        )
    if not await _still_qualifies(session, lease):
        raise Conflict(N_("The tenant no longer meets the conditions for a talent apartment."))
    lease.ends_on, lease.monthly_rent_cny = new_end, rent
    await session.flush()
    await audit.record(
        session,
        "housing.lease_renewed",
        actor=principal,
        object_type="lease",
        object_id=lease.id,
        detail={"ends_on": new_end.isoformat(), "rent": rent},
    )
    unit = await housing_repo.get_unit(session, lease.unit_id)
    assert unit is not None
    return _lease_view(lease, unit)


async def _still_qualifies(session: AsyncSession, lease: Lease) -> bool:
    from app.repositories import subsidies as subsidies_repo
    from app.rules import load_library

    offer = await session.get(ApartmentOffer, lease.offer_id)
    entry = await housing_repo.get_entry(session, offer.entry_id) if offer else None
    case = await session.get(Case, entry.case_id) if entry else None
    if case is None:
        return False
    from app.repositories import catalog as catalog_repo

    service = await catalog_repo.get(session, case.service_id)
    if service is None or not service.policy_id:
        return True
    answers = await subsidies_repo.answers_for_case(session, case.id)
    facts = {k: v for k, v in answers.items() if k != "employer_uscc"}
    [result] = load_library().evaluate(facts, local_date(utcnow()), policy_ids=[service.policy_id])
    return result.status != "ineligible"


async def move_out(
    session: AsyncSession, principal: Principal, lease_id: uuid.UUID, inspection_note: str
) -> LeaseRead:
    """Housing staff record the move-out inspection; the unit goes back to the available pool."""
    district = _require_housing_staff(principal)
    lease = await housing_repo.lock_lease(session, lease_id)
    unit = await housing_repo.lock_unit(session, lease.unit_id) if lease else None
    if lease is None or unit is None or unit.district != district:
        raise NotFound()
    if lease.status != "active":
        raise Conflict(N_("This lease has already ended."))
    lease.status = "ended"
    unit.status = "available"
    offer = await session.get(ApartmentOffer, lease.offer_id)
    if offer is not None:
        await housing_repo.release_household(session, offer.entry_id)
    await session.flush()
    await audit.record(
        session,
        "housing.moved_out",
        actor=principal,
        object_type="lease",
        object_id=lease.id,
        detail={"inspection": inspection_note[:500]},
    )
    return _lease_view(lease, unit)


def _lease_view(lease: Lease, unit: ApartmentUnit) -> LeaseRead:
    return LeaseRead(
        id=lease.id,
        unit=_unit_view(unit),
        starts_on=lease.starts_on,
        ends_on=lease.ends_on,
        monthly_rent_cny=lease.monthly_rent_cny,
        deposit_cny=lease.deposit_cny,
        status=lease.status,
    )


async def list_projects(session: AsyncSession, principal: Principal) -> list[ProjectRead]:
    district = _require_housing_staff(principal)
    return [
        ProjectRead.model_validate(p, from_attributes=True)
        for p in await housing_repo.projects(session, district)
    ]
