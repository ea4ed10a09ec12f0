"""Demo service points, a few per district, named after the places the plans promise (杨浦's
"人才城市会客厅 + 人才充电站" and 青年人才驿站, 长宁's 虹桥海外人才一站式服务中心, "虹桥人才荟"
stations and 高层次人才服务专窗). Addresses, coordinates, hours and counters are invented for
the demo and marked so (``is_demo``); a real deployment loads the districts' own list.
Idempotent: a point whose code exists is left as it is."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import ServicePoint
from app.repositories import service_points as repo
from app.repositories.unit_of_work import AsyncSession

_DAY = ["09:00-12:00", "13:30-17:00"]
_ALL_DAY = ["09:00-17:00"]
_WINDOW_SERVICES = [
    "rent_subsidy",
    "talent_apartment",
    "returnee_settlement",
    "graduate_settlement",
    "residence_to_hukou",
    "talent_introduction",
    "residence_points",
    "foreign_work_permit",
    "hukou_move_in",
    "school_enrolment",
]


@dataclass(frozen=True)
class _Point:
    code: str
    district: str
    kind: str
    name_zh: str
    name_en: str
    address_zh: str
    address_en: str
    latitude: float
    longitude: float
    hours: list[str]
    counters: int
    services: list[str]
    languages: list[str]
    accessibility: list[str]
    slot_minutes: int = 30


POINTS: tuple[_Point, ...] = (
    _Point(
        "yp-service-centre",
        "yangpu",
        "window",
        "杨浦区行政服务中心 人才服务窗口",
        "Yangpu Administrative Service Centre, talent services window",
        "杨浦区示范路1号（演示地址）",
        "1 Demo Road, Yangpu (demo address)",
        31.2632,
        121.5261,
        _DAY,
        4,
        [
            *_WINDOW_SERVICES,
            "service_card",
            "exam_fee_reimbursement",
            "schooling_consultation",
            "onboarding_residence_permit",
        ],
        ["zh", "en"],
        ["step_free", "accessible_toilet", "low_counter", "hearing_loop"],
    ),
    _Point(
        "yp-talent-lounge",
        "yangpu",
        "talent_station",
        "杨浦人才城市会客厅（人才充电站）",
        "Yangpu Talent City Lounge (talent recharging station)",
        "杨浦区示范滨江路88号（演示地址）",
        "88 Demo Riverside Road, Yangpu (demo address)",
        31.2521,
        121.5302,
        _ALL_DAY,
        2,
        # The plan's 子女教育专场咨询 are held here as well as at the service centre.
        [
            "service_card",
            "skills_subsidy",
            "exam_fee_reimbursement",
            "rent_subsidy",
            "schooling_consultation",
        ],
        ["zh", "en", "ja"],
        ["step_free", "accessible_toilet", "guide_dogs"],
    ),
    _Point(
        "yp-youth-station",
        "yangpu",
        "youth_station",
        "杨浦青年人才驿站",
        "Yangpu Youth Talent Station",
        "杨浦区示范学府路12号（演示地址）",
        "12 Demo College Road, Yangpu (demo address)",
        31.2990,
        121.5080,
        _DAY,
        1,
        ["youth_station"],
        ["zh", "en"],
        ["step_free"],
    ),
    _Point(
        "cn-service-centre",
        "changning",
        "window",
        "长宁区行政服务中心 一网通办窗口",
        "Changning Administrative Service Centre, one-window services",
        "长宁区示范路2号（演示地址）",
        "2 Demo Road, Changning (demo address)",
        31.2203,
        121.4240,
        _DAY,
        4,
        [*_WINDOW_SERVICES, "returnee_apartment_subsidy"],
        ["zh", "en"],
        ["step_free", "accessible_toilet", "low_counter"],
    ),
    _Point(
        "cn-hongqiao-overseas",
        "changning",
        "window",
        "上海市虹桥海外人才一站式服务中心",
        "Shanghai Hongqiao One-stop Service Centre for Overseas Talent",
        "长宁区示范虹桥路100号（演示地址）",
        "100 Demo Hongqiao Road, Changning (demo address)",
        31.2005,
        121.4050,
        _DAY,
        3,
        # The entry-exit office's desk takes the onboarding bundle's residence-permit step.
        [
            "foreign_work_permit",
            "returnee_settlement",
            "returnee_apartment_subsidy",
            "onboarding_residence_permit",
        ],
        ["zh", "en", "ja", "ko", "fr", "de"],
        ["step_free", "accessible_toilet", "hearing_loop", "sign_language"],
    ),
    _Point(
        "cn-talent-hub",
        "changning",
        "talent_station",
        "“虹桥人才荟”人才服务站点",
        "Hongqiao Talent Hub service station",
        "长宁区示范天山路20号（演示地址）",
        "20 Demo Tianshan Road, Changning (demo address)",
        31.2150,
        121.3990,
        _ALL_DAY,
        1,
        ["rent_subsidy", "skills_subsidy", "youth_station", "internship_subsidy_claim"],
        ["zh", "en"],
        ["step_free"],
    ),
    _Point(
        "cn-priority-window",
        "changning",
        "priority_window",
        "高层次人才服务专窗",
        "High-level talent service window",
        "长宁区示范路2号 二楼（演示地址）",
        "2 Demo Road, 2nd floor, Changning (demo address)",
        31.2204,
        121.4242,
        _DAY,
        1,
        ["talent_introduction", "school_enrolment", "talent_apartment", "residence_to_hukou"],
        ["zh", "en"],
        ["step_free", "accessible_toilet", "low_counter"],
        slot_minutes=60,
    ),
)


async def load(session: AsyncSession) -> int:
    existing = await repo.existing_codes(session)
    added = 0
    for p in POINTS:
        if p.code in existing:
            continue
        session.add(
            ServicePoint(
                code=p.code,
                district=p.district,
                kind=p.kind,
                name_zh=p.name_zh,
                name_en=p.name_en,
                address_zh=p.address_zh,
                address_en=p.address_en,
                latitude=p.latitude,
                longitude=p.longitude,
                opening_hours=p.hours,
                slot_minutes=p.slot_minutes,
                counters=p.counters,
                service_codes=p.services,
                languages=p.languages,
                accessibility=p.accessibility,
                bookable=True,
                is_demo=True,
            )
        )
        added += 1
    await session.flush()
    return added
