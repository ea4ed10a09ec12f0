"""The links of the page header and of the staff workspace, built from what the caller may open.

A staff link is shown exactly when its page would let the caller in: each link carries the
permissions its route declares (app/core/access.py) and is shown on those, so the header cannot
drift from ``ROLE_PERMISSIONS`` the way a list of role names in the layout did.
tests/unit/test_navigation.py runs each linked route's own access check to hold it to that.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.enums import Permission, UserKind
from app.domain.principal import Principal
from app.i18n import N_


@dataclass(frozen=True, slots=True)
class NavItem:
    href: str
    label: str  # an English msgid, translated where it is shown
    # The permissions the page's route declares, any one of which opens it. Empty where the gate
    # is not a permission: the kind of user, or the talent-apartment pages' department rule.
    permissions: tuple[Permission, ...] = ()


_CASES = (Permission.HANDLE_CASES,)
# Cases are handed to (and first handled by) window clerks, reviewers and approvers only, so
# only they have cases of their own; others would always find "My cases" empty.
_WORKS_CASES = (Permission.HANDLE_WINDOW, Permission.REVIEW_CASES, Permission.APPROVE_CASES)

_MESSAGES = NavItem("/messages", N_("Messages"))
_EMPLOYER = (
    NavItem("/employer", N_("Organisation workspace")),
    NavItem("/employer/cases", N_("Employment confirmations")),
    _MESSAGES,
    NavItem("/organisation", N_("Your organisation")),
)
_APPLICANT = (
    NavItem("/cases", N_("My applications")),
    _MESSAGES,
    NavItem("/wallet", N_("Document wallet")),
    NavItem("/housing", N_("Housing")),
    NavItem("/youth-stations", N_("Youth stations")),
)


def header_navigation(principal: Principal | None) -> list[NavItem]:
    """The signed-in caller's links, in the order the header shows them."""
    if principal is None:
        return []
    if principal.kind is UserKind.STAFF:
        return staff_navigation(principal)
    if principal.kind is UserKind.EMPLOYER:
        return list(_EMPLOYER)
    return list(_APPLICANT)


def staff_navigation(principal: Principal) -> list[NavItem]:
    if principal.kind is not UserKind.STAFF:
        return []
    items = [
        NavItem("/staff", N_("Staff workspace"), (Permission.VIEW_STAFF_HOME,)),
        NavItem("/staff/cases", N_("Case queue"), _CASES),
    ]
    if _any(principal, _WORKS_CASES):
        items.append(NavItem("/staff/cases?mine=1", N_("My cases"), _CASES))
    items += [
        NavItem("/staff/window", N_("Service window"), (Permission.HANDLE_WINDOW,)),
        NavItem("/staff/verifications", N_("Commitment checks"), (Permission.APPROVE_CASES,)),
    ]
    if principal.handles_housing:
        items.append(NavItem("/staff/housing", N_("Talent apartments")))
    items.append(
        NavItem(
            "/staff/finance",
            N_("Subsidy payments"),
            (Permission.PREPARE_PAYMENTS, Permission.CHECK_PAYMENTS),
        )
    )
    # Escalations are for supervisors (those who also follow up poor ratings): a district's
    # admins see the whole district's, a department's approvers their department's.
    if principal.can(Permission.FOLLOW_UP_RATINGS):
        escalations = "/staff/cases?light=red"
        if not principal.can(Permission.OVERSEE_DEPARTMENTS):
            escalations += f"&department={principal.department}"
        items.append(NavItem(escalations, N_("Escalations"), _CASES))
    items.append(
        NavItem("/staff/follow-ups", N_("Ratings and follow-ups"), (Permission.FOLLOW_UP_RATINGS,))
    )
    items.append(
        NavItem("/staff/indicators", N_("Plan indicators"), (Permission.EVALUATE_INDICATORS,))
    )
    items.append(NavItem("/staff/records", N_("Records retention"), (Permission.MANAGE_RECORDS,)))
    items.append(
        NavItem("/staff/youth-stations", N_("Youth-station stays"), (Permission.HANDLE_STAYS,))
    )
    items.append(
        NavItem("/staff/programmes", N_("Programme rounds"), (Permission.MANAGE_PROGRAMMES,))
    )
    items.append(NavItem("/staff/reviews", N_("My reviews"), (Permission.SCORE_NOMINATIONS,)))
    items.append(
        NavItem(
            "/staff/organisations",
            N_("Organisations to verify"),
            (Permission.VERIFY_ORGANISATIONS,),
        )
    )
    return [item for item in items if not item.permissions or _any(principal, item.permissions)]


def staff_administration(principal: Principal) -> list[NavItem]:
    """The administration links of the staff workspace page."""
    if principal.kind is not UserKind.STAFF:
        return []
    items = [
        NavItem("/staff/audit", N_("Audit log"), (Permission.READ_AUDIT,)),
        NavItem("/staff/admin/services", N_("Service catalog"), (Permission.MANAGE_CATALOG,)),
        NavItem(
            "/staff/admin/calendar",
            N_("Holiday calendar"),
            (Permission.MANAGE_CATALOG, Permission.EDIT_CITY_CALENDAR),
        ),
        NavItem("/staff/admin/policies", N_("Policy review"), (Permission.REVIEW_POLICIES,)),
    ]
    return [item for item in items if _any(principal, item.permissions)]


def _any(principal: Principal, permissions: tuple[Permission, ...]) -> bool:
    return any(principal.can(p) for p in permissions)
