"""The onboarding bundle's housing step as a real offer, through the housing room.

The housing office decides the step's sub-case. Its approval is the route: where the person
may have a talent apartment (the apartment rule does not rule them out), the household joins
the district's waiting list and the first available unit meeting its wishes is offered at
once, an allocation of one (``housing.offer_to_household``); the step is done when the person
accepts the offer on the progress page (``housing.accept_offer``: the unit is let, the lease
is theirs). Where no apartment is available, or the person qualifies only for the rent
subsidy, the approval is the rent-subsidy decision and the step is done with it. A declined
offer leaves the step open: the office may offer another unit (``offer_again``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from app.domain.principal import Principal
from app.errors import Conflict, NotFound, PermissionDenied
from app.i18n import N_, gettext, localized
from app.models import Case, OnboardingRecord
from app.models.base import utcnow
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import housing as housing_repo
from app.repositories import onboarding as onboarding_repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import DecisionStatus, load_library
from app.schemas.housing import LAYOUT_LABELS
from app.schemas.onboarding import HousingOffer
from app.services import audit, housing
from app.services.applications import questions as application_questions
from app.workflow.housing import OfferStatus, WaitlistStatus
from app.workflow.onboarding import HousingRoute
from app.workflow.states import CaseStatus
from app.workflow.values import local_date

STEP = "housing"
RENT_SUBSIDY_SERVICE = "rent_subsidy"
# Working days the person has to answer an offer made on the step (as a round's default).
RESPOND_WITHIN_DAYS = 5

ERR_NO_STEP = N_("This person did not ask for housing help, or is not eligible for it.")
ERR_NOT_ELIGIBLE = N_(
    "The talent apartment rule rules this person out: an apartment cannot be offered. The "
    "rent subsidy is the housing step's route."
)
ERR_NOT_DECIDED = N_("Decide the housing step first; its approval makes the first offer.")
ERR_NOT_WAITING = N_("An offer is already open, or the person's apartment is let.")
ERR_NO_UNIT = N_("No talent apartment meeting the person's wishes is available now.")
OFFER_STATUS_LABELS = {
    OfferStatus.OPEN: N_("Waiting for your answer"),
    OfferStatus.ACCEPTED: N_("Accepted: the apartment is let to you"),
    OfferStatus.DECLINED: N_("Declined"),
    OfferStatus.EXPIRED: N_("Lapsed: not answered in time"),
}


def eligible_for_apartment(answers: Mapping[str, Any], district: str, today: date) -> bool:
    """Asked for help and not ruled out by the district's talent-apartment rule (facts the
    bundle did not ask leave the rule undecided, which the office checks on the sub-case)."""
    if answers.get("wants_housing_help") is not True:
        return False
    [result] = load_library().evaluate(
        application_questions.fact_answers(answers),
        today,
        policy_ids=[f"{district}.talent_apartment"],
    )
    return DecisionStatus(result.status) is not DecisionStatus.INELIGIBLE


async def _answers(session: AsyncSession, bundle: Case) -> dict[str, Any]:
    if bundle.application_id is None:
        return {}
    app = await cases_repo.get_application_by_id(session, bundle.application_id)
    return dict(app.answers) if app is not None else {}


async def on_decided(
    session: AsyncSession, bundle: Case, part: Case, record: OnboardingRecord
) -> None:
    """The housing office approved the step: offer an apartment, or grant the rent subsidy."""
    answers = await _answers(session, bundle)
    route = HousingRoute.RENT_SUBSIDY
    if eligible_for_apartment(answers, bundle.district, local_date(utcnow())):
        # One household, one apartment: joining refuses (and undoes the approval) when the
        # household already holds or waits for one.
        entry = await housing.join_waitlist(session, part)
        entry = entry or await housing_repo.entry_for_case(session, part.id)
        assert entry is not None
        if await housing.offer_to_household(session, entry, RESPOND_WITHIN_DAYS) is not None:
            route = HousingRoute.APARTMENT
        else:
            # No unit now: the subsidy instead, and the household does not also hold a place.
            await housing.leave_waitlist(session, part)
    record.housing_route = route.value
    await session.flush()


async def list_status(session: AsyncSession, part: Case | None) -> WaitlistStatus | None:
    """Where the step's household stands on the waiting list (None: it never joined)."""
    if part is None:
        return None
    entry = await housing_repo.entry_for_case(session, part.id)
    return WaitlistStatus(entry.status) if entry is not None else None


async def rent_subsidy_service(
    session: AsyncSession, district: str, applicant_id: uuid.UUID
) -> uuid.UUID | None:
    """The district's rent subsidy for talent, which the person applies for from the step
    (None once they have submitted an application for it: it is followed as a case)."""
    service = await catalog_repo.get_by_code(session, district, RENT_SUBSIDY_SERVICE)
    if service is None or await onboarding_repo.has_filed(session, applicant_id, service.id):
        return None
    return service.id


def housing_part(parts: list[Case]) -> Case | None:
    return next((p for p in parts if p.bundle_part == STEP), None)


async def offer_again(
    session: AsyncSession, principal: Principal, bundle: Case, record: OnboardingRecord
) -> None:
    """The housing office offers another unit after a decline or a lapse (or once a unit
    became available). Refused for a person the apartment rule rules out."""
    district = housing.require_housing_staff(principal)
    if district != bundle.district:
        raise NotFound()
    part = housing_part(await cases_repo.parts_of(session, bundle.id))
    if part is None:
        raise Conflict(ERR_NO_STEP)
    if not eligible_for_apartment(
        await _answers(session, bundle), bundle.district, local_date(utcnow())
    ):
        raise Conflict(ERR_NOT_ELIGIBLE)
    if CaseStatus(part.status) is not CaseStatus.APPROVED:
        raise Conflict(ERR_NOT_DECIDED)
    entry = await housing_repo.entry_for_case(session, part.id)
    if entry is None:
        entry = await housing.join_waitlist(session, part)
    if entry is None or WaitlistStatus(entry.status) is not WaitlistStatus.WAITING:
        raise Conflict(ERR_NOT_WAITING)
    offer = await housing.offer_to_household(session, entry, RESPOND_WITHIN_DAYS)
    if offer is None:
        raise Conflict(ERR_NO_UNIT)
    record.housing_route = HousingRoute.APARTMENT.value
    await session.flush()
    await audit.record(
        session,
        "onboarding.apartment_offered",
        actor=principal,
        object_type="case",
        object_id=bundle.id,
        detail={"offer": str(offer.id), "unit": str(offer.unit.id)},
        district=bundle.district,
    )


async def answer(
    session: AsyncSession, principal: Principal, bundle: Case, offer_id: uuid.UUID, accept: bool
) -> None:
    """The person accepts or declines the apartment offered on the step. Accepting twice is
    one acceptance (the second changes nothing); an offer not of this bundle is unknown."""
    if principal.applicant_id is None or principal.applicant_id != bundle.applicant_id:
        raise PermissionDenied(N_("Only the person themselves answers the offer."))
    part = housing_part(await cases_repo.parts_of(session, bundle.id))
    entry = await housing_repo.entry_for_case(session, part.id) if part is not None else None
    offer = await housing_repo.lock_offer(session, offer_id)
    if entry is None or offer is None or offer.entry_id != entry.id:
        raise NotFound()
    if accept and OfferStatus(offer.status) is OfferStatus.ACCEPTED:
        return
    if not accept and OfferStatus(offer.status) is OfferStatus.DECLINED:
        return
    if accept:
        await housing.accept_offer(session, principal, offer_id)
    else:
        await housing.decline_offer(session, principal, offer_id)


async def may_offer(
    session: AsyncSession, principal: Principal, bundle: Case, part: Case | None
) -> bool:
    """A housing officer of the district, the step approved, no offer open and nothing let,
    the apartment rule not ruling the person out: what ``offer_again`` would accept."""
    if part is None or not principal.handles_housing or principal.district != bundle.district:
        return False
    if CaseStatus(part.status) is not CaseStatus.APPROVED:
        return False
    entry = await housing_repo.entry_for_case(session, part.id)
    if entry is not None and WaitlistStatus(entry.status) is not WaitlistStatus.WAITING:
        return False
    return eligible_for_apartment(
        await _answers(session, bundle), bundle.district, local_date(utcnow())
    )


async def offer_view(
    session: AsyncSession, part: Case | None, principal: Principal, lang: str
) -> HousingOffer | None:
    if part is None:
        return None
    entry = await housing_repo.entry_for_case(session, part.id)
    found = await housing_repo.latest_offer_for_entry(session, entry.id) if entry else None
    if found is None:
        return None
    offer, unit, project = found
    status = OfferStatus(offer.status)
    return HousingOffer(
        id=offer.id,
        project_name=localized(project, "name", lang),
        address=project.address,
        building=unit.building,
        number=unit.number,
        layout=gettext(lang, LAYOUT_LABELS.get(unit.layout, unit.layout)),
        area_sqm=unit.area_sqm,
        floor=unit.floor,
        talent_rent_cny=unit.talent_rent_cny,
        market_rent_cny=unit.market_rent_cny,
        respond_by=offer.respond_by,
        status=status.value,
        status_label=gettext(lang, OFFER_STATUS_LABELS[status]),
        can_answer=status is OfferStatus.OPEN and principal.applicant_id == part.applicant_id,
        declines_left=max(housing.lease_rules(part.district).max_declines - entry.declines, 0)
        if entry is not None
        else 0,
        declined_out=entry is not None
        and WaitlistStatus(entry.status) is WaitlistStatus.REMOVED
        and CaseStatus(part.status) is CaseStatus.APPROVED,
    )
