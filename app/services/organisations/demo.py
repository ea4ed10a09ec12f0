"""Demo organisations waiting for verification, one per district, so each district's queue
shows something. Idempotent: a second run adds nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

from app.domain.enums import District, OrganisationType, OrgRole
from app.domain.identity import uscc_check_char
from app.models import Employer
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import organisations as org_repo
from app.repositories.unit_of_work import AsyncSession
from app.services.accounts import staff as staff_service
from app.services.organisations.registration import Upload, record_step, store_licence
from app.workflow.organisations import OrganisationEvent, OrganisationStatus

_PENDING: tuple[tuple[str, str, District, OrganisationType], ...] = (
    ("杨浦智能制造研究中心", "52310110MA1H7PQR0", District.YANGPU, OrganisationType.INSTITUTION),
    ("长宁人才服务有限公司", "91310105MA1N3KTU0", District.CHANGNING, OrganisationType.HR_AGENCY),
)
_LICENCE = b"%PDF-1.7\n% demo business licence\n%%EOF\n"


async def _licence() -> AsyncIterator[bytes]:
    yield _LICENCE


async def load(session: AsyncSession, password: str, totp_secret: str) -> list[str]:
    emails = []
    for name, body, district, org_type in _PENDING:
        uscc = body[:17] + uscc_check_char(body[:17])
        email = f"admin.{uscc[-6:].lower()}@demo-employer.cn"
        emails.append(email)
        if await org_repo.uscc_taken(session, uscc):
            continue
        employer = Employer(
            name=name,
            uscc=uscc,
            district=district.value,
            status=OrganisationStatus.UNCONFIRMED.value,
            org_type=org_type.value,
            registered_capital_cny=5_000_000,
            industry="科学研究和技术服务业",
        )
        await store_licence(session, employer, Upload("licence.pdf", _licence()))
        session.add(employer)
        await session.flush()
        actor = None
        if not await accounts_repo.email_exists(session, email):
            user = await staff_service.create_employer_user(
                session,
                employer_id=employer.id,
                email=email,
                password=password,
                full_name="单位管理员",
                totp_secret=totp_secret,
                role=OrgRole.ADMIN,
            )
            actor = user.id
        await record_step(session, employer, OrganisationEvent.CONFIRM_ADMIN, actor, None, utcnow())
    return emails
