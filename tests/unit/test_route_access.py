"""Every route declares who may call it; every state-changing page checks a CSRF token."""

from __future__ import annotations

from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

from app.core.access import access_level
from app.core.csrf import csrf_protect
from app.domain.enums import Permission
from app.main import create_app

# Framework routes without dependencies: the API docs (off in production) and static files.
FRAMEWORK_ROUTES = {"/api/openapi.json", "/api/docs", "/docs/oauth2-redirect", "/static"}
# Talent-apartment pages are gated by department as well as role (app/services/housing*.py).
DEPARTMENT_GATES = {"housing", "housing_dashboard", "talent_register"}


def _calls(dependant: Dependant) -> list[object]:
    out: list[object] = []
    for dep in dependant.dependencies:
        out.append(dep.call)
        out.extend(_calls(dep))
    return out


def _routes() -> list[Any]:
    """Effective routes, with the dependencies their routers add (FastAPI's route contexts)."""
    return list(iter_route_contexts(create_app().routes))


class TestRouteAccess:
    def test_every_route_declares_access(self) -> None:
        undeclared = []
        routes = _routes()
        assert len(routes) > 20
        for route in routes:
            if route.path in FRAMEWORK_ROUTES:
                continue
            dependant = getattr(route, "dependant", None)
            levels = {access_level(c) for c in _calls(dependant)} - {None} if dependant else set()
            if len(levels) != 1:
                undeclared.append(f"{sorted(route.methods or [])} {route.path}: {levels}")
        assert undeclared == []

    def test_there_are_routes_of_every_kind(self) -> None:
        levels: set[str] = set()
        for route in _routes():
            if getattr(route, "dependant", None) is not None:
                levels |= {access_level(c) for c in _calls(route.dependant)} - {None}
        assert {"public", "authenticated", "applicant", "employer"} <= levels
        assert any(level.startswith("staff:") for level in levels)

    def test_staff_routes_name_the_permission_they_need(self) -> None:
        """Being staff is not enough: each staff route names a permission from the roles map
        (or one of the department gates for talent apartments)."""
        known = {p.value for p in Permission} | DEPARTMENT_GATES
        wrong = []
        for route in _routes():
            if getattr(route, "dependant", None) is None:
                continue
            for level in {access_level(c) for c in _calls(route.dependant)} - {None}:
                if level == "staff" or (
                    level.startswith("staff:") and not set(level[6:].split("|")) <= known
                ):
                    wrong.append(f"{sorted(route.methods or [])} {route.path}: {level}")
        assert wrong == []

    def test_every_state_changing_page_checks_csrf(self) -> None:
        unprotected = []
        for route in _routes():
            if route.path.startswith("/api/") or route.path in FRAMEWORK_ROUTES:
                continue
            if (route.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"} and (
                csrf_protect not in _calls(route.dependant)
            ):
                unprotected.append(route.path)
        assert unprotected == []


def test_every_route_that_reads_files_declares_it() -> None:
    """The body limit gives the upload size only to routes marked ACCEPTS_FILES; a route that
    reads an upload without the mark would refuse every real file at the form limit."""
    import inspect

    from app.core.uploads import ACCEPTS_FILES

    unmarked = []
    for context in _routes():
        endpoint = getattr(context.route, "endpoint", None)
        if endpoint is None:
            continue
        source = inspect.getsource(endpoint)
        reads_files = "read_upload(" in source or "max_files=" in source
        marked = (getattr(context.route, "openapi_extra", None) or {}).get(ACCEPTS_FILES)
        if reads_files and not marked:
            unmarked.append(context.path)
    assert unmarked == []
