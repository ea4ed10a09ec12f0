"""Who viewed my data: the entries the audit log keeps of staff reading or handling the
person's records (their cases, documents and applicant record), shown as the officer's roles
and department, never their name, with the time in Shanghai and the case number."""

from __future__ import annotations

import uuid
from datetime import datetime

from app.core.times import local_text
from app.domain import labels
from app.domain.principal import Principal
from app.i18n import N_, gettext
from app.repositories import rights as rights_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.rights import StaffReadEntry

_WHAT = {
    "case.viewed": N_("Opened your case"),
    "document.viewed": N_("Opened one of your documents"),
    "document.verified": N_("Checked one of your documents"),
    "applicant.lookup": N_("Looked up your record"),
    "applicant.full_id_viewed": N_("Saw your full ID number"),
    "case.oversight_access": N_("Opened your case (oversight)"),
}
_HANDLED = N_("Worked on your case")


def shanghai_time(at: datetime) -> str:
    """A time as people read it here: Shanghai, to the minute, saying so."""
    return local_text(at)


async def entries(
    session: AsyncSession, applicant_id: uuid.UUID, lang: str, *, limit: int = 200
) -> list[StaffReadEntry]:
    cases = await rights_repo.my_case_ids(session, applicant_id)
    documents = await rights_repo.document_cases(session, applicant_id)
    rows = await rights_repo.staff_reads(
        session,
        applicant_id=applicant_id,
        case_ids=set(cases),
        document_ids=set(documents),
        limit=limit,
    )
    result = []
    for entry, staff in rows:
        case_id: uuid.UUID | None = None
        if entry.object_type == "case" and entry.object_id:
            case_id = uuid.UUID(entry.object_id)
        elif entry.object_type == "document" and entry.object_id:
            case_id = documents.get(uuid.UUID(entry.object_id))
        result.append(
            StaffReadEntry(
                at=entry.occurred_at,
                at_local=shanghai_time(entry.occurred_at),
                what=gettext(lang, _WHAT.get(entry.action, _HANDLED)),
                roles=[gettext(lang, labels.ROLE.get(r, r)) for r in staff.roles],
                department=gettext(lang, labels.DEPARTMENT.get(staff.department, staff.department)),
                district=gettext(lang, labels.DISTRICT.get(staff.district, staff.district)),
                case_number=cases.get(case_id) if case_id else None,
            )
        )
    return result


async def who_viewed(
    session: AsyncSession, principal: Principal, lang: str
) -> list[StaffReadEntry]:
    if principal.applicant_id is None:
        return []
    return await entries(session, principal.applicant_id, lang)
