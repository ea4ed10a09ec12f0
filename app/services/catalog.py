"""The services the two district plans promise, as introduced on the home page.

The full, admin-editable service catalog (forms, materials, time limits) comes with case
handling; this list is the public overview and names the policy each service is decided by.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import N_


@dataclass(frozen=True)
class ServiceIntro:
    code: str
    district: str  # yangpu | changning | both
    name: str  # msgid
    summary: str  # msgid
    policy_id: str | None


SERVICES: tuple[ServiceIntro, ...] = (
    ServiceIntro(
        "talent_apartment",
        "both",
        N_("Talent apartments"),
        N_("Rent a talent apartment below market rent while you settle in."),
        None,
    ),
    ServiceIntro(
        "rent_subsidy",
        "both",
        N_("Rent subsidies"),
        N_("A monthly subsidy towards your rent, paid to your bank account."),
        None,
    ),
    ServiceIntro(
        "returnee_apartment_subsidy",
        "changning",
        N_("Returnee transition housing support"),
        N_("Monthly rent support for overseas returnees in their first year in Changning."),
        "changning.returnee_apartment_subsidy",
    ),
    ServiceIntro(
        "hukou_bundle",
        "both",
        N_("Talent hukou settlement as one matter"),
        N_("One form and one window for settlement, hukou move-in and the follow-up steps."),
        None,
    ),
    ServiceIntro(
        "youth_station",
        "both",
        N_("Youth stations"),
        N_("Free short stays for young people coming to Shanghai to look for work."),
        "shanghai.youth_station",
    ),
    ServiceIntro(
        "service_card",
        "yangpu",
        N_("Yangpu talent service card"),
        N_("One card for housing, medical and schooling services for high-level talent."),
        "yangpu.service_card",
    ),
    ServiceIntro(
        "exam_fee_reimbursement",
        "yangpu",
        N_("Exam fee reimbursement"),
        N_("Get back the exam fees of professional certificates you newly obtained."),
        "yangpu.exam_fee_reimbursement",
    ),
    ServiceIntro(
        "foreign_work_permit",
        "both",
        N_("Foreign talent work permit pre-check"),
        N_("Check your class (A, B or C) before applying for a work permit."),
        "national.foreign_work_permit",
    ),
)
