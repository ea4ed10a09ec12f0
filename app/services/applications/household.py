"""The household's identity numbers an application names (the spouse's ID card or passport):
kept only encrypted, with the same blind index as applicants' own numbers."""

from __future__ import annotations

from app.domain.enums import IdKind
from app.domain.fields import SPOUSE_FIELD, person_id_kind
from app.errors import FieldError, ValidationFailed
from app.i18n import N_
from app.models import (
    Application,
    SpouseIdentity,
)
from app.repositories import housing as housing_repo
from app.repositories.unit_of_work import AsyncSession
from app.services import protection


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
