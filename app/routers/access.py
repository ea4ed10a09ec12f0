"""The access dependencies routes declare (app.core.access marks them): the caller is resolved
from the session token by the accounts service, then checked for kind, permission or
department."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from app.core.access import ACCESS_ATTR, caller_token, mark
from app.core.logging import user_id_var
from app.db import SessionDep
from app.domain.enums import Permission, UserKind
from app.domain.principal import Principal
from app.errors import AuthenticationRequired, PermissionDenied
from app.services import accounts as accounts_service
from app.services import housing as housing_service
from app.services.housing import dashboard as housing_dashboard
from app.services.talent_register import register as talent_register


async def optional_principal(request: Request, session: SessionDep) -> Principal | None:
    if hasattr(request.state, "principal"):
        return request.state.principal  # type: ignore[no-any-return]
    token, kind = caller_token(request)
    principal = await accounts_service.resolve(session, token, kind) if token else None
    request.state.principal = principal
    if principal is not None:
        user_id_var.set(str(principal.user_id))
    return principal


@mark("public")
async def public(request: Request, session: SessionDep) -> Principal | None:
    """Anyone; the caller is still resolved so pages can show who is signed in."""
    return await optional_principal(request, session)


@mark("authenticated")
async def require_user(request: Request, session: SessionDep) -> Principal:
    principal = await optional_principal(request, session)
    if principal is None:
        raise AuthenticationRequired()
    return principal


def _require_kind(kind: UserKind) -> Callable[..., Awaitable[Principal]]:
    @mark(kind.value)
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


@mark(UserKind.APPLICANT.value)
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


@mark("staff:housing")
async def require_housing_staff(request: Request, session: SessionDep) -> Principal:
    """Talent-apartment officers: the housing department's reviewers and approvers, and
    district admins (inventory, waitlist, allocation, leases)."""
    principal = await require_staff(request, session)
    housing_service.require_housing_staff(principal)
    return principal


@mark("staff:housing_dashboard")
async def require_dashboard_viewer(request: Request, session: SessionDep) -> Principal:
    """The housing dashboard's readers: the housing, finance and talent-office departments and
    district admins (figures only, no personal data)."""
    principal = await require_staff(request, session)
    housing_dashboard.require_dashboard_viewer(principal)
    return principal


@mark("staff:talent_register")
async def require_register_keeper(request: Request, session: SessionDep) -> Principal:
    """The district talent register's keepers: the talent office's reviewers and approvers
    and district admins."""
    principal = await require_staff(request, session)
    talent_register.require_keeper(principal)
    return principal


PublicPage = Annotated[Principal | None, Depends(public)]
CurrentUser = Annotated[Principal, Depends(require_user)]
CurrentApplicant = Annotated[Principal, Depends(require_applicant)]
ApplicantOrSignedOut = Annotated[Principal | None, Depends(applicant_or_signed_out)]
CurrentStaff = Annotated[Principal, Depends(require_staff)]
CurrentEmployer = Annotated[Principal, Depends(require_employer)]
HousingStaff = Annotated[Principal, Depends(require_housing_staff)]
DashboardViewer = Annotated[Principal, Depends(require_dashboard_viewer)]
RegisterKeeper = Annotated[Principal, Depends(require_register_keeper)]
StaffHome = Annotated[Principal, Depends(require_permission(Permission.VIEW_STAFF_HOME))]
CaseStaff = Annotated[Principal, Depends(require_permission(Permission.HANDLE_CASES))]
WindowClerk = Annotated[Principal, Depends(require_permission(Permission.HANDLE_WINDOW))]
StationStaff = Annotated[Principal, Depends(require_permission(Permission.HANDLE_STAYS))]
DocumentVerifier = Annotated[
    Principal, Depends(require_permission(Permission.REVIEW_CASES, Permission.HANDLE_WINDOW))
]
PaymentMaker = Annotated[Principal, Depends(require_permission(Permission.PREPARE_PAYMENTS))]
PaymentChecker = Annotated[Principal, Depends(require_permission(Permission.CHECK_PAYMENTS))]
# District admins: the plans' indicators (figures, evaluations, refresh).
IndicatorEvaluator = Annotated[
    Principal, Depends(require_permission(Permission.EVALUATE_INDICATORS))
]
PaymentStaff = Annotated[
    Principal,
    Depends(require_permission(Permission.PREPARE_PAYMENTS, Permission.CHECK_PAYMENTS)),
]
# District admins: programme rounds, the committee's ranking and decision, the notice, awards.
ProgrammeManager = Annotated[Principal, Depends(require_permission(Permission.MANAGE_PROGRAMMES))]
ProgrammeReviewer = Annotated[Principal, Depends(require_permission(Permission.SCORE_NOMINATIONS))]
# The scores of a nomination: the committee, and its reviewers once their own is submitted.
ScoreReader = Annotated[
    Principal,
    Depends(require_permission(Permission.MANAGE_PROGRAMMES, Permission.SCORE_NOMINATIONS)),
]
