"""The talent register's use cases: the one query the rules read, staff recording an outside
membership with its evidence, the search, its CSV and a person's history (every staff read
audited), and the applicant's own recognitions."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from app.domain.documents import DocumentKind
from app.domain.principal import Principal
from app.domain.talent_register import RegisterSource
from app.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_, gettext
from app.models import Case, TalentRegisterEntry
from app.models.base import utcnow
from app.repositories import documents as documents_repo
from app.repositories import grants as grants_repo
from app.repositories import talent_register as repo
from app.repositories.talent_register import RegisterFilter
from app.repositories.unit_of_work import AsyncSession
from app.schemas.talent_register import EntryCreate, EntryRead, InstalmentRead, RegisterSearch
from app.services import audit, documents, protection
from app.services.talent_register.views import (
    CERTIFICATION_PROGRAMME,
    entry_view,
    programme_codes,
)
from app.workflow.grants import status_label
from app.workflow.values import local_date

ERR_NO_PERSON = N_("No one registered on the portal has this ID number.")
ERR_PROGRAMME = N_("Choose a programme from the list.")
ERR_CERTIFIED_HERE = N_(
    "The district's high-level talent classification is recorded by deciding its application."
)
ERR_EVIDENCE = N_("Add the certificate or letter that shows the membership.")
ERR_ORGANISATION_CODE = N_("Enter the organisation's 18-character unified social credit code.")

# One search page shows this many; the CSV holds every match.
PAGE_SIZE = 50
# A cell a spreadsheet would read as a formula (CSV injection) is written as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def evidence_missing() -> FieldError:
    return FieldError("file", "required", ERR_EVIDENCE)


def require_keeper(principal: Principal) -> str:
    """The keeper's district; PermissionDenied for anyone else."""
    if not principal.keeps_talent_register or principal.district is None:
        raise PermissionDenied()
    return principal.district


def today() -> date:
    return local_date(utcnow())


async def record_outside(
    session: AsyncSession,
    principal: Principal,
    data: EntryCreate,
    filename: str | None,
    chunks: AsyncIterator[bytes] | None,
    lang: str,
) -> EntryRead:
    """A national or city programme's membership, recorded with the document that shows it;
    the evidence is stored in the person's wallet through the documents room."""
    district = require_keeper(principal)
    problems = []
    if data.programme not in programme_codes():
        problems.append(FieldError("programme", "invalid_choice", ERR_PROGRAMME))
    elif data.programme == CERTIFICATION_PROGRAMME:
        problems.append(FieldError("programme", "certified_by_decision", ERR_CERTIFIED_HERE))
    code = (data.organisation_code or "").upper() or None
    if code is not None and len(code) != 18:
        problems.append(FieldError("organisation_code", "invalid", ERR_ORGANISATION_CODE))
    if not filename or chunks is None:
        problems.append(evidence_missing())
    person = await repo.applicant_by_index(
        session, protection.id_index(data.id_kind, data.id_number)
    )
    if person is None:
        problems.append(FieldError("id_number", "not_registered", ERR_NO_PERSON))
    if problems or person is None or chunks is None or filename is None:
        raise ValidationFailed(field_errors=problems)
    evidence = await documents.upload(
        session,
        principal,
        owner_applicant_id=person.id,
        kind=DocumentKind.TALENT_PROGRAMME.value,
        filename=filename,
        chunks=chunks,
        valid_from=data.granted_on,
        valid_to=data.valid_until,
    )
    entry = TalentRegisterEntry(
        applicant_id=person.id,
        district=district,
        programme=data.programme,
        level=data.level or None,
        granted_on=data.granted_on,
        valid_until=data.valid_until,
        source=RegisterSource.OUTSIDE_RECORD.value,
        issuer=data.issuer,
        organisation_name=data.organisation_name or None,
        organisation_code=code,
        evidence_document_id=evidence.id,
        recorded_by_user_id=principal.user_id,
        note=data.note or None,
    )
    repo.add(session, entry)
    await session.flush()
    await audit.record(
        session,
        "talent_register.recorded",
        actor=principal,
        object_type="talent_register_entry",
        object_id=entry.id,
        detail={"programme": entry.programme, "source": entry.source},
        district=district,
    )
    return EntryRead.model_validate(entry_view(entry, lang, today(), person))


async def record_certification(
    session: AsyncSession,
    case: Case,
    level: str,
    organisation: tuple[str | None, str | None],
    decided_by: uuid.UUID | None,
) -> TalentRegisterEntry:
    """The classification an approval decided, written in the decision's transaction."""
    if case.applicant_id is None:
        raise NotFound()
    entry = TalentRegisterEntry(
        applicant_id=case.applicant_id,
        district=case.district,
        programme=CERTIFICATION_PROGRAMME,
        level=level,
        granted_on=today(),
        valid_until=None,
        source=RegisterSource.CERTIFICATION.value,
        issuer=None,
        organisation_name=organisation[0],
        organisation_code=organisation[1],
        organisation_id=case.employer_id,
        case_id=case.id,
        recorded_by_user_id=decided_by,
    )
    repo.add(session, entry)
    await session.flush()
    await audit.record(
        session,
        "talent_register.recorded",
        actor_user_id=decided_by,
        object_type="talent_register_entry",
        object_id=entry.id,
        detail={"programme": entry.programme, "level": level, "case_id": str(case.id)},
        district=case.district,
    )
    return entry


def _filter(district: str, where: RegisterSearch) -> RegisterFilter:
    return RegisterFilter(
        district=district,
        programme=where.programme or None,
        organisation=where.organisation or None,
        granted_from=where.granted_from,
        granted_to=where.granted_to,
    )


def _filter_detail(where: RegisterSearch) -> dict[str, Any]:
    return {k: (str(v) if v is not None else None) for k, v in where.model_dump().items()}


async def search(
    session: AsyncSession, principal: Principal, where: RegisterSearch, lang: str, page: int = 1
) -> list[EntryRead]:
    """One page of the district's entries matching ``where``; the people shown are audited."""
    district = require_keeper(principal)
    rows = await repo.search(
        session, _filter(district, where), PAGE_SIZE, (max(page, 1) - 1) * PAGE_SIZE
    )
    await audit.record(
        session,
        "talent_register.searched",
        actor=principal,
        detail={**_filter_detail(where), "entries": [str(e.id) for e, _ in rows]},
        district=district,
    )
    day = today()
    return [EntryRead.model_validate(entry_view(e, lang, day, a)) for e, a in rows]


CSV_COLUMNS = (
    "entry_id",
    "name",
    "id_number_masked",
    "programme",
    "programme_name",
    "level",
    "granted_on",
    "valid_until",
    "validity",
    "source",
    "issuer",
    "organisation_name",
    "organisation_code",
)


_CSV_KEYS = {"entry_id": "id", "name": "person_name"}


def safe_cell(value: object) -> str:
    """A cell as text; one a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


async def export_csv(
    session: AsyncSession, principal: Principal, where: RegisterSearch, lang: str
) -> str:
    district = require_keeper(principal)
    rows = await repo.search(session, _filter(district, where))
    await audit.record(
        session,
        "talent_register.exported",
        actor=principal,
        detail={**_filter_detail(where), "entries": len(rows)},
        district=district,
    )
    day = today()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry, person in rows:
        view = entry_view(entry, lang, day, person)
        writer.writerow([safe_cell(view[_CSV_KEYS.get(c, c)]) for c in CSV_COLUMNS])
    return out.getvalue()


async def person_history(
    session: AsyncSession, principal: Principal, applicant_id: uuid.UUID, lang: str
) -> tuple[str, str, list[EntryRead]]:
    """The person's name, masked ID and every entry the district keeps of them (not found when
    it keeps none: a person outside the register is no staff member's to look up here)."""
    district = require_keeper(principal)
    entries = await repo.person_history(session, district, applicant_id)
    person = await repo.applicant(session, applicant_id)
    if not entries or person is None:
        raise NotFound()
    await audit.record(
        session,
        "talent_register.viewed",
        actor=principal,
        object_type="applicant",
        object_id=applicant_id,
        detail={"entries": [str(e.id) for e in entries]},
        district=district,
    )
    day = today()
    views = [EntryRead.model_validate(entry_view(e, lang, day, person)) for e in entries]
    return person.full_name, person.id_number_masked, views


async def get_entry(
    session: AsyncSession, principal: Principal, entry_id: uuid.UUID, lang: str
) -> EntryRead:
    district = require_keeper(principal)
    entry = await repo.get_in_district(session, district, entry_id)
    if entry is None:
        raise NotFound()
    await audit.record(
        session,
        "talent_register.viewed",
        actor=principal,
        object_type="talent_register_entry",
        object_id=entry.id,
        district=district,
    )
    person = await repo.applicant(session, entry.applicant_id)
    return EntryRead.model_validate(entry_view(entry, lang, today(), person))


async def mine(session: AsyncSession, principal: Principal, lang: str) -> list[EntryRead]:
    """The applicant's own recognitions, in every district, an award's with its grant's
    instalments and where each stands."""
    if principal.applicant_id is None:
        raise PermissionDenied()
    day = today()
    entries = await repo.own_entries(session, principal.applicant_id)
    instalments: dict[uuid.UUID, list[InstalmentRead]] = {}
    for grant in await grants_repo.award_grants(session, [e.id for e in entries]):
        if grant.register_entry_id is None or grant.instalment is None:
            continue
        instalments.setdefault(grant.register_entry_id, []).append(
            InstalmentRead(
                instalment=grant.instalment,
                amount_cny=grant.amount_cny,
                amount_assumed=grant.amount_assumed,
                payable_on=grant.payable_on,
                status=grant.status,
                status_label=gettext(lang, status_label(grant.status, award_instalment=True)),
            )
        )
    return [
        EntryRead.model_validate({**entry_view(e, lang, day), "grants": instalments.get(e.id, [])})
        for e in entries
    ]


async def evidence(
    session: AsyncSession, principal: Principal, entry_id: uuid.UUID
) -> documents.Download:
    """The certificate or letter an outside entry rests on, for its district's keepers."""
    district = require_keeper(principal)
    entry = await repo.get_in_district(session, district, entry_id)
    doc = (
        await documents_repo.get(session, entry.evidence_document_id)
        if entry is not None and entry.evidence_document_id is not None
        else None
    )
    if doc is None or doc.deleted_at is not None:
        raise NotFound()
    await audit.record(
        session,
        "document.viewed",
        actor=principal,
        object_type="document",
        object_id=doc.id,
        detail={"talent_register_entry": str(entry_id)},
        district=district,
    )
    return documents.Download(
        documents.storage().source(doc.storage_key), doc.original_name, doc.content_type
    )
