"""Leases of talent apartments: renewal terms within the policy's rent-rise cap, the tenant's
acceptance after a re-check, moving out with its inspection, the tenant's housing page."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, timedelta

from app.domain.fields import EXTRA_FIELDS
from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import (
    ApartmentOffer,
    ApartmentUnit,
    Case,
    Lease,
)
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import catalog as catalog_repo
from app.repositories import housing as housing_repo
from app.repositories import subsidies as subsidies_repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import DecisionStatus, load_library
from app.schemas.housing import (
    LeaseRead,
    MoveOutRecord,
    MyHousing,
    OfferRead,
)
from app.services import audit, notifications
from app.services.housing.inventory import unit_view
from app.services.housing.policy import LeaseRules, lease_rules, require_housing_staff, years_after
from app.workflow.housing import LEASES, UNITS, LeaseEvent, LeaseStatus, UnitEvent
from app.workflow.values import local_date


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
                unit=unit_view(unit),
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
    new_end = years_after(lease.ends_on, rules.lease_term_years)
    if first is not None and new_end > years_after(first, rules.max_lease_years):
        raise Conflict(
            N_("The lease cannot run longer than {years} years in total."),
            params={"years": rules.max_lease_years},
        )
    return new_end


async def propose_renewal(
    session: AsyncSession, principal: Principal, lease_id: uuid.UUID, monthly_rent_cny: int
) -> LeaseRead:
    """Housing staff (for the operator) set the next term's rent, at most the policy's yearly
    rise above the current rent; the tenant then accepts or lets the lease end."""
    lease, unit = await _staff_lease(session, principal, lease_id)
    if lease.status != LeaseStatus.ACTIVE:
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
    if lease.status != LeaseStatus.ACTIVE:
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
    if DecisionStatus(results["en"].status) is not DecisionStatus.INELIGIBLE:
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
    if lease.status != LeaseStatus.ACTIVE:
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
    if not LEASES.allows(lease.status, LeaseEvent.END):
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
    lease.status = LEASES.advance(lease.status, LeaseEvent.END)
    lease.ended_on = local_date(utcnow())
    lease.inspection_condition = record.condition
    lease.deposit_deduction_cny = record.deposit_deduction_cny
    lease.inspection_note = record.note
    lease.inspected_by = principal.user_id
    lease.renewal_rent_cny = lease.renewal_proposed_at = lease.renewal_proposed_by = None
    unit.status = UNITS.advance(unit.status, UnitEvent.VACATE)
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
        unit=unit_view(unit),
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
