from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, status

from app.core.access import public_api
from app.core.ratelimit import RateLimit, client_address
from app.db import SessionDep
from app.routers.access import CurrentUser
from app.schemas.accounts import (
    EmailConfirmationRequest,
    LoginRequest,
    RefreshRequest,
    Registration,
    RegistrationAccepted,
    TokenPair,
)
from app.schemas.forms import PasswordChange, PasswordReset, PasswordResetRequest
from app.services import accounts as accounts_service

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
_login_limit = Depends(RateLimit("login", "rate_limit_login"))


@router.post(
    "/register",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(public_api), _login_limit],
)
async def register(
    data: Annotated[Registration, Body()], session: SessionDep
) -> RegistrationAccepted:
    """Registers an applicant (domestic with 居民身份证, or overseas with a passport). The answer
    is the same whether or not the email address or ID number is registered already: a message
    goes to the address, with a link to confirm it (POST /confirm-email) for a new account, or
    telling the owner of an existing one about the attempt."""
    await accounts_service.register(session, data, channel="api")
    return RegistrationAccepted()


@router.post(
    "/confirm-email",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(public_api), _login_limit],
)
async def confirm_email(data: EmailConfirmationRequest, session: SessionDep) -> None:
    """Confirms a new account's email address with the token from the emailed link."""
    await accounts_service.confirm_email(session, data.token)


@router.post("/login", dependencies=[Depends(public_api), _login_limit])
async def login(request: Request, data: LoginRequest, session: SessionDep) -> TokenPair:
    issued = await accounts_service.login(
        session,
        data.email,
        data.password,
        data.totp_code,
        kind="api",
        client=client_address(request),
    )
    assert issued.refresh_token is not None
    return TokenPair(
        access_token=issued.token, refresh_token=issued.refresh_token, expires_in=issued.expires_in
    )


@router.post("/refresh", dependencies=[Depends(public_api), _login_limit])
async def refresh(data: RefreshRequest, session: SessionDep) -> TokenPair:
    issued = await accounts_service.refresh(session, data.refresh_token)
    assert issued.refresh_token is not None
    return TokenPair(
        access_token=issued.token, refresh_token=issued.refresh_token, expires_in=issued.expires_in
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentUser, session: SessionDep) -> None:
    await accounts_service.logout(session, principal)


@router.post("/password", dependencies=[_login_limit])
async def change_password(
    data: PasswordChange, principal: CurrentUser, session: SessionDep
) -> TokenPair:
    """Changes the caller's password with the current one. Every login of the account ends,
    this one too; the answer is a new token pair to continue with."""
    issued = await accounts_service.change_password(session, principal, data, kind="api")
    assert issued.refresh_token is not None
    return TokenPair(
        access_token=issued.token, refresh_token=issued.refresh_token, expires_in=issued.expires_in
    )


@router.post(
    "/password/forgot",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(public_api), _login_limit],
)
async def forgot_password(data: PasswordResetRequest, session: SessionDep) -> None:
    """Emails a reset link if an account has the address; the answer is the same either way."""
    await accounts_service.request_reset(session, data)


@router.post(
    "/password/reset",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(public_api), _login_limit],
)
async def reset_password(data: PasswordReset, session: SessionDep) -> None:
    """Sets a new password with the token from a reset link; every login of the account ends."""
    await accounts_service.reset_password(session, data)
