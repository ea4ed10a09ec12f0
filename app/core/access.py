"""Access declarations. Every route depends on exactly one of these; a test walks all routes.

The caller comes from the page cookie (pages) or the bearer token (``/api``), never both, so a
cookie cannot be used to drive the API from another site.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from app.db import SessionDep
from app.domain.enums import Permission, UserKind
from app.domain.principal import Principal
from app.errors import AuthenticationRequired, PermissionDenied
from app.services import accounts as accounts_service

SESSION_COOKIE = "tp_session"
ACCESS_ATTR = "__access__"


F = TypeVar("F", bound=Callable[..., Any])


def _mark(level: str) -> Callable[[F], F]:
    def deco(fn: F) -> F:
        setattr(fn, ACCESS_ATTR, level)
        return fn

    return deco


def _token(request: Request) -> tuple[str | None, str]:
    if request.url.path.startswith("/api/"):
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        return (value.strip() if scheme.lower() == "bearer" and value.strip() else None), "api"
    return request.cookies.get(SESSION_COOKIE), "web"


async def optional_principal(request: Request, session: SessionDep) -> Principal | None:
    if hasattr(request.state, "principal"):
        return request.state.principal  # type: ignore[no-any-return]
    token, kind = _token(request)
    principal = await accounts_service.resolve(session, token, kind) if token else None
    request.state.principal = principal
    return principal


@_mark("public")
async def public(request: Request, session: SessionDep) -> Principal | None:
    """Anyone; the caller is still resolved so pages can show who is signed in."""
    return await optional_principal(request, session)


@_mark("public")
async def public_api() -> None:
    """Anyone, no session lookup (public JSON such as eligibility checks and health)."""


@_mark("authenticated")
async def require_user(request: Request, session: SessionDep) -> Principal:
    principal = await optional_principal(request, session)
    if principal is None:
        raise AuthenticationRequired()
    return principal


def _require_kind(kind: UserKind) -> Callable[..., Awaitable[Principal]]:
    @_mark(kind.value)
    async def dependency(request: Request, session: SessionDep) -> Principal:
        principal = await require_user(request, session)
        if principal.kind is not kind:
            raise PermissionDenied()
        return principal

    dependency.__name__ = f"require_{kind.value}"
    return dependency


require_applicant = _require_kind(UserKind.APPLICANT)
require_staff = _require_kind(UserKind.STAFF)
require_employer = _require_kind(UserKind.EMPLOYER)


@_mark(UserKind.APPLICANT.value)
async def applicant_or_signed_out(request: Request, session: SessionDep) -> Principal | None:
    """An applicant, or None when the sign-in has expired: a page that must not lose what was
    posted keeps it and asks to sign in again (doing nothing else). Anyone else is refused."""
    principal = await optional_principal(request, session)
    if principal is not None and principal.kind is not UserKind.APPLICANT:
        raise PermissionDenied()
    return principal


class require_permission:
    """Staff with a permission from one of their roles; given several, any one of them will do
    (a page shared by finance makers and checkers)."""

    def __init__(self, permission: Permission, *alternatives: Permission) -> None:
        self.permissions = (permission, *alternatives)
        setattr(self, ACCESS_ATTR, "staff:" + "|".join(p.value for p in self.permissions))

    async def __call__(self, request: Request, session: SessionDep) -> Principal:
        principal = await require_staff(request, session)
        if not any(principal.can(p) for p in self.permissions):
            raise PermissionDenied()
        return principal


@_mark("staff:housing")
async def require_housing_staff(request: Request, session: SessionDep) -> Principal:
    """Talent-apartment officers: the housing department's reviewers and approvers, and
    district admins (inventory, waitlist, allocation, leases)."""
    from app.services.housing import require_housing_staff as check

    principal = await require_staff(request, session)
    check(principal)
    return principal


@_mark("staff:housing_dashboard")
async def require_dashboard_viewer(request: Request, session: SessionDep) -> Principal:
    """The housing dashboard's readers: the housing, finance and talent-office departments and
    district admins (figures only, no personal data)."""
    from app.services.housing.dashboard import require_dashboard_viewer as check

    principal = await require_staff(request, session)
    check(principal)
    return principal


PublicPage = Annotated[Principal | None, Depends(public)]
CurrentUser = Annotated[Principal, Depends(require_user)]
CurrentApplicant = Annotated[Principal, Depends(require_applicant)]
ApplicantOrSignedOut = Annotated[Principal | None, Depends(applicant_or_signed_out)]
CurrentStaff = Annotated[Principal, Depends(require_staff)]
CurrentEmployer = Annotated[Principal, Depends(require_employer)]
HousingStaff = Annotated[Principal, Depends(require_housing_staff)]
DashboardViewer = Annotated[Principal, Depends(require_dashboard_viewer)]
StaffHome = Annotated[Principal, Depends(require_permission(Permission.VIEW_STAFF_HOME))]
CaseStaff = Annotated[Principal, Depends(require_permission(Permission.HANDLE_CASES))]
WindowClerk = Annotated[Principal, Depends(require_permission(Permission.HANDLE_WINDOW))]
DocumentVerifier = Annotated[
    Principal, Depends(require_permission(Permission.REVIEW_CASES, Permission.HANDLE_WINDOW))
]
PaymentMaker = Annotated[Principal, Depends(require_permission(Permission.PREPARE_PAYMENTS))]
PaymentChecker = Annotated[Principal, Depends(require_permission(Permission.CHECK_PAYMENTS))]
PaymentStaff = Annotated[
    Principal,
    Depends(require_permission(Permission.PREPARE_PAYMENTS, Permission.CHECK_PAYMENTS)),
]


def access_level(call: Any) -> str | None:
    return getattr(call, ACCESS_ATTR, None)
