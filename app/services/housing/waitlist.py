"""The waiting list: households (applicant and spouse keys, one active household each), scores
with their components, preferences and allocation rounds."""

from __future__ import annotations

import re
import uuid
from datetime import date

from app.domain.principal import Principal
from app.errors import Conflict, NotFound, PermissionDenied
from app.i18n import N_
from app.models import (
    ApartmentOffer,
    ApartmentUnit,
    Case,
    HouseholdKey,
    WaitlistEntry,
)
from app.models.base import utcnow
from app.repositories import housing as housing_repo
from app.repositories.unit_of_work import AsyncSession, IntegrityError
from app.rules import load_library
from app.schemas.housing import (
    MyPreferences,
    OfferRead,
    ProjectRead,
    ScoreComponent,
    WaitlistRead,
)
from app.services import audit
from app.services.calendar import work_calendar
from app.services.housing.inventory import unit_view
from app.services.housing.policy import require_housing_staff
from app.workflow.housing import (
    OFFERS,
    UNITS,
    WAITLIST,
    OfferEvent,
    UnitEvent,
    WaitlistEvent,
    WaitlistStatus,
)
from app.workflow.values import local_date


async def _household_keys(session: AsyncSession, case: Case) -> dict[str, str]:
    """Person key -> role for the applicant and the spouse named on the case's application."""
    keys: dict[str, str] = {}
    assert case.applicant_id is not None  # a talent apartment is applied for by a person
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
    assert case.applicant_id is not None
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
    if entry is None or entry.status not in WaitlistStatus.ON_LIST:
        return
    for offer in await housing_repo.open_offers_for_entry(session, entry.id):
        unit = await housing_repo.lock_unit(session, offer.unit_id)
        offer.status, offer.decided_at = OFFERS.advance(offer.status, OfferEvent.EXPIRE), utcnow()
        if unit is not None:
            unit.status = UNITS.advance(unit.status, UnitEvent.RELEASE)
    entry.status = WAITLIST.advance(entry.status, WaitlistEvent.REMOVE)
    await housing_repo.release_household(session, entry.id)
    await session.flush()


def score_components(
    district: str, outputs: dict[str, object], version: object = None
) -> list[ScoreComponent]:
    """The formulas the policy adds up into ``priority_score``, with the points each gave and
    the basis the policy states for it (its note), in the version that scored the case."""
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
        offers.append(await _offer(session, unit, entry, respond_by))
    await audit.record(
        session,
        "housing.allocation_round",
        actor=principal,
        detail={"district": district, "offers": len(offers)},
    )
    return offers


async def _offer(
    session: AsyncSession, unit: ApartmentUnit, entry: WaitlistEntry, respond_by: date
) -> OfferRead:
    """One unit offered to one household: the unit and the entry go on offer together."""
    offer = ApartmentOffer(unit_id=unit.id, entry_id=entry.id, respond_by=respond_by)
    unit.status = UNITS.advance(unit.status, UnitEvent.OFFER)
    entry.status = WAITLIST.advance(entry.status, WaitlistEvent.OFFER)
    session.add(offer)
    await session.flush()
    return OfferRead(
        id=offer.id,
        unit=unit_view(unit),
        status=offer.status,
        respond_by=respond_by,
        offered_at=offer.offered_at,
    )


async def offer_to_household(
    session: AsyncSession, entry: WaitlistEntry, respond_within_days: int
) -> OfferRead | None:
    """An allocation of one: the first available unit of the entry's district that meets its
    preferences, offered to this waiting household (a bundle's housing step, where the office
    offers the newcomer an apartment at once); None when no unit is available. The same locks
    as a round serialise it with rounds and other offers, so a unit is never offered twice."""
    if entry.status != WaitlistStatus.WAITING:
        return None
    calendar = await work_calendar(session)
    respond_by = calendar.add_working_days(local_date(utcnow()), respond_within_days)
    await housing_repo.lock_allocation(session, entry.district)
    for unit in await housing_repo.lock_available_units(session, entry.district):
        if _wants(entry, unit):
            return await _offer(session, unit, entry, respond_by)
    return None


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
