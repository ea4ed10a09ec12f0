"""Display names (msgids) for domain codes, translated where they are shown."""

from __future__ import annotations

from types import SimpleNamespace

from app.domain.enums import Department, District, Role
from app.i18n import N_

DISTRICT: dict[str, str] = {
    District.YANGPU: N_("Yangpu"),
    District.CHANGNING: N_("Changning"),
}

DEPARTMENT: dict[str, str] = {
    Department.TALENT_OFFICE: N_("Talent office"),
    Department.HR_BUREAU: N_("Human resources and social security bureau"),
    Department.HOUSING: N_("Housing administration"),
    Department.PUBLIC_SECURITY: N_("Public security (household registration)"),
    Department.FINANCE: N_("Finance bureau"),
    Department.SERVICE_CENTER: N_("Administrative service centre"),
    Department.EDUCATION: N_("Education bureau"),
    Department.HEALTH: N_("Health commission"),
}

ROLE: dict[str, str] = {
    Role.WINDOW_CLERK: N_("Window clerk"),
    Role.REVIEWER: N_("Reviewer"),
    Role.APPROVER: N_("Approver"),
    Role.FINANCE_MAKER: N_("Finance maker"),
    Role.FINANCE_CHECKER: N_("Finance checker"),
    Role.DISTRICT_ADMIN: N_("District administrator"),
    Role.AUDITOR: N_("Auditor"),
    Role.SYSADMIN: N_("System administrator"),
    Role.SUPERVISOR: N_("Cross-department supervisor"),
    Role.CITY_ADMIN: N_("City calendar administrator"),
    Role.STATION_STAFF: N_("Youth station staff"),
    Role.PROGRAMME_REVIEWER: N_("Programme reviewer"),
}

# How an application came in (``channel`` of an application and its case).
CHANNEL: dict[str, str] = {
    "web": N_("Online (web)"),
    "api": N_("Mobile app"),
    "window": N_("At a service window"),
}

# Service points (issue 17): kinds, languages spoken at the counter, accessibility features.
POINT_KIND: dict[str, str] = {
    "window": N_("Service centre window"),
    "talent_station": N_("Talent service station"),
    "youth_station": N_("Youth talent station"),
    "priority_window": N_("High-level talent service window"),
}

SPOKEN_LANGUAGE: dict[str, str] = {
    "zh": N_("Chinese"),
    "en": N_("English"),
    "ja": N_("Japanese"),
    "ko": N_("Korean"),
    "fr": N_("French"),
    "de": N_("German"),
}

ACCESSIBILITY: dict[str, str] = {
    "step_free": N_("Step-free entrance"),
    "accessible_toilet": N_("Accessible toilet"),
    "hearing_loop": N_("Hearing loop at the counter"),
    "low_counter": N_("Low counter for wheelchair users"),
    "sign_language": N_("Sign language on request"),
    "guide_dogs": N_("Guide dogs welcome"),
}

STAY_STATUS: dict[str, str] = {
    "booked": N_("Booked"),
    "checked_in": N_("Checked in"),
    "checked_out": N_("Checked out"),
    "no_show": N_("Did not arrive (released)"),
    "cancelled": N_("Cancelled"),
}

BED_GENDER: dict[str, str] = {
    "any": N_("Any guest"),
    "female": N_("Women's room"),
    "male": N_("Men's room"),
}

APPOINTMENT_STATUS: dict[str, str] = {
    "booked": N_("Booked"),
    "checked_in": N_("Checked in"),
    "no_show": N_("Did not come"),
    "cancelled": N_("Cancelled"),
}

# The needs the Yangpu talent service card serves (the policy's ``services`` parameter).
SERVICE_AREA: dict[str, str] = {
    "housing": N_("Housing"),
    "medical": N_("Medical care"),
    "education": N_("Children's schooling"),
}

# What an audit entry is about, as the audit page names it (the id stays beside it).
AUDIT_OBJECT: dict[str, str] = {
    "case": N_("Case"),
    "employer": N_("Organisation"),
    "user": N_("User account"),
    "payment_cycle": N_("Payment cycle"),
    "lease": N_("Lease"),
    "applicant": N_("Applicant"),
    "document": N_("Document"),
    "destruction_list": N_("Destruction list"),
    "session": N_("Sign-in session"),
    "enrolment": N_("Subsidy enrolment"),
    "data_export": N_("Copy of personal data"),
    "indicator_value": N_("Indicator value"),
    "grant_payment": N_("Grant payment"),
    "correction_request": N_("Correction request"),
    "appointment": N_("Appointment"),
    "youth_station_stay": N_("Youth-station stay"),
    "apartment_project": N_("Apartment project"),
    "staff_member": N_("Staff member"),
    "service": N_("Service"),
    "indicator_snapshot": N_("Indicator snapshot"),
    "indicator_refresh": N_("Indicator refresh"),
    "calendar_day": N_("Calendar day"),
    "application": N_("Application"),
    "apartment_unit": N_("Apartment"),
    "apartment_offer": N_("Apartment offer"),
    "talent_register_entry": N_("Talent register entry"),
}

# A monthly payment run and its lines on the finance pages, by status code.
PAYMENT_CYCLE_STATUS: dict[str, str] = {
    "computed": N_("Computed, awaiting the maker's review"),
    "reviewed": N_("Reviewed, awaiting the checker's approval"),
    "approved": N_("Approved, to be paid by the bank"),
    "reconciled": N_("Reconciled with the bank's result"),
}

PAYMENT_LINE_STATUS: dict[str, str] = {
    "due": N_("Awaiting the bank's result"),
    "paid": N_("Paid"),
    "failed": N_("Failed, retried in the next run"),
    "carried": N_("Carried to a later run"),
}


ALL = SimpleNamespace(
    district=DISTRICT,
    department=DEPARTMENT,
    role=ROLE,
    channel=CHANNEL,
    point_kind=POINT_KIND,
    spoken_language=SPOKEN_LANGUAGE,
    accessibility=ACCESSIBILITY,
    appointment_status=APPOINTMENT_STATUS,
    stay_status=STAY_STATUS,
    bed_gender=BED_GENDER,
    audit_object=AUDIT_OBJECT,
    payment_cycle_status=PAYMENT_CYCLE_STATUS,
    payment_line_status=PAYMENT_LINE_STATUS,
)
