"""The simulator's people: a few dozen invented applicants with the records the outside systems
would hold about them.

The three demo applicants of ``talent-portal demo`` (李伟, 张敏, Anna Schmidt) and its four
employers are here under the same numbers, so the demo portal verifies against this data. Every
other person, employer and number is invented; universities are real names used only as labels.
Resident IDs and credit codes carry valid check characters, or the systems would refuse them.

Scenarios worth knowing when writing tests (by name):
- 王芳: fresh graduate, no social insurance yet (404 from that system).
- 陈磊: Edinburgh master awaiting CSCSE verification, so the highest degree stays unknown.
- 赵静: foreign degree refused by CSCSE; highest verified degree is her associate degree.
- 林晓: no degree on record (404), long social-insurance history in Minhang.
- 吴昊: contributions first in Changning, then Yangpu; 郑琳: a gap of eight months.
- 张敏, 周婷: already hold Shanghai hukou (a move-in is refused with 409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from app.domain.identity import resident_id_check_char, uscc_check_char

IdKind = Literal["resident_id", "passport"]
Level = Literal["associate", "bachelor", "master", "doctorate"]
CscseStatus = Literal["verified", "pending", "rejected"]

# Shanghai's average monthly wage used to turn bases into multiples. Illustrative: the simulator
# keeps one figure instead of the yearly published series.
CITY_AVERAGE_MONTHLY_WAGE_CNY = 12_307


@dataclass(frozen=True)
class Degree:
    level: Level
    university_name: str
    country: str
    graduation_date: date
    cscse_status: CscseStatus | None = None
    certificate_no: str | None = None


@dataclass(frozen=True)
class Contribution:
    employer_uscc: str
    district: str
    from_month: str
    # None: still contributing (the record runs to the last posted month).
    to_month: str | None
    base_multiple: float


@dataclass(frozen=True)
class Person:
    id_kind: IdKind
    id_number: str
    full_name: str
    nationality: str
    birth_date: date
    hukou: Literal["shanghai", "other", "none"]
    # Administrative division code of the hukou (户籍地); None for foreigners.
    hukou_region: str | None = None
    hukou_district: str | None = None
    household_type: Literal["family", "collective"] | None = None
    degrees: tuple[Degree, ...] = ()
    contributions: tuple[Contribution, ...] = ()


def _rid(region: str, birth: str, seq: str) -> str:
    first17 = region + birth + seq
    return first17 + resident_id_check_char(first17)


def _uscc(body: str) -> str:
    return body + uscc_check_char(body)


EMPLOYERS: dict[str, str] = {
    _uscc("91310110MA1G8XYW0"): "上海杨浦创新科技有限公司",
    _uscc("12310110425012345"): "杨浦滨江数字研究院",
    _uscc("91310105MA1FL2AB3"): "长宁虹桥航空服务有限公司",
    _uscc("91310105MA1K9CDE4"): "上海长宁时尚创意有限公司",
    _uscc("91310104MA1H2JKL5"): "上海徐汇云算信息技术有限公司",
    _uscc("91310115MA1K7PQR8"): "上海浦东芯片设计有限公司",
    _uscc("91310112MA1N3TUW6"): "上海闵行精密制造有限公司",
    _uscc("91310106MA1B4XYA2"): "上海静安金融咨询有限公司",
}
_YP_TECH, _YP_INST, _CN_AIR, _CN_FASHION, _XH_CLOUD, _PD_CHIP, _MH_MFG, _JA_FIN = EMPLOYERS

_HUKOU_OFFICES: dict[str, str] = {
    "yangpu": "杨浦公安分局户政科 / Yangpu Household Registration Office",
    "changning": "长宁公安分局户政科 / Changning Household Registration Office",
}


def hukou_office(district: str) -> str:
    return _HUKOU_OFFICES.get(
        district, f"上海市公安局{district}分局户政科 / Shanghai {district} Registration Office"
    )


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _domestic(
    name: str,
    region: str,
    birth: str,
    seq: str,
    *,
    hukou_region: str,
    degrees: tuple[Degree, ...] = (),
    contributions: tuple[Contribution, ...] = (),
    hukou_district: str | None = None,
    household_type: Literal["family", "collective"] | None = None,
) -> Person:
    shanghai = hukou_region.startswith("31")
    return Person(
        id_kind="resident_id",
        id_number=_rid(region, birth, seq),
        full_name=name,
        nationality="CN",
        birth_date=date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
        hukou="shanghai" if shanghai else "other",
        hukou_region=hukou_region,
        hukou_district=hukou_district if shanghai else None,
        household_type=(household_type or "family") if shanghai else None,
        degrees=degrees,
        contributions=contributions,
    )


def _foreign(
    name: str,
    passport: str,
    nationality: str,
    birth: str,
    *,
    degrees: tuple[Degree, ...] = (),
    contributions: tuple[Contribution, ...] = (),
) -> Person:
    return Person(
        id_kind="passport",
        id_number=passport,
        full_name=name,
        nationality=nationality,
        birth_date=_d(birth),
        hukou="none",
        degrees=degrees,
        contributions=contributions,
    )


def _cn(level: Level, university: str, graduated: str) -> Degree:
    return Degree(level, university, "CN", _d(graduated))


def _abroad(
    level: Level,
    university: str,
    country: str,
    graduated: str,
    status: CscseStatus,
    cert: str | None = None,
) -> Degree:
    return Degree(level, university, country, _d(graduated), status, cert)


def _si(uscc: str, district: str, start: str, end: str | None, multiple: float) -> Contribution:
    return Contribution(uscc, district, start, end, multiple)


PEOPLE_LIST: tuple[Person, ...] = (
    # The demo applicants.
    _domestic(
        "李伟",
        "310110",
        "19950312",
        "123",
        hukou_region="340104",
        degrees=(
            _cn("bachelor", "同济大学", "2017-06-30"),
            _cn("master", "复旦大学", "2020-06-30"),
        ),
        contributions=(
            _si(_XH_CLOUD, "xuhui", "2020-07", "2022-12", 1.5),
            _si(_YP_TECH, "yangpu", "2023-01", None, 1.8),
        ),
    ),
    _domestic(
        "张敏",
        "310105",
        "19920720",
        "246",
        hukou_region="310105",
        hukou_district="changning",
        degrees=(_cn("bachelor", "华东师范大学", "2014-06-30"),),
        contributions=(_si(_CN_AIR, "changning", "2014-07", None, 1.2),),
    ),
    _foreign(
        "Anna Schmidt",
        "C01X00T47",
        "DE",
        "1993-04-18",
        degrees=(
            _abroad(
                "bachelor",
                "Universität Heidelberg",
                "DE",
                "2016-09-30",
                "verified",
                "CSCSE-2022-DE-004117",
            ),
            _abroad(
                "master",
                "Technische Universität München",
                "DE",
                "2019-03-31",
                "verified",
                "CSCSE-2022-DE-004118",
            ),
        ),
        contributions=(_si(_YP_INST, "yangpu", "2022-03", None, 3.2),),
    ),
    # Domestic graduates and employees.
    _domestic(
        "王芳",
        "320102",
        "19980515",
        "042",
        hukou_region="320102",
        degrees=(
            _cn("bachelor", "南京大学", "2020-06-30"),
            _cn("master", "上海交通大学", "2023-06-30"),
        ),
    ),
    _domestic(
        "陈磊",
        "420111",
        "19940203",
        "317",
        hukou_region="420111",
        degrees=(
            _cn("bachelor", "武汉大学", "2016-06-30"),
            _abroad("master", "The University of Edinburgh", "GB", "2019-11-30", "pending"),
        ),
        contributions=(_si(_YP_TECH, "yangpu", "2020-03", None, 2.1),),
    ),
    _domestic(
        "刘洋",
        "330106",
        "19900911",
        "155",
        hukou_region="330106",
        degrees=(
            _cn("bachelor", "浙江大学", "2012-06-30"),
            _abroad(
                "doctorate",
                "The University of Tokyo",
                "JP",
                "2022-03-24",
                "verified",
                "CSCSE-2022-JP-011902",
            ),
        ),
        contributions=(_si(_CN_FASHION, "changning", "2022-07", None, 4.0),),
    ),
    _domestic(
        "赵静",
        "410105",
        "19880127",
        "268",
        hukou_region="410105",
        degrees=(
            _cn("associate", "上海电子信息职业技术学院", "2009-07-01"),
            _abroad("master", "Northbridge Online University", "US", "2015-05-20", "rejected"),
        ),
        contributions=(_si(_MH_MFG, "minhang", "2009-09", None, 0.9),),
    ),
    _domestic(
        "林晓",
        "350203",
        "19860614",
        "093",
        hukou_region="350203",
        contributions=(
            _si(_MH_MFG, "minhang", "2008-03", "2016-12", 1.1),
            _si(_PD_CHIP, "pudong", "2017-01", None, 1.6),
        ),
    ),
    _domestic(
        "吴昊",
        "370202",
        "19890822",
        "471",
        hukou_region="370202",
        degrees=(
            _cn("bachelor", "山东大学", "2011-06-30"),
            _cn("doctorate", "复旦大学", "2019-06-30"),
        ),
        contributions=(
            _si(_CN_FASHION, "changning", "2019-08", "2021-10", 2.4),
            _si(_YP_INST, "yangpu", "2021-11", None, 2.8),
        ),
    ),
    _domestic(
        "郑琳",
        "430104",
        "19930409",
        "382",
        hukou_region="430104",
        degrees=(_cn("bachelor", "中南大学", "2015-06-30"),),
        contributions=(
            _si(_JA_FIN, "jingan", "2015-08", "2019-06", 1.3),
            _si(_YP_TECH, "yangpu", "2020-03", None, 1.4),
        ),
    ),
    _domestic(
        "周婷",
        "310110",
        "19960101",
        "528",
        hukou_region="310110",
        hukou_district="yangpu",
        household_type="collective",
        degrees=(_cn("bachelor", "上海理工大学", "2018-06-30"),),
        contributions=(_si(_YP_TECH, "yangpu", "2018-07", None, 1.0),),
    ),
    _domestic(
        "孙浩",
        "510107",
        "19970317",
        "639",
        hukou_region="510107",
        degrees=(
            _cn("master", "四川大学", "2022-06-30"),
            _cn("bachelor", "四川大学", "2019-06-30"),
        ),
        contributions=(_si(_CN_AIR, "changning", "2022-08", None, 1.3),),
    ),
    _domestic(
        "黄蕾",
        "610113",
        "19910725",
        "744",
        hukou_region="610113",
        degrees=(
            _cn("bachelor", "西安交通大学", "2013-06-30"),
            _abroad(
                "master",
                "National University of Singapore",
                "SG",
                "2015-06-30",
                "verified",
                "CSCSE-2015-SG-002230",
            ),
        ),
        contributions=(
            _si(_PD_CHIP, "pudong", "2015-09", "2020-04", 2.2),
            _si(_CN_AIR, "changning", "2020-05", None, 2.6),
        ),
    ),
    _domestic(
        "马超",
        "440305",
        "19870402",
        "815",
        hukou_region="440305",
        degrees=(_cn("master", "中山大学", "2012-06-30"),),
        contributions=(_si(_JA_FIN, "jingan", "2012-08", None, 3.0),),
    ),
    _domestic(
        "何佳",
        "310104",
        "19990909",
        "026",
        hukou_region="310104",
        hukou_district="xuhui",
        degrees=(_cn("bachelor", "上海大学", "2021-06-30"),),
        contributions=(_si(_XH_CLOUD, "xuhui", "2021-07", None, 1.1),),
    ),
    _domestic(
        "罗敏",
        "500103",
        "19950630",
        "137",
        hukou_region="500103",
        degrees=(
            _cn("bachelor", "重庆大学", "2017-06-30"),
            _abroad(
                "master",
                "Imperial College London",
                "GB",
                "2018-09-30",
                "verified",
                "CSCSE-2019-GB-007731",
            ),
            _abroad("doctorate", "University of Cambridge", "GB", "2023-07-31", "pending"),
        ),
        contributions=(_si(_YP_INST, "yangpu", "2023-10", None, 3.5),),
    ),
    _domestic(
        "高远",
        "210202",
        "19920228",
        "248",
        hukou_region="210202",
        degrees=(_cn("bachelor", "大连理工大学", "2014-06-30"),),
        contributions=(
            _si(_YP_TECH, "yangpu", "2014-08", "2018-12", 1.2),
            _si(_XH_CLOUD, "xuhui", "2019-01", "2023-05", 1.9),
            _si(_CN_FASHION, "changning", "2023-06", None, 2.3),
        ),
    ),
    _domestic(
        "冯雪",
        "230103",
        "20000115",
        "369",
        hukou_region="230103",
        degrees=(_cn("associate", "上海工程技术大学", "2021-07-01"),),
        contributions=(_si(_MH_MFG, "minhang", "2021-08", None, 0.7),),
    ),
    _domestic(
        "邓凯",
        "360102",
        "19850505",
        "471",
        hukou_region="360102",
        degrees=(_cn("doctorate", "南开大学", "2014-06-30"),),
        contributions=(_si(_JA_FIN, "jingan", "2014-09", "2024-12", 4.5),),
    ),
    _domestic(
        "许晴",
        "320583",
        "19970812",
        "582",
        hukou_region="320583",
        degrees=(
            _cn("bachelor", "苏州大学", "2019-06-30"),
            _abroad(
                "master",
                "The University of Melbourne",
                "AU",
                "2021-12-15",
                "verified",
                "CSCSE-2022-AU-015564",
            ),
        ),
        contributions=(_si(_CN_AIR, "changning", "2022-04", None, 1.7),),
    ),
    _domestic(
        "曹阳",
        "310110",
        "19830719",
        "693",
        hukou_region="310110",
        hukou_district="yangpu",
        degrees=(_cn("master", "同济大学", "2008-03-31"),),
        contributions=(_si(_YP_INST, "yangpu", "2008-04", None, 2.9),),
    ),
    # Foreign talent.
    _foreign(
        "James Carter",
        "583920174",
        "US",
        "1988-10-02",
        degrees=(
            _abroad(
                "master",
                "Columbia University",
                "US",
                "2013-05-15",
                "verified",
                "CSCSE-2019-US-021876",
            ),
        ),
        contributions=(_si(_CN_FASHION, "changning", "2019-06", None, 3.8),),
    ),
    _foreign(
        "Yuki Tanaka",
        "TZ1234567",
        "JP",
        "1997-02-11",
        degrees=(_abroad("bachelor", "Waseda University", "JP", "2020-03-25", "pending"),),
        contributions=(_si(_YP_TECH, "yangpu", "2024-09", None, 1.6),),
    ),
    _foreign(
        "Park Jihoon",
        "M12345678",
        "KR",
        "1991-06-21",
        degrees=(
            _abroad("master", "KAIST", "KR", "2019-02-22", "verified", "CSCSE-2020-KR-003345"),
        ),
    ),
    _foreign(
        "Maria Rossi",
        "YA1234567",
        "IT",
        "1990-12-03",
        degrees=(
            _abroad(
                "doctorate",
                "Politecnico di Milano",
                "IT",
                "2021-02-26",
                "verified",
                "CSCSE-2021-IT-000982",
            ),
        ),
        contributions=(_si(_YP_INST, "yangpu", "2021-09", None, 4.2),),
    ),
    _foreign(
        "Lucas Martin",
        "19AB12345",
        "FR",
        "1995-07-14",
        degrees=(_abroad("bachelor", "Sciences Po", "FR", "2018-06-30", "rejected"),),
    ),
    _foreign(
        "Olga Ivanova",
        "751234567",
        "RU",
        "1992-03-08",
        degrees=(
            _abroad(
                "master",
                "Lomonosov Moscow State University",
                "RU",
                "2016-06-30",
                "verified",
                "CSCSE-2018-RU-000417",
            ),
        ),
        contributions=(
            _si(_PD_CHIP, "pudong", "2018-05", "2022-08", 2.0),
            _si(_YP_TECH, "yangpu", "2022-09", None, 2.4),
        ),
    ),
    _foreign(
        "Arjun Sharma",
        "Z4567890",
        "IN",
        "1989-01-26",
        degrees=(
            _abroad(
                "bachelor",
                "Indian Institute of Technology Bombay",
                "IN",
                "2011-05-31",
                "verified",
                "CSCSE-2017-IN-001288",
            ),
            _abroad(
                "doctorate", "ETH Zürich", "CH", "2017-10-31", "verified", "CSCSE-2017-CH-000761"
            ),
        ),
        contributions=(_si(_CN_AIR, "changning", "2017-12", None, 5.1),),
    ),
    _foreign("Sophie Dubois", "20CD54321", "FR", "1998-09-30"),
    _foreign(
        "Lee Wei Ming",
        "K1234567A",
        "SG",
        "1986-11-11",
        contributions=(_si(_JA_FIN, "jingan", "2016-01", "2020-12", 3.3),),
    ),
)

PEOPLE: dict[tuple[str, str], Person] = {(p.id_kind, p.id_number): p for p in PEOPLE_LIST}


def find(id_kind: str, id_number: str) -> Person | None:
    return PEOPLE.get((id_kind, id_number))


def resident_id_of(full_name: str) -> str:
    """A convenience for tests and demos: the resident ID of a named person here."""
    for person in PEOPLE_LIST:
        if person.full_name == full_name and person.id_kind == "resident_id":
            return person.id_number
    raise KeyError(full_name)
