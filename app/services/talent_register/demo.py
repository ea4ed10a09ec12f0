"""Demo register entries, a few in each district, for the demo applicants: current and expired
outside memberships (recorded without an evidence file, which the note says; a real entry
always has one). Idempotent: a person who has entries already is left as they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.enums import IdKind
from app.domain.talent_register import RegisterSource
from app.models import TalentRegisterEntry
from app.repositories import talent_register as repo
from app.repositories.unit_of_work import AsyncSession
from app.services import protection


@dataclass(frozen=True)
class _Entry:
    id_kind: IdKind
    id_number: str
    district: str
    programme: str
    granted_on: date
    valid_until: date | None
    issuer: str
    organisation_name: str | None = None
    organisation_code: str | None = None


_NOTE = "演示数据：未附证明文件 / demo data: no evidence file attached"


def entries(li_wei_id: str, zhang_min_id: str, anna_passport: str) -> tuple[_Entry, ...]:
    return (
        _Entry(
            IdKind.RESIDENT_ID,
            li_wei_id,
            "yangpu",
            "district_outstanding",
            date(2024, 5, 1),
            date(2027, 4, 30),
            "中共杨浦区委人才工作领导小组",
            "上海杨浦创新科技有限公司",
            "91310110MA1G8XYW0",
        ),
        # Expired: shown in the history, no longer a verified fact.
        _Entry(
            IdKind.RESIDENT_ID,
            li_wei_id,
            "yangpu",
            "shanghai_pujiang",
            date(2021, 9, 1),
            date(2024, 8, 31),
            "上海市科学技术委员会",
        ),
        _Entry(
            IdKind.PASSPORT,
            anna_passport,
            "yangpu",
            "shanghai_overseas_high_level",
            date(2025, 3, 1),
            date(2028, 2, 29),
            "上海市人才工作领导小组办公室",
        ),
        _Entry(
            IdKind.RESIDENT_ID,
            zhang_min_id,
            "changning",
            "shanghai_leading",
            date(2023, 10, 1),
            None,
            "上海市人才工作领导小组办公室",
            "长宁虹桥航空服务有限公司",
            "91310105MA1FL2AB3",
        ),
        _Entry(
            IdKind.RESIDENT_ID,
            zhang_min_id,
            "changning",
            "national_high_level",
            date(2020, 1, 1),
            date(2022, 12, 31),
            "中共中央组织部人才工作局",
        ),
    )


async def load(session: AsyncSession, rows: tuple[_Entry, ...]) -> int:
    added = 0
    done: dict[str, bool] = {}
    for row in rows:
        person = await repo.applicant_by_index(
            session, protection.id_index(row.id_kind, row.id_number)
        )
        if person is None:
            continue
        key = str(person.id)
        if key not in done:
            done[key] = bool(await repo.own_entries(session, person.id))
        if done[key]:
            continue
        repo.add(
            session,
            TalentRegisterEntry(
                applicant_id=person.id,
                district=row.district,
                programme=row.programme,
                granted_on=row.granted_on,
                valid_until=row.valid_until,
                source=RegisterSource.OUTSIDE_RECORD.value,
                issuer=row.issuer,
                organisation_name=row.organisation_name,
                organisation_code=row.organisation_code,
                note=_NOTE,
            ),
        )
        added += 1
    await session.flush()
    return added
