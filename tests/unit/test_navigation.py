"""The header and workspace links follow what each page lets in, for every role and department.

Whether a page opens is asked of the page's own route: its access dependencies (as the route
declares them in app/core/access.py) are run for the principal, so a link can neither lead to a
refusal nor be missing for a page the role may open.
"""

from __future__ import annotations

import itertools
import uuid
from functools import cache
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

from app.core.access import access_level
from app.core.navigation import (
    NavItem,
    header_navigation,
    staff_administration,
    staff_navigation,
)
from app.core.templates import templates
from app.domain.enums import Department, Role, UserKind, permissions_for
from app.domain.principal import Principal
from app.errors import PermissionDenied
from app.main import create_app

ROLE_SETS = [(r,) for r in Role] + list(itertools.combinations(Role, 2))


def staff(roles: tuple[Role, ...], department: Department) -> Principal:
    return Principal(
        user_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        kind=UserKind.STAFF,
        email="staff@example.test",
        language="en",
        display_name="Staff",
        staff_id=uuid.uuid4(),
        district="yangpu",
        department=department.value,
        roles=tuple(r.value for r in roles),
        permissions=permissions_for(list(roles)),
    )


def everyone() -> list[Principal]:
    return [staff(roles, d) for roles in ROLE_SETS for d in Department]


def _calls(dependant: Dependant) -> list[Any]:
    out: list[Any] = []
    for dep in dependant.dependencies:
        out.append(dep.call)
        out.extend(_calls(dep))
    return out


@cache
def _get_routes() -> dict[str, Any]:
    routes = {}
    for route in iter_route_contexts(create_app().routes):
        if "GET" in (getattr(route, "methods", None) or ()):
            routes[route.path] = route
    return routes


def _guards(path: str) -> list[Any]:
    route = _get_routes().get(path)
    assert route is not None, f"no page at {path}"
    guards = [c for c in _calls(route.dependant) if access_level(c) is not None]
    assert guards, f"{path} declares no access"
    return guards


async def opens(principal: Principal, href: str) -> bool:
    """Whether the page's route lets the principal in, asked of the route's own checks."""
    request = SimpleNamespace(state=SimpleNamespace(principal=principal))
    for guard in _guards(urlsplit(href).path):
        try:
            await guard(request, None)
        except PermissionDenied:
            return False
    return True


def _declared(href: str) -> set[str]:
    """The permissions a ``staff:`` route declares, any one of which opens it."""
    levels = {access_level(g) for g in _guards(urlsplit(href).path)}
    assert len(levels) == 1, levels
    level = levels.pop()
    assert level is not None and level.startswith("staff:"), (href, level)
    return set(level.removeprefix("staff:").split("|"))


def _all_links(build: Any) -> dict[str, NavItem]:
    """Every link the builder can show, by page, over all roles and departments."""
    return {urlsplit(item.href).path: item for p in everyone() for item in build(p)}


STAFF_PAGES = _all_links(staff_navigation)
ADMIN_PAGES = _all_links(staff_administration)


class TestStaffNavigation:
    def test_links_every_staff_page_of_the_header(self) -> None:
        assert set(STAFF_PAGES) == {
            "/staff",
            "/staff/cases",
            "/staff/window",
            "/staff/verifications",
            "/staff/housing",
            "/staff/finance",
            "/staff/follow-ups",
            "/staff/indicators",
            "/staff/records",
            "/staff/organisations",
            "/staff/youth-stations",
            "/staff/programmes",
            "/staff/reviews",
        }
        assert set(ADMIN_PAGES) == {
            "/staff/audit",
            "/staff/admin/services",
            "/staff/admin/calendar",
            "/staff/admin/policies",
        }

    @pytest.mark.parametrize("build", [staff_navigation, staff_administration])
    def test_each_link_names_the_permissions_its_route_declares(self, build: Any) -> None:
        for item in {i for p in everyone() for i in build(p)}:
            if item.permissions:
                assert {p.value for p in item.permissions} == _declared(item.href), item
            else:
                assert _declared(item.href) == {"housing"}, item

    @pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda rs: "+".join(r.value for r in rs))
    async def test_a_link_is_shown_exactly_when_its_page_opens(
        self, roles: tuple[Role, ...]
    ) -> None:
        for department in Department:
            principal = staff(roles, department)
            for build, pages in (
                (staff_navigation, STAFF_PAGES),
                (staff_administration, ADMIN_PAGES),
            ):
                shown = build(principal)
                for item in shown:
                    assert await opens(principal, item.href), (department, item)
                linked = {urlsplit(item.href).path for item in shown}
                for page in pages:
                    assert (page in linked) == await opens(principal, page), (department, page)

    def test_order_and_labels_stay_as_the_header_had_them(self) -> None:
        approver = staff((Role.APPROVER, Role.WINDOW_CLERK), Department.HOUSING)
        assert [(i.href, i.label) for i in staff_navigation(approver)] == [
            ("/staff", "Staff workspace"),
            ("/staff/cases", "Case queue"),
            ("/staff/cases?mine=1", "My cases"),
            ("/staff/window", "Service window"),
            ("/staff/verifications", "Commitment checks"),
            ("/staff/housing", "Talent apartments"),
            ("/staff/cases?light=red&department=housing", "Escalations"),
            ("/staff/follow-ups", "Ratings and follow-ups"),
        ]
        finance = staff((Role.FINANCE_MAKER,), Department.FINANCE)
        assert [i.label for i in staff_navigation(finance)] == [
            "Staff workspace",
            "Subsidy payments",
        ]
        auditor_admin = staff((Role.AUDITOR, Role.DISTRICT_ADMIN), Department.TALENT_OFFICE)
        assert [i.label for i in staff_administration(auditor_admin)] == [
            "Audit log",
            "Service catalog",
            "Holiday calendar",
            "Policy review",
        ]

    @pytest.mark.parametrize(
        ("roles", "mine", "escalations"),
        [
            ((Role.WINDOW_CLERK,), True, None),
            ((Role.REVIEWER,), True, None),
            ((Role.APPROVER,), True, "/staff/cases?light=red&department=hr_bureau"),
            ((Role.DISTRICT_ADMIN,), False, "/staff/cases?light=red"),
            ((Role.DISTRICT_ADMIN, Role.APPROVER), True, "/staff/cases?light=red"),
        ],
    )
    def test_own_cases_for_case_workers_and_escalations_for_supervisors(
        self, roles: tuple[Role, ...], mine: bool, escalations: str | None
    ) -> None:
        hrefs = [i.href for i in staff_navigation(staff(roles, Department.HR_BUREAU))]
        assert ("/staff/cases?mine=1" in hrefs) is mine
        assert [h for h in hrefs if "light=red" in h] == ([escalations] if escalations else [])


class TestHeader:
    def _principal(self, kind: UserKind) -> Principal:
        return Principal(
            user_id=uuid.uuid4(),
            session_id=uuid.uuid4(),
            kind=kind,
            email="someone@example.test",
            language="en",
            display_name="Someone",
        )

    def test_applicants_and_employers_get_their_own_links(self) -> None:
        applicant = header_navigation(self._principal(UserKind.APPLICANT))
        # Issue 21: the message centre the confirmation page promises is in the header.
        assert [i.href for i in applicant] == [
            "/cases",
            "/messages",
            "/wallet",
            "/housing",
            "/youth-stations",
        ]
        employer = header_navigation(self._principal(UserKind.EMPLOYER))
        assert [i.href for i in employer] == [
            "/employer",
            "/employer/cases",
            "/messages",
            "/organisation",
        ]
        assert header_navigation(None) == []
        assert staff_navigation(self._principal(UserKind.APPLICANT)) == []
        assert staff_administration(self._principal(UserKind.EMPLOYER)) == []

    def test_the_layout_renders_the_links_in_order(self) -> None:
        principal = staff((Role.APPROVER,), Department.HOUSING)
        html = templates.env.get_template("layouts/base.html").render(
            _=lambda message, **params: message,
            lang="en",
            other_lang="zh",
            principal=principal,
            csrf_token="token",
            current_path="/staff",
        )
        nav = html[html.index('class="header-nav"') : html.index('href="/account"')]
        # Each signed-in link folds into the phone menu (class "folds").
        assert (
            '<a class="folds" href="/staff">Staff workspace</a>'
            '<a class="folds" href="/staff/cases">Case queue</a>'
            '<a class="folds" href="/staff/cases?mine=1">My cases</a>'
            '<a class="folds" href="/staff/verifications">Commitment checks</a>'
            '<a class="folds" href="/staff/housing">Talent apartments</a>'
            '<a class="folds" href="/staff/cases?light=red&amp;department=housing">Escalations</a>'
            '<a class="folds" href="/staff/follow-ups">Ratings and follow-ups</a>'
        ) in nav
