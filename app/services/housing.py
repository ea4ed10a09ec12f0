"""Talent apartments: inventory, the waitlist from approved cases, allocation rounds, offers and
leases. A unit is never offered or leased twice: row locks serialise the decisions and partial
unique indexes make a second open offer or active lease impossible even if code goes wrong."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.enums import Department, IdKind, Role
from app.domain.fields import EXTRA_FIELDS, SPOUSE_FIELD, person_id_kind
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
    MoveOutRecord,
    MyHousing,
    MyPreferences,
    OfferRead,
    ProjectCreate,
    ProjectRead,
    ScoreComponent,
    UnitRead,
    UnitRow,
    UnitUpdate,
    WaitlistRead,
)
from app.services import audit, protection
from app.services.calendar import work_calendar
from app.workflow.values import local_date

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


@dataclass(frozen=True, slots=True)
class LeaseRules:
    """The apartment policy's lease and offer parameters (``*.talent_apartment``)."""

    lease_term_years: int
    max_lease_years: int
    max_rent_rise_percent: int
    max_declines: int


def lease_rules(district: str, day: date | None = None) -> LeaseRules:
    from app.rules import load_library

    day = day or local_date(utcnow())
    policy = load_library().version_at(f"{district}.talent_apartment", day)
    if policy is None:
        raise Conflict(N_("No talent apartment policy is in force in this district."))
    params = policy.params_at(day)
    return LeaseRules(**{f.name: int(params[f.name]) for f in fields(LeaseRules)})


def _after_decline(entry: WaitlistEntry) -> None:
    """A decline (or a lapsed offer) counts; at the policy's maximum the entry leaves the list."""
    entry.declines += 1
    removed = entry.declines >= lease_rules(entry.district).max_declines
    entry.status = "removed" if removed else "waiting"


def require_housing_staff(principal: Principal) -> str:
    """The officer's district; PermissionDenied for anyone not handling talent apartments."""
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


async def update_unit(
    session: AsyncSession, principal: Principal, unit_id: uuid.UUID, data: UnitUpdate
) -> UnitRead:
    district = require_housing_staff(principal)
    unit = await housing_repo.lock_unit(session, unit_id)
    if unit is None or unit.district != district:
        raise NotFound()
    if unit.status == "offered" and data.model_dump(exclude_none=True):
        raise Conflict(N_("This unit is on offer; change it after the applicant has answered."))
    if data.status is not None and data.status != unit.status and unit.status == "leased":
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
    unit.status = data.status or unit.status
    await session.flush()
    await audit.record(
        session,
        "housing.unit_updated",
        actor=principal,
        object_type="apartment_unit",
        object_id=unit.id,
        detail={"before": before, "changes": data.model_dump(exclude_none=True)},
    )
    return _unit_view(unit)


async def list_units(
    session: AsyncSession, principal: Principal, status: str | None
) -> list[UnitRead]:
    district = require_housing_staff(principal)
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
    receipt = case.eligibility_receipt or {}
    components = score_components(
        case.district, outputs if isinstance(outputs, dict) else {}, receipt.get("policy_version")
    )
    entry = WaitlistEntry(
        case_id=case.id,
        district=case.district,
        applicant_id=case.applicant_id,
        score=score,
        score_reasons={
            "policy_outputs": outputs,
            "components": [c.model_dump() for c in components],
            "receipt": receipt,
        },
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
        raise Conflict(
            N_("This household already waits for or lives in a talent apartment.")
        ) from exc
    return entry


async def leave_waitlist(session: AsyncSession, case: Case) -> None:
    """A revoked approval takes a still-waiting household off the list (an open offer lapses
    and its unit goes back); a lease already signed ends only through the move-out."""
    entry = await housing_repo.entry_for_case(session, case.id)
    if entry is None or entry.status not in ("waiting", "offered"):
        return
    for offer in await housing_repo.open_offers_for_entry(session, entry.id):
        unit = await housing_repo.lock_unit(session, offer.unit_id)
        offer.status, offer.decided_at = "expired", utcnow()
        if unit is not None:
            unit.status = "available"
    entry.status = "removed"
    await housing_repo.release_household(session, entry.id)
    await session.flush()


def score_components(
    district: str, outputs: dict[str, object], version: object = None
) -> list[ScoreComponent]:
    """The formulas the policy adds up into ``priority_score``, with the points each gave and
    the basis the policy states for it (its note), in the version that scored the case."""
    from app.rules import load_library

    policy_id = f"{district}.talent_apartment"
    library = load_library()
    try:
        policy = library.version(policy_id, str(version)) if version else None
    except LookupError:
        policy = None
    policy = policy or library.version_at(policy_id, local_date(utcnow()))
    if policy is None or "priority_score" not in policy.spec.formulas:
        return []
    formulas = policy.spec.formulas
    names = re.findall(r"calc\.(\w+)", formulas["priority_score"].expr)
    out = []
    for name in dict.fromkeys(names):
        formula = formulas.get(name)
        if formula is None:
            continue
        points = outputs.get(name)
        out.append(
            ScoreComponent(
                component=name,
                label_zh=formula.label.zh,
                label_en=formula.label.en,
                points=float(points) if isinstance(points, int | float) else None,
                clause_zh=formula.note.zh if formula.note else "",
                clause_en=formula.note.en if formula.note else "",
            )
        )
    return out


def _breakdown(entry: WaitlistEntry) -> list[ScoreComponent]:
    stored = entry.score_reasons.get("components")
    if isinstance(stored, list) and stored:
        return [ScoreComponent.model_validate(c) for c in stored]
    # Entries from before the breakdown was kept: rebuilt from their stored outputs.
    outputs = entry.score_reasons.get("policy_outputs")
    receipt = entry.score_reasons.get("receipt")
    version = receipt.get("policy_version") if isinstance(receipt, dict) else None
    return score_components(entry.district, outputs if isinstance(outputs, dict) else {}, version)


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
    district = require_housing_staff(principal)
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
                score_breakdown=_breakdown(e),
            )
        )
    return views


async def allocation_round(
    session: AsyncSession, principal: Principal, respond_within_days: int
) -> list[OfferRead]:
    """Offers each available unit to the next applicant in rank order."""
    district = require_housing_staff(principal)
    calendar = await work_calendar(session)
    respond_by = calendar.add_working_days(local_date(utcnow()), respond_within_days)
    await housing_repo.lock_allocation(session, district)
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


async def my_preferences(session: AsyncSession, principal: Principal) -> MyPreferences | None:
    """The projects of the district the applicant waits in and the wishes chosen so far; None
    when the applicant is not waiting."""
    if principal.applicant_id is None:
        raise PermissionDenied()
    entries = await housing_repo.waiting_entries_for_applicant(session, principal.applicant_id)
    if not entries:
        return None
    chosen = entries[0].preferences
    raw_projects, raw_layouts = chosen.get("projects"), chosen.get("layouts")
    return MyPreferences(
        projects=[
            ProjectRead.model_validate(p, from_attributes=True)
            for p in await housing_repo.projects(session, entries[0].district)
        ],
        chosen_projects=[str(p) for p in raw_projects] if isinstance(raw_projects, list) else [],
        chosen_layouts=[str(x) for x in raw_layouts] if isinstance(raw_layouts, list) else [],
    )


async def staff_unit(session: AsyncSession, principal: Principal, unit_id: uuid.UUID) -> UnitRead:
    district = require_housing_staff(principal)
    unit = await housing_repo.get_unit(session, unit_id)
    if unit is None or unit.district != district:
        raise NotFound()
    return _unit_view(unit)


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
        _after_decline(entry)
        if entry.status == "removed":
            await housing_repo.release_household(session, entry.id)
        expired += 1
    await session.flush()
    return expired


async def remind_renewals(session: AsyncSession, today: date, days_ahead: int = 30) -> int:
    """One reminder per lease term end (the outbox key makes repeats no-ops)."""
    sent = 0
    for lease in await housing_repo.leases_ending_by(session, today + timedelta(days=days_ahead)):
        if await _tell_tenant(
            session,
            lease,
            "lease.renewal",
            {"deadline": lease.ends_on, "url": "/housing"},
            dedup_key=f"lease:{lease.id}:renewal:{lease.ends_on.isoformat()}",
        ):
            sent += 1
    return sent


async def _tell_tenant(
    session: AsyncSession,
    lease: Lease,
    template: str,
    payload: Mapping[str, object],
    *,
    dedup_key: str,
) -> bool:
    """Queues a message to the lease's tenant in their language; False if there is none."""
    from app.repositories import accounts as accounts_repo
    from app.services import notifications

    applicant = await accounts_repo.get_applicant_by_id(session, lease.applicant_id)
    if applicant is None:
        return False
    await notifications.enqueue(
        session,
        recipient_user_id=applicant.user_id,
        template=template,
        payload=payload,
        language=applicant.user.language,
        dedup_key=dedup_key,
        read_back=False,
    )
    return True


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
        ends_on=_years_after(starts, lease_rules(unit.district).lease_term_years),
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
    _after_decline(entry)
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
        leases.append(_lease_view(lease, unit))
    return MyHousing(offers=offers, leases=leases)


async def _lease_for_applicant(
    session: AsyncSession, principal: Principal, lease_id: uuid.UUID
) -> Lease:
    lease = await housing_repo.lock_lease(session, lease_id)
    if lease is None or lease.applicant_id != principal.applicant_id:
        raise NotFound()
    return lease


async def _staff_lease(
    session: AsyncSession, principal: Principal, lease_id: uuid.UUID
) -> tuple[Lease, ApartmentUnit]:
    district = require_housing_staff(principal)
    lease = await housing_repo.lock_lease(session, lease_id)
    unit = await housing_repo.lock_unit(session, lease.unit_id) if lease else None
    if lease is None or unit is None or unit.district != district:
        raise NotFound()
    return lease, unit


async def _renewed_end(session: AsyncSession, lease: Lease, rules: LeaseRules) -> date:
    """The end of one more term, refused past the policy's longest total stay."""
    first = await housing_repo.first_lease_start(session, lease.applicant_id, lease.unit_id)
    new_end = _years_after(lease.ends_on, rules.lease_term_years)
    if first is not None and new_end > _years_after(first, rules.max_lease_years):
        raise Conflict(
            N_("The lease cannot run longer than {years} years in total."),
            params={"years": rules.max_lease_years},
        )
    return new_end


def _years_after(day: date, years: int) -> date:
    return date(day.year + years, day.month, min(day.day, 28))


async def propose_renewal(
    session: AsyncSession, principal: Principal, lease_id: uuid.UUID, monthly_rent_cny: int
) -> LeaseRead:
    """Housing staff (for the operator) set the next term's rent, at most the policy's yearly
    rise above the current rent; the tenant then accepts or lets the lease end."""
    lease, unit = await _staff_lease(session, principal, lease_id)
    if lease.status != "active":
        raise Conflict(N_("Only an active lease can be renewed."))
    rules = lease_rules(unit.district)
    await _renewed_end(session, lease, rules)
    if monthly_rent_cny * 100 > lease.monthly_rent_cny * (100 + rules.max_rent_rise_percent):
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "monthly_rent_cny",
                    "rent_rise_too_high",
                    N_("The rent may rise by at most {percent}% a year (at most {cap} yuan)."),
                    {
                        "percent": rules.max_rent_rise_percent,
                        "cap": lease.monthly_rent_cny * (100 + rules.max_rent_rise_percent) // 100,
                    },
                )
            ]
        )
    lease.renewal_rent_cny = monthly_rent_cny
    lease.renewal_proposed_at = utcnow()
    lease.renewal_proposed_by = principal.user_id
    await session.flush()
    await _tell_tenant_of_terms(session, lease, monthly_rent_cny)
    await audit.record(
        session,
        "housing.renewal_proposed",
        actor=principal,
        object_type="lease",
        object_id=lease.id,
        detail={"rent": monthly_rent_cny, "current": lease.monthly_rent_cny},
    )
    return _lease_view(lease, unit)


async def _tell_tenant_of_terms(session: AsyncSession, lease: Lease, rent: int) -> None:
    await _tell_tenant(
        session,
        lease,
        "lease.renewal_terms",
        {"deadline": lease.ends_on, "amount": rent, "url": "/housing"},
        dedup_key=f"lease:{lease.id}:terms:{lease.ends_on.isoformat()}:{rent}",
    )


async def renew_lease(
    session: AsyncSession, principal: Principal, lease_id: uuid.UUID
) -> LeaseRead:
    """The tenant accepts the renewal terms staff proposed: one more term at that rent, within
    the policy's longest stay, if the tenant still qualifies for the apartment policy."""
    lease = await _lease_for_applicant(session, principal, lease_id)
    if lease.status != "active":
        raise Conflict(N_("Only an active lease can be renewed."))
    unit = await housing_repo.get_unit(session, lease.unit_id)
    assert unit is not None
    if lease.renewal_rent_cny is None:
        raise Conflict(
            N_("The apartment operator has not offered renewal terms yet. You will be told.")
        )
    new_end = await _renewed_end(session, lease, lease_rules(unit.district))
    failed = await _failed_conditions(session, lease)
    if failed is not None:
        raise Conflict(
            N_("The lease cannot be renewed: the tenant no longer meets the conditions."),
            field_errors=[
                FieldError("eligibility", "condition_failed", reason["en"], localized=reason)
                for reason in failed
            ],
        )
    rent = lease.renewal_rent_cny
    lease.ends_on, lease.monthly_rent_cny = new_end, rent
    lease.renewal_rent_cny = lease.renewal_proposed_at = lease.renewal_proposed_by = None
    await session.flush()
    await audit.record(
        session,
        "housing.lease_renewed",
        actor=principal,
        object_type="lease",
        object_id=lease.id,
        detail={"ends_on": new_end.isoformat(), "rent": rent},
    )
    return _lease_view(lease, unit)


async def _failed_conditions(session: AsyncSession, lease: Lease) -> list[dict[str, str]] | None:
    """None while the tenant still qualifies, else the failed conditions in zh and en. The
    facts are the case's answers updated by those the tenant gave on applications since."""
    from app.repositories import catalog as catalog_repo
    from app.repositories import subsidies as subsidies_repo
    from app.rules import load_library

    offer = await session.get(ApartmentOffer, lease.offer_id)
    entry = await housing_repo.get_entry(session, offer.entry_id) if offer else None
    case = await session.get(Case, entry.case_id) if entry else None
    if case is None:
        return [{"zh": "找不到原申请案件", "en": "The original application was not found"}]
    service = await catalog_repo.get(session, case.service_id)
    if service is None or not service.policy_id:
        return None
    facts = dict(await subsidies_repo.answers_for_case(session, case.id))
    for later in await housing_repo.answers_submitted_after(
        session, lease.applicant_id, case.submitted_at
    ):
        facts.update(later)
    facts = {k: v for k, v in facts.items() if k not in EXTRA_FIELDS}
    today = local_date(utcnow())
    results = {
        lang: load_library().evaluate(facts, today, policy_ids=[service.policy_id], lang=lang)[0]
        for lang in ("zh", "en")
    }
    if results["en"].status != "ineligible":
        return None
    failed = {lang: [c for c in r.criteria if c.result == "false"] for lang, r in results.items()}
    # Top-level conditions name the reason; a failed option of a group that still holds
    # does not.
    top = [i for i, c in enumerate(failed["en"]) if not c.groups] or list(range(len(failed["en"])))
    return [{lang: failed[lang][i].message for lang in ("zh", "en")} for i in top]


async def request_move_out(
    session: AsyncSession, principal: Principal, lease_id: uuid.UUID, on: date
) -> LeaseRead:
    """The tenant gives the date they will leave; staff inspect and end the lease then."""
    lease = await _lease_for_applicant(session, principal, lease_id)
    if lease.status != "active":
        raise Conflict(N_("This lease has already ended."))
    today = local_date(utcnow())
    if not (today < on <= lease.ends_on):
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "move_out_on",
                    "out_of_range",
                    N_("Choose a day after today and no later than the lease end ({end})."),
                    {"end": lease.ends_on.isoformat()},
                )
            ]
        )
    lease.move_out_requested_on = on
    await session.flush()
    await audit.record(
        session,
        "housing.move_out_requested",
        actor=principal,
        object_type="lease",
        object_id=lease.id,
        detail={"on": on.isoformat()},
    )
    unit = await housing_repo.get_unit(session, lease.unit_id)
    assert unit is not None
    return _lease_view(lease, unit)


async def move_out(
    session: AsyncSession, principal: Principal, lease_id: uuid.UUID, record: MoveOutRecord
) -> LeaseRead:
    """Housing staff record the move-out inspection on the lease (condition, what is kept from
    the deposit and why); the lease ends and the unit goes back to the available pool."""
    lease, unit = await _staff_lease(session, principal, lease_id)
    if lease.status != "active":
        raise Conflict(N_("This lease has already ended."))
    if record.deposit_deduction_cny > lease.deposit_cny:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "deposit_deduction_cny",
                    "above_deposit",
                    N_("The deduction cannot exceed the deposit of {deposit} yuan."),
                    {"deposit": lease.deposit_cny},
                )
            ]
        )
    lease.status = "ended"
    lease.ended_on = local_date(utcnow())
    lease.inspection_condition = record.condition
    lease.deposit_deduction_cny = record.deposit_deduction_cny
    lease.inspection_note = record.note
    lease.inspected_by = principal.user_id
    lease.renewal_rent_cny = lease.renewal_proposed_at = lease.renewal_proposed_by = None
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
        detail={"condition": record.condition, "deduction": record.deposit_deduction_cny},
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
        renewal_rent_cny=lease.renewal_rent_cny,
        move_out_requested_on=lease.move_out_requested_on,
        ended_on=lease.ended_on,
        inspection_condition=lease.inspection_condition,
        deposit_deduction_cny=lease.deposit_deduction_cny,
        inspection_note=lease.inspection_note,
    )


async def district_leases(session: AsyncSession, principal: Principal) -> list[LeaseRead]:
    district = require_housing_staff(principal)
    return [
        _lease_view(lease, unit) for lease, unit in await housing_repo.leases(session, district)
    ]


async def staff_lease(
    session: AsyncSession, principal: Principal, lease_id: uuid.UUID
) -> LeaseRead:
    district = require_housing_staff(principal)
    found = await housing_repo.lease_in_district(session, district, lease_id)
    if found is None:
        raise NotFound()
    return _lease_view(*found)


async def list_projects(session: AsyncSession, principal: Principal) -> list[ProjectRead]:
    district = require_housing_staff(principal)
    return [
        ProjectRead.model_validate(p, from_attributes=True)
        for p in await housing_repo.projects(session, district)
    ]
