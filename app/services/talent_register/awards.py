"""A programme round's final award written into the talent register (issue 16, point 4): the
register entry (source ``award``), the grant as a payable entitlement through the payments
room, and the person's notice in their language, all in the caller's transaction (flushed,
never committed).

The round's own module calls ``record_award`` once per awarded person; a retried request or a
double click returns the entry already written (unique per reference and person).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from app.domain.principal import Principal
from app.domain.talent_register import RegisterSource
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import TalentRegisterEntry
from app.repositories import accounts as accounts_repo
from app.repositories import talent_register as repo
from app.repositories.unit_of_work import AsyncSession
from app.services import audit, award_payments, notifications
from app.services.talent_register import register
from app.services.talent_register.views import (
    CERTIFICATION_PROGRAMME,
    programme_codes,
    programme_name,
)
from app.workflow.organisations import OrganisationStatus

ERR_PROGRAMME = N_("Choose a programme from the list.")
ERR_FUTURE = N_("The award's date cannot be later than today.")
ERR_SPAN = N_("The last valid day cannot be before the award's date.")
ERR_AMOUNT = N_("Enter the grant as a whole number of yuan above zero.")
ERR_REFERENCE = N_("The award needs its reference in the round.")
ERR_OTHER_AWARD = N_("This reference is already recorded for another award of this person.")

# How an award's grant is paid: in yearly instalments from the granted date, the first at
# once. Neither district's plan gives a schedule or an amount for its programmes (assumed,
# for the district talent offices to confirm); a programme not listed is paid at once.
INSTALMENT_YEARS: dict[str, int] = {"district_outstanding": 3}
# Grant amounts a published text fixes, by (district, programme): none so far, so every
# award's amount is shown as assumed (the round's own figure, not an official one).
SOURCED_AMOUNTS: dict[tuple[str, str], int] = {}


def _award_template(grant: bool, ends: bool) -> str:
    return "talent_register.awarded" + ("_grant" if grant else "") + ("" if ends else "_no_end")


def whole_yuan(amount: Decimal | None) -> int | None:
    """The grant in yuan; a grant must be a whole number above zero (None: no grant)."""
    if amount is None:
        return None
    if amount <= 0 or amount != amount.to_integral_value():
        raise ValidationFailed(field_errors=[FieldError("grant_amount", "invalid", ERR_AMOUNT)])
    return int(amount)


def _check(
    programme: str, granted: date, valid_until: date | None, reference: str
) -> list[FieldError]:
    problems = []
    if programme not in programme_codes() or programme == CERTIFICATION_PROGRAMME:
        problems.append(FieldError("programme", "invalid_choice", ERR_PROGRAMME))
    if granted > register.today():
        problems.append(FieldError("granted", "future", ERR_FUTURE))
    if valid_until is not None and valid_until < granted:
        problems.append(FieldError("valid_until", "before_granted", ERR_SPAN))
    if not 1 <= len(reference) <= 100:
        problems.append(FieldError("reference", "required", ERR_REFERENCE))
    return problems


def _same_award(entry: TalentRegisterEntry, district: str, programme: str) -> TalentRegisterEntry:
    if entry.district != district or entry.programme != programme:
        raise Conflict(ERR_OTHER_AWARD)
    return entry


async def record_award(
    session: AsyncSession,
    *,
    district: str,
    applicant_id: str,
    programme: str,
    level: str | None,
    granted: date,
    valid_until: date | None,
    organisation_id: str | None,
    grant_amount: Decimal | None,
    reference: str,
    actor: Principal,
) -> TalentRegisterEntry:
    """Records the award of ``programme`` to the person, creates its grant (when
    ``grant_amount`` is given) and tells the person. The actor keeps the district's register
    (its talent office or admin); another district's award is refused, and an organisation
    must be a verified one of the district (else not found). Calling again with the same
    reference and person returns the entry written first and writes nothing."""
    if not actor.keeps_talent_register or actor.district != district:
        raise PermissionDenied()
    reference = reference.strip()
    problems = _check(programme, granted, valid_until, reference)
    try:
        amount = whole_yuan(grant_amount)
    except ValidationFailed as exc:
        problems.extend(exc.field_errors)
    if problems:
        raise ValidationFailed(field_errors=problems)
    try:
        person_id = uuid.UUID(applicant_id)
    except ValueError:
        raise NotFound() from None
    person = await accounts_repo.get_applicant_by_id(session, person_id)
    if person is None:
        raise NotFound()
    organisation = None
    if organisation_id is not None:
        try:
            organisation = await accounts_repo.get_employer(session, uuid.UUID(organisation_id))
        except ValueError:
            organisation = None
        if (
            organisation is None
            or organisation.district != district
            or OrganisationStatus(organisation.status) is not OrganisationStatus.VERIFIED
        ):
            raise NotFound()
    earlier = await repo.award(session, reference, person.id)
    if earlier is not None:
        return _same_award(earlier, district, programme)
    entry_id = uuid.uuid4()
    added = await repo.add_award_once(
        session,
        {
            "id": entry_id,
            "applicant_id": person.id,
            "district": district,
            "programme": programme,
            "level": level or None,
            "granted_on": granted,
            "valid_until": valid_until,
            "source": RegisterSource.AWARD.value,
            "issuer": None,
            "organisation_name": organisation.name if organisation else None,
            "organisation_code": organisation.uscc if organisation else None,
            "organisation_id": organisation.id if organisation else None,
            "recorded_by_user_id": actor.user_id,
            "reference": reference,
        },
    )
    entry = await repo.award(session, reference, person.id)
    if entry is None:
        raise NotFound()
    if not added:
        # Another request recorded it between our read and our insert.
        return _same_award(entry, district, programme)
    await audit.record(
        session,
        "talent_register.awarded",
        actor=actor,
        object_type="talent_register_entry",
        object_id=entry.id,
        detail={
            "programme": programme,
            "reference": reference,
            "granted_on": str(granted),
            "valid_until": str(valid_until) if valid_until else None,
            "organisation": str(organisation.id) if organisation else None,
            "grant_amount_cny": amount,
        },
        district=district,
    )
    instalments = 0
    if amount is not None:
        instalments = min(INSTALMENT_YEARS.get(programme, 1), amount)
        await award_payments.current().entitle(
            session,
            entry,
            beneficiary_name=person.full_name,
            amount_cny=amount,
            instalments=instalments,
            assumed=SOURCED_AMOUNTS.get((district, programme)) != amount,
            title=(programme_name(programme, "zh"), programme_name(programme, "en")),
        )
    lang = person.user.language
    await notifications.enqueue(
        session,
        recipient_user_id=person.user_id,
        template=_award_template(amount is not None, valid_until is not None),
        payload={
            "programme": {
                "zh": programme_name(programme, "zh"),
                "en": programme_name(programme, "en"),
            },
            "granted": granted,
            **({"valid_until": valid_until} if valid_until else {}),
            **({"amount": amount, "count": instalments} if amount else {}),
        },
        language=lang,
        dedup_key=f"talent_award:{entry.id.hex}",
        read_back=False,
    )
    return entry
