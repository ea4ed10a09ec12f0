"""An award's register entry: the programme round's final award makes the membership a
verified fact the rules read (source "award"). Written in the award's transaction."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from app.domain.principal import Principal
from app.domain.talent_register import RegisterSource
from app.models import TalentRegisterEntry
from app.repositories import talent_register as repo
from app.repositories.unit_of_work import AsyncSession
from app.services import audit


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
    """``programme`` is a register code (a verified_talent_programs value); ``reference`` names
    what was awarded (the nomination), kept on the entry's note and its audit entry."""
    organisation = (
        await repo.organisation(session, uuid.UUID(organisation_id)) if organisation_id else None
    )
    entry = TalentRegisterEntry(
        applicant_id=uuid.UUID(applicant_id),
        district=district,
        programme=programme,
        level=level,
        granted_on=granted,
        valid_until=valid_until,
        source=RegisterSource.AWARD.value,
        issuer=None,
        organisation_name=organisation.name if organisation else None,
        organisation_code=organisation.uscc if organisation else None,
        recorded_by_user_id=actor.user_id,
        note=reference[:500],
    )
    repo.add(session, entry)
    await session.flush()
    await audit.record(
        session,
        "talent_register.recorded",
        actor=actor,
        object_type="talent_register_entry",
        object_id=entry.id,
        detail={
            "programme": programme,
            "source": entry.source,
            "reference": reference,
            "grant_amount": str(grant_amount) if grant_amount is not None else None,
        },
        district=district,
    )
    return entry
