"""Domain vocabularies shared by models, services and pages."""

from __future__ import annotations

from enum import StrEnum


class District(StrEnum):
    YANGPU = "yangpu"
    CHANGNING = "changning"


# Districts whose window and back office keep a 高层次人才服务专窗 queue (Changning's plan):
# cases of certified high-level talent are flagged and listed first.
PRIORITY_WINDOW_DISTRICTS = frozenset({District.CHANGNING.value})


class UserKind(StrEnum):
    APPLICANT = "applicant"
    STAFF = "staff"
    EMPLOYER = "employer"


class ApplicantType(StrEnum):
    DOMESTIC = "domestic"  # 居民身份证
    OVERSEAS = "overseas"  # passport


class IdKind(StrEnum):
    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"


class Role(StrEnum):
    WINDOW_CLERK = "window_clerk"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    FINANCE_MAKER = "finance_maker"
    FINANCE_CHECKER = "finance_checker"
    DISTRICT_ADMIN = "district_admin"
    AUDITOR = "auditor"
    SYSADMIN = "sysadmin"
    # 督办: reads and acts on the cases of every department of the district; each use audited.
    SUPERVISOR = "supervisor"
    # City level (市人才服务中心): keeps the one working-day calendar all districts count on.
    CITY_ADMIN = "city_admin"
    # 档案管理员: the district's records: legal holds, destruction lists (four eyes).
    RECORDS_OFFICER = "records_officer"
    # 青年驿站前台: the district's youth stations: the day's arrivals, check-in and check-out.
    STATION_STAFF = "station_staff"
    # 评审专家: scores the nominations of the district's programme rounds given to them.
    PROGRAMME_REVIEWER = "programme_reviewer"


class Permission(StrEnum):
    VIEW_STAFF_HOME = "view_staff_home"
    VIEW_APPLICANTS = "view_applicants"
    VIEW_FULL_ID = "view_full_id"
    VIEW_EMPLOYERS = "view_employers"
    MANAGE_STAFF = "manage_staff"
    READ_AUDIT = "read_audit"
    HANDLE_WINDOW = "handle_window"
    HANDLE_CASES = "handle_cases"  # read case files and act on them
    REVIEW_CASES = "review_cases"
    APPROVE_CASES = "approve_cases"
    PREPARE_PAYMENTS = "prepare_payments"
    CHECK_PAYMENTS = "check_payments"
    # 好差评: call back after a poor rating and record the outcome (the department's supervisor).
    FOLLOW_UP_RATINGS = "follow_up_ratings"
    # Read every policy parameter with its source or assumption before a version goes live.
    REVIEW_POLICIES = "review_policies"
    # The plans' indicators: record outside figures, confirm another's, write and approve the
    # annual and mid-term evaluations (district admins; maker and checker are two people).
    EVALUATE_INDICATORS = "evaluate_indicators"
    # Cross-department oversight: without it a case is read and handled only by its department
    # (and a bundle by the departments of its parts); every use on another department's case
    # is written to the audit log.
    OVERSEE_DEPARTMENTS = "oversee_departments"
    # A district's service catalog is its admins' (not the system administrator's).
    MANAGE_CATALOG = "manage_catalog"
    # The working-day calendar is city-wide: one city-level role edits it.
    EDIT_CITY_CALENDAR = "edit_city_calendar"
    # Records retention: review and approve destruction lists, place and release legal holds.
    MANAGE_RECORDS = "manage_records"
    # Youth-station stays of the district: check guests in and out, release no-shows.
    HANDLE_STAYS = "handle_stays"
    # Programme rounds: open one, give nominations to reviewers, rank, decide, 公示, award
    # (district admins, who sit for the committee).
    MANAGE_PROGRAMMES = "manage_programmes"
    # Score the nominations given to the reviewer, after declaring their conflicts of interest.
    SCORE_NOMINATIONS = "score_nominations"
    # Organisations registered in the district: check the licence, approve or reject.
    VERIFY_ORGANISATIONS = "verify_organisations"
    # Held by an organisation's own users through their role inside it (OrgRole).
    CONFIRM_EMPLOYMENT = "confirm_employment"
    VIEW_ORGANISATION_PAYMENTS = "view_organisation_payments"
    MANAGE_ORGANISATION = "manage_organisation"


class ConsentPurpose(StrEnum):
    PERSONAL_INFO = "personal_info"  # PIPL art. 14: processing for talent services
    SENSITIVE_INFO = "sensitive_info"  # PIPL art. 29: separate consent for sensitive data
    # Optional processing, withdrawn at any time (PIPL art. 15), effective at once.
    QUALIFYING_NOTICES = "qualifying_notices"  # told when a policy change makes one qualify
    SERVICE_UPDATES = "service_updates"  # news of the portal's services (no marketing)


class Department(StrEnum):
    """Departments that own services; a staff member belongs to exactly one."""

    TALENT_OFFICE = "talent_office"  # 区委人才办 / 人才服务中心
    HR_BUREAU = "hr_bureau"  # 人力资源和社会保障局
    HOUSING = "housing"  # 房屋管理局
    PUBLIC_SECURITY = "public_security"  # 公安分局（户政）
    FINANCE = "finance"  # 财政局
    SERVICE_CENTER = "service_center"  # 行政服务中心（一窗通办）
    EDUCATION = "education"  # 教育局
    HEALTH = "health"  # 卫生健康委员会 (family doctors, specialist referrals)


# Separation of duties (MLPS three-role convention): auditors read the log but no cases;
# admins manage accounts but cannot read the audit log; makers and checkers are different roles.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.WINDOW_CLERK: frozenset(
        {
            Permission.VIEW_STAFF_HOME,
            Permission.VIEW_APPLICANTS,
            Permission.VIEW_FULL_ID,
            Permission.HANDLE_WINDOW,
            Permission.HANDLE_CASES,
        }
    ),
    Role.REVIEWER: frozenset(
        {
            Permission.VIEW_STAFF_HOME,
            Permission.VIEW_APPLICANTS,
            Permission.REVIEW_CASES,
            Permission.VIEW_EMPLOYERS,
            Permission.HANDLE_CASES,
        }
    ),
    Role.APPROVER: frozenset(
        {
            Permission.VIEW_STAFF_HOME,
            Permission.VIEW_APPLICANTS,
            Permission.APPROVE_CASES,
            Permission.VIEW_EMPLOYERS,
            Permission.HANDLE_CASES,
            Permission.FOLLOW_UP_RATINGS,
        }
    ),
    Role.FINANCE_MAKER: frozenset({Permission.VIEW_STAFF_HOME, Permission.PREPARE_PAYMENTS}),
    Role.FINANCE_CHECKER: frozenset({Permission.VIEW_STAFF_HOME, Permission.CHECK_PAYMENTS}),
    Role.DISTRICT_ADMIN: frozenset(
        {
            Permission.VIEW_STAFF_HOME,
            # Their district's case files name the applicant; the read is scoped to those cases.
            Permission.VIEW_APPLICANTS,
            Permission.MANAGE_STAFF,
            Permission.VIEW_EMPLOYERS,
            Permission.HANDLE_CASES,
            Permission.FOLLOW_UP_RATINGS,
            Permission.REVIEW_POLICIES,
            Permission.EVALUATE_INDICATORS,
            # The district's supervisor in the workflow (escalations, revocations, poor ratings).
            Permission.OVERSEE_DEPARTMENTS,
            Permission.MANAGE_CATALOG,
            Permission.VERIFY_ORGANISATIONS,
            Permission.MANAGE_PROGRAMMES,
        }
    ),
    # Policies hold no personal data: auditors may read the review pages too.
    Role.AUDITOR: frozenset(
        {Permission.VIEW_STAFF_HOME, Permission.READ_AUDIT, Permission.REVIEW_POLICIES}
    ),
    Role.SYSADMIN: frozenset({Permission.VIEW_STAFF_HOME, Permission.MANAGE_STAFF}),
    Role.SUPERVISOR: frozenset(
        {
            Permission.VIEW_STAFF_HOME,
            Permission.VIEW_APPLICANTS,
            Permission.VIEW_EMPLOYERS,
            Permission.HANDLE_CASES,
            Permission.FOLLOW_UP_RATINGS,
            Permission.OVERSEE_DEPARTMENTS,
        }
    ),
    Role.CITY_ADMIN: frozenset({Permission.VIEW_STAFF_HOME, Permission.EDIT_CITY_CALENDAR}),
    # Case numbers, services, dates and results only: no case file, no personal data.
    Role.RECORDS_OFFICER: frozenset({Permission.VIEW_STAFF_HOME, Permission.MANAGE_RECORDS}),
    Role.STATION_STAFF: frozenset({Permission.VIEW_STAFF_HOME, Permission.HANDLE_STAYS}),
    # Nominations given to them only: no case file, no other reviewer's score before their own.
    Role.PROGRAMME_REVIEWER: frozenset({Permission.VIEW_STAFF_HOME, Permission.SCORE_NOMINATIONS}),
}


class OrganisationType(StrEnum):
    ENTERPRISE = "enterprise"  # 企业
    INSTITUTION = "institution"  # 事业单位
    SOCIAL_ORGANISATION = "social_organisation"  # 社会组织
    HR_AGENCY = "hr_agency"  # 人力资源服务机构


class OrgRole(StrEnum):
    """A user's role inside their organisation (one each)."""

    ADMIN = "admin"  # invites and removes users, assigns roles, edits the profile
    HR_OFFICER = "hr_officer"  # confirms employees' employment
    FINANCE_CONTACT = "finance_contact"  # sees the payments the organisation receives


ORG_ROLE_PERMISSIONS: dict[OrgRole, frozenset[Permission]] = {
    OrgRole.ADMIN: frozenset(
        {
            Permission.MANAGE_ORGANISATION,
            Permission.CONFIRM_EMPLOYMENT,
            Permission.VIEW_ORGANISATION_PAYMENTS,
        }
    ),
    OrgRole.HR_OFFICER: frozenset({Permission.CONFIRM_EMPLOYMENT}),
    OrgRole.FINANCE_CONTACT: frozenset({Permission.VIEW_ORGANISATION_PAYMENTS}),
}
# What an organisation's users may do before district staff verified it: manage its own
# account (users, profile), nothing that acts on a case or money.
UNVERIFIED_ORG_PERMISSIONS = frozenset({Permission.MANAGE_ORGANISATION})


def org_permissions_for(role: str | None, verified: bool) -> frozenset[Permission]:
    granted = ORG_ROLE_PERMISSIONS.get(OrgRole(role), frozenset()) if role else frozenset()
    return granted if verified else granted & UNVERIFIED_ORG_PERMISSIONS


def permissions_for(roles: list[Role] | list[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[Role(role)]
    return frozenset(granted)
