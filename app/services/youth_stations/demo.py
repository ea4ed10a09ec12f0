"""Demo youth stations: beds in a station of each district (杨浦青年人才驿站 from the service
points' demo, and a Changning station added here, as no Changning youth station was found in
any source: policy-facts-2.md §4), and an approved youth-station case for one demo applicant
of each district so they can book. Rooms, beds and cases are invented for the demo.
Idempotent: what exists is left as it is."""

from __future__ import annotations

import uuid
from datetime import timedelta

from app.models import Case, CaseEvent, ServicePoint, StationBed
from app.models.base import utcnow
from app.repositories import youth_stations as repo
from app.repositories.unit_of_work import AsyncSession
from app.services import protection
from app.services.cases import numbers as case_numbers
from app.workflow.states import CaseStatus
from app.workflow.values import local_date

# (room, gender, beds) per station code.
ROOMS: dict[str, list[tuple[str, str, int]]] = {
    "yp-youth-station": [("201", "female", 2), ("202", "male", 2), ("203", "any", 1)],
    "cn-youth-station": [("101", "female", 2), ("102", "male", 2)],
}


def _changning_station() -> ServicePoint:
    return ServicePoint(
        code="cn-youth-station",
        district="changning",
        kind="youth_station",
        name_zh="长宁青年人才驿站（演示）",
        name_en="Changning Youth Talent Station (demo)",
        address_zh="长宁区示范愚园路50号（演示地址）",
        address_en="50 Demo Yuyuan Road, Changning (demo address)",
        latitude=31.2215,
        longitude=121.4300,
        opening_hours=["09:00-21:00"],
        slot_minutes=30,
        counters=1,
        service_codes=["youth_station"],
        languages=["zh", "en"],
        accessibility=["step_free"],
        bookable=False,
        is_demo=True,
    )


# Demo applicants (app/services/demo.py) with an approved youth-station case, by district.
HOLDERS = {"li.wei@demo.example.cn": "yangpu", "zhang.min@demo.example.cn": "changning"}


async def load(session: AsyncSession) -> int:
    """Adds what is missing; returns how many beds were added."""
    points = await repo.points_by_code(session, set(ROOMS))
    if "cn-youth-station" not in points:
        station = _changning_station()
        repo.add(session, station)
        await session.flush()
        points["cn-youth-station"] = station
    added = 0
    for code, rooms in ROOMS.items():
        point = points.get(code)
        if point is None:
            continue
        have = await repo.existing_bed_labels(session, point.id)
        for room, gender, count in rooms:
            for n in range(count):
                label = f"{room}-{chr(ord('A') + n)}"
                if label in have:
                    continue
                repo.add(
                    session,
                    StationBed(
                        point_id=point.id,
                        district=point.district,
                        room=room,
                        label=label,
                        gender=gender,
                        active=True,
                    ),
                )
                added += 1
    await session.flush()
    for email, district in HOLDERS.items():
        await _approved_case(session, email, district)
    return added


async def _approved_case(session: AsyncSession, email: str, district: str) -> None:
    applicant = await repo.applicant_by_email(session, email)
    service = await repo.service(session, district)
    if applicant is None or service is None:
        return
    if await repo.approved_case(session, applicant.id, district) is not None:
        return
    now = utcnow()
    today = local_date(now)
    number = await case_numbers.next_number(session, district, today)
    case = Case(
        id=uuid.uuid4(),
        number=number,
        lookup_code_enc=protection.cipher().encrypt(uuid.uuid4().hex[:8], "case.lookup_code"),
        applicant_id=applicant.id,
        service_id=service.id,
        district=district,
        department=service.department,
        status=CaseStatus.APPROVED.value,
        version=1,
        channel="web",
        submitted_at=now - timedelta(days=3),
        accepted_on=today - timedelta(days=3),
        time_limit_days=service.time_limit_days,
        deadline_date=today,
        pending_materials=[],
    )
    repo.add(session, case)
    await session.flush()
    for action, before, after in (
        ("submit", None, CaseStatus.SUBMITTED),
        ("approve", CaseStatus.SUBMITTED, CaseStatus.APPROVED),
    ):
        repo.add(
            session,
            CaseEvent(
                case_id=case.id,
                occurred_at=now,
                action=action,
                from_status=before.value if before else None,
                to_status=after.value,
                actor_user_id=None,
                actor_role="demo",
                detail={"demo": True},
            ),
        )
