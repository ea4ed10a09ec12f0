"""Filing a nomination: by a verified organisation of the round's district (naming the person by
their ID number), or by the person themselves where the programme allows it. The round's rules
decide eligibility at filing; an ineligible nomination is refused with the reasons in both
languages and nothing is kept of it but the audit entry. Reads are scoped: staff to their
district (a reviewer to the nominations given to them), an organisation to its own, a person
to the ones naming them."""

from __future__ import annotations

import uuid
from typing import Any

from app.domain.enums import IdKind, Permission, UserKind
from app.domain.principal import Principal
from app.errors import AppError, Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import Nomination, Programme, ProgrammeRound
from app.repositories import programmes as repo
from app.repositories.unit_of_work import AsyncSession, IntegrityError
from app.rules import FactsValidationError, load_library
from app.rules.results import DecisionStatus
from app.schemas.programmes import NominationCreate, NominationRead
from app.services import audit, protection
from app.services.programmes.views import nomination_read, staff_district, today
from app.workflow.organisations import OrganisationStatus
from app.workflow.programmes import NominationStatus, RoundStatus

ERR_ROUND = N_("This round is not open for nominations.")
ERR_WINDOW = N_("Nominations for this round are accepted from {opens} to {closes} (Shanghai time).")
ERR_SELF = N_("This programme takes nominations from organisations only.")
ERR_ORG_DISTRICT = N_("Only verified organisations registered in the district can nominate.")
ERR_NO_PERSON = N_("No one registered on the portal has this ID number.")
ERR_ID = N_("Enter the person's ID type and number.")
ERR_TWICE = N_("This person has already been nominated in this round.")
ERR_WHERE = N_("Say which district you work in.")

# The answers a nomination gives the rules (the organisation's district is its own).
ANSWERED = ("professional_title", "highest_degree", "annual_salary_cny", "birth_date")


class NominationIneligible(AppError):
    """Refused at filing: the reasons are the rules' own, in both languages. The refusal's
    audit entry is kept; the nomination is not."""

    status_code = 422
    code = "nomination_ineligible"
    title = N_("The person is not eligible for this programme")
    default_detail = N_(
        "The nomination was not accepted: the reasons are listed below. You may ask for an "
        "administrative review (行政复议) or bring an administrative lawsuit (行政诉讼) against "
        "a decision you disagree with."
    )
    preserve_writes = True


def _facts(data: NominationCreate, district: str) -> dict[str, Any]:
    facts: dict[str, Any] = {"employer_district": district}
    for name in ANSWERED:
        value = getattr(data, name)
        if value is not None and value != "":
            facts[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return facts


def _verdict(policy_id: str, facts: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    library = load_library()
    day = today()
    try:
        zh = library.evaluate(facts, day, policy_ids=[policy_id], lang="zh")[0]
        en = library.evaluate(facts, day, policy_ids=[policy_id], lang="en")[0]
    except FactsValidationError as exc:
        raise ValidationFailed(
            field_errors=[
                FieldError(e.field, e.code, e.message.en, localized=e.message.model_dump())
                for e in exc.errors
            ]
        ) from exc
    reasons = [
        {"id": c.id, "result": str(c.result), "zh": c.message, "en": e.message}
        for c, e in zip(zh.criteria, en.criteria, strict=True)
    ]
    return str(zh.status), reasons


async def _round(session: AsyncSession, round_id: uuid.UUID) -> tuple[ProgrammeRound, Programme]:
    found = await repo.round_(session, round_id, lock=True)
    if found is None:
        raise NotFound(ERR_ROUND)
    round_, _programme = found
    day = today()
    if round_.status != RoundStatus.OPEN.value:
        raise Conflict(ERR_ROUND)
    if not round_.opens_on <= day <= round_.closes_on:
        raise Conflict(
            ERR_WINDOW,
            params={"opens": round_.opens_on.isoformat(), "closes": round_.closes_on.isoformat()},
        )
    return found


async def file(
    session: AsyncSession, principal: Principal, data: NominationCreate, lang: str
) -> NominationRead:
    round_, programme = await _round(session, data.round_id)
    organisation = None
    if principal.kind is UserKind.EMPLOYER:
        organisation = (
            await repo.employer(session, principal.employer_id) if principal.employer_id else None
        )
        if (
            organisation is None
            or organisation.status != OrganisationStatus.VERIFIED.value
            or organisation.district != round_.district
        ):
            raise PermissionDenied(ERR_ORG_DISTRICT)
        if not data.id_kind or not data.id_number:
            raise ValidationFailed.on_field("id_number", ERR_ID)
        person = await repo.applicant_by_index(
            session, protection.id_index(IdKind(data.id_kind), data.id_number)
        )
        if person is None:
            raise ValidationFailed.on_field("id_number", ERR_NO_PERSON)
        district = organisation.district
    elif principal.kind is UserKind.APPLICANT:
        if not programme.self_nomination:
            raise PermissionDenied(ERR_SELF)
        person = await repo.applicant(session, principal.own_applicant_id())
        if person is None:
            raise NotFound()
        if not data.employer_district:
            raise ValidationFailed.on_field("employer_district", ERR_WHERE)
        district = data.employer_district
    else:
        raise PermissionDenied()
    if await repo.nomination_of(session, round_.id, person.id) is not None:
        raise Conflict(ERR_TWICE)
    facts = _facts(data, district)
    status, reasons = _verdict(round_.policy_id, facts)
    if status != DecisionStatus.ELIGIBLE:
        await audit.record(
            session,
            "programme_nomination.refused",
            actor=principal,
            object_type="programme_round",
            object_id=round_.id,
            detail={
                "reasons": [r["id"] for r in reasons if r["result"] != "true"],
                "status": status,
            },
            district=round_.district,
        )
        raise NominationIneligible(extra={"reasons": [r for r in reasons if r["result"] != "true"]})
    nomination = Nomination(
        id=uuid.uuid4(),
        round_id=round_.id,
        district=round_.district,
        applicant_id=person.id,
        employer_id=organisation.id if organisation else None,
        organisation_code=organisation.uscc if organisation else None,
        organisation_name=organisation.name if organisation else None,
        nominated_by_user_id=principal.user_id,
        facts=facts,
        statement=data.statement,
        eligibility={"policy_id": round_.policy_id, "status": status, "reasons": reasons},
        status=NominationStatus.IN_REVIEW.value,
    )
    try:
        async with session.begin_nested():
            repo.add(session, nomination)
            await session.flush()
    except IntegrityError as exc:
        # Another filing for the same person won the race: the unique key decided.
        raise Conflict(ERR_TWICE) from exc
    await audit.record(
        session,
        "programme_nomination.filed",
        actor=principal,
        object_type="programme_nomination",
        object_id=nomination.id,
        detail={"round": str(round_.id), "self": organisation is None},
        district=round_.district,
    )
    return nomination_read(nomination, person, round_, programme, [], lang, reader=principal)


async def visible(
    session: AsyncSession, principal: Principal, nomination_id: uuid.UUID
) -> Nomination:
    """The nomination if the caller may read it; not found otherwise (another district's,
    another organisation's, another person's)."""
    nomination = await repo.nomination(session, nomination_id)
    if nomination is None:
        raise NotFound()
    if principal.kind is UserKind.STAFF:
        if nomination.district != principal.district:
            raise NotFound()
        if principal.can(Permission.MANAGE_PROGRAMMES):
            return nomination
        if (
            principal.staff_id is not None
            and principal.can(Permission.SCORE_NOMINATIONS)
            and await repo.assignment(session, nomination.id, principal.staff_id) is not None
        ):
            return nomination
        raise NotFound()
    if principal.kind is UserKind.EMPLOYER and nomination.employer_id == principal.employer_id:
        return nomination
    if principal.kind is UserKind.APPLICANT and nomination.applicant_id == principal.applicant_id:
        return nomination
    raise NotFound()


async def get(
    session: AsyncSession, principal: Principal, nomination_id: uuid.UUID, lang: str
) -> NominationRead:
    nomination = await visible(session, principal, nomination_id)
    found = await repo.round_(session, nomination.round_id)
    person = await repo.applicant(session, nomination.applicant_id)
    assert found is not None and person is not None
    reviews = await repo.assignments(session, [nomination.id])
    entries = await repo.timeline(session, nomination.id)
    return nomination_read(
        nomination, person, found[0], found[1], reviews, lang, entries, reader=principal
    )


async def listing(
    session: AsyncSession, principal: Principal, lang: str, round_id: uuid.UUID | None = None
) -> list[NominationRead]:
    scope: dict[str, Any] = {"round_id": round_id}
    district = staff_district(principal)
    if district is not None:
        scope["district"] = district
        if not principal.can(Permission.MANAGE_PROGRAMMES):
            if principal.staff_id is None or not principal.can(Permission.SCORE_NOMINATIONS):
                raise PermissionDenied()
            scope["reviewer_id"] = principal.staff_id
    elif principal.kind is UserKind.EMPLOYER and principal.employer_id is not None:
        scope["employer_id"] = principal.employer_id
    elif principal.kind is UserKind.APPLICANT and principal.applicant_id is not None:
        scope["applicant_id"] = principal.applicant_id
    else:
        raise PermissionDenied()
    rows = await repo.nominations(session, **scope)
    reviews = await repo.assignments(session, [n.id for n, _ in rows])
    out = []
    rounds: dict[uuid.UUID, tuple[ProgrammeRound, Programme]] = {}
    for nomination, person in rows:
        if nomination.round_id not in rounds:
            found = await repo.round_(session, nomination.round_id)
            assert found is not None
            rounds[nomination.round_id] = found
        round_, programme = rounds[nomination.round_id]
        mine = [r for r in reviews if r.nomination_id == nomination.id]
        out.append(
            nomination_read(nomination, person, round_, programme, mine, lang, reader=principal)
        )
    return out
