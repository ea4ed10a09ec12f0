"""The indicators of the two plans' tables, as data: target, kind, baseline with the sentence
it comes from, and how the portal arrives at each figure.

Yangpu: 杨浦区人才发展"十四五"规划, 三(三)2 主要指标 (seeds/000). Changning: 长宁区科技创新人才集聚
发展"十四五"规划, 三 "十四五"人才发展主要指标 (seeds/001). Where a plan gives no 2020 figure the
baseline is left empty, and progress starts from the earliest figure on record (said on the page).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.workflow.indicators import ValueOrigin

PLAN_START_YEAR = 2020  # the 13th five-year plan's last year: the baselines' year
TARGET_YEAR = 2025
MID_TERM_YEAR = 2023

PLAN_TITLES = {
    "yangpu": ("杨浦区人才发展“十四五”规划", "Yangpu District 14th five-year talent plan"),
    "changning": (
        "长宁区科技创新人才集聚发展“十四五”规划",
        "Changning District 14th five-year plan for science and technology talent",
    ),
}


@dataclass(frozen=True, slots=True)
class Indicator:
    district: str
    number: int
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    target: float
    binding: bool  # 约束性; otherwise 预期性 (expected)
    origin: ValueOrigin
    method_zh: str
    method_en: str
    baseline: float | None = None
    baseline_source: str | None = None  # the plan's own sentence
    target_text: str | None = None  # when the plan gives a range
    # A named query (app/services/indicators/computed.py): the figure itself for a computed
    # indicator; for a recorded one, the part of it the portal sees, shown beside it.
    query: str | None = None
    part_zh: str | None = None
    part_en: str | None = None
    # Counted from the plan's start (新增): the baseline is 0 by definition.
    counts_new: bool = False

    @property
    def code(self) -> str:
        return f"{self.district}.{self.number}"

    @property
    def computed(self) -> bool:
        return self.origin is ValueOrigin.COMPUTED


_R = ValueOrigin.RECORDED
_C = ValueOrigin.COMPUTED
_STATS_ZH = "由区管理员每年从区统计局公布的数据录入，并由另一名管理员复核确认。"
_STATS_EN = (
    "Entered each year by a district admin from the district statistics bureau's published "
    "figure and confirmed by a second admin."
)
_PATENT_ZH = "由区管理员从市知识产权局公布的专利统计录入，并由另一名管理员复核确认。"
_PATENT_EN = (
    "Entered by a district admin from the Shanghai intellectual property administration's "
    "patent statistics and confirmed by a second admin."
)
_REGISTER_ZH = (
    "目前由区管理员根据人才办的入选名单录入并复核；"
    "人才计划申报服务上线后，将由门户中的人才名册自动计算。"
)
_REGISTER_EN = (
    "Entered for now by a district admin from the talent office's list of those selected, and "
    "confirmed by a second admin; once the talent programmes service runs on the portal, the "
    "portal's register of awarded talent will compute it."
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "yangpu",
        1,
        "全区大专以上学历人才资源总量",
        "Talent with a college degree or above",
        "万人",
        "× 10,000 people",
        45.6,
        False,
        _R,
        _STATS_ZH,
        _STATS_EN,
        baseline=38.0,
        baseline_source="截至2020年末，全区大专以上人才资源总量约38万人",
    ),
    Indicator(
        "yangpu",
        2,
        "每万名劳动力中研发人员",
        "R&D personnel per 10,000 in the workforce",
        "人年",
        "person-years",
        160,
        False,
        _R,
        "由区管理员从区统计局研究与试验发展（R&D）调查结果录入，并由另一名管理员复核确认。",
        "Entered by a district admin from the statistics bureau's R&D survey and confirmed by "
        "a second admin.",
    ),
    Indicator(
        "yangpu",
        3,
        "每万人发明专利拥有量",
        "Invention patents held per 10,000 residents",
        "件",
        "patents",
        90,
        False,
        _R,
        _PATENT_ZH,
        _PATENT_EN,
        baseline=88.5,
        baseline_source="2020 年底，全区每万人有效发明专利拥有量达 88.5 件",
    ),
    Indicator(
        "yangpu",
        4,
        "高技能人才占技能劳动者比例",
        "High-skilled workers among skilled workers",
        "%",
        "%",
        38,
        False,
        _R,
        "由区管理员从区人社局技能人才统计录入并复核；考试费报销等技能补贴服务记录证书等级后，"
        "门户将计算其中经门户办理的部分。",
        "Entered by a district admin from the HR bureau's skills statistics and confirmed by a "
        "second admin; once the skills subsidies record the certificate's level, the portal "
        "will count the part certified through it.",
        baseline=32.13,
        baseline_source="高技能人才占技能劳动者比例32.13%",
    ),
    Indicator(
        "yangpu",
        5,
        "新增高层次人才数",
        "New high-level talent",
        "名",
        "people",
        300,
        False,
        _R,
        _REGISTER_ZH,
        _REGISTER_EN,
        baseline=0,
        counts_new=True,
        baseline_source="新引进高层次人才 300 名以上（自2021年起累计）",
    ),
    Indicator(
        "yangpu",
        6,
        "促成人才产学研合作项目数",
        "Industry-university-research projects brokered",
        "个",
        "projects",
        5000,
        False,
        _R,
        "由区管理员从区科委的项目登记录入，并由另一名管理员复核确认。",
        "Entered by a district admin from the science and technology commission's project "
        "register and confirmed by a second admin.",
    ),
    Indicator(
        "yangpu",
        7,
        "常驻外籍高端人才数",
        "Resident foreign high-end talent",
        "名",
        "people",
        2000,
        False,
        _R,
        "目前由区管理员根据外国人来华工作许可（A类）数据录入并复核；“初到杨浦”外籍人才一站式服务"
        "上线后，将由门户中完成办理的外籍高端人才计算。",
        "Entered for now by a district admin from the class A foreign work permit figures and "
        "confirmed by a second admin; once the 'new in Yangpu' one-stop service for foreign "
        "talent runs on the portal, the foreign high-end talent it onboards will compute it.",
    ),
    Indicator(
        "yangpu",
        8,
        "海外留学人员落户占比（全市）",
        "Overseas returnees settled in Yangpu, share of Shanghai's",
        "%",
        "%",
        8,
        False,
        _R,
        "占比由区管理员根据市公安局（户政）公布的全市留学人员落户总数录入并复核；门户只统计经本门户"
        "办结的留学回国人员落户（分子的一部分）。",
        "The share is entered by a district admin from the city-wide total of returnee "
        "settlements published by the Shanghai public security bureau (hukou), and confirmed by "
        "a second admin. The portal counts only the returnee settlements completed through it "
        "(part of the numerator).",
        target_text="8–10%",
        query="returnee_settlements_completed",
        part_zh="经门户办结的留学回国人员落户：{n} 件（全市总数来自市公安局户政部门）",
        part_en="Returnee settlements completed through the portal: {n} (the city total comes "
        "from the public security bureau)",
    ),
    Indicator(
        "changning",
        1,
        "全区人才资源总量",
        "Talent resources in the district",
        "万人",
        "× 10,000 people",
        31.3,
        False,
        _R,
        _STATS_ZH,
        _STATS_EN,
        baseline=28.1,
        baseline_source="截至“十三五”末，全区人才资源总量达 28.1 万人",
    ),
    Indicator(
        "changning",
        2,
        "全区人才资源总量占从业人员比重",
        "Talent as a share of the employed",
        "%",
        "%",
        50,
        False,
        _R,
        _STATS_ZH,
        _STATS_EN,
        baseline=48.7,
        baseline_source="全区人才资源总量达 28.1 万人，占从业人员比重 48.7%",
    ),
    Indicator(
        "changning",
        3,
        "新增入选市级以上人才培养工程高层次人才总数",
        "New high-level talent selected for city or national programmes",
        "人",
        "people",
        50,
        True,
        _R,
        _REGISTER_ZH,
        _REGISTER_EN,
        baseline=0,
        counts_new=True,
        baseline_source=(
            "区域内新增入选市级以上人才培养工程的高层次人才总数达到 50 名（自2021年起）"
        ),
    ),
    Indicator(
        "changning",
        4,
        "重点产业人才占全区人才资源总量比重",
        "Key-industry talent as a share of all talent",
        "%",
        "%",
        35,
        False,
        _R,
        _STATS_ZH,
        _STATS_EN,
    ),
    Indicator(
        "changning",
        5,
        "海外人才占全区人才资源总量比重",
        "Overseas talent as a share of all talent",
        "%",
        "%",
        24,
        False,
        _R,
        _STATS_ZH,
        _STATS_EN,
    ),
    Indicator(
        "changning",
        6,
        "每万人口发明专利拥有量",
        "Invention patents held per 10,000 residents",
        "件/万人",
        "patents per 10,000",
        95,
        False,
        _R,
        _PATENT_ZH,
        _PATENT_EN,
    ),
    Indicator(
        "changning",
        7,
        "新增行业领军人才",
        "New industry leading talent",
        "人",
        "people",
        100,
        False,
        _R,
        _REGISTER_ZH,
        _REGISTER_EN,
        baseline=0,
        counts_new=True,
        baseline_source="“十四五”期间，选拔培养各行业领军人才不少于100名（自2021年起）",
    ),
    Indicator(
        "changning",
        8,
        "新增高技能人才",
        "New high-skilled workers",
        "万人",
        "× 10,000 people",
        1.7,
        False,
        _R,
        "由区管理员从区人社局技能人才统计录入并复核；门户只统计经本门户办结技能提升补贴、新取得高级工"
        "（三级）及以上证书的人数（总数的一部分）。",
        "Entered by a district admin from the HR bureau's skills statistics and confirmed by a "
        "second admin. The portal counts only those whose skills subsidy for a new certificate "
        "at level 3 (senior worker) or higher was completed through it (part of the total).",
        baseline=0,
        counts_new=True,
        baseline_source="新增高技能人才 1.7 万人（自2021年起累计）",
        query="high_skill_certifications",
        part_zh="经门户办结技能提升补贴、新取得高级工及以上证书：{n} 人（全区总数来自区人社局）",
        part_en="New certificates at level 3 or higher with a skills subsidy completed through "
        "the portal: {n} (the district total comes from the HR bureau)",
    ),
    Indicator(
        "changning",
        9,
        "人才公寓保有量",
        "Talent apartments held",
        "套",
        "units",
        5000,
        True,
        _C,
        "由门户计算：期末本区人才公寓房源库中登记的全部房源（空置、已配租、出租中和维修中均计入）。",
        "Computed by the portal: every unit in the district's talent-apartment inventory at the "
        "end of the period (available, on offer, let or in maintenance).",
        query="apartment_units_held",
    ),
)

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}


def for_district(district: str) -> list[Indicator]:
    return [i for i in INDICATORS if i.district == district]


DISTRICTS = ("yangpu", "changning")
