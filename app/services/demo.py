"""Demo data: both districts, staff of every role, employers, a few applicants.

Idempotent: running it twice adds nothing the second time. Refused in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.enums import Department, District, Role
from app.domain.identity import resident_id_check_char, uscc_check_char
from app.repositories import accounts as accounts_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.accounts import DomesticRegistration, OverseasRegistration
from app.services import accounts as accounts_service
from app.services import catalog as catalog_service
from app.services.accounts import staff as staff_service
from app.services.indicators import demo as indicator_demo
from app.services.organisations import demo as organisation_demo
from app.services.programmes import demo as programme_demo
from app.services.service_cards import demo as service_card_demo
from app.services.service_points import demo as service_point_demo
from app.services.talent_register import demo as register_demo
from app.services.youth_stations import demo as youth_station_demo

DEMO_PASSWORD = "Demo-Talent-2026"
# Fixed TOTP secret for demo staff so a tester can add it to an authenticator app.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def demo_resident_id(region: str, birth: str, seq: str) -> str:
    first17 = region + birth + seq
    return first17 + resident_id_check_char(first17)


def demo_uscc(body: str) -> str:
    return body + uscc_check_char(body)


_STAFF: tuple[tuple[str, str, Department, list[Role]], ...] = (
    ("window", "一窗受理员", Department.SERVICE_CENTER, [Role.WINDOW_CLERK]),
    ("reviewer", "人社局审核员", Department.HR_BUREAU, [Role.REVIEWER]),
    ("approver", "人社局审批员", Department.HR_BUREAU, [Role.APPROVER]),
    ("housing", "房管局审核员", Department.HOUSING, [Role.REVIEWER, Role.APPROVER]),
    ("police", "公安户政审核员", Department.PUBLIC_SECURITY, [Role.REVIEWER, Role.APPROVER]),
    ("education", "教育局审核员", Department.EDUCATION, [Role.REVIEWER, Role.APPROVER]),
    # Whoever reviewed a case may not decide it (four eyes): a second decider per department.
    ("housing2", "房管局审批员", Department.HOUSING, [Role.APPROVER]),
    ("police2", "公安户政审批员", Department.PUBLIC_SECURITY, [Role.APPROVER]),
    ("education2", "教育局审批员", Department.EDUCATION, [Role.APPROVER]),
    # 一卡通 medical requests (family doctor, specialist referral) go to the health commission.
    ("health", "卫健委审核员", Department.HEALTH, [Role.REVIEWER, Role.APPROVER]),
    # The talent office's own services (the work-permit pre-check, the service card, the youth
    # station) need a reviewer and a decider of that office, or no one can decide them.
    ("talent", "人才办审核员", Department.TALENT_OFFICE, [Role.REVIEWER, Role.APPROVER]),
    ("talent2", "人才办审批员", Department.TALENT_OFFICE, [Role.APPROVER]),
    ("supervisor", "督办", Department.TALENT_OFFICE, [Role.SUPERVISOR]),
    ("maker", "财务经办", Department.FINANCE, [Role.FINANCE_MAKER]),
    ("checker", "财务复核", Department.FINANCE, [Role.FINANCE_CHECKER]),
    ("admin", "区管理员", Department.TALENT_OFFICE, [Role.DISTRICT_ADMIN]),
    # A second admin, so a recorded indicator figure and an evaluation have their checker.
    ("admin2", "区管理员（复核）", Department.TALENT_OFFICE, [Role.DISTRICT_ADMIN]),
    ("auditor", "审计员", Department.TALENT_OFFICE, [Role.AUDITOR]),
    # Destruction lists need two records officers: one submits, the other approves.
    ("records", "档案管理员", Department.TALENT_OFFICE, [Role.RECORDS_OFFICER]),
    ("records2", "档案管理员（复核）", Department.TALENT_OFFICE, [Role.RECORDS_OFFICER]),
    # The youth station's front desk checks guests in and out (talent office's station).
    ("station", "青年驿站前台", Department.TALENT_OFFICE, [Role.STATION_STAFF]),
    # Two expert reviewers: each nomination of a demo round needs two scores.
    ("expert", "评审专家", Department.TALENT_OFFICE, [Role.PROGRAMME_REVIEWER]),
    ("expert2", "评审专家（二）", Department.TALENT_OFFICE, [Role.PROGRAMME_REVIEWER]),
)

_DISTRICT_NAMES = {District.YANGPU: "杨浦", District.CHANGNING: "长宁"}

_EMPLOYERS: tuple[tuple[str, str, District], ...] = (
    ("上海杨浦创新科技有限公司", "91310110MA1G8XYW0", District.YANGPU),
    ("杨浦滨江数字研究院", "12310110425012345", District.YANGPU),
    ("长宁虹桥航空服务有限公司", "91310105MA1FL2AB3", District.CHANGNING),
    ("上海长宁时尚创意有限公司", "91310105MA1K9CDE4", District.CHANGNING),
)


@dataclass
class DemoSummary:
    staff: list[tuple[str, str]]
    applicants: list[str]
    employers: list[str]


async def load_demo(session: AsyncSession) -> DemoSummary:
    summary = DemoSummary(staff=[], applicants=[], employers=[])
    await catalog_service.load_shipped_catalog(session)
    for district in District:
        for key, title, department, roles in _STAFF:
            email = f"{district.value}.{key}@demo.talent.gov.cn"
            summary.staff.append((email, ", ".join(r.value for r in roles)))
            if await accounts_repo.email_exists(session, email):
                continue
            await staff_service.create_staff(
                session,
                email=email,
                password=DEMO_PASSWORD,
                full_name=f"{_DISTRICT_NAMES[district]}{title}",
                district=district.value,
                department=department.value,
                roles=[r.value for r in roles],
                totp_secret=DEMO_TOTP_SECRET,
            )
    city = "city.admin@demo.talent.gov.cn"
    summary.staff.append((city, Role.CITY_ADMIN.value))
    if not await accounts_repo.email_exists(session, city):
        await staff_service.create_staff(
            session,
            email=city,
            password=DEMO_PASSWORD,
            full_name="市人才服务中心管理员",
            district=District.YANGPU.value,
            department=Department.TALENT_OFFICE.value,
            roles=[Role.CITY_ADMIN.value],
            totp_secret=DEMO_TOTP_SECRET,
        )
    sysadmin = "sysadmin@demo.talent.gov.cn"
    summary.staff.append((sysadmin, Role.SYSADMIN.value))
    if not await accounts_repo.email_exists(session, sysadmin):
        await staff_service.create_staff(
            session,
            email=sysadmin,
            password=DEMO_PASSWORD,
            full_name="系统管理员",
            district=District.YANGPU.value,
            department=Department.TALENT_OFFICE.value,
            roles=[Role.SYSADMIN.value],
            totp_secret=DEMO_TOTP_SECRET,
        )

    for name, body, district in _EMPLOYERS:
        employer = await staff_service.create_employer(
            session, name=name, uscc=demo_uscc(body), district=district.value
        )
        email = f"hr.{employer.uscc[-6:].lower()}@demo-employer.cn"
        summary.employers.append(email)
        if await accounts_repo.email_exists(session, email):
            continue
        await staff_service.create_employer_user(
            session,
            employer_id=employer.id,
            email=email,
            password=DEMO_PASSWORD,
            full_name="人事专员",
            totp_secret=DEMO_TOTP_SECRET,
        )

    li_wei = DomesticRegistration(
        email="li.wei@demo.example.cn",
        password=DEMO_PASSWORD,
        full_name="李伟",
        id_number=demo_resident_id("310110", "19950312", "123"),
        mobile="13800138001",
        consent_personal_info=True,
    )
    zhang_min = DomesticRegistration(
        email="zhang.min@demo.example.cn",
        password=DEMO_PASSWORD,
        full_name="张敏",
        id_number=demo_resident_id("310105", "19920720", "246"),
        mobile="13900139002",
        consent_personal_info=True,
    )
    anna = OverseasRegistration(
        email="anna.schmidt@demo.example.com",
        password=DEMO_PASSWORD,
        full_name="Anna Schmidt",
        passport_number="C01X00T47",
        nationality="DE",
        language="en",
        consent_personal_info=True,
    )
    applicants: list[DomesticRegistration | OverseasRegistration] = [li_wei, zhang_min, anna]
    for reg in applicants:
        summary.applicants.append(reg.email)
        if await accounts_repo.email_exists(session, reg.email):
            continue
        await accounts_service.register_applicant(
            session, reg, channel="demo", email_confirmed=True
        )
    summary.employers += await organisation_demo.load(session, DEMO_PASSWORD, DEMO_TOTP_SECRET)
    await indicator_demo.load(session)
    await service_point_demo.load(session)
    await youth_station_demo.load(session)
    await service_card_demo.load(session)
    await programme_demo.load(session)
    await register_demo.load(
        session,
        register_demo.entries(li_wei.id_number, zhang_min.id_number, anna.passport_number),
    )
    return summary
